//! What operators and load balancers see: `/health` (the process answers),
//! `/ready` (its database and photo store answer too), a request id on every
//! request and its access log line, the log format that carries the id, and
//! the client's address behind trusted proxies.

use std::{cell::RefCell, io::Write as _, time::Instant};

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use cds_provincial_api::Health;

use crate::{ApiFailure, AppState, db::RETRY_AFTER_SECONDS};

/// The header a request id arrives in (from a load balancer) and leaves in.
pub const REQUEST_ID: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: RefCell<String>;
}

/// `GET /health`: the process is alive (no dependency is asked: a load
/// balancer uses `/ready` for that).
#[utoipa::path(get, path = "/health", tag = "meta", responses((status = 200, body = Health)))]
pub async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// `GET /ready`: the database and the photo store answer; else 503 with
/// `Retry-After`, and which one does not.
#[utoipa::path(get, path = "/ready", tag = "meta",
    responses((status = 200, body = Health),
              (status = 503, body = [cds_provincial_api::ApiError])))]
pub async fn ready(State(state): State<AppState>) -> Result<Json<Health>, ApiFailure> {
    let unready = |what: &str, err: &dyn std::fmt::Display| {
        log::warn!("not ready: {what}: {err}");
        ApiFailure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{what} unavailable"),
        )
        .retry_after(RETRY_AFTER_SECONDS)
    };
    state
        .db
        .call(|conn| conn.query_row("SELECT 1", [], |_| Ok(())))
        .await
        .map_err(|err| unready("database", &err))?;
    let media = state.media.clone();
    tokio::task::spawn_blocking(move || media.check())
        .await
        .map_err(|err| unready("photo store", &err))?
        .map_err(|err| unready("photo store", &err))?;
    Ok(Json(Health {
        status: "ready".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

/// Gives each request an id (the load balancer's `X-Request-Id` if it is a
/// sane one, else a new one), answers with it, and logs one access line.
pub async fn request_id(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| {
            (1..=64).contains(&value.len())
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        })
        .map_or_else(new_id, str::to_owned);
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let started = Instant::now();
    let mut response = CURRENT
        .scope(RefCell::new(id.clone()), next.run(request))
        .await;
    let status = response.status().as_u16();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    log::info!(
        target: "cds_gateway::access",
        "request_id={id} method={method} path={path:?} status={status} ms={:.1}",
        started.elapsed().as_secs_f64() * 1000.0
    );
    response.into_response()
}

/// The client's address: the peer's, unless the peer is a trusted proxy
/// (`--trusted-proxy`), then the last address in `X-Forwarded-For` that is
/// not one of them. A client cannot choose its address by sending the header
/// itself: from an untrusted peer the header is ignored.
pub fn client_ip(
    trusted: &[std::net::IpAddr],
    peer: std::net::IpAddr,
    headers: &axum::http::HeaderMap,
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|entry| entry.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|address| !trusted.contains(address))
        .unwrap_or(peer)
}

/// The id of the request this task is answering, if any.
pub fn current_request_id() -> Option<String> {
    CURRENT.try_with(|id| id.borrow().clone()).ok()
}

fn new_id() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return "-".into();
    }
    crate::db::hex(&bytes)
}

/// Log lines as `time level target [request_id=…] message`: one line each,
/// key=value where it matters, the request's id on every line written while
/// answering it.
pub fn init_logging() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let time = crate::time::iso(crate::time::now_ms());
            match current_request_id() {
                Some(id) if record.target() != "cds_gateway::access" => writeln!(
                    buf,
                    "{time} {} {} request_id={id} {}",
                    record.level(),
                    record.target(),
                    record.args()
                ),
                _ => writeln!(
                    buf,
                    "{time} {} {} {}",
                    record.level(),
                    record.target(),
                    record.args()
                ),
            }
        })
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_forwards_it() {
        let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            "198.51.100.1, 203.0.113.7".parse().unwrap(),
        );
        // An untrusted peer's header is ignored.
        assert_eq!(client_ip(&[], ip("10.0.0.2"), &headers), ip("10.0.0.2"));
        // Through the balancer: the address it saw (the rightmost), not
        // what the client wrote before it.
        let trusted = [ip("10.0.0.2"), ip("10.0.0.3")];
        assert_eq!(
            client_ip(&trusted, ip("10.0.0.2"), &headers),
            ip("203.0.113.7")
        );
        headers.insert("x-forwarded-for", "203.0.113.7, 10.0.0.3".parse().unwrap());
        assert_eq!(
            client_ip(&trusted, ip("10.0.0.2"), &headers),
            ip("203.0.113.7")
        );
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(
            client_ip(&trusted, ip("10.0.0.2"), &headers),
            ip("10.0.0.2")
        );
    }
}
