//! The gateway's schema for each engine and the code that brings a database
//! up to it (`cds-gateway migrate`, and every start).
//!
//! SQLite counts applied steps in `PRAGMA user_version`; PostgreSQL in the
//! one-row table `schema_version`, under a session advisory lock so that
//! replicas starting together migrate once. A database from a newer gateway
//! is refused, never downgraded.

use std::path::Path;

use crate::{
    db::DbError,
    sql::{Conn, Engine, Optional},
};

/// The session lock replicas take while migrating ("cdsm" in ASCII).
const MIGRATION_LOCK: i64 = 0x6364_736d;

/// Schema steps; `PRAGMA user_version` counts how many have been applied.
pub(crate) const SQLITE: &[&str] = &[
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
    // 7: failure limits in the database, shared by every gateway on it
    // (they were counted in each process's memory).
    FAILURES_STEP,
];

/// Failures counted against a limit (`limits.rs`); the same in both engines.
const FAILURES_STEP: &str = "CREATE TABLE failures (
        scope TEXT NOT NULL,                 -- dossier_code, dossier_client, staff_login, staff_address
        key TEXT NOT NULL,
        at_ms BIGINT NOT NULL
    );
    CREATE INDEX failures_by_key ON failures (scope, key, at_ms);
    CREATE INDEX failures_by_time ON failures (scope, at_ms);";

/// PostgreSQL's steps: the schema SQLite reaches after its six, written once
/// for PostgreSQL (64-bit integers everywhere, identities for generated ids,
/// `bytea` for bytes), then the steps both engines take from then on.
/// `schema_version` holds how many have been applied.
pub(crate) const POSTGRES: &[&str] = &[
    "CREATE TABLE catalogue (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        body BYTEA NOT NULL,
        etag TEXT NOT NULL,
        updated_at TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE api_keys (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        created_ms BIGINT NOT NULL
    );
    CREATE TABLE staff (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_ms BIGINT NOT NULL,
        login TEXT,
        password_hash TEXT,
        role TEXT NOT NULL DEFAULT 'admin',
        agency TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX staff_by_login ON staff (login) WHERE login IS NOT NULL;
    CREATE TABLE services (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        keywords TEXT NOT NULL,
        grp TEXT NOT NULL,
        attributes TEXT NOT NULL,
        sort BIGINT NOT NULL
    );
    CREATE TABLE media (
        hash TEXT PRIMARY KEY,
        mime TEXT NOT NULL,
        bytes BIGINT NOT NULL,
        width BIGINT NOT NULL,
        height BIGINT NOT NULL,
        created_ms BIGINT NOT NULL
    );
    CREATE TABLE requests (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        service_code TEXT NOT NULL REFERENCES services (code),
        description TEXT NOT NULL,
        lat DOUBLE PRECISION,
        lon DOUBLE PRECISION,
        address TEXT NOT NULL,
        attributes TEXT NOT NULL,
        contact TEXT NOT NULL,
        detailed_status TEXT NOT NULL,
        status_notes TEXT NOT NULL,
        agency TEXT NOT NULL,
        expected_ms BIGINT,
        requested_ms BIGINT NOT NULL,
        updated_ms BIGINT NOT NULL,
        idempotency_key TEXT UNIQUE,
        body_hash TEXT NOT NULL,
        api_key_id BIGINT NOT NULL REFERENCES api_keys (id),
        rating BIGINT,
        duplicate_of BIGINT REFERENCES requests (id)
    );
    CREATE INDEX requests_updated ON requests (updated_ms);
    CREATE INDEX requests_requested ON requests (requested_ms);
    CREATE TABLE request_media (
        request_id BIGINT NOT NULL REFERENCES requests (id),
        position BIGINT NOT NULL,
        hash TEXT NOT NULL REFERENCES media (hash),
        by_staff BIGINT NOT NULL,
        PRIMARY KEY (request_id, position)
    );
    CREATE TABLE request_updates (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        request_id BIGINT NOT NULL REFERENCES requests (id),
        at_ms BIGINT NOT NULL,
        detailed_status TEXT NOT NULL,
        note TEXT NOT NULL,
        agency TEXT NOT NULL,
        media_hash TEXT REFERENCES media (hash),
        expected_ms BIGINT,
        actor TEXT NOT NULL
    );
    CREATE INDEX request_updates_by_request ON request_updates (request_id, at_ms);
    CREATE TABLE dossiers (
        code TEXT PRIMARY KEY,
        phone_last4 TEXT NOT NULL,
        procedure TEXT NOT NULL,
        agency TEXT NOT NULL,
        received_ms BIGINT NOT NULL,
        due_ms BIGINT NOT NULL,
        finished_ms BIGINT,
        status TEXT NOT NULL,
        steps TEXT NOT NULL,
        level TEXT NOT NULL DEFAULT '',
        procedure_id TEXT,
        note TEXT NOT NULL DEFAULT '',
        updated_ms BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX dossiers_finished ON dossiers (finished_ms);
    CREATE TABLE dossier_history (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        code TEXT NOT NULL REFERENCES dossiers (code),
        at_ms BIGINT NOT NULL,
        status TEXT NOT NULL,
        step TEXT,
        note TEXT NOT NULL,
        actor TEXT NOT NULL
    );
    CREATE INDEX dossier_history_by_code ON dossier_history (code, id);
    CREATE TABLE procedures (
        id TEXT PRIMARY KEY,
        name_vi TEXT NOT NULL,
        level TEXT NOT NULL,
        body TEXT NOT NULL,
        sort BIGINT NOT NULL
    );
    CREATE INDEX procedures_by_name ON procedures (name_vi);
    CREATE TABLE content (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_ms BIGINT NOT NULL
    );
    CREATE INDEX content_by_kind ON content (kind, updated_ms);
    CREATE TABLE teams (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        ward TEXT NOT NULL,
        created_ms BIGINT NOT NULL
    );
    CREATE TABLE team_codes (
        code TEXT PRIMARY KEY,
        team_id TEXT NOT NULL REFERENCES teams (id),
        expires_ms BIGINT NOT NULL,
        revoked_ms BIGINT,
        created_ms BIGINT NOT NULL,
        created_by TEXT NOT NULL
    );
    CREATE TABLE team_members (
        id TEXT PRIMARY KEY,
        team_id TEXT NOT NULL REFERENCES teams (id),
        token_hash TEXT NOT NULL UNIQUE,
        code TEXT NOT NULL REFERENCES team_codes (code),
        joined_ms BIGINT NOT NULL
    );
    CREATE TABLE assisted_sessions (
        id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES team_members (id),
        team_id TEXT NOT NULL REFERENCES teams (id),
        ward TEXT NOT NULL,
        task TEXT NOT NULL,
        outcome TEXT NOT NULL,
        finished_ms BIGINT NOT NULL,
        body TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        received_ms BIGINT NOT NULL
    );
    CREATE INDEX assisted_sessions_by_team ON assisted_sessions (team_id, finished_ms);
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        valid_until_ms BIGINT NOT NULL,
        updated_ms BIGINT NOT NULL,
        author TEXT NOT NULL
    );
    CREATE INDEX alerts_until ON alerts (valid_until_ms, updated_ms);
    CREATE TABLE places (
        id TEXT PRIMARY KEY,
        category TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_ms BIGINT NOT NULL
    );
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        gtin TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        updated_ms BIGINT NOT NULL
    );
    CREATE TABLE trace_batches (
        gtin TEXT NOT NULL REFERENCES products (gtin),
        lot TEXT NOT NULL,
        body TEXT NOT NULL,
        produced_ms BIGINT NOT NULL,
        PRIMARY KEY (gtin, lot)
    );
    CREATE TABLE staff_sessions (
        id_hash TEXT PRIMARY KEY,
        staff_id BIGINT NOT NULL REFERENCES staff (id),
        csrf TEXT NOT NULL,
        created_ms BIGINT NOT NULL,
        seen_ms BIGINT NOT NULL
    );
    CREATE TABLE audit_log (
        id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        at_ms BIGINT NOT NULL,
        staff_id BIGINT REFERENCES staff (id),
        staff_name TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL
    );
    CREATE INDEX audit_by_time ON audit_log (at_ms);",
    // 2: as SQLite's 7.
    FAILURES_STEP,
];

/// Brings the database up to this gateway's schema; `place` names it in errors.
pub(crate) fn run(conn: &Conn, place: &str) -> Result<(), DbError> {
    match conn.engine() {
        Engine::Sqlite => sqlite(conn, place),
        Engine::Postgres => {
            conn.execute_batch(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let result = postgres(conn, place);
            let unlocked =
                conn.execute_batch(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            result?;
            Ok(unlocked?)
        }
    }
}

fn sqlite(conn: &Conn, place: &str) -> Result<(), DbError> {
    let Some(lite) = conn.as_sqlite() else {
        return Err(DbError::Worker("not a SQLite connection".into()));
    };
    let version: i64 = lite.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let applied = check(version, SQLITE.len(), place)?;
    for (index, step) in SQLITE.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.execute_batch(&format!("PRAGMA user_version = {}", index + 1))?;
        tx.commit()?;
    }
    Ok(())
}

fn postgres(conn: &Conn, place: &str) -> Result<(), DbError> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
    let version: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .optional()?
        .unwrap_or(0);
    let applied = check(version, POSTGRES.len(), place)?;
    for (index, step) in POSTGRES.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.execute("DELETE FROM schema_version", [])?;
        tx.execute(
            "INSERT INTO schema_version (version) VALUES (?1)",
            [index + 1],
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn check(version: i64, known: usize, place: &str) -> Result<usize, DbError> {
    let applied = usize::try_from(version).unwrap_or(usize::MAX);
    if applied > known {
        return Err(DbError::TooNew(Path::new(place).to_owned(), version, known));
    }
    Ok(applied)
}
