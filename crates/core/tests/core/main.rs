//! The engine's one integration test binary: the home screen and configuration,
//! the outbox, migrations, and the crash test.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod crash;
mod device;
mod dossiers;
mod faults;
mod foreign;
mod home;
mod migrations;
mod outbox;
mod photos;
mod slips;
mod society;
mod sync;
mod teams;

use std::{net::SocketAddr, path::Path};

use axum::Router;
use cds_core::{Core, Error};

/// Opens the engine on `data` against the API at `api`, with a short timeout.
pub async fn open(data: &Path, api: &str) -> Result<Core, Error> {
    let api = api.to_owned();
    Core::open(data.to_owned(), move |name| match name {
        "CDS_API_URL" => Some(api.clone()),
        "CDS_HTTP_TIMEOUT_MS" => Some("700".into()),
        _ => None,
    })
    .await
}

/// Serves `router` on a free loopback port until the test's runtime ends.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/")
}

/// Starts the real reference gateway in this process on a free port.
pub async fn gateway(data: &Path) -> String {
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let data = data.to_owned();
    tokio::spawn(async move {
        cds_gateway::serve(
            "127.0.0.1:0".parse().unwrap(),
            &data,
            move |addr| {
                let _ = tx.send(addr);
            },
            std::future::pending(),
        )
        .await
    });
    format!("http://{}/", rx.await.unwrap())
}

/// Starts the real gateway in this process in its mode that ignores
/// idempotency keys (like most deployed Open311 servers).
pub async fn gateway_ignoring_keys(data: &Path) -> String {
    let (tx, rx) = tokio::sync::oneshot::channel::<SocketAddr>();
    let data = data.to_owned();
    tokio::spawn(async move {
        cds_gateway::serve_configured(
            "127.0.0.1:0".parse().unwrap(),
            &data,
            cds_gateway::ServeOptions {
                ignore_idempotency_keys: true,
                ..cds_gateway::ServeOptions::default()
            },
            move |addr| {
                let _ = tx.send(addr);
            },
            std::future::pending(),
        )
        .await
    });
    format!("http://{}/", rx.await.unwrap())
}

/// The wall clock, in Unix milliseconds.
pub fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// A port nothing listens on.
pub fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/")
}

/// A real JPEG (the Huế test photo), made unique by a comment segment.
pub fn real_jpeg(seed: u64) -> Vec<u8> {
    const HUE: &[u8] = include_bytes!("../../../../assets/test-images/pothole_hue_synthetic.jpg");
    let comment = format!("cds test photo {seed}");
    let mut bytes = HUE[..2].to_vec();
    bytes.extend_from_slice(&[0xFF, 0xFE]);
    bytes.extend_from_slice(&u16::try_from(comment.len() + 2).unwrap().to_be_bytes());
    bytes.extend_from_slice(comment.as_bytes());
    bytes.extend_from_slice(&HUE[2..]);
    bytes
}

/// Every request the gateway at `url` holds (paged), read straight from it.
pub async fn gateway_requests(url: &str) -> Vec<serde_json::Value> {
    let url = url.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut all = Vec::new();
        for page in 1.. {
            let body = reqwest::blocking::get(format!(
                "{url}open311/v2/requests.json?page_size=200&page={page}"
            ))
            .unwrap()
            .text()
            .unwrap();
            let list: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
            if list.is_empty() {
                break;
            }
            all.extend(list);
        }
        all
    })
    .await
    .unwrap()
}

/// Asserts that report `id` is confirmed and that the gateway (whose requests
/// are `remote`) holds it with the same description and byte-identical photos.
pub async fn assert_at_gateway(core: &Core, remote: &[serde_json::Value], id: &str) {
    use cds_domain::outbox::{OutboxState, ServerRef};
    let detail = core.report(id.to_owned()).await.unwrap();
    let OutboxState::Confirmed {
        server: ServerRef::Id(server_id),
        ..
    } = &detail.summary.state
    else {
        panic!("not confirmed: {:?}", detail.summary.state);
    };
    let found = remote
        .iter()
        .find(|r| r["service_request_id"] == server_id.as_str())
        .unwrap_or_else(|| panic!("request {server_id} is not at the gateway"));
    assert_eq!(
        found["description"],
        cds_domain::report::description_for_server(
            &detail.draft.description,
            &detail.summary.receipt
        )
        .as_str()
    );
    let urls: Vec<String> = found["media_urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap().to_owned())
        .collect();
    let hashes = tokio::task::spawn_blocking(move || {
        urls.iter()
            .map(|u| cds_core::photos::hash(&reqwest::blocking::get(u).unwrap().bytes().unwrap()))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(
        hashes, detail.photos,
        "photos byte-identical at the gateway"
    );
}
