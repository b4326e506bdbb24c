//! The Công Dân Số engine: the on-device SQLite store and the client of the
//! provincial API. The Tauri shell is a thin layer over [`Core`].
//!
//! Architecture Invariant: nothing here knows Tauri or IPC; errors are [`Error`],
//! which the shell maps to `UiError` codes. Every SQLite call runs on tokio's
//! blocking pool through [`db::Store::call`], never on an async thread.

pub mod catalogue;
pub mod config;
pub mod db;
pub mod error;
pub mod http;
pub mod schema;
pub mod settings;

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use cds_domain::{Connectivity, HomeScreen, Lang};

pub use config::{Config, ConfigError};
pub use error::{Error, StorageProblem};

/// The engine: one per running app.
pub struct Core {
    store: db::Store,
    api: http::ApiClient,
    config: Config,
}

impl Core {
    /// Opens the store in the data folder (`CDS_DATA_DIR` or `default_data_dir`)
    /// and resolves the configuration: `env` first, then the settings stored on
    /// the device, then defaults. Never touches the network.
    pub async fn open(
        default_data_dir: PathBuf,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Core, Error> {
        let data_dir = Config::data_dir(default_data_dir, &env);
        let store = db::Store::open(data_dir.clone()).await?;
        let stored = store.call(|conn| settings::all(conn)).await?;
        let config = Config::resolve(data_dir, |setting| {
            env(setting.env).or_else(|| stored.get(setting.key).cloned())
        })?;
        let api = http::ApiClient::new(&config)?;
        Ok(Core { store, api, config })
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The home screen from the device alone: the cached or bundled catalogue.
    pub async fn load_home(&self) -> Result<HomeScreen, Error> {
        self.home(Connectivity::Checking).await
    }

    /// Asks the province's API for a newer catalogue, stores it if valid, and
    /// returns the home screen with the outcome. Network trouble is an outcome
    /// ([`Connectivity::Offline`]), not an error.
    pub async fn refresh_home(&self) -> Result<HomeScreen, Error> {
        let connectivity = catalogue::refresh(&self.store, &self.api, now_ms()).await?;
        self.home(connectivity).await
    }

    /// Remembers the user's language.
    pub async fn set_language(&self, language: Lang) -> Result<Lang, Error> {
        self.store
            .call(move |conn| settings::set_language(conn, language))
            .await?;
        Ok(language)
    }

    async fn home(&self, connectivity: Connectivity) -> Result<HomeScreen, Error> {
        let (language, (catalogue, source)) = self
            .store
            .call(|conn| Ok((settings::language(conn)?, catalogue::current(conn)?)))
            .await?;
        Ok(HomeScreen {
            language,
            catalogue,
            source,
            connectivity,
        })
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
