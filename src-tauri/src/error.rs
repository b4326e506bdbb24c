//! The IPC edge of errors: engine errors become `UiError { code, message }`.

use cds_ipc::{ErrorCode, UiError};

pub fn ui_error(err: cds_core::Error) -> UiError {
    let code = match &err {
        cds_core::Error::Storage { .. } => ErrorCode::StorageUnavailable,
        cds_core::Error::InvalidInput(_) => ErrorCode::InvalidInput,
        cds_core::Error::Config(_) => ErrorCode::Configuration,
        cds_core::Error::Internal(_) => ErrorCode::Internal,
    };
    UiError::new(code, err.to_string())
}
