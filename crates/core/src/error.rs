//! The engine's public errors: few variants, each one something a caller acts on.

use std::path::PathBuf;

/// An error the shell turns into a `UiError` code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database on the device cannot be used. The file is left as it is.
    #[error("storage unavailable ({problem:?}) at {}: {detail}", path.display())]
    Storage {
        problem: StorageProblem,
        path: PathBuf,
        detail: String,
    },
    /// A value breaks a rule; says which field and which rule.
    #[error("invalid: {0}")]
    Invalid(#[from] cds_domain::report::Invalid),
    /// The draft or report does not exist (any more).
    #[error("not found")]
    NotFound,
    /// The item's state does not allow that now (e.g. cancel while sending).
    #[error("not now: {0}")]
    NotNow(cds_domain::outbox::Illegal),
    /// A configuration value (environment or stored setting) cannot be used;
    /// the message names it. Whoever set it up must correct it.
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    /// The province's API could not be reached or gave no usable answer; the
    /// request can be tried again later.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The province's server refused the request for a reason of its own
    /// (e.g. rating a report that is not resolved); the message says why.
    #[error("refused by the server: {0}")]
    Refused(String),
    /// The province asks to wait before trying again (too many wrong guesses
    /// of a dossier's phone digits): this many seconds.
    #[error("too many attempts: wait {seconds} s")]
    Wait { seconds: u64 },
    /// A bug or an unexpected condition; the message is for the log.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Why the database cannot be used, so that the UI can say it in plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageProblem {
    /// The file is not a database or is damaged.
    Corrupt,
    /// Another process holds it.
    Locked,
    /// The disk is full.
    DiskFull,
    /// Written by a newer version of the app.
    TooNew,
    /// The folder or file cannot be opened (permissions, missing disk).
    CannotOpen,
}
