//! The gateway's SQLite database: opening (WAL), migrations, the demo seed, queries.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use cds_domain::Catalogue;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "gateway.sqlite3";

/// The demo province's catalogue, also bundled in the app as its default.
const DEMO_CATALOGUE: &[u8] = include_bytes!("../../../assets/catalogue/hue.json");

/// Schema steps; `PRAGMA user_version` counts how many have been applied.
const MIGRATIONS: &[&str] = &["CREATE TABLE catalogue (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body BLOB NOT NULL,
        etag TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ) STRICT;"];

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot create data folder {0}: {1}")]
    Folder(PathBuf, std::io::Error),
    #[error("database {0} is from a newer gateway (schema {1}, this one knows {2})")]
    TooNew(PathBuf, i64, usize),
    #[error("the bundled demo catalogue is invalid: {0}")]
    Seed(#[from] cds_domain::CatalogueError),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("database worker stopped: {0}")]
    Worker(String),
}

/// A handle to the database, cheap to clone into every handler.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens the database in `dir`, creating, migrating and seeding it as needed.
    pub fn open(dir: &Path) -> Result<Db, DbError> {
        std::fs::create_dir_all(dir).map_err(|err| DbError::Folder(dir.to_owned(), err))?;
        let path = dir.join(DB_FILE);
        let mut conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn, &path)?;
        seed(&mut conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on the blocking thread pool.
    pub async fn call<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let guard = conn
                .lock()
                .map_err(|err| DbError::Worker(err.to_string()))?;
            f(&guard).map_err(DbError::from)
        })
        .await
        .map_err(|err| DbError::Worker(err.to_string()))?
    }
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), DbError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = MIGRATIONS.len();
    let applied = usize::try_from(version).unwrap_or(usize::MAX);
    if applied > known {
        return Err(DbError::TooNew(path.to_owned(), version, known));
    }
    for (index, step) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn seed(conn: &mut Connection) -> Result<(), DbError> {
    let has_catalogue: Option<i64> = conn
        .query_row("SELECT id FROM catalogue", [], |row| row.get(0))
        .optional()?;
    if has_catalogue.is_none() {
        Catalogue::parse(DEMO_CATALOGUE)?;
        store_catalogue(conn, DEMO_CATALOGUE)?;
        log::info!("seeded the demo province's catalogue");
    }
    Ok(())
}

/// Replaces the catalogue; its ETag is the SHA-256 of the body.
pub fn store_catalogue(conn: &Connection, body: &[u8]) -> rusqlite::Result<String> {
    let etag = hex(&Sha256::digest(body));
    conn.execute(
        "INSERT INTO catalogue (id, body, etag) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, etag = excluded.etag,
             updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
        params![body, etag],
    )?;
    Ok(etag)
}

/// The stored catalogue body and its ETag.
pub fn catalogue(conn: &Connection) -> rusqlite::Result<(Vec<u8>, String)> {
    conn.query_row("SELECT body, etag FROM catalogue WHERE id = 1", [], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
