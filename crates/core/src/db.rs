//! Opening the on-device SQLite database and running queries off the async threads.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::{Error, StorageProblem, schema::MIGRATIONS};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "cong-dan-so.sqlite3";

/// The database, shared by all commands. SQLite work runs on the blocking pool.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating when absent) and migrates the database in `dir`.
    pub async fn open(dir: PathBuf) -> Result<Store, Error> {
        tokio::task::spawn_blocking(move || Store::open_blocking(&dir))
            .await
            .map_err(|err| Error::Internal(format!("database opener stopped: {err}")))?
    }

    fn open_blocking(dir: &Path) -> Result<Store, Error> {
        let path = dir.join(DB_FILE);
        std::fs::create_dir_all(dir).map_err(|err| Error::Storage {
            problem: StorageProblem::CannotOpen,
            path: path.clone(),
            detail: err.to_string(),
        })?;
        let storage = |err: rusqlite::Error| storage_error(&path, err);
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(storage)?;
        conn.busy_timeout(Duration::from_secs(2)).map_err(storage)?;
        // Reading the schema version first detects a file that is not a database
        // before any pragma could write to it.
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(storage)?;
        let applied = usize::try_from(version).unwrap_or(usize::MAX);
        if applied > MIGRATIONS.len() {
            return Err(Error::Storage {
                problem: StorageProblem::TooNew,
                path,
                detail: format!(
                    "schema {version}; this version of the app knows {}",
                    MIGRATIONS.len()
                ),
            });
        }
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(storage)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(storage)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(storage)?;
        for (index, step) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = conn.transaction().map_err(storage)?;
            tx.execute_batch(step).map_err(storage)?;
            tx.pragma_update(
                None,
                "user_version",
                i64::try_from(index + 1).unwrap_or(i64::MAX),
            )
            .map_err(storage)?;
            tx.commit().map_err(storage)?;
        }
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path,
        })
    }

    /// Runs `f` with the connection on the blocking thread pool.
    pub async fn call<R, F>(&self, f: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        self.run(move |conn| f(conn).map_err(StoreError::from))
            .await
    }

    /// Runs `f` with the connection on the blocking thread pool, for work that
    /// mixes SQL with files or rules ([`StoreError`]).
    pub async fn run<R, F>(&self, f: F) -> Result<R, Error>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| Error::Internal("a database call panicked earlier".into()))?;
            f(&mut guard).map_err(|err| err.into_error(&path))
        })
        .await
        .map_err(|err| Error::Internal(format!("database worker stopped: {err}")))?
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// A failure inside a store closure, turned into an [`Error`] at the edge.
#[derive(Debug)]
pub enum StoreError {
    Sql(rusqlite::Error),
    Io(std::io::Error),
    Invalid(cds_domain::report::Invalid),
    NotFound,
    Illegal(cds_domain::outbox::Illegal),
    Corrupt(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> StoreError {
        StoreError::Sql(err)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(err: std::io::Error) -> StoreError {
        StoreError::Io(err)
    }
}

impl From<cds_domain::report::Invalid> for StoreError {
    fn from(err: cds_domain::report::Invalid) -> StoreError {
        StoreError::Invalid(err)
    }
}

impl From<cds_domain::outbox::Illegal> for StoreError {
    fn from(err: cds_domain::outbox::Illegal) -> StoreError {
        StoreError::Illegal(err)
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(err: serde_json::Error) -> StoreError {
        StoreError::Corrupt(format!("stored JSON: {err}"))
    }
}

impl StoreError {
    fn into_error(self, path: &Path) -> Error {
        match self {
            StoreError::Sql(err) => storage_error(path, err),
            StoreError::Io(err) => {
                let problem = match err.kind() {
                    std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                        StorageProblem::DiskFull
                    }
                    std::io::ErrorKind::PermissionDenied
                    | std::io::ErrorKind::ReadOnlyFilesystem => StorageProblem::CannotOpen,
                    _ => return Error::Internal(format!("photo files: {err}")),
                };
                Error::Storage {
                    problem,
                    path: path.to_owned(),
                    detail: err.to_string(),
                }
            }
            StoreError::Invalid(invalid) => Error::Invalid(invalid),
            StoreError::NotFound => Error::NotFound,
            StoreError::Illegal(illegal) => Error::NotNow(illegal),
            StoreError::Corrupt(detail) => Error::Storage {
                problem: StorageProblem::Corrupt,
                path: path.to_owned(),
                detail,
            },
        }
    }
}

/// Classifies a SQLite failure for the user.
fn storage_error(path: &Path, err: rusqlite::Error) -> Error {
    let problem = match err.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StorageProblem::Corrupt,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StorageProblem::Locked,
        Some(ErrorCode::DiskFull) => StorageProblem::DiskFull,
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            StorageProblem::CannotOpen
        }
        _ => return Error::Internal(format!("database {}: {err}", path.display())),
    };
    Error::Storage {
        problem,
        path: path.to_owned(),
        detail: err.to_string(),
    }
}
