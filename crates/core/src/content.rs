//! The province's content on the device: alerts, articles, guides, areas,
//! the report categories, places and OCOP products, pulled with ETags into
//! one cache of whole lists (alerts are read by `alerts.rs`, places by
//! `places.rs`, products by `products.rs`).

use cds_provincial_api::{alerts::Alert, content::Article, open311::Category};
use rusqlite::{Connection, OptionalExtension, params};
use serde::de::DeserializeOwned;

use crate::{Core, Error, db::StoreError, http, now_ms};

/// What a content pull brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentPulled {
    pub changed: Vec<Kind>,
    pub offline: bool,
}

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
    /// The administrative procedures of the province and its wards.
    Procedures,
    /// Dossiers resolved on time per agency (one object, not a list).
    DossierStats,
    /// Places nearby (health, schools, one-stop offices, …).
    Places,
    /// The province's OCOP products.
    Products,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Alerts,
        Kind::Articles,
        Kind::Guides,
        Kind::Areas,
        Kind::Procedures,
        Kind::DossierStats,
        Kind::Places,
        Kind::Products,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Kind::Alerts => "alerts",
            Kind::Articles => "articles",
            Kind::Guides => "guides",
            Kind::Areas => "areas",
            Kind::Services => "services",
            Kind::Procedures => "procedures",
            Kind::DossierStats => "dossier-stats",
            Kind::Places => "places",
            Kind::Products => "products",
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
        Kind::Procedures => parse_list::<cds_provincial_api::content::Procedure>(body).map(drop),
        Kind::Places => parse_list::<cds_provincial_api::places::Place>(body).map(drop),
        Kind::Products => parse_list::<cds_provincial_api::products::Product>(body).map(drop),
        Kind::DossierStats => {
            serde_json::from_slice::<cds_provincial_api::content::DossierStats>(body)
                .map(drop)
                .map_err(|err| err.to_string())
        }
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
    Ok(object::<Vec<T>>(conn, kind)?.unwrap_or_default())
}

/// The stored object of a kind that is one (empty until the first pull).
pub fn object<T: DeserializeOwned>(conn: &Connection, kind: Kind) -> Result<Option<T>, StoreError> {
    let body: Option<Vec<u8>> = conn
        .query_row(
            "SELECT body FROM content_cache WHERE kind = ?1",
            [kind.key()],
            |row| row.get(0),
        )
        .optional()?;
    Ok(body.map(|body| serde_json::from_slice(&body)).transpose()?)
}

impl Core {
    /// Pulls alerts, articles and guides (conditional on their ETags); returns
    /// the kinds that changed. An unreachable API is `offline`, not an error.
    pub async fn pull_content(&self) -> Result<ContentPulled, Error> {
        let mut pulled = ContentPulled::default();
        for kind in Kind::ALL {
            let etag = self.store.call(move |conn| etag(conn, kind)).await?;
            match self
                .api
                .get(
                    &kind.path(),
                    etag.as_deref(),
                    if kind == Kind::Areas {
                        MAX_AREAS_BYTES
                    } else {
                        MAX_LIST_BYTES
                    },
                )
                .await
            {
                Ok(http::Fetched::NotModified) => {}
                Ok(http::Fetched::Body { bytes, etag }) => {
                    // Areas can be large (official polygons): parse off the async threads.
                    let (checked, bytes) = tokio::task::spawn_blocking(move || {
                        let checked = validate(kind, &bytes);
                        (checked, bytes)
                    })
                    .await
                    .map_err(|err| Error::Internal(err.to_string()))?;
                    if let Err(reason) = checked {
                        log::warn!("{} from the API refused: {reason}", kind.key());
                        continue;
                    }
                    let now = now_ms();
                    let changed = self
                        .store
                        .call(move |conn| store(conn, kind, &bytes, etag.as_deref(), now))
                        .await?;
                    if changed {
                        pulled.changed.push(kind);
                        if kind == Kind::Areas {
                            self.areas.invalidate();
                        }
                    }
                }
                Err(http::FetchError::Unreachable(reason)) => {
                    log::info!("{}: {reason}", kind.key());
                    pulled.offline = true;
                }
                Err(err) => log::warn!("{}: {err}", kind.key()),
            }
        }
        Ok(pulled)
    }

    pub async fn articles(&self) -> Result<Vec<cds_provincial_api::content::Article>, Error> {
        self.store.run(|conn| list(conn, Kind::Articles)).await
    }

    pub async fn guides(&self) -> Result<Vec<cds_provincial_api::content::Article>, Error> {
        self.store.run(|conn| list(conn, Kind::Guides)).await
    }

    /// Pulls the Open311 services and their questions (the report categories).
    /// Returns whether they changed; `Ok(None)` when the server is unreachable.
    pub async fn pull_categories(&self) -> Result<Option<bool>, Error> {
        self.pull_categories_if_older_than(0).await
    }

    /// [`Core::pull_categories`] unless the stored ones are younger than `max_age_ms`.
    pub async fn pull_categories_if_older_than(
        &self,
        max_age_ms: i64,
    ) -> Result<Option<bool>, Error> {
        let fetched = self
            .store
            .call(|conn| fetched_at(conn, Kind::Services))
            .await?;
        if fetched.is_some_and(|at| now_ms().saturating_sub(at) < max_age_ms) {
            return Ok(Some(false));
        }
        match self.open311.categories().await {
            Ok(categories) if !categories.is_empty() => {
                let body = serde_json::to_vec(&categories)
                    .map_err(|err| Error::Internal(err.to_string()))?;
                let now = now_ms();
                let changed = self
                    .store
                    .call(move |conn| store(conn, Kind::Services, &body, None, now))
                    .await?;
                Ok(Some(changed))
            }
            Ok(_) => Ok(Some(false)),
            Err(reason) if reason.is_offline() => {
                log::info!("services: {reason}");
                Ok(None)
            }
            Err(reason) => {
                log::warn!("services: the server answered {reason}");
                Ok(Some(false))
            }
        }
    }

    /// The report categories as last pulled (empty before the first pull).
    pub async fn categories(&self) -> Result<Vec<Category>, Error> {
        self.store.run(|conn| list(conn, Kind::Services)).await
    }
}
