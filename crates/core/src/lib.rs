//! The Công Dân Số engine: the on-device SQLite store and the client of the
//! provincial API. The Tauri shell is a thin layer over [`Core`].
//!
//! This file opens the engine and runs the background sync; each feature's
//! methods live with the feature (`impl Core` in `reports`, `photos`,
//! `areas`, `content`, `awareness`, `teams`, `alerts`, `places`, `products`, `dossiers`, `public_reports`, `catalogue`,
//! `settings`, `sync`).
//!
//! Architecture Invariant: nothing here knows Tauri or IPC; errors are [`Error`],
//! which the shell maps to `UiError` codes. Every SQLite call runs on tokio's
//! blocking pool through [`db::Store::call`], never on an async thread.

pub mod alerts;
pub mod areas;
pub mod awareness;
pub mod catalogue;
pub mod config;
pub mod content;
pub mod db;
pub mod device;
pub mod dossiers;
pub mod error;
pub mod http;
pub mod ids;
pub mod inbox;
pub mod photos;
pub mod places;
pub mod procedures;
pub mod products;
pub mod public_reports;
pub mod reports;
pub mod schema;
pub mod settings;
pub mod sync;
pub mod teams;

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use cds_domain::outbox::RetryPolicy;

pub use cds_domain::sync::{DataUse, Network, SyncEvent, SyncSummary};
pub use cds_imaging as imaging;
pub use config::{Config, ConfigError};
pub use content::ContentPulled;
pub use error::{Error, StorageProblem};

/// The engine: one per running app.
pub struct Core {
    store: db::Store,
    photos: photos::PhotoDir,
    api: http::ApiClient,
    open311: sync::Open311,
    /// Held while the outbox is being delivered: one sync at a time.
    sync_lock: tokio::sync::Mutex<()>,
    /// One photo per core in the pipeline at a time (each holds one decoded image).
    photo_workers: tokio::sync::Semaphore,
    /// The parsed areas, until a pull replaces them.
    areas: areas::Cache,
    imaging: imaging::Settings,
    config: Config,
    /// The API address is set by the environment (the settings cannot change it).
    api_from_env: bool,
    retry: RetryPolicy,
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
        let photos = photos::PhotoDir::new(&data_dir);
        // Whatever a crash interrupted: sends go back to the queue, stray photo
        // files go. Before any command can run.
        let dir = photos.clone();
        let (requeued, removed) = store
            .run(move |conn| reports::store::recover(conn, &dir, now_ms()))
            .await?;
        if requeued + removed > 0 {
            log::info!(
                "recovered: {requeued} interrupted sends requeued, {removed} stray photo files removed"
            );
        }
        let resent = store
            .run(|conn| teams::store::recover(conn, now_ms()))
            .await?;
        if resent > 0 {
            log::info!("recovered: {resent} interrupted assisted sessions requeued");
        }
        let stored = store.call(|conn| settings::all(conn)).await?;
        let config = Config::resolve(data_dir, |setting| {
            env(setting.env).or_else(|| stored.get(setting.key).cloned())
        })?;
        let api_from_env = env(config::API_URL.env).is_some_and(|value| !value.trim().is_empty());
        let api = http::ApiClient::new(&config)?;
        let open311 = sync::Open311::new(&config)?;
        let retry_base_ms = config.retry_base_ms;
        Ok(Core {
            store,
            photos,
            api,
            open311,
            sync_lock: tokio::sync::Mutex::new(()),
            areas: areas::Cache::default(),
            photo_workers: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            ),
            imaging: imaging::Settings {
                max_edge: config.photo_max_edge,
                ..imaging::Settings::default()
            },
            config,
            api_from_env,
            retry: RetryPolicy {
                base_ms: retry_base_ms,
                ..RetryPolicy::default()
            },
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// One full sync: deliver the outbox, then pull my reports' status, the
    /// province's open reports, content and watched dossiers.
    pub async fn sync_all(&self) -> Result<SyncSummary, Error> {
        self.sync_all_with(Network::Unknown, std::sync::Arc::new(|_| {}))
            .await
    }

    /// [`Core::sync_all`] on `network`, telling `on_event` what happens, from
    /// `Started` to `Finished` (also when a step fails).
    pub async fn sync_all_with(
        &self,
        network: Network,
        on_event: sync::OnEvent,
    ) -> Result<SyncSummary, Error> {
        on_event(SyncEvent::Started);
        let result = self.sync_steps(network, on_event.clone()).await;
        on_event(SyncEvent::Finished(match &result {
            Ok(summary) => summary.clone(),
            Err(_) => SyncSummary {
                offline: true,
                ..SyncSummary::default()
            },
        }));
        result
    }

    async fn sync_steps(
        &self,
        network: Network,
        on_event: sync::OnEvent,
    ) -> Result<SyncSummary, Error> {
        let pass = self.sync_outbox_with(network, on_event).await?;
        let sessions = self.deliver_sessions().await?;
        let reports = self.pull_reports().await?;
        let public = self.pull_public_reports().await?;
        let content = self.pull_content().await?;
        /// Categories change rarely: read them again at most every 6 hours.
        const CATEGORIES_EVERY_MS: i64 = 6 * 3600 * 1000;
        let categories = self
            .pull_categories_if_older_than(CATEGORIES_EVERY_MS)
            .await?;
        let followed = self.pull_followed().await?;
        let dossiers = self.pull_dossiers().await?;
        if let Err(err) = self.pull_team_stats().await {
            log::warn!("team stats: {err}");
        }
        self.prefetch_guide_images().await;
        let severe_alerts = self.severe_alerts_to_tell().await?;
        Ok(SyncSummary {
            confirmed: pass.confirmed,
            retrying: pass.retrying,
            rejected: pass.rejected,
            held_for_wifi: pass.held_for_wifi,
            offline: reports.offline
                || public.is_none()
                || content.offline
                || categories.is_none()
                || followed.is_none()
                || sessions.offline,
            changed_reports: reports.changed,
            changed_content: content
                .changed
                .iter()
                .map(|kind| kind.key().to_owned())
                .collect(),
            changed_dossiers: dossiers,
            severe_alerts,
        })
    }

    /// Syncs at once, then every `every` (a quarter of it after an offline
    /// pass) or when `trigger` wakes it, for as long as the future is polled.
    /// `network` is asked before each sync, on the blocking pool (platform
    /// probes may spawn a process or block on D-Bus).
    pub async fn run_background(
        &self,
        trigger: &tokio::sync::Notify,
        every: std::time::Duration,
        network: std::sync::Arc<dyn Fn() -> Network + Send + Sync>,
        on_event: sync::OnEvent,
    ) {
        loop {
            let probe = network.clone();
            let network = tokio::task::spawn_blocking(move || probe())
                .await
                .unwrap_or_default();
            let wait = match self.sync_all_with(network, on_event.clone()).await {
                Ok(summary) if summary.offline => every / 4,
                Ok(_) => every,
                Err(err) => {
                    log::warn!("sync: {err}");
                    every
                }
            };
            tokio::select! {
                () = trigger.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
