//! The reference provincial API: a real server a province can start from, and the
//! peer the app syncs with in demos and tests.
//!
//! Architecture Invariant: handlers never touch SQLite or files on an async
//! thread; every query goes through [`db::Db::call`] / [`db::Db::call_with`],
//! which run on tokio's blocking pool. Every error a client can cause is a 4xx
//! with an Open311 error body; no extractor's plain-text rejection reaches a client.

pub mod alerts;
pub mod areas;
pub mod auth;
pub mod awareness;
pub mod catalogue;
pub mod console;
pub mod content;
pub mod db;
pub mod dossier_stats;
pub mod dossier_updates;
pub mod dossiers;
pub mod error;
pub mod form;
pub mod format;
pub mod illustration;
pub mod limits;
pub mod media;
pub mod media_store;
pub mod migrations;
pub mod open311;
pub mod ops;
pub mod places;
pub mod procedures;
pub mod products;
pub mod seed;
pub mod sql;
pub mod staff;
pub mod teams;
pub mod time;
pub mod xml;

use std::{net::SocketAddr, path::Path};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use cds_provincial_api::{CATALOGUE_PATH, HEALTH_PATH};
use utoipa::OpenApi;

pub use db::Db;
pub use error::ApiFailure;

/// The address the gateway listens on unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";
/// Largest request body: five photos and the form around them.
pub const MAX_BODY: usize = open311::MAX_MEDIA * media::MAX_MEDIA_BYTES + 256 * 1024;
/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub media: media_store::MediaStore,
    /// Base of the URLs the gateway hands out (media), without a trailing `/`.
    pub public_url: String,
    /// Behave as a server that does not know `Idempotency-Key`: every POST is
    /// a new request, and discovery does not claim `idempotency_keys`.
    pub ignore_idempotency_keys: bool,
    /// Load balancers whose `X-Forwarded-For` names the client (`ops::client_ip`).
    pub trusted_proxies: std::sync::Arc<Vec<std::net::IpAddr>>,
}

/// How [`serve_configured`] runs the gateway.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// A PostgreSQL database for the records (default: SQLite in the data folder).
    pub database: Option<String>,
    /// An S3-compatible store for the photos, `s3://bucket/prefix` (default:
    /// the data folder's `media`).
    pub media: Option<String>,
    /// Base of the URLs the gateway hands out (default: the bound address).
    pub public_url: Option<String>,
    /// Stand in for an Open311 server that ignores `Idempotency-Key`, to test
    /// clients against one: each POST stores a new request (no replay, no
    /// 409), `attribute[client_request_id]` is an ordinary attribute, and
    /// discovery leaves `idempotency_keys` out.
    pub ignore_idempotency_keys: bool,
    /// Load balancers whose `X-Forwarded-For` is believed (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

/// The OpenAPI document, generated from the handlers and wire types.
#[derive(OpenApi)]
#[openapi(
    info(title = "Công Dân Số provincial API", description = "Open311 GeoReport v2 (XML and JSON, by the path's extension) with idempotency, photos and update history; dossiers, the procedure catalogue and on-time statistics; content; alerts (staff publish and expire them), places nearby, OCOP products and their traceability; staff answers."),
    paths(
        ops::health,
        ops::ready,
        catalogue::get_catalogue,
        open311::discovery,
        open311::services,
        open311::service_definition,
        open311::post_request,
        open311::get_requests,
        open311::get_request,
        open311::get_token,
        staff::feedback,
        staff::staff_update,
        dossiers::get_dossier,
        dossier_updates::update_dossier,
        procedures::list_procedures,
        dossier_stats::get_stats,
        alerts::list,
        alerts::publish,
        alerts::expire,
        places::list,
        products::list,
        products::trace,
        areas::get_areas,
        content::articles,
        content::guides,
        teams::join,
        teams::post_session,
        teams::my_stats,
        teams::create_code,
        teams::revoke_code,
        teams::all_stats,
        media::get_media,
    ),
    modifiers(&StaffAuth)
)]
pub struct ApiDoc;

struct StaffAuth;
impl utoipa::Modify for StaffAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "staff",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "member",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document as committed in `crates/gateway/openapi.json`.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default() + "\n"
}

/// Builds the HTTP routes.
pub fn router(state: AppState) -> Router {
    let formats = |path: &str| {
        [
            format!("/open311/v2/{path}.xml"),
            format!("/open311/v2/{path}.json"),
            format!("/open311/v2/{path}"),
        ]
    };
    let mut router = Router::new()
        .route(&format!("/{HEALTH_PATH}"), get(ops::health))
        .route("/ready", get(ops::ready))
        .route(&format!("/{CATALOGUE_PATH}"), get(catalogue::get_catalogue))
        .route(
            "/open311/v2/services/{file}",
            get(open311::service_definition),
        )
        .route("/open311/v2/requests/{file}", get(open311::get_request))
        .route("/open311/v2/tokens/{file}", get(open311::get_token))
        .route("/api/v1/requests/{id}/feedback", post(staff::feedback))
        .route(
            "/api/v1/staff/requests/{id}/updates",
            post(staff::staff_update),
        )
        .route("/api/v1/dossiers/{code}", get(dossiers::get_dossier))
        .route(
            "/api/v1/staff/dossiers/{code}",
            post(dossier_updates::update_dossier),
        )
        .route("/api/v1/procedures", get(procedures::list_procedures))
        .route("/api/v1/dossier-stats", get(dossier_stats::get_stats))
        .route("/api/v1/alerts", get(alerts::list))
        .route("/api/v1/staff/alerts", post(alerts::publish))
        .route("/api/v1/staff/alerts/{id}/expire", post(alerts::expire))
        .route("/api/v1/places", get(places::list))
        .route("/api/v1/products", get(products::list))
        .route("/api/v1/trace/{gtin}", get(products::trace))
        .route("/api/v1/areas", get(areas::get_areas))
        .route("/api/v1/articles", get(content::articles))
        .route("/api/v1/guides", get(content::guides))
        .route("/api/v1/teams/join", post(teams::join))
        .route("/api/v1/teams/me/stats", get(teams::my_stats))
        .route("/api/v1/assisted-sessions", post(teams::post_session))
        .route("/api/v1/staff/team-codes", post(teams::create_code))
        .route(
            "/api/v1/staff/team-codes/{code}",
            axum::routing::delete(teams::revoke_code),
        )
        .route("/api/v1/staff/team-stats", get(teams::all_stats))
        .route("/media/{hash}", get(media::get_media))
        .route(
            OPENAPI_PATH,
            get(|| async { ([("content-type", "application/json")], openapi_json()) }),
        );
    for path in formats("discovery") {
        router = router.route(&path, get(open311::discovery));
    }
    for path in formats("services") {
        router = router.route(&path, get(open311::services));
    }
    for path in formats("requests") {
        router = router.route(
            &path,
            get(open311::get_requests).post(open311::post_request),
        );
    }
    router
        .merge(console::routes())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(error::reject_oversized))
        .layer(axum::middleware::from_fn(format::errors_in_format))
        .layer(axum::middleware::from_fn(ops::request_id))
        .with_state(state)
}

/// Opens (creating and seeding when empty) the database in `data_dir`, binds
/// `listen` and serves until `shutdown` completes. `on_bound` learns the real
/// address (useful with port 0) before the first request is accepted.
pub async fn serve(
    listen: SocketAddr,
    data_dir: &Path,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_configured(
        listen,
        data_dir,
        ServeOptions::default(),
        on_bound,
        shutdown,
    )
    .await
}

/// [`serve`], with the public base URL of media links (default: the bound address).
pub async fn serve_with(
    listen: SocketAddr,
    data_dir: &Path,
    public_url: Option<String>,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let options = ServeOptions {
        public_url,
        ..ServeOptions::default()
    };
    serve_configured(listen, data_dir, options, on_bound, shutdown).await
}

/// [`serve`], as `options` say.
pub async fn serve_configured(
    listen: SocketAddr,
    data_dir: &Path,
    options: ServeOptions,
    on_bound: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let location = db::Location::new(data_dir, options.database.as_deref());
    let media = media_store::MediaStore::open(options.media.as_deref(), data_dir)?;
    let seeding = media.clone();
    let db = tokio::task::spawn_blocking(move || {
        seeding.sweep_leftovers();
        seed::open(&location, &seeding)
    })
    .await
    .map_err(|err| ServeError::Start(err.to_string()))??;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|err| ServeError::Bind(listen, err))?;
    let bound = listener
        .local_addr()
        .map_err(|err| ServeError::Bind(listen, err))?;
    let state = AppState {
        db,
        media,
        public_url: options
            .public_url
            .map(|url| url.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{bound}")),
        ignore_idempotency_keys: options.ignore_idempotency_keys,
        trusted_proxies: std::sync::Arc::new(options.trusted_proxies),
    };
    if options.ignore_idempotency_keys {
        log::warn!("ignoring Idempotency-Key: every POST requests is a new request (a test mode)");
    }
    on_bound(bound);
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|err| ServeError::Start(err.to_string()))
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("database: {0}")]
    Db(#[from] db::DbError),
    #[error("{0}")]
    Start(String),
}
