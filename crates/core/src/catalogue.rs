//! The catalogue on the device: the cached copy from the API, else the bundled default.

use cds_domain::{Catalogue, CatalogueSource, Connectivity, HomeScreen, catalogue::MAX_BYTES};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{
    Core, Error,
    db::Store,
    http::{ApiClient, FetchError, Fetched},
    now_ms, settings,
};

/// The default shipped with the app, shown until the API has been reached once.
pub const BUNDLED: &[u8] = include_bytes!("../../../assets/catalogue/hue.json");

/// The catalogue to show: the cached one if it is still valid, else the bundled one.
pub fn current(conn: &Connection) -> rusqlite::Result<(Catalogue, CatalogueSource)> {
    let cached: Option<(Vec<u8>, i64)> = conn
        .query_row(
            "SELECT body, fetched_at_ms FROM catalogue_cache WHERE id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((body, fetched_at_ms)) = cached {
        match Catalogue::parse(&body) {
            Ok(catalogue) => return Ok((catalogue, CatalogueSource::Cache { fetched_at_ms })),
            Err(err) => {
                log::warn!("cached catalogue no longer valid, using the bundled one: {err}")
            }
        }
    }
    Ok((bundled(), CatalogueSource::Bundled))
}

/// The bundled catalogue. Its validity is checked by this crate's tests.
pub fn bundled() -> Catalogue {
    match Catalogue::parse(BUNDLED) {
        Ok(catalogue) => catalogue,
        // Unreachable in a tested build; an empty screen would be worse than a panic
        // in tests, so tests assert that this never happens.
        Err(err) => panic!("bundled catalogue is invalid: {err}"),
    }
}

fn cached_etag(conn: &Connection) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .query_row("SELECT etag FROM catalogue_cache WHERE id = 1", [], |row| {
            row.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten())
}

fn store(conn: &Connection, body: &[u8], etag: Option<&str>, now_ms: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO catalogue_cache (id, body, etag, fetched_at_ms) VALUES (1, ?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, etag = excluded.etag,
             fetched_at_ms = excluded.fetched_at_ms",
        params![body, etag, now_ms],
    )?;
    Ok(())
}

fn touch(conn: &Connection, now_ms: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE catalogue_cache SET fetched_at_ms = ?1 WHERE id = 1",
        [now_ms],
    )?;
    Ok(())
}

/// Fetches the catalogue if it changed and stores it if it is valid. A refused
/// catalogue is logged with its reason and the stored one stays.
pub async fn refresh(store_: &Store, api: &ApiClient, now_ms: i64) -> Result<Connectivity, Error> {
    let etag = store_.call(|conn| cached_etag(conn)).await?;
    match api.catalogue(etag.as_deref(), MAX_BYTES).await {
        Ok(Fetched::NotModified) => {
            store_.call(move |conn| touch(conn, now_ms)).await?;
            Ok(Connectivity::Online)
        }
        Ok(Fetched::Body { bytes, etag }) => match Catalogue::parse(&bytes) {
            Ok(_) => {
                store_
                    .call(move |conn| store(conn, &bytes, etag.as_deref(), now_ms))
                    .await?;
                Ok(Connectivity::Online)
            }
            Err(err) => {
                log::warn!("catalogue from the API refused, keeping the stored one: {err}");
                Ok(Connectivity::ServerProblem)
            }
        },
        Err(FetchError::Unreachable(reason)) => {
            log::info!("provincial API unreachable: {reason}");
            Ok(Connectivity::Offline)
        }
        Err(FetchError::NotFound) => {
            log::warn!("the API has no catalogue (404); keeping the stored one");
            Ok(Connectivity::ServerProblem)
        }
        Err(FetchError::TooManyRequests { wait_seconds }) => {
            log::warn!("the API asks to wait {wait_seconds} s; keeping the stored catalogue");
            Ok(Connectivity::ServerProblem)
        }
        Err(FetchError::BadAnswer(reason)) => {
            log::warn!("catalogue from the API refused, keeping the stored one: {reason}");
            Ok(Connectivity::ServerProblem)
        }
    }
}

/// The home screen: the catalogue on the device, and a refresh from the API.
impl Core {
    /// The home screen from the device alone: the cached or bundled catalogue.
    pub async fn load_home(&self) -> Result<HomeScreen, Error> {
        self.home(Connectivity::Checking).await
    }

    /// Asks the province's API for a newer catalogue, stores it if valid, and
    /// returns the home screen with the outcome. Network trouble is an outcome
    /// ([`Connectivity::Offline`]), not an error.
    pub async fn refresh_home(&self) -> Result<HomeScreen, Error> {
        let connectivity = refresh(&self.store, &self.api, now_ms()).await?;
        self.home(connectivity).await
    }

    /// The hosts whose `https` pages the app opens: the government's own,
    /// the map's, and the current catalogue's allow-list.
    pub async fn link_hosts(&self) -> Result<Vec<String>, Error> {
        let (catalogue, _) = self.store.call(|conn| current(conn)).await?;
        Ok(catalogue
            .allowed_hosts()
            .into_iter()
            .map(str::to_owned)
            .collect())
    }

    async fn home(&self, connectivity: Connectivity) -> Result<HomeScreen, Error> {
        let (language, display, (personal, notifications), (catalogue, source)) = self
            .store
            .call(|conn| {
                Ok((
                    settings::language(conn)?,
                    settings::display(conn)?,
                    (settings::personal(conn)?, settings::notifications(conn)?),
                    current(conn)?,
                ))
            })
            .await?;
        Ok(HomeScreen {
            language,
            personal: personal.within(&catalogue),
            notifications,
            catalogue,
            source,
            connectivity,
            display,
        })
    }
}
