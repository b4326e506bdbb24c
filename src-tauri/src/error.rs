//! The IPC edge of errors: engine errors become `UiError { code, message }`.

use cds_core::StorageProblem;
use cds_ipc::{ErrorCode, UiError};

pub fn ui_error(err: cds_core::Error) -> UiError {
    let code = match &err {
        cds_core::Error::Storage { problem, .. } => match problem {
            StorageProblem::Corrupt => ErrorCode::StorageCorrupt,
            StorageProblem::Locked => ErrorCode::StorageLocked,
            StorageProblem::DiskFull => ErrorCode::StorageFull,
            StorageProblem::TooNew => ErrorCode::StorageTooNew,
            StorageProblem::CannotOpen => ErrorCode::StorageUnavailable,
        },
        cds_core::Error::Invalid(_) => ErrorCode::InvalidInput,
        cds_core::Error::NotFound => ErrorCode::NotFound,
        cds_core::Error::Unreachable(_) => ErrorCode::Offline,
        cds_core::Error::NotNow(_) => ErrorCode::NotNow,
        cds_core::Error::Config(_) => ErrorCode::Configuration,
        cds_core::Error::Refused(_) => ErrorCode::Refused,
        cds_core::Error::Wait { .. } => ErrorCode::TooManyAttempts,
        cds_core::Error::Internal(_) => ErrorCode::Internal,
    };
    let invalid = match &err {
        cds_core::Error::Invalid(invalid) => Some(*invalid),
        _ => None,
    };
    let wait_seconds = match &err {
        cds_core::Error::Wait { seconds } => Some(*seconds),
        _ => None,
    };
    UiError {
        invalid,
        wait_seconds,
        ..UiError::new(code, err.to_string())
    }
}
