//! The Công Dân Số engine: the on-device SQLite store and the client of the
//! provincial API. The Tauri shell is a thin layer over [`Core`].
//!
//! Architecture Invariant: nothing here knows Tauri or IPC; errors are [`Error`],
//! which the shell maps to `UiError` codes. Every SQLite call runs on tokio's
//! blocking pool through [`db::Store::call`], never on an async thread.

pub mod catalogue;
pub mod config;
pub mod content;
pub mod db;
pub mod error;
pub mod http;
pub mod ids;
pub mod photos;
pub mod reports;
pub mod schema;
pub mod settings;
pub mod sync;

use std::{
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use cds_domain::{
    Connectivity, HomeScreen, Lang,
    geo::{Areas, Placement},
    outbox::{Event, OutboxState, RetryPolicy},
    report::{
        Counts, Cursor, Field, Invalid, PhotoAdded, Receipt, ReportDetail, ReportDraft, ReportPage,
        ReportSummary, Rule, StoredDraft,
    },
};

pub use cds_domain::sync::{DataUse, Network, SyncEvent, SyncSummary};
pub use cds_imaging as imaging;
use cds_provincial_api::open311::{Category, Feedback, FeedbackAction};
pub use config::{Config, ConfigError};
pub use error::{Error, StorageProblem};

/// What a content pull brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentPulled {
    pub changed: Vec<content::Kind>,
    pub offline: bool,
}

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
    areas_cache: std::sync::Mutex<Option<std::sync::Arc<Areas>>>,
    /// Bumped whenever new areas are stored (a parse of older ones is not cached).
    areas_generation: std::sync::atomic::AtomicU64,
    imaging: imaging::Settings,
    config: Config,
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
            .run(move |conn| reports::recover(conn, &dir, now_ms()))
            .await?;
        if requeued + removed > 0 {
            log::info!(
                "recovered: {requeued} interrupted sends requeued, {removed} stray photo files removed"
            );
        }
        let stored = store.call(|conn| settings::all(conn)).await?;
        let config = Config::resolve(data_dir, |setting| {
            env(setting.env).or_else(|| stored.get(setting.key).cloned())
        })?;
        let api = http::ApiClient::new(&config)?;
        let open311 = sync::Open311::new(&config)?;
        let retry_base_ms = config.retry_base_ms;
        Ok(Core {
            store,
            photos,
            api,
            open311,
            sync_lock: tokio::sync::Mutex::new(()),
            areas_cache: std::sync::Mutex::new(None),
            areas_generation: std::sync::atomic::AtomicU64::new(0),
            photo_workers: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
            ),
            imaging: imaging::Settings {
                max_edge: config.photo_max_edge,
                ..imaging::Settings::default()
            },
            config,
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

    /// Creates a draft (`id` = `None`) or saves its new content.
    pub async fn save_draft(
        &self,
        id: Option<String>,
        draft: ReportDraft,
    ) -> Result<StoredDraft, Error> {
        self.store
            .run(move |conn| reports::save_draft(conn, id.as_deref(), &draft, now_ms()))
            .await
    }

    pub async fn draft(&self, id: String) -> Result<StoredDraft, Error> {
        self.store
            .run(move |conn| reports::load_draft(conn, &id))
            .await
    }

    /// Every draft, most recently changed first.
    pub async fn drafts(&self) -> Result<Vec<StoredDraft>, Error> {
        self.store.run(|conn| reports::drafts(conn)).await
    }

    pub async fn delete_draft(&self, id: String) -> Result<(), Error> {
        let photos = self.photos.clone();
        self.store
            .run(move |conn| reports::delete_draft(conn, &photos, &id))
            .await
    }

    /// Adds an already processed photo (JPEG bytes) to a draft.
    pub async fn attach_photo(
        &self,
        draft_id: String,
        bytes: Vec<u8>,
    ) -> Result<StoredDraft, Error> {
        let photos = self.photos.clone();
        self.store
            .run(move |conn| reports::attach_photo(conn, &photos, &draft_id, &bytes, now_ms()))
            .await
    }

    /// Adds a picked or captured photo to a draft through the pipeline
    /// ([`imaging::process`]: upright, at most 1600 px, JPEG, no metadata,
    /// with a thumbnail). If the draft has no location yet and the photo's
    /// EXIF has one inside the province, it becomes the draft's location.
    /// One photo per core is processed at a time, on the blocking pool.
    pub async fn add_photo(
        &self,
        draft_id: String,
        original: Vec<u8>,
    ) -> Result<PhotoAdded, Error> {
        let processed = {
            let _worker = self
                .photo_workers
                .acquire()
                .await
                .map_err(|err| Error::Internal(err.to_string()))?;
            let settings = self.imaging;
            tokio::task::spawn_blocking(move || imaging::process(&original, &settings))
                .await
                .map_err(|err| Error::Internal(err.to_string()))?
                .map_err(|err| Error::Invalid(err.into()))?
        };
        let imaging::Processed {
            jpeg,
            width,
            height,
            thumbnail,
            exif,
        } = processed;
        let hash = photos::hash(&jpeg);
        // The thumbnail first, like the photo: a crash or a refusal in between
        // leaves an unreferenced file that recovery removes.
        let dir = self.photos.clone();
        let thumb_hash = hash.clone();
        if let Err(err) =
            tokio::task::spawn_blocking(move || dir.put_thumb(&thumb_hash, &thumbnail))
                .await
                .map_err(|err| err.to_string())
                .and_then(|result| result.map_err(|err| err.to_string()))
        {
            log::warn!("thumbnail of {hash} not stored: {err}");
        }
        let mut draft = self.attach_photo(draft_id.clone(), jpeg).await?;
        let mut used_exif_location = false;
        if let Some(location) = exif.location
            && draft.draft.location.is_none()
            && self.inside_province(location.lat, location.lon).await
        {
            // Read and write in one store call: a change saved meanwhile (the
            // description typed while the photo was processed) is kept, and a
            // location set meanwhile wins.
            let (filled, used) = self
                .store
                .run(move |conn| {
                    let mut current = reports::load_draft(conn, &draft_id)?;
                    if current.draft.location.is_some() {
                        return Ok((current, false));
                    }
                    current.draft.location = Some(location);
                    let saved =
                        reports::save_draft(conn, Some(&draft_id), &current.draft, now_ms())?;
                    Ok((saved, true))
                })
                .await?;
            draft = filled;
            used_exif_location = used;
        }
        Ok(PhotoAdded {
            draft,
            hash,
            width,
            height,
            exif_location: exif.location,
            taken_at: exif.taken_at,
            used_exif_location,
        })
    }

    pub async fn detach_photo(
        &self,
        draft_id: String,
        position: usize,
    ) -> Result<StoredDraft, Error> {
        let photos = self.photos.clone();
        self.store
            .run(move |conn| reports::detach_photo(conn, &photos, &draft_id, position, now_ms()))
            .await
    }

    /// Moves a complete draft and its photos into the outbox; the receipt comes
    /// back at once, network or not.
    pub async fn submit(&self, draft_id: String) -> Result<Receipt, Error> {
        let draft = self.draft(draft_id.clone()).await?;
        if let Some(location) = draft.draft.location {
            self.check_in_province(location.lat, location.lon).await?;
        }
        self.store
            .run(move |conn| reports::submit(conn, &draft_id, now_ms()))
            .await
    }

    /// My reports, newest first.
    pub async fn reports(&self, after: Option<Cursor>, limit: u32) -> Result<ReportPage, Error> {
        self.store
            .run(move |conn| reports::list(conn, after, limit))
            .await
    }

    pub async fn report(&self, id: String) -> Result<ReportDetail, Error> {
        self.store.run(move |conn| reports::detail(conn, &id)).await
    }

    /// Everything not yet confirmed, with its state and last error.
    pub async fn outbox(&self) -> Result<Vec<ReportSummary>, Error> {
        self.store.run(|conn| reports::outbox(conn)).await
    }

    pub async fn counts(&self) -> Result<Counts, Error> {
        self.store.run(|conn| reports::counts(conn)).await
    }

    /// Withdraws a report that is not confirmed (and not being sent).
    pub async fn cancel(&self, id: String) -> Result<OutboxState, Error> {
        let photos = self.photos.clone();
        self.store
            .run(move |conn| reports::cancel(conn, &photos, &id, now_ms()))
            .await
    }

    /// Queues a rejected report again, as it is.
    pub async fn retry(&self, id: String) -> Result<OutboxState, Error> {
        self.apply(id, Event::Retry { now_ms: now_ms() }).await
    }

    /// "Send now": every report waiting in the queue becomes due at once (the
    /// next sync takes them, whatever their backoff said).
    pub async fn send_now(&self) -> Result<usize, Error> {
        let policy = self.retry;
        self.store
            .run(move |conn| reports::make_due(conn, now_ms(), &policy))
            .await
    }

    /// Edits a rejected report and queues it again (under a new idempotency key).
    pub async fn edit_rejected(&self, id: String, draft: ReportDraft) -> Result<Receipt, Error> {
        if let Some(location) = draft.location {
            self.check_in_province(location.lat, location.lon).await?;
        }
        self.store
            .run(move |conn| reports::edit_rejected(conn, &id, &draft, now_ms()))
            .await
    }

    /// The province's areas: the last pulled from the API, else the bundled
    /// default. Parsed once and kept until a pull brings new ones.
    pub async fn areas(&self) -> Result<std::sync::Arc<Areas>, Error> {
        if let Some(areas) = self
            .areas_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
        {
            return Ok(areas);
        }
        let generation = self
            .areas_generation
            .load(std::sync::atomic::Ordering::SeqCst);
        let stored = self
            .store
            .call(|conn| content::stored_body(conn, content::Kind::Areas))
            .await?;
        let areas = tokio::task::spawn_blocking(move || {
            let parsed = stored
                .as_deref()
                .and_then(|body| std::str::from_utf8(body).ok())
                .and_then(|text| Areas::from_geojson(text).ok());
            match parsed {
                Some(areas) => Ok(areas),
                None => Areas::from_geojson(content::BUNDLED_AREAS),
            }
        })
        .await
        .map_err(|err| Error::Internal(err.to_string()))?
        .map_err(|err| Error::Internal(format!("bundled areas: {err}")))?;
        let areas = std::sync::Arc::new(areas);
        // Kept only if no newer areas arrived while these were parsed.
        let mut cache = self
            .areas_cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if self
            .areas_generation
            .load(std::sync::atomic::Ordering::SeqCst)
            == generation
        {
            *cache = Some(areas.clone());
        }
        Ok(areas)
    }

    /// Where a point falls: ward, inside the province, distance to the nearest
    /// boundary. A point that is not a coordinate is `Invalid`.
    pub async fn locate(&self, lat: f64, lon: f64) -> Result<Placement, Error> {
        let areas = self.areas().await?;
        areas.locate(lat, lon).ok_or(Error::Invalid(Invalid {
            field: Field::Location,
            rule: Rule::OutOfRange,
        }))
    }

    async fn inside_province(&self, lat: f64, lon: f64) -> bool {
        self.locate(lat, lon)
            .await
            .is_ok_and(|placement| placement.inside_province)
    }

    /// Refuses a report location outside the province.
    async fn check_in_province(&self, lat: f64, lon: f64) -> Result<(), Error> {
        if self.locate(lat, lon).await?.inside_province {
            Ok(())
        } else {
            Err(Error::Invalid(Invalid {
                field: Field::Location,
                rule: Rule::OutsideProvince,
            }))
        }
    }

    /// Records what happened to an outbox item (the sync engine's entry point).
    pub async fn apply(&self, id: String, event: Event) -> Result<OutboxState, Error> {
        let policy = self.retry;
        self.store
            .run(move |conn| reports::transition(conn, &id, event, now_ms(), &policy))
            .await
    }

    /// The id of the queued report due soonest, if any is due now.
    pub async fn next_due(&self) -> Result<Option<String>, Error> {
        self.store
            .run(|conn| reports::next_due(conn, now_ms(), false))
            .await
    }

    /// The user's data-use choices.
    pub async fn data_use(&self) -> Result<DataUse, Error> {
        self.store.call(|conn| settings::data_use(conn)).await
    }

    pub async fn set_data_use(&self, data_use: DataUse) -> Result<DataUse, Error> {
        self.store
            .call(move |conn| settings::set_data_use(conn, data_use))
            .await?;
        Ok(data_use)
    }

    /// Delivers every report that is due, one after another, and records each
    /// outcome. Only one delivery runs at a time; a second call waits for it.
    pub async fn sync_outbox(&self) -> Result<sync::Pass, Error> {
        self.sync_outbox_with(Network::Unknown, std::sync::Arc::new(|_| {}))
            .await
    }

    /// [`Core::sync_outbox`] on `network`, telling `on_event` how each report
    /// and photo goes. With "photos only on Wi-Fi" on a metered network,
    /// reports with photos stay queued (counted in `Pass::held_for_wifi`).
    pub async fn sync_outbox_with(
        &self,
        network: Network,
        on_event: sync::OnEvent,
    ) -> Result<sync::Pass, Error> {
        /// A bound on one pass (each item is sent at most once per pass anyway).
        const MAX_PER_PASS: usize = 10_000;
        let _only_one = self.sync_lock.lock().await;
        let hold = self.data_use().await?.holds_photos(network);
        let mut pass = sync::Pass::default();
        for _ in 0..MAX_PER_PASS {
            let Some(id) = self
                .store
                .run(move |conn| reports::next_due(conn, now_ms(), hold))
                .await?
            else {
                break;
            };
            let report = self.report(id.clone()).await?;
            self.apply(id.clone(), Event::Send { now_ms: now_ms() })
                .await?;
            on_event(SyncEvent::Sending {
                report_id: id.clone(),
                photos: u32::try_from(report.photos.len()).unwrap_or(u32::MAX),
            });
            let outcome = match sync::photo_bytes(&self.photos, &report.photos).await {
                Ok(photos) => {
                    self.open311
                        .send_with_progress(&report, photos, on_event.clone())
                        .await
                }
                Err(err) => sync::Outcome::Permanent {
                    reason: err.to_string(),
                    status: 0,
                },
            };
            let state = self
                .apply(id.clone(), outcome.event(now_ms(), ids::jitter()))
                .await?;
            pass.count(&state);
            on_event(SyncEvent::Sent {
                report_id: id,
                state,
            });
        }
        if hold {
            pass.held_for_wifi = self
                .store
                .run(|conn| reports::due_with_photos(conn, now_ms()))
                .await?;
        }
        Ok(pass)
    }

    /// Pulls what the province says of my confirmed reports (status, answer,
    /// history) and resolves tokens into ids. Returns the reports that changed,
    /// for the UI to announce; an unreachable server is `Pulled::offline`.
    pub async fn pull_reports(&self) -> Result<sync::Pulled, Error> {
        /// Ids per `GET requests` call.
        const CHUNK: usize = 50;
        let confirmed = self.store.run(|conn| reports::confirmed(conn)).await?;
        let mut by_server = std::collections::HashMap::new();
        let mut pulled = sync::Pulled::default();
        for (report_id, server) in confirmed {
            match server {
                cds_domain::outbox::ServerRef::Id(id) => {
                    by_server.insert(id, report_id);
                }
                cds_domain::outbox::ServerRef::Token(token) => {
                    match self.open311.resolve_token(&token).await {
                        Ok(Some(id)) => {
                            by_server.insert(id, report_id);
                        }
                        Ok(None) => {}
                        Err(reason) => {
                            log::info!("token {token} not resolved: {reason}");
                            pulled.offline = true;
                        }
                    }
                }
            }
        }
        let ids: Vec<String> = by_server.keys().cloned().collect();
        for chunk in ids.chunks(CHUNK) {
            let answers = match self.open311.fetch(chunk).await {
                Ok(answers) => answers,
                Err(reason) => {
                    log::info!("pulling report status: {reason}");
                    pulled.offline = true;
                    continue;
                }
            };
            let now = now_ms();
            let mut found = Vec::new();
            for answer in &answers {
                if let Some(remote) = sync::remote_status(answer, now)
                    && let Some(report_id) = by_server.get(&remote.server_id)
                {
                    found.push((report_id.clone(), remote));
                }
            }
            let changed = self
                .store
                .run(move |conn| {
                    let mut changed = Vec::new();
                    for (report_id, remote) in &found {
                        if reports::store_remote(conn, report_id, remote)? {
                            changed.push(report_id.clone());
                        }
                    }
                    Ok(changed)
                })
                .await?;
            pulled.changed.extend(changed);
        }
        Ok(pulled)
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
            .call(|conn| content::fetched_at(conn, content::Kind::Services))
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
                    .call(move |conn| {
                        content::store(conn, content::Kind::Services, &body, None, now)
                    })
                    .await?;
                Ok(Some(changed))
            }
            Ok(_) => Ok(Some(false)),
            Err(reason) => {
                log::info!("services: {reason}");
                Ok(None)
            }
        }
    }

    /// The report categories as last pulled (empty before the first pull).
    pub async fn categories(&self) -> Result<Vec<Category>, Error> {
        self.store
            .run(|conn| content::list(conn, content::Kind::Services))
            .await
    }

    /// Sends the resident's feedback on a report of theirs (rate a resolved
    /// one, or reopen it with a reason), then refreshes its status.
    pub async fn feedback(
        &self,
        report_id: String,
        action: FeedbackAction,
    ) -> Result<ReportDetail, Error> {
        match &action {
            FeedbackAction::Reopen { reason } => cds_domain::report::check_reason(reason)?,
            FeedbackAction::Rate { rating, .. } if !(1..=5).contains(rating) => {
                return Err(Error::Invalid(Invalid {
                    field: Field::Rating,
                    rule: Rule::OutOfRange,
                }));
            }
            FeedbackAction::Rate { .. } => {}
        }
        let detail = self.report(report_id.clone()).await?;
        let Some(remote) = detail.remote else {
            return Err(Error::Refused(
                "the province has not answered this report yet".into(),
            ));
        };
        let url = self
            .config
            .api_url
            .join(&format!(
                "{}/requests/{}/feedback",
                cds_provincial_api::API_PREFIX,
                sync::utf8_percent(&remote.server_id)
            ))
            .map_err(|err| Error::Config(ConfigError(err.to_string())))?;
        let feedback = Feedback {
            client_request_id: report_id.clone(),
            action,
        };
        match self.open311.feedback(url, &feedback).await {
            Ok(answer) => {
                if let Some(remote) = sync::remote_status(&answer, now_ms()) {
                    let id = report_id.clone();
                    self.store
                        .run(move |conn| reports::store_remote(conn, &id, &remote))
                        .await?;
                }
                self.report(report_id).await
            }
            Err((true, reason)) => Err(Error::Unreachable(reason)),
            Err((false, reason)) => Err(Error::Refused(reason)),
        }
    }

    /// Every open report of the province the device holds (at most 5,000).
    pub async fn public_reports(&self) -> Result<Vec<content::PublicReport>, Error> {
        self.store.call(|conn| content::public_reports(conn)).await
    }

    /// Follows a public report of the province instead of filing the same
    /// issue again (it must be among the cached open reports).
    pub async fn follow(&self, server_id: String) -> Result<(), Error> {
        self.store
            .run(move |conn| content::follow(conn, &server_id, now_ms()))
            .await
    }

    pub async fn unfollow(&self, server_id: String) -> Result<(), Error> {
        self.store
            .call(move |conn| content::unfollow(conn, &server_id))
            .await
    }

    /// The reports I follow, with what the province last said of them.
    pub async fn followed(&self) -> Result<Vec<cds_domain::report::Followed>, Error> {
        self.store.run(|conn| content::followed(conn)).await
    }

    /// Pulls the status of the reports I follow; returns the ids that changed.
    /// An unreachable server is `Ok(None)`.
    pub async fn pull_followed(&self) -> Result<Option<Vec<String>>, Error> {
        let ids: Vec<String> = self
            .followed()
            .await?
            .into_iter()
            .map(|f| f.report.server_id)
            .collect();
        let mut changed = Vec::new();
        for chunk in ids.chunks(50) {
            let answers = match self.open311.fetch(chunk).await {
                Ok(answers) => answers,
                Err(reason) => {
                    log::info!("pulling followed reports: {reason}");
                    return Ok(None);
                }
            };
            let now = now_ms();
            let found: Vec<_> = answers
                .iter()
                .filter_map(|answer| sync::remote_status(answer, now))
                .filter(|remote| chunk.contains(&remote.server_id))
                .collect();
            let newly = self
                .store
                .run(move |conn| {
                    let mut newly = Vec::new();
                    for remote in &found {
                        if content::store_followed(conn, remote)? {
                            newly.push(remote.server_id.clone());
                        }
                    }
                    Ok(newly)
                })
                .await?;
            changed.extend(newly);
        }
        Ok(Some(changed))
    }

    /// The bytes of a photo the server named for one of my reports (the
    /// agency's photo of the fix, say), fetched once and kept on the device.
    pub async fn remote_photo(&self, report_id: String, index: usize) -> Result<Vec<u8>, Error> {
        /// Largest photo fetched from the server.
        const MAX_BYTES: usize = 16 * 1024 * 1024;
        let detail = self.report(report_id).await?;
        let url = detail
            .remote
            .and_then(|remote| remote.media_urls.get(index).cloned())
            .ok_or(Error::NotFound)?;
        let path = self
            .config
            .data_dir
            .join("media-cache")
            .join(photos::hash(url.as_bytes()));
        let cached = path.clone();
        if let Ok(Ok(bytes)) = tokio::task::spawn_blocking(move || std::fs::read(cached)).await {
            return Ok(bytes);
        }
        let allowed = [&self.config.api_url, &self.config.open311_url];
        let bytes = self
            .open311
            .media(&url, MAX_BYTES, &allowed)
            .await
            .map_err(Error::Unreachable)?;
        imaging::sniff(&bytes).map_err(|err| Error::Invalid(err.into()))?;
        let (store, kept) = (path, bytes.clone());
        let written = tokio::task::spawn_blocking(move || {
            if let Some(dir) = store.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let temp = store.with_extension("tmp");
            std::fs::write(&temp, &kept)?;
            std::fs::rename(&temp, &store)
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            log::warn!("a fetched photo was not kept: {written:?}");
        }
        Ok(bytes)
    }

    /// A stored photo (`thumbnail`: its small version, or the photo itself
    /// when the thumbnail is missing).
    pub async fn photo(&self, hash: String, thumbnail: bool) -> Result<Vec<u8>, Error> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::NotFound);
        }
        let dir = self.photos.clone();
        tokio::task::spawn_blocking(move || {
            let thumb = thumbnail
                .then(|| std::fs::read(dir.thumb_path(&hash)).ok())
                .flatten();
            match thumb {
                Some(bytes) => Ok(bytes),
                None => dir.read(&hash).map_err(|_| Error::NotFound),
            }
        })
        .await
        .map_err(|err| Error::Internal(err.to_string()))?
    }

    /// Pulls alerts, articles and guides (conditional on their ETags); returns
    /// the kinds that changed. An unreachable API is `offline`, not an error.
    pub async fn pull_content(&self) -> Result<ContentPulled, Error> {
        let mut pulled = ContentPulled::default();
        for kind in content::Kind::ALL {
            let etag = self
                .store
                .call(move |conn| content::etag(conn, kind))
                .await?;
            match self
                .api
                .get(
                    &kind.path(),
                    etag.as_deref(),
                    if kind == content::Kind::Areas {
                        content::MAX_AREAS_BYTES
                    } else {
                        content::MAX_LIST_BYTES
                    },
                )
                .await
            {
                Ok(http::Fetched::NotModified) => {}
                Ok(http::Fetched::Body { bytes, etag }) => {
                    // Areas can be large (official polygons): parse off the async threads.
                    let (checked, bytes) = tokio::task::spawn_blocking(move || {
                        let checked = content::validate(kind, &bytes);
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
                        .call(move |conn| content::store(conn, kind, &bytes, etag.as_deref(), now))
                        .await?;
                    if changed {
                        pulled.changed.push(kind);
                        if kind == content::Kind::Areas {
                            self.areas_generation
                                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            *self
                                .areas_cache
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
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

    pub async fn alerts(&self) -> Result<Vec<cds_provincial_api::content::Alert>, Error> {
        self.store
            .run(|conn| content::list(conn, content::Kind::Alerts))
            .await
    }

    pub async fn articles(&self) -> Result<Vec<cds_provincial_api::content::Article>, Error> {
        self.store
            .run(|conn| content::list(conn, content::Kind::Articles))
            .await
    }

    pub async fn guides(&self) -> Result<Vec<cds_provincial_api::content::Article>, Error> {
        self.store
            .run(|conn| content::list(conn, content::Kind::Guides))
            .await
    }

    async fn fetch_dossier(
        &self,
        code: &str,
        phone_last4: &str,
    ) -> Result<cds_provincial_api::content::Dossier, Error> {
        let valid_code = !code.is_empty()
            && code.len() <= 40
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !valid_code || phone_last4.len() != 4 || !phone_last4.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Error::Invalid(cds_domain::report::Invalid {
                field: cds_domain::report::Field::ServiceCode,
                rule: cds_domain::report::Rule::BadFormat,
            }));
        }
        let path = format!(
            "{}/dossiers/{code}?phone_last4={phone_last4}",
            cds_provincial_api::API_PREFIX
        );
        match self.api.get(&path, None, 256 * 1024).await {
            Ok(http::Fetched::Body { bytes, .. }) => serde_json::from_slice(&bytes)
                .map_err(|err| Error::Unreachable(format!("dossier answer: {err}"))),
            Ok(http::Fetched::NotModified) => Err(Error::Unreachable("unexpected 304".into())),
            Err(http::FetchError::NotFound) => Err(Error::NotFound),
            Err(err) => Err(Error::Unreachable(err.to_string())),
        }
    }

    /// Looks a dossier up by its code and the last four digits of the phone
    /// number on the slip, and follows it from now on.
    pub async fn watch_dossier(
        &self,
        code: String,
        phone_last4: String,
    ) -> Result<cds_provincial_api::content::Dossier, Error> {
        let code = code.trim().to_uppercase();
        let dossier = self.fetch_dossier(&code, phone_last4.trim()).await?;
        let (stored, digits, now) = (dossier.clone(), phone_last4.trim().to_owned(), now_ms());
        self.store
            .run(move |conn| content::watch(conn, &stored, &digits, now))
            .await?;
        Ok(dossier)
    }

    /// The watched dossiers as last pulled.
    pub async fn dossiers(&self) -> Result<Vec<cds_provincial_api::content::Dossier>, Error> {
        self.store.run(|conn| content::dossiers(conn)).await
    }

    /// Pulls every watched dossier; returns the codes whose status changed.
    pub async fn pull_dossiers(&self) -> Result<Vec<String>, Error> {
        let watched = self.store.call(|conn| content::watched(conn)).await?;
        let mut changed = Vec::new();
        for (code, digits) in watched {
            match self.fetch_dossier(&code, &digits).await {
                Ok(dossier) => {
                    let now = now_ms();
                    if self
                        .store
                        .run(move |conn| content::update_dossier(conn, &dossier, now))
                        .await?
                    {
                        changed.push(code);
                    }
                }
                Err(err) => log::info!("dossier {code}: {err}"),
            }
        }
        Ok(changed)
    }

    /// Pulls the province's requests changed since the last pull (all, the
    /// first time) and keeps the open ones for "already reported nearby?".
    /// Returns how many answers were read; an unreachable server gives `None`.
    pub async fn pull_public_reports(&self) -> Result<Option<usize>, Error> {
        /// A bound on one pull (200 a page).
        const MAX_PAGES: u32 = 50;
        const CURSOR: &str = "public_reports_updated_after";
        let cursor = self
            .store
            .call(|conn| Ok(settings::all(conn)?.remove(CURSOR)))
            .await?;
        let mut read = 0;
        let mut newest = cursor.clone();
        for page in 1..=MAX_PAGES {
            let answers = match self.open311.open_requests(cursor.as_deref(), page).await {
                Ok(answers) => answers,
                Err(reason) => {
                    log::info!("public reports: {reason}");
                    return Ok(None);
                }
            };
            if answers.is_empty() {
                break;
            }
            read += answers.len();
            let reports: Vec<content::PublicReport> =
                answers.iter().filter_map(sync::public_report).collect();
            for report in &reports {
                if report.updated_datetime > newest {
                    newest.clone_from(&report.updated_datetime);
                }
            }
            self.store
                .call(move |conn| content::store_public(conn, &reports))
                .await?;
        }
        if let Some(newest) = newest.filter(|n| Some(n) != cursor.as_ref()) {
            self.store
                .call(move |conn| settings::set(conn, CURSOR, &newest))
                .await?;
        }
        Ok(Some(read))
    }

    /// Open reports within `radius_m` of a point, nearest first (from the device).
    pub async fn nearby(
        &self,
        lat: f64,
        lon: f64,
        radius_m: f64,
        service_code: Option<String>,
    ) -> Result<Vec<content::PublicReport>, Error> {
        let place = cds_domain::report::Location {
            lat,
            lon,
            accuracy_m: None,
            source: cds_domain::report::LocationSource::Pin,
        };
        place.check(cds_domain::report::Field::Location)?;
        let radius_m = radius_m.clamp(1.0, 50_000.0);
        self.store
            .call(move |conn| content::nearby(conn, lat, lon, radius_m, service_code.as_deref()))
            .await
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
        Ok(SyncSummary {
            confirmed: pass.confirmed,
            retrying: pass.retrying,
            rejected: pass.rejected,
            held_for_wifi: pass.held_for_wifi,
            offline: reports.offline
                || public.is_none()
                || content.offline
                || categories.is_none()
                || followed.is_none(),
            changed_reports: reports.changed,
            changed_content: content
                .changed
                .iter()
                .map(|kind| kind.key().to_owned())
                .collect(),
            changed_dossiers: dossiers,
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

    /// The folder of photo files (for verification and, later, upload).
    pub fn photo_dir(&self) -> &photos::PhotoDir {
        &self.photos
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
