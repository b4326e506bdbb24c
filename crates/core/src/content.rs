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
    /// The province's outline and wards (GeoJSON).
    Areas,
    /// The Open311 services with their extra questions (report categories);
    /// pulled from the Open311 API, not in [`Kind::ALL`].
    Services,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Alerts, Kind::Articles, Kind::Guides, Kind::Areas];

    pub fn key(self) -> &'static str {
        match self {
            Kind::Alerts => "alerts",
            Kind::Articles => "articles",
            Kind::Guides => "guides",
            Kind::Areas => "areas",
            Kind::Services => "services",
        }
    }

    pub fn path(self) -> String {
        format!("{}/{}", cds_provincial_api::API_PREFIX, self.key())
    }
}

/// Largest list accepted, in bytes.
pub const MAX_LIST_BYTES: usize = 4 * 1024 * 1024;
/// Largest areas document accepted (official ward polygons are detailed).
pub const MAX_AREAS_BYTES: usize = 32 * 1024 * 1024;

/// The bundled default areas of Huế (approximate; the API replaces them).
pub const BUNDLED_AREAS: &str = include_str!("../../../assets/geo/hue-areas.geojson");

/// When a list was last stored (Unix ms), if ever.
pub fn fetched_at(conn: &Connection, kind: Kind) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT fetched_at_ms FROM content_cache WHERE kind = ?1",
        [kind.key()],
        |row| row.get(0),
    )
    .optional()
}

/// The stored areas document, if one was pulled.
pub fn stored_body(conn: &Connection, kind: Kind) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row(
        "SELECT body FROM content_cache WHERE kind = ?1",
        [kind.key()],
        |row| row.get(0),
    )
    .optional()
}

/// Checks that `body` is a list of `T` (the whole list or nothing).
pub fn parse_list<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, String> {
    serde_json::from_slice(body).map_err(|err| err.to_string())
}

/// Checks a list for its kind.
pub fn validate(kind: Kind, body: &[u8]) -> Result<(), String> {
    match kind {
        Kind::Alerts => parse_list::<Alert>(body).map(drop),
        Kind::Articles | Kind::Guides => parse_list::<Article>(body).map(drop),
        Kind::Areas => std::str::from_utf8(body)
            .map_err(|err| err.to_string())
            .and_then(|text| {
                cds_domain::geo::Areas::from_geojson(text).map_err(|err| err.to_string())
            })
            .map(drop),
        Kind::Services => parse_list::<cds_provincial_api::open311::Category>(body).map(drop),
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

pub use cds_domain::report::PublicReport;

/// Stores what the server says of public reports; closed ones are dropped.
pub fn store_public(conn: &mut Connection, reports: &[PublicReport]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for report in reports {
        if report.status == "open" {
            tx.execute(
                "INSERT INTO public_reports (server_id, service_code, status, lat, lon, description, updated_datetime)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (server_id) DO UPDATE SET service_code = excluded.service_code, status = excluded.status,
                     lat = excluded.lat, lon = excluded.lon, description = excluded.description,
                     updated_datetime = excluded.updated_datetime",
                params![report.server_id, report.service_code, report.status, report.lat, report.lon, report.description, report.updated_datetime],
            )?;
        } else {
            tx.execute(
                "DELETE FROM public_reports WHERE server_id = ?1",
                [&report.server_id],
            )?;
        }
    }
    tx.commit()
}

/// Open reports within `radius_m` of a point (of one category if given), nearest first.
pub fn nearby(
    conn: &Connection,
    lat: f64,
    lon: f64,
    radius_m: f64,
    service_code: Option<&str>,
) -> rusqlite::Result<Vec<PublicReport>> {
    // A bounding box first (an index range), then the exact distance.
    let dlat = radius_m / 111_000.0;
    let dlon = radius_m / (111_000.0 * lat.to_radians().cos().abs().max(0.01));
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {PUBLIC_COLUMNS} FROM public_reports
         WHERE lat BETWEEN ?1 AND ?2 AND lon BETWEEN ?3 AND ?4 AND (?5 IS NULL OR service_code = ?5)"
    ))?;
    let rows = statement.query_map(
        params![lat - dlat, lat + dlat, lon - dlon, lon + dlon, service_code],
        public_row,
    )?;
    let mut found: Vec<PublicReport> = rows
        .filter_map(Result::ok)
        .map(|mut r| {
            r.distance_m = cds_domain::geo::distance_m([lon, lat], [r.lon, r.lat]);
            r
        })
        .filter(|r| r.distance_m <= radius_m)
        .collect();
    found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    Ok(found)
}

/// Follows the public report `server_id` (it must be among the cached ones).
pub fn follow(conn: &Connection, server_id: &str, now_ms: i64) -> Result<(), StoreError> {
    let report = conn
        .query_row(
            &format!("SELECT {PUBLIC_COLUMNS} FROM public_reports WHERE server_id = ?1"),
            [server_id],
            public_row,
        )
        .optional()?
        .ok_or(StoreError::NotFound)?;
    conn.execute(
        "INSERT INTO followed_reports (server_id, report, followed_at_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (server_id) DO NOTHING",
        params![server_id, serde_json::to_string(&report)?, now_ms],
    )?;
    Ok(())
}

pub fn unfollow(conn: &Connection, server_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM followed_reports WHERE server_id = ?1",
        [server_id],
    )?;
    Ok(())
}

/// The reports I follow, newest first.
pub fn followed(conn: &Connection) -> Result<Vec<cds_domain::report::Followed>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT report, remote, followed_at_ms FROM followed_reports ORDER BY followed_at_ms DESC",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, Option<String>>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (report, remote, followed_at_ms) = row?;
        out.push(cds_domain::report::Followed {
            report: serde_json::from_str(&report)?,
            remote: remote.as_deref().map(serde_json::from_str).transpose()?,
            followed_at_ms,
        });
    }
    Ok(out)
}

/// Stores what the server says of a followed report; returns whether it changed.
pub fn store_followed(
    conn: &Connection,
    remote: &cds_domain::report::RemoteStatus,
) -> Result<bool, StoreError> {
    let mut comparable = remote.clone();
    comparable.pulled_at_ms = 0;
    let before: Option<Option<String>> = conn
        .query_row(
            "SELECT remote FROM followed_reports WHERE server_id = ?1",
            [&remote.server_id],
            |row| row.get(0),
        )
        .optional()?;
    let changed = match before.flatten() {
        Some(text) => {
            let mut old: cds_domain::report::RemoteStatus = serde_json::from_str(&text)?;
            old.pulled_at_ms = 0;
            old != comparable
        }
        None => true,
    };
    conn.execute(
        "UPDATE followed_reports SET remote = ?2 WHERE server_id = ?1",
        params![remote.server_id, serde_json::to_string(remote)?],
    )?;
    Ok(changed)
}

/// Every open public report held, newest change first.
pub fn public_reports(conn: &Connection) -> rusqlite::Result<Vec<PublicReport>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {PUBLIC_COLUMNS} FROM public_reports ORDER BY updated_datetime DESC LIMIT 5000"
    ))?;
    let rows = statement.query_map([], public_row)?;
    rows.collect()
}

/// The columns [`public_row`] reads, in its order.
const PUBLIC_COLUMNS: &str =
    "server_id, service_code, status, lat, lon, description, updated_datetime";

fn public_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PublicReport> {
    Ok(PublicReport {
        server_id: row.get(0)?,
        service_code: row.get(1)?,
        status: row.get(2)?,
        lat: row.get(3)?,
        lon: row.get(4)?,
        description: row.get(5)?,
        updated_datetime: row.get(6)?,
        distance_m: 0.0,
    })
}
