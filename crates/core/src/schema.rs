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
    // 2: report drafts, the outbox, and the photos both reference.
    "CREATE TABLE photos (
         hash TEXT PRIMARY KEY,          -- SHA-256 of the bytes; the file's name
         bytes INTEGER NOT NULL,
         created_at_ms INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE drafts (
         id TEXT PRIMARY KEY,
         body TEXT NOT NULL,             -- ReportDraft as JSON
         created_at_ms INTEGER NOT NULL,
         updated_at_ms INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE draft_photos (
         draft_id TEXT NOT NULL REFERENCES drafts (id) ON DELETE CASCADE,
         position INTEGER NOT NULL,
         hash TEXT NOT NULL REFERENCES photos (hash),
         PRIMARY KEY (draft_id, position)
     ) STRICT;
     CREATE TABLE reports (
         id TEXT PRIMARY KEY,            -- client id = idempotency key
         seq INTEGER NOT NULL UNIQUE,    -- submission order, kept across edits
         receipt TEXT NOT NULL UNIQUE,
         body TEXT NOT NULL,             -- ReportDraft as submitted, JSON
         submitted_at_ms INTEGER NOT NULL,
         state TEXT NOT NULL,            -- OutboxState as JSON
         state_kind TEXT NOT NULL,       -- its tag, for queries
         retry_at_ms INTEGER,            -- when queued: due time
         updated_at_ms INTEGER NOT NULL
     ) STRICT;
     CREATE INDEX reports_due ON reports (state_kind, retry_at_ms);
     CREATE TABLE report_photos (
         report_id TEXT NOT NULL REFERENCES reports (id),
         position INTEGER NOT NULL,
         hash TEXT NOT NULL REFERENCES photos (hash),
         PRIMARY KEY (report_id, position)
     ) STRICT;
     CREATE TABLE report_history (
         report_id TEXT NOT NULL REFERENCES reports (id),
         seq INTEGER NOT NULL,
         at_ms INTEGER NOT NULL,
         state TEXT NOT NULL,            -- OutboxState after the change, JSON
         PRIMARY KEY (report_id, seq)
     ) STRICT;",
    // 3: what the province says about my reports.
    "CREATE TABLE report_remote (
         report_id TEXT PRIMARY KEY REFERENCES reports (id),
         body TEXT NOT NULL,             -- RemoteStatus as JSON
         updated_datetime TEXT,
         pulled_at_ms INTEGER NOT NULL
     ) STRICT;",
    // 4: alerts, articles and guides; watched dossiers.
    "CREATE TABLE content_cache (
         kind TEXT PRIMARY KEY,          -- alerts, articles, guides
         body BLOB NOT NULL,             -- the list as the API sent it (validated)
         etag TEXT,
         fetched_at_ms INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE watched_dossiers (
         code TEXT PRIMARY KEY,
         phone_last4 TEXT NOT NULL,
         body TEXT NOT NULL,             -- Dossier as JSON, as last pulled
         added_at_ms INTEGER NOT NULL,
         pulled_at_ms INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE public_reports (
         server_id TEXT PRIMARY KEY,
         service_code TEXT NOT NULL,
         status TEXT NOT NULL,
         lat REAL NOT NULL,
         lon REAL NOT NULL,
         description TEXT NOT NULL,
         updated_datetime TEXT
     ) STRICT;
     CREATE INDEX public_reports_place ON public_reports (lat, lon);",
    // 5: public reports the resident follows instead of filing the same issue.
    "CREATE TABLE followed_reports (
         server_id TEXT PRIMARY KEY,
         report TEXT NOT NULL,           -- PublicReport as JSON, when followed
         remote TEXT,                    -- RemoteStatus as JSON, as last pulled
         followed_at_ms INTEGER NOT NULL
     ) STRICT;",
    // 6: the last answer of each dossier looked up (shown offline with its
    // age); when followed dossiers and reports last changed, and what the
    // resident has opened since (the inbox's unread marks).
    "CREATE TABLE dossier_lookups (
         code TEXT PRIMARY KEY,
         phone_last4 TEXT NOT NULL,
         body TEXT NOT NULL,             -- Dossier as JSON, as last answered
         fetched_at_ms INTEGER NOT NULL
     ) STRICT;
     ALTER TABLE watched_dossiers ADD COLUMN changed_at_ms INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE watched_dossiers ADD COLUMN overdue_told INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE watched_dossiers ADD COLUMN etag TEXT;  -- of the last answer: pulls are conditional
     ALTER TABLE report_remote ADD COLUMN changed_at_ms INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE followed_reports ADD COLUMN changed_at_ms INTEGER NOT NULL DEFAULT 0;
     CREATE TABLE inbox_read (
         kind TEXT NOT NULL,             -- report, followed, dossier, alert
         id TEXT NOT NULL,
         read_at_ms INTEGER NOT NULL,
         PRIMARY KEY (kind, id)
     ) STRICT;",
    // 7: community team membership (the member's credential), assisted
    // sessions with their outbox state, the team's counts as last pulled.
    "CREATE TABLE team_membership (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         body TEXT NOT NULL,             -- TeamMember as JSON
         token TEXT NOT NULL             -- the member's credential at the gateway
     ) STRICT;
     CREATE TABLE assisted_sessions (
         id TEXT PRIMARY KEY,            -- the idempotency key
         body TEXT NOT NULL,             -- AssistedSession as JSON
         state TEXT NOT NULL,            -- OutboxState as JSON
         state_kind TEXT NOT NULL,
         retry_at_ms INTEGER,
         recorded_at_ms INTEGER NOT NULL,
         updated_at_ms INTEGER NOT NULL
     ) STRICT;
     CREATE INDEX assisted_sessions_due ON assisted_sessions (state_kind, retry_at_ms);
     CREATE TABLE team_stats (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         body TEXT NOT NULL,             -- TeamStats as JSON
         fetched_at_ms INTEGER NOT NULL
     ) STRICT;",
    // 8: severe alerts already announced (once each, again if
    // changed); traceability answers kept for offline.
    "CREATE TABLE alerts_told (
         id TEXT PRIMARY KEY,
         updated_datetime TEXT NOT NULL, -- of the version announced
         told_at_ms INTEGER NOT NULL
     ) STRICT;
     CREATE TABLE trace_lookups (
         key TEXT PRIMARY KEY,           -- '<gtin>|<lot>'
         body TEXT NOT NULL,             -- TraceRecord as JSON
         fetched_at_ms INTEGER NOT NULL
     ) STRICT;",
];
