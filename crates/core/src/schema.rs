//! The on-device database schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` counts the steps applied. Steps are only ever appended;
//! a database with a higher count than this build knows is refused, never touched.

pub const MIGRATIONS: &[&str] = &[
    // 1: settings and the catalogue cache.
    "CREATE TABLE settings (
         key TEXT PRIMARY KEY,
         value TEXT NOT NULL
     ) STRICT;
     CREATE TABLE catalogue_cache (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         body BLOB NOT NULL,
         etag TEXT,
         fetched_at_ms INTEGER NOT NULL
     ) STRICT;",
];
