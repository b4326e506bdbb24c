//! The gateway's SQLite database: opening (WAL), migrations, the demo seed, queries.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};

use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

/// File name of the database inside the data folder.
pub const DB_FILE: &str = "gateway.sqlite3";

/// Schema steps; `PRAGMA user_version` counts how many have been applied.
pub(crate) const MIGRATIONS: &[&str] = &[
    "CREATE TABLE catalogue (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        body BLOB NOT NULL,
        etag TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    ) STRICT;",
    // 2: Open311, staff, dossiers, content.
    "CREATE TABLE api_keys (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,       -- SHA-256 of the key; the key is never stored
        created_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE staff (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE services (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        keywords TEXT NOT NULL,
        grp TEXT NOT NULL,
        attributes TEXT NOT NULL,            -- Vec<Attribute> as JSON
        sort INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE media (
        hash TEXT PRIMARY KEY,               -- SHA-256 of the bytes; the file's name
        mime TEXT NOT NULL,
        bytes INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        created_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        token TEXT NOT NULL UNIQUE,
        service_code TEXT NOT NULL REFERENCES services (code),
        description TEXT NOT NULL,
        lat REAL,
        lon REAL,
        address TEXT NOT NULL,
        attributes TEXT NOT NULL,            -- code -> values, JSON
        contact TEXT NOT NULL,               -- JSON; never served publicly
        detailed_status TEXT NOT NULL,
        status_notes TEXT NOT NULL,
        agency TEXT NOT NULL,
        expected_ms INTEGER,
        requested_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        idempotency_key TEXT UNIQUE,
        body_hash TEXT NOT NULL,
        api_key_id INTEGER NOT NULL REFERENCES api_keys (id),
        rating INTEGER,
        duplicate_of INTEGER REFERENCES requests (id)
    ) STRICT;
    CREATE INDEX requests_updated ON requests (updated_ms);
    CREATE INDEX requests_requested ON requests (requested_ms);
    CREATE TABLE request_media (
        request_id INTEGER NOT NULL REFERENCES requests (id),
        position INTEGER NOT NULL,
        hash TEXT NOT NULL REFERENCES media (hash),
        by_staff INTEGER NOT NULL,
        PRIMARY KEY (request_id, position)
    ) STRICT;
    CREATE TABLE request_updates (
        id INTEGER PRIMARY KEY,
        request_id INTEGER NOT NULL REFERENCES requests (id),
        at_ms INTEGER NOT NULL,
        detailed_status TEXT NOT NULL,
        note TEXT NOT NULL,
        agency TEXT NOT NULL,
        media_hash TEXT REFERENCES media (hash),
        expected_ms INTEGER,
        actor TEXT NOT NULL
    ) STRICT;
    CREATE TABLE dossiers (
        code TEXT PRIMARY KEY,
        phone_last4 TEXT NOT NULL,
        procedure TEXT NOT NULL,
        agency TEXT NOT NULL,
        received_ms INTEGER NOT NULL,
        due_ms INTEGER NOT NULL,
        finished_ms INTEGER,
        status TEXT NOT NULL,
        steps TEXT NOT NULL                  -- Vec<DossierStep> as JSON
    ) STRICT;
    CREATE TABLE content (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,                  -- alert, article, guide
        body TEXT NOT NULL,                  -- Alert or Article as JSON
        updated_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX content_by_kind ON content (kind, updated_ms);
    CREATE TABLE help_log (
        client_id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        api_key_id INTEGER NOT NULL REFERENCES api_keys (id),
        created_ms INTEGER NOT NULL
    ) STRICT;",
    // 3: dossiers' level, procedure, note to the resident and last change;
    // their history of staff changes; the procedure catalogue.
    "ALTER TABLE dossiers ADD COLUMN level TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN procedure_id TEXT;
    ALTER TABLE dossiers ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE dossiers ADD COLUMN updated_ms INTEGER NOT NULL DEFAULT 0;
    UPDATE dossiers SET
        level = CASE WHEN agency LIKE 'UBND phường%' OR agency LIKE 'Công an phường%'
                     THEN 'ward' ELSE 'province' END,
        updated_ms = MAX(received_ms, COALESCE(finished_ms, received_ms));
    CREATE INDEX dossiers_finished ON dossiers (finished_ms);
    CREATE TABLE dossier_history (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL REFERENCES dossiers (code),
        at_ms INTEGER NOT NULL,
        status TEXT NOT NULL,
        step TEXT,                           -- the step that started, if any
        note TEXT NOT NULL,
        actor TEXT NOT NULL                  -- 'staff:<name>'
    ) STRICT;
    CREATE INDEX dossier_history_by_code ON dossier_history (code, id);
    CREATE TABLE procedures (
        id TEXT PRIMARY KEY,
        name_vi TEXT NOT NULL,
        level TEXT NOT NULL,
        body TEXT NOT NULL,                  -- Procedure as JSON
        sort INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX procedures_by_name ON procedures (name_vi);",
    // 4: community digital technology teams: member codes, members and the
    // assisted sessions they deliver (the help log of schema 2 is replaced).
    "CREATE TABLE teams (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        ward TEXT NOT NULL,
        created_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE team_codes (
        code TEXT PRIMARY KEY,               -- normalized: 8 characters, no dash
        team_id TEXT NOT NULL REFERENCES teams (id),
        expires_ms INTEGER NOT NULL,
        revoked_ms INTEGER,
        created_ms INTEGER NOT NULL,
        created_by TEXT NOT NULL             -- 'staff:<name>'
    ) STRICT;
    CREATE TABLE team_members (
        id TEXT PRIMARY KEY,
        team_id TEXT NOT NULL REFERENCES teams (id),
        token_hash TEXT NOT NULL UNIQUE,     -- SHA-256 of the member's token
        code TEXT NOT NULL REFERENCES team_codes (code),
        joined_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE assisted_sessions (
        id TEXT PRIMARY KEY,                 -- made on the member's device
        member_id TEXT NOT NULL REFERENCES team_members (id),
        team_id TEXT NOT NULL REFERENCES teams (id),
        ward TEXT NOT NULL,
        task TEXT NOT NULL,
        outcome TEXT NOT NULL,
        finished_ms INTEGER NOT NULL,
        body TEXT NOT NULL,                  -- AssistedSession as JSON
        body_hash TEXT NOT NULL,             -- SHA-256 of body: a replay must match
        received_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX assisted_sessions_by_team ON assisted_sessions (team_id, finished_ms);
    DROP TABLE help_log;",
    // 5: alerts in their own table (moved out of `content`),
    // places nearby, OCOP products and their traceability batches.
    "CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL,                  -- Alert as JSON
        valid_until_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        author TEXT NOT NULL                 -- 'demo', 'migrated' or 'staff:<name>'
    ) STRICT;
    CREATE INDEX alerts_until ON alerts (valid_until_ms, updated_ms);
    INSERT INTO alerts (id, body, valid_until_ms, updated_ms, author)
        SELECT id, body,
               COALESCE(CAST(strftime('%s', json_extract(body, '$.valid_until')) AS INTEGER) * 1000, updated_ms),
               updated_ms, 'migrated'
        FROM content WHERE kind = 'alert';
    DELETE FROM content WHERE kind = 'alert';
    CREATE TABLE places (
        id TEXT PRIMARY KEY,
        category TEXT NOT NULL,
        body TEXT NOT NULL,                  -- Place as JSON
        updated_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        gtin TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,                  -- Product as JSON
        updated_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE trace_batches (
        gtin TEXT NOT NULL REFERENCES products (gtin),
        lot TEXT NOT NULL,
        body TEXT NOT NULL,                  -- Batch as JSON
        produced_ms INTEGER NOT NULL,
        PRIMARY KEY (gtin, lot)
    ) STRICT;",
    // 6: the staff console: sign-in names, Argon2id password hashes, roles
    // (an agency's staff or an administrator), sessions stored hashed, and
    // the audit log of every staff action.
    "ALTER TABLE staff ADD COLUMN login TEXT;
    ALTER TABLE staff ADD COLUMN password_hash TEXT;     -- PHC string (Argon2id)
    ALTER TABLE staff ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';  -- admin, agency
    ALTER TABLE staff ADD COLUMN agency TEXT NOT NULL DEFAULT '';
    CREATE UNIQUE INDEX staff_by_login ON staff (login) WHERE login IS NOT NULL;
    CREATE TABLE staff_sessions (
        id_hash TEXT PRIMARY KEY,            -- SHA-256 of the cookie's value
        staff_id INTEGER NOT NULL REFERENCES staff (id),
        csrf TEXT NOT NULL,                  -- the forms' token
        created_ms INTEGER NOT NULL,
        seen_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        staff_id INTEGER REFERENCES staff (id),
        staff_name TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_by_time ON audit_log (at_ms);",
];

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
    #[error("demo data: {0}")]
    Json(#[from] serde_json::Error),
    #[error("demo data: {0}")]
    Demo(String),
    #[error("database worker stopped: {0}")]
    Worker(String),
}

/// A handle to the database, cheap to clone into every handler.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens the database in `dir`, creating and migrating it as needed (the
    /// demo data is `seed::open`'s business).
    pub fn open(dir: &Path) -> Result<Db, DbError> {
        std::fs::create_dir_all(dir).map_err(|err| DbError::Folder(dir.to_owned(), err))?;
        let path = dir.join(DB_FILE);
        let mut conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a commit answered 2xx survives a power cut too (NORMAL in
        // WAL mode survives a crash of the process, not of the machine).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn, &path)?;
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

impl Db {
    /// Runs `f` with the connection on this thread: for start-up and the
    /// command line, never on an async thread.
    pub fn blocking<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, DbError>,
    ) -> Result<R, DbError> {
        let mut guard = self
            .conn
            .lock()
            .map_err(|err| DbError::Worker(err.to_string()))?;
        f(&mut guard)
    }

    /// Runs `f` on the blocking pool; `f` answers with an API failure of its own.
    pub async fn call_with<R, F>(&self, f: F) -> Result<R, crate::ApiFailure>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R, crate::ApiFailure> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|err| crate::ApiFailure::from(DbError::Worker(err.to_string())))?;
            f(&mut guard)
        })
        .await
        .map_err(|err| crate::ApiFailure::from(DbError::Worker(err.to_string())))?
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

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
