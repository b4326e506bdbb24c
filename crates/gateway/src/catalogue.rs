//! `GET /api/v1/catalogue`: the province's home-screen catalogue, with ETag and 304.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use cds_provincial_api::{etag_header, if_none_match_matches};

use crate::{ApiFailure, AppState};

/// `GET /api/v1/catalogue`
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "content",
    params(("If-None-Match" = Option<String>, Header)),
    responses((status = 200, description = "The catalogue (blocks and tiles)", body = Object), (status = 304)))]
pub async fn get_catalogue(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let (body, etag) = state.db.read(crate::db::catalogue).await?;
    let etag_value = HeaderValue::from_str(&etag_header(&etag))
        .map_err(|_| ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, "bad stored etag"))?;
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| if_none_match_matches(value, &etag));
    let cache = (header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if not_modified {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), cache],
        )
            .into_response());
    }
    Ok((
        [
            (header::ETAG, etag_value),
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            cache,
        ],
        body,
    )
        .into_response())
}
