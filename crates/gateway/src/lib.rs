//! The reference provincial API: a real server a province can start from, and the
//! peer the app syncs with in demos and tests.
//!
//! Architecture Invariant: handlers never touch SQLite on an async thread; every
//! query goes through [`db::Db::call`], which runs it on tokio's blocking pool.

pub mod catalogue;
pub mod db;
pub mod error;

use std::{net::SocketAddr, path::Path};

use axum::{Json, Router, routing::get};
use cds_provincial_api::{CATALOGUE_PATH, HEALTH_PATH, Health};

pub use db::Db;
pub use error::ApiFailure;

/// The address the gateway listens on unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// Builds the HTTP routes over an open database.
pub fn router(db: Db) -> Router {
    Router::new()
        .route(&format!("/{HEALTH_PATH}"), get(health))
        .route(&format!("/{CATALOGUE_PATH}"), get(catalogue::get_catalogue))
        .fallback(error::not_found)
        .with_state(db)
}

async fn health(
    axum::extract::State(db): axum::extract::State<Db>,
) -> Result<Json<Health>, ApiFailure> {
    db.call(|conn| conn.query_row("SELECT 1", [], |_| Ok(())))
        .await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
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
    let dir = data_dir.to_owned();
    let db = tokio::task::spawn_blocking(move || Db::open(&dir))
        .await
        .map_err(|err| ServeError::Start(err.to_string()))??;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|err| ServeError::Bind(listen, err))?;
    let bound = listener
        .local_addr()
        .map_err(|err| ServeError::Bind(listen, err))?;
    on_bound(bound);
    axum::serve(listener, router(db))
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
