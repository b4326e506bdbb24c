//! The province's content on the device: alerts, articles and guides (pulled
//! with ETags), and the dossiers the resident watches.

use cds_provincial_api::content::{Alert, Article, Dossier};
use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;

use crate::db::StoreError;

/// Lists the device keeps, with the path of each under the API root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Alerts,
    Articles,
    Guides,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Alerts, Kind::Articles, Kind::Guides];

    pub fn key(self) -> &'static str {
        match self {
            Kind::Alerts => "alerts",
            Kind::Articles => "articles",
            Kind::Guides => "guides",
        }
    }

    pub fn path(self) -> String {
        format!("{}/{}", cds_provincial_api::API_PREFIX, self.key())
    }
}

/// Largest list accepted, in bytes.
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;

/// Checks that `body` is a list of `T` (the whole list or nothing).
pub fn parse_list<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, String> {
    serde_json::from_slice(body).map_err(|err| err.to_string())
}

/// Checks a list for its kind.
pub fn validate(kind: Kind, body: &[u8]) -> Result<(), String> {
    match kind {
        Kind::Alerts => parse_list::<Alert>(body).map(drop),
        Kind::Articles | Kind::Guides => parse_list::<Article>(body).map(drop),
    }
}

pub fn etag(conn: &Connection, kind: Kind) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT etag FROM content_cache WHERE kind = ?1",
            [kind.key()],
            |row| row.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// Stores a new list; returns whether it differs from the stored one.
pub fn store(
    conn: &Connection,
    kind: Kind,
    body: &[u8],
    etag: Option<&str>,
    now_ms: i64,
) -> rusqlite::Result<bool> {
    let before: Option<Vec<u8>> = conn
        .query_row(
            "SELECT body FROM content_cache WHERE kind = ?1",
            [kind.key()],
            |row| row.get(0),
        )
        .optional()?;
    conn.execute(
        "INSERT INTO content_cache (kind, body, etag, fetched_at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (kind) DO UPDATE SET body = excluded.body, etag = excluded.etag, fetched_at_ms = excluded.fetched_at_ms",
        params![kind.key(), body, etag, now_ms],
    )?;
    Ok(before.as_deref() != Some(body))
}

/// The stored list (empty until the first pull).
pub fn list<T: DeserializeOwned>(conn: &Connection, kind: Kind) -> Result<Vec<T>, StoreError> {
    let body: Option<Vec<u8>> = conn
        .query_row(
            "SELECT body FROM content_cache WHERE kind = ?1",
            [kind.key()],
            |row| row.get(0),
        )
        .optional()?;
    match body {
        Some(body) => Ok(serde_json::from_slice(&body)?),
        None => Ok(Vec::new()),
    }
}

/// Dossiers the resident follows: (code, phone digits).
pub fn watched(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut statement =
        conn.prepare("SELECT code, phone_last4 FROM watched_dossiers ORDER BY added_at_ms")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

pub fn watch(
    conn: &Connection,
    dossier: &Dossier,
    phone_last4: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO watched_dossiers (code, phone_last4, body, added_at_ms, pulled_at_ms) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (code) DO UPDATE SET phone_last4 = excluded.phone_last4, body = excluded.body,
             pulled_at_ms = excluded.pulled_at_ms",
        params![dossier.code, phone_last4, serde_json::to_string(dossier)?, now_ms],
    )?;
    Ok(())
}

/// Stores a newer view of a watched dossier; returns whether it changed.
pub fn update_dossier(
    conn: &Connection,
    dossier: &Dossier,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let before: Option<String> = conn
        .query_row(
            "SELECT body FROM watched_dossiers WHERE code = ?1",
            [&dossier.code],
            |row| row.get(0),
        )
        .optional()?;
    let body = serde_json::to_string(dossier)?;
    conn.execute(
        "UPDATE watched_dossiers SET body = ?2, pulled_at_ms = ?3 WHERE code = ?1",
        params![dossier.code, body, now_ms],
    )?;
    Ok(before.as_deref() != Some(body.as_str()))
}

pub fn dossiers(conn: &Connection) -> Result<Vec<Dossier>, StoreError> {
    let mut statement = conn.prepare("SELECT body FROM watched_dossiers ORDER BY added_at_ms")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(serde_json::from_str(&row?)?);
    }
    Ok(out)
}
