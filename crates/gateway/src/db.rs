//! The gateway's database handle: SQLite in the data folder (WAL, one
//! connection) or PostgreSQL (a pool of connections), opened and migrated at
//! start; every query runs through it on the blocking thread pool.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::{
    migrations,
    sql::{self, Conn, Engine, SqlError, params},
};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "gateway.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("data folder {0}: {1}")]
    Folder(PathBuf, std::io::Error),
    #[error("database {0} is from a newer gateway (schema {1}, this one knows {2})")]
    TooNew(PathBuf, i64, usize),
    #[error("the bundled demo catalogue is invalid: {0}")]
    Seed(#[from] cds_domain::CatalogueError),
    #[error(transparent)]
    Sql(#[from] SqlError),
    #[error("demo data: {0}")]
    Json(#[from] serde_json::Error),
    #[error("demo data: {0}")]
    Demo(String),
    #[error("database worker stopped: {0}")]
    Worker(String),
    /// The PostgreSQL address is not one (`postgres://user:password@host/db`).
    #[error("--database: not a PostgreSQL address ({0})")]
    Address(String),
    /// `--media` is not an address this gateway knows.
    #[error("--media: {0}")]
    MediaAddress(String),
    /// The photo store failed (an object store that does not answer).
    #[error("photo store: {0}")]
    Media(String),
    /// PostgreSQL refused the connection or could not be reached at start.
    #[error("cannot connect to the PostgreSQL database at {0}: {1}")]
    Connect(String, String),
}

impl From<rusqlite::Error> for DbError {
    fn from(err: rusqlite::Error) -> DbError {
        DbError::Sql(SqlError::Sqlite(err))
    }
}

impl DbError {
    /// The database is unreachable for now; the request may be retried.
    pub fn is_unavailable(&self) -> bool {
        match self {
            DbError::Sql(err) => err.is_unavailable(),
            DbError::Connect(..) | DbError::Media(_) => true,
            _ => false,
        }
    }
}

/// Where the gateway keeps its records.
#[derive(Debug, Clone)]
pub enum Location {
    /// `gateway.sqlite3` in this folder (the default, next to the photos).
    Sqlite(PathBuf),
    /// A PostgreSQL database (`postgres://user:password@host:port/name`).
    Postgres(String),
}

impl Location {
    /// The location a command line gives: `--database URL` if any, else SQLite in `data`.
    pub fn new(data: &Path, database: Option<&str>) -> Location {
        match database {
            Some(url) if !url.is_empty() => Location::Postgres(url.to_owned()),
            _ => Location::Sqlite(data.to_owned()),
        }
    }
}

/// How long a client is told to wait when the database is unreachable.
pub const RETRY_AFTER_SECONDS: u64 = 5;

/// Connections PostgreSQL gives one gateway at most (each one a backend
/// process on the server; a replica's share of `max_connections`).
const POSTGRES_CONNECTIONS: usize = 16;

/// A handle to the database, cheap to clone into every handler.
#[derive(Clone)]
pub struct Db {
    backend: Arc<Backend>,
}

enum Backend {
    /// One connection for writes (SQLite allows one writer at a time
    /// anyway) and a pool of read-only ones beside it (WAL lets readers run
    /// while the writer commits).
    Sqlite {
        writer: Mutex<Conn>,
        readers: Readers,
    },
    Postgres(Box<Pool>),
}

/// SQLite's read-only connections, opened when first needed, at most
/// [`SQLITE_READERS`] at once.
struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<tokio::sync::Semaphore>,
}

/// Read-only SQLite connections at most: as many as cores serve a few
/// requests each.
const SQLITE_READERS: usize = 4;

impl Readers {
    fn take(&self) -> Result<Conn, DbError> {
        if let Some(conn) = pop(&self.idle)? {
            return Ok(conn);
        }
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Conn::sqlite(conn))
    }

    fn give_back(&self, conn: Conn) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

/// An idle connection, if any.
fn pop(idle: &Mutex<Vec<Conn>>) -> Result<Option<Conn>, DbError> {
    Ok(idle
        .lock()
        .map_err(|err| DbError::Worker(err.to_string()))?
        .pop())
}

/// PostgreSQL connections kept open between requests; one is made when none
/// is idle, at most [`POSTGRES_CONNECTIONS`] at once.
struct Pool {
    config: postgres::Config,
    /// The address without its password, for log lines.
    shown: String,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<tokio::sync::Semaphore>,
}

impl Pool {
    fn take(&self) -> Result<Conn, DbError> {
        if let Some(conn) = pop(&self.idle)? {
            return Ok(conn);
        }
        let client = self
            .config
            .connect(postgres::NoTls)
            .map_err(|err| DbError::Sql(SqlError::Postgres(err)))?;
        Ok(Conn::postgres(client))
    }

    fn give_back(&self, conn: Conn) {
        if conn.is_broken() {
            // The server went away: the idle connections are most likely
            // gone too; new ones are made when asked.
            if let Ok(mut idle) = self.idle.lock() {
                let gone = std::mem::take(&mut *idle);
                drop(idle);
                drop(gone);
            }
            log::warn!("PostgreSQL connection lost; reconnecting on the next request");
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(conn);
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Closing a connection blocks on its own runtime, which may not
        // happen on an async thread (the pool is dropped where the server
        // stops): the connections close on a thread of their own.
        let idle = self.idle.get_mut().map(std::mem::take).unwrap_or_default();
        if !idle.is_empty() {
            std::thread::spawn(move || drop(idle));
        }
    }
}

impl Db {
    /// Opens the database at `location`, creating and migrating it as needed
    /// (the demo data is `seed::open`'s business).
    pub fn open(location: &Location) -> Result<Db, DbError> {
        let db = match location {
            Location::Sqlite(dir) => Db::open_sqlite(dir)?,
            Location::Postgres(url) => Db::open_postgres(url)?,
        };
        let place = db.place();
        db.blocking(|conn| migrations::run(conn, &place))?;
        Ok(db)
    }

    fn open_sqlite(dir: &Path) -> Result<Db, DbError> {
        std::fs::create_dir_all(dir).map_err(|err| DbError::Folder(dir.to_owned(), err))?;
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit answered 2xx survives a power cut too (NORMAL in
        // WAL mode survives a crash of the process, not of the machine).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(Db {
            backend: Arc::new(Backend::Sqlite {
                writer: Mutex::new(Conn::sqlite(conn)),
                readers: Readers {
                    path,
                    idle: Mutex::new(Vec::new()),
                    permits: Arc::new(tokio::sync::Semaphore::new(SQLITE_READERS)),
                },
            }),
        })
    }

    fn open_postgres(url: &str) -> Result<Db, DbError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|err: postgres::Error| DbError::Address(err.to_string()))?;
        config.connect_timeout(std::time::Duration::from_secs(5));
        config.application_name("cds-gateway");
        let shown = shown(&config);
        let client = config
            .connect(postgres::NoTls)
            .map_err(|err| DbError::Connect(shown.clone(), sql::postgres_message(&err)))?;
        Ok(Db {
            backend: Arc::new(Backend::Postgres(Box::new(Pool {
                config,
                shown,
                idle: Mutex::new(vec![Conn::postgres(client)]),
                permits: Arc::new(tokio::sync::Semaphore::new(POSTGRES_CONNECTIONS)),
            }))),
        })
    }

    /// Which engine keeps the records.
    pub fn engine(&self) -> Engine {
        match &*self.backend {
            Backend::Sqlite { .. } => Engine::Sqlite,
            Backend::Postgres(_) => Engine::Postgres,
        }
    }

    /// The database as log lines name it (never with a password).
    pub fn place(&self) -> String {
        match &*self.backend {
            Backend::Sqlite { readers, .. } => readers.path.display().to_string(),
            Backend::Postgres(pool) => pool.shown.clone(),
        }
    }

    /// Runs `f` with a connection on this thread: for start-up and the
    /// command line, never on an async thread.
    pub fn blocking<R>(&self, f: impl FnOnce(&Conn) -> Result<R, DbError>) -> Result<R, DbError> {
        match &*self.backend {
            Backend::Sqlite { writer, .. } => {
                let guard = writer
                    .lock()
                    .map_err(|err| DbError::Worker(err.to_string()))?;
                f(&guard)
            }
            Backend::Postgres(pool) => {
                let conn = pool.take()?;
                let result = f(&conn);
                pool.give_back(conn);
                result
            }
        }
    }

    /// Runs `f` with a connection on the blocking thread pool.
    pub async fn call<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> sql::Result<R> + Send + 'static,
    {
        self.run(move |conn| f(conn).map_err(DbError::from)).await
    }

    /// Runs `f` on the blocking pool; `f` answers with an API failure of its own.
    pub async fn call_with<R, F>(&self, f: F) -> Result<R, crate::ApiFailure>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> Result<R, crate::ApiFailure> + Send + 'static,
    {
        match self.run(move |conn| Ok(f(conn))).await {
            Ok(result) => result,
            Err(err) => Err(err.into()),
        }
    }

    /// Runs `f`, which only reads, with a connection on the blocking pool:
    /// on SQLite a read-only connection beside the writer, so reads never
    /// wait for a write's commit.
    pub async fn read<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> sql::Result<R> + Send + 'static,
    {
        let Backend::Sqlite { readers, .. } = &*self.backend else {
            return self.call(f).await;
        };
        let permit = Arc::clone(&readers.permits)
            .acquire_owned()
            .await
            .map_err(|err| DbError::Worker(err.to_string()))?;
        let db = self.clone();
        let result = tokio::task::spawn_blocking(move || {
            let Backend::Sqlite { readers, .. } = &*db.backend else {
                return Err(DbError::Worker("not SQLite".into()));
            };
            let conn = readers.take()?;
            let result = f(&conn).map_err(DbError::from);
            readers.give_back(conn);
            result
        })
        .await
        .map_err(|err| DbError::Worker(err.to_string()))?;
        drop(permit);
        result
    }

    async fn run<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> Result<R, DbError> + Send + 'static,
    {
        let permit = match &*self.backend {
            Backend::Sqlite { .. } => None,
            Backend::Postgres(pool) => Some(
                Arc::clone(&pool.permits)
                    .acquire_owned()
                    .await
                    .map_err(|err| DbError::Worker(err.to_string()))?,
            ),
        };
        let db = self.clone();
        let result = tokio::task::spawn_blocking(move || db.blocking(f))
            .await
            .map_err(|err| DbError::Worker(err.to_string()))?;
        drop(permit);
        result
    }
}

/// `postgres://user@host:port/name` from a configuration, without its password.
fn shown(config: &postgres::Config) -> String {
    let user = config.get_user().unwrap_or("");
    let host = config
        .get_hosts()
        .first()
        .map(|host| match host {
            postgres::config::Host::Tcp(name) => name.clone(),
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_default();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let name = config.get_dbname().unwrap_or("");
    format!("postgres://{user}@{host}:{port}/{name}")
}

/// Replaces the catalogue; its ETag is the SHA-256 of the body.
pub fn store_catalogue(conn: &Conn, body: &[u8]) -> sql::Result<String> {
    let etag = hex(&Sha256::digest(body));
    conn.execute(
        "INSERT INTO catalogue (id, body, etag, updated_at) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, etag = excluded.etag,
             updated_at = excluded.updated_at",
        params![body, etag, crate::time::iso(crate::time::now_ms())],
    )?;
    Ok(etag)
}

/// The stored catalogue body and its ETag.
pub fn catalogue(conn: &Conn) -> sql::Result<(Vec<u8>, String)> {
    conn.query_row("SELECT body, etag FROM catalogue WHERE id = 1", [], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
