//! The one error type that crosses IPC: a code the UI translates and a detail.

use serde::{Deserialize, Serialize};

use cds_domain::report::Invalid;

/// An error as the UI receives it. The UI shows a translation of `code`; `message`
/// is a detail for logs and bug reports, never matched on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiError {
    pub code: ErrorCode,
    pub message: String,
    /// For `InvalidInput`: which field broke which rule, to say next to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<Invalid>,
    /// For `TooManyAttempts`: how long to wait, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<u64>,
}

/// What went wrong, as something the user or the UI can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The database or photo folder on the device cannot be opened (permissions,
    /// missing storage). Files are kept as they are.
    StorageUnavailable,
    /// The database file is damaged or not a database; it is kept, not overwritten.
    StorageCorrupt,
    /// Another program (or another copy of the app) holds the database.
    StorageLocked,
    /// The device's storage is full; nothing was half-saved.
    StorageFull,
    /// The database was written by a newer version of the app: update the app.
    StorageTooNew,
    /// The request was refused as invalid; the message says which field.
    InvalidInput,
    /// The draft or report asked for does not exist (any more).
    NotFound,
    /// The item's state does not allow that now (e.g. cancel while sending).
    NotNow,
    /// The province's server could not be reached; try again later.
    Offline,
    /// The app's configuration (server address, key) cannot be used; the
    /// message names the value. Whoever installed the app must correct it.
    Configuration,
    /// The province's server refused the request; the message says why.
    Refused,
    /// The UI and the shell disagree (a bug): a response did not match its type.
    Protocol,
    /// Too many attempts (wrong dossier digits): wait `wait_seconds`.
    TooManyAttempts,
    /// A link to a page the app does not open (not https, or not a trusted host).
    LinkNotAllowed,
    /// Anything else; a bug to report.
    Internal,
}

impl UiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> UiError {
        UiError {
            code,
            message: message.into(),
            invalid: None,
            wait_seconds: None,
        }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for UiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_as_code_and_message() {
        let err = UiError::new(ErrorCode::StorageUnavailable, "disk full");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "storage_unavailable", "message": "disk full"})
        );
        let back: UiError = serde_json::from_value(json).unwrap();
        assert_eq!(back, err);
    }
}
