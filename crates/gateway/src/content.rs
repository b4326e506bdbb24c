//! Articles and guides (with ETag and `updated_after`), and storing one (the
//! demo seed and the staff console). Alerts are `alerts.rs`; community teams
//! `teams.rs`.

use crate::sql::{Conn, Optional, params};
use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use cds_provincial_api::{content::Article, etag_header, if_none_match_matches};
use sha2::{Digest, Sha256};

use crate::{
    ApiFailure, AppState,
    db::{DbError, hex},
    form, time,
};

/// Stores (or replaces) an article or guide as changed at `now_ms`; a new
/// version is dated at least a second after the last (dates on the wire
/// count seconds: a client pulling `updated_after` must see it). Returns
/// the time it is dated.
pub fn store(conn: &Conn, article: &mut Article, now_ms: i64) -> Result<i64, DbError> {
    let last: Option<i64> = conn
        .query_row(
            "SELECT updated_ms FROM content WHERE id = ?1",
            [&article.id],
            |row| row.get(0),
        )
        .optional()?;
    let at = last.map_or(now_ms, |last| {
        now_ms.max(last.div_euclid(1000) * 1000 + 1000)
    });
    article.updated_datetime = time::iso(at);
    conn.execute(
        "INSERT INTO content (id, kind, body, updated_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
             updated_ms = excluded.updated_ms",
        params![
            article.id,
            article.kind,
            serde_json::to_string(article)?,
            at
        ],
    )?;
    Ok(at)
}

/// Article or guide `id`, as stored.
pub fn find(conn: &Conn, id: &str) -> Result<Option<Article>, DbError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM content WHERE id = ?1 AND kind IN ('article', 'guide')",
            [id],
            |row| row.get(0),
        )
        .optional()?;
    Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
}

/// A JSON list with a strong ETag; 304 when the client has it.
pub fn with_etag(headers: &HeaderMap, body: Vec<u8>) -> Response {
    let tag = hex(&Sha256::digest(&body));
    let value =
        HeaderValue::from_str(&etag_header(&tag)).unwrap_or(HeaderValue::from_static("\"\""));
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| if_none_match_matches(v, &tag));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, value)]).into_response();
    }
    (
        [
            (header::ETAG, value),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn list(
    state: &AppState,
    headers: &HeaderMap,
    raw: Option<&str>,
    kind: &'static str,
) -> Result<Response, ApiFailure> {
    let mut after = i64::MIN;
    for (key, value) in form::query(raw)? {
        if key == "updated_after" {
            after = time::parse(&value).ok_or_else(|| {
                ApiFailure::new(
                    StatusCode::BAD_REQUEST,
                    "updated_after: not an ISO 8601 date",
                )
            })?;
        }
    }
    let bodies: Vec<String> = state
        .db
        .read(move |conn| {
            let mut statement = conn.prepare_cached("SELECT body FROM content WHERE kind = ?1 AND updated_ms > ?2 ORDER BY updated_ms, id")?;
            let rows = statement.query_map(params![kind, after], |row| row.get(0))?;
            rows.collect()
        })
        .await?;
    let body = {
        let mut articles: Vec<Article> = bodies
            .iter()
            .filter_map(|b| serde_json::from_str(b).ok())
            .collect();
        for step in articles.iter_mut().flat_map(|a| a.steps.iter_mut()) {
            if let Some(url) = step.image_url.as_mut().filter(|u| u.starts_with('/')) {
                *url = format!("{}{url}", state.public_url);
            }
        }
        serde_json::to_vec(&articles)
    }
    .map_err(|err| ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(with_etag(headers, body))
}

/// `GET /api/v1/articles`: news and scam warnings.
#[utoipa::path(get, path = "/api/v1/articles", tag = "content",
    params(("updated_after" = Option<String>, Query), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = [Article]), (status = 304), (status = 400, body = [cds_provincial_api::ApiError])))]
pub async fn articles(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiFailure> {
    list(&state, &headers, raw.as_deref(), "article").await
}

/// `GET /api/v1/guides`: step-by-step guides.
#[utoipa::path(get, path = "/api/v1/guides", tag = "content",
    params(("updated_after" = Option<String>, Query), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = [Article]), (status = 304), (status = 400, body = [cds_provincial_api::ApiError])))]
pub async fn guides(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiFailure> {
    list(&state, &headers, raw.as_deref(), "guide").await
}
