//! Staff answer requests (status, public answer, fix photo, expected date);
//! residents rate a resolved request or reopen it. Every change is a row of the
//! request's public history and moves `updated_datetime`.

use crate::sql::{Conn, Optional, params};
use axum::{
    Json,
    extract::{Path, RawQuery, Request, State},
    http::{HeaderMap, StatusCode, header},
};
use cds_provincial_api::open311::{
    DetailedStatus, Feedback, FeedbackAction, ServiceRequest, StaffUpdate,
};

use crate::{ApiFailure, AppState, auth, form, media, open311, time};

fn bad(description: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::BAD_REQUEST, description)
}

fn request_id(text: &str) -> Result<i64, ApiFailure> {
    text.parse()
        .map_err(|_| ApiFailure::new(StatusCode::NOT_FOUND, "no such service request"))
}

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(|t| t.trim().to_owned())
}

/// The fields of a staff update, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct StaffUpdateForm {
    detailed_status: DetailedStatus,
    note: Option<String>,
    agency: Option<String>,
    expected_datetime: Option<String>,
    duplicate_of: Option<String>,
    /// A photo of the fix.
    #[schema(value_type = Option<String>, format = Binary)]
    media: Option<Vec<u8>>,
}

/// Applies a staff change to request `id` (the API's and the console's one
/// path): checks it, stores the photo, writes the history row with
/// `staff:<name>` as its actor, and answers the request as residents see it.
pub(crate) fn apply_staff(
    conn: &Conn,
    media_dir: &crate::media_store::MediaStore,
    public_url: &str,
    id: i64,
    staff: &str,
    update: StaffUpdate,
    photo: Option<(axum::body::Bytes, media::Sniffed)>,
) -> Result<ServiceRequest, ApiFailure> {
    form::check_text("note", &update.note, 4000, true)?;
    let agency = update.agency.unwrap_or_default();
    form::check_text("agency", &agency, 200, false)?;
    let expected = match update
        .expected_datetime
        .as_deref()
        .filter(|v| !v.trim().is_empty())
    {
        Some(value) => {
            Some(time::parse(value).ok_or_else(|| bad("expected_datetime: not an ISO 8601 date"))?)
        }
        None => None,
    };
    if update.detailed_status == DetailedStatus::Rejected && update.note.trim().is_empty() {
        return Err(bad(
            "note: a rejection needs a reason the resident can read",
        ));
    }
    let tx = conn.transaction().map_err(crate::db::DbError::from)?;
    let exists: Option<String> = tx
        .query_row(
            "SELECT detailed_status FROM requests WHERE id = ?1",
            [id],
            |row| row.get(0),
        )
        .optional()
        .map_err(crate::db::DbError::from)?;
    let Some(current) = exists else {
        return Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            "no such service request",
        ));
    };
    // Received is the system's word for a new request: staff may keep it
    // (e.g. set an expected date first), never go back to it.
    if update.detailed_status == DetailedStatus::Received
        && current != DetailedStatus::Received.as_str()
    {
        return Err(bad("detailed_status: received is set by the system"));
    }
    let duplicate_of = match (update.detailed_status, update.duplicate_of.as_deref()) {
        (DetailedStatus::Duplicate, Some(other)) => {
            let other = request_id(other).map_err(|_| bad("duplicate_of: not a request id"))?;
            let found: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM requests WHERE id = ?1)",
                    [other],
                    |row| row.get(0),
                )
                .map_err(crate::db::DbError::from)?;
            if !found || other == id {
                return Err(bad("duplicate_of: no such other request"));
            }
            Some(other)
        }
        (DetailedStatus::Duplicate, None) => {
            return Err(bad("duplicate_of: which request this duplicates"));
        }
        _ => None,
    };
    let media_hash = match photo {
        Some((bytes, sniffed)) => Some(media_dir.store(&tx, &bytes, sniffed)?),
        None => None,
    };
    let now = time::now_ms();
    tx.execute(
        "UPDATE requests SET detailed_status = ?2, status_notes = CASE WHEN ?3 = '' THEN status_notes ELSE ?3 END,
             agency = CASE WHEN ?4 = '' THEN agency ELSE ?4 END, expected_ms = COALESCE(?5, expected_ms),
             duplicate_of = COALESCE(?6, duplicate_of), updated_ms = CASE WHEN updated_ms + 1 > ?7 THEN updated_ms + 1 ELSE ?7 END
         WHERE id = ?1",
        params![id, update.detailed_status.as_str(), update.note, agency, expected, duplicate_of, now],
    )
    .map_err(crate::db::DbError::from)?;
    if let Some(hash) = &media_hash {
        tx.execute(
            "INSERT INTO request_media (request_id, position, hash, by_staff)
             VALUES (?1, (SELECT COALESCE(MAX(position), -1) + 1 FROM request_media WHERE request_id = ?1), ?2, 1)",
            params![id, hash],
        )
        .map_err(crate::db::DbError::from)?;
    }
    tx.execute(
        "INSERT INTO request_updates (request_id, at_ms, detailed_status, note, agency, media_hash, expected_ms, actor)
         VALUES (?1, (SELECT updated_ms FROM requests WHERE id = ?1), ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, update.detailed_status.as_str(), update.note, agency, media_hash, expected, format!("staff:{staff}")],
    )
    .map_err(crate::db::DbError::from)?;
    tx.commit().map_err(crate::db::DbError::from)?;
    open311::load_request(conn, public_url, id, true)
        .map_err(crate::db::DbError::from)?
        .ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no such service request"))
}

/// `POST /api/v1/staff/requests/{id}/updates`: staff change a request.
#[utoipa::path(post, path = "/api/v1/staff/requests/{service_request_id}/updates", tag = "staff",
    params(("service_request_id" = String, Path)),
    request_body(content = StaffUpdateForm, content_type = "multipart/form-data"),
    security(("staff" = [])),
    responses((status = 200, body = ServiceRequest), (status = 400, body = [cds_provincial_api::ApiError]),
              (status = 403, body = [cds_provincial_api::ApiError]), (status = 404, body = [cds_provincial_api::ApiError])))]
pub async fn staff_update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: Request,
) -> Result<Json<ServiceRequest>, ApiFailure> {
    let token = bearer(request.headers());
    let id = request_id(&id)?;
    // The body is read before the credential is judged: a client still
    // sending it never sees its connection reset under an early answer.
    let form = form::read(request, &state, 1).await?;
    let token =
        token.ok_or_else(|| ApiFailure::new(StatusCode::FORBIDDEN, "staff credential missing"))?;
    let detailed_status = form
        .get("detailed_status")
        .and_then(DetailedStatus::parse)
        .ok_or_else(|| bad("detailed_status: one of received, assigned, in_progress, resolved, rejected, duplicate, reopened"))?;
    let text = |name: &str| form.get(name).map(str::to_owned);
    let update = StaffUpdate {
        detailed_status,
        note: text("note").unwrap_or_default(),
        agency: text("agency"),
        expected_datetime: text("expected_datetime"),
        duplicate_of: text("duplicate_of").filter(|v| !v.is_empty()),
    };
    let photo = match form.media.into_iter().next() {
        Some(bytes) => {
            let sniffed = media::sniff(&bytes).map_err(|err| bad(format!("media: {err}")))?;
            Some((bytes, sniffed))
        }
        None => None,
    };
    let media_dir = state.media.clone();
    let public_url = state.public_url.clone();
    let request = state
        .db
        .call_with(move |conn| {
            let staff = auth::staff(conn, &token)
                .map_err(crate::db::DbError::from)?
                .ok_or_else(|| {
                    ApiFailure::new(StatusCode::FORBIDDEN, "staff credential not valid")
                })?;
            apply_staff(conn, &media_dir, &public_url, id, &staff, update, photo)
        })
        .await?;
    Ok(Json(request))
}

/// `POST /api/v1/requests/{id}/feedback?api_key=…`: the resident who filed a
/// request (proven by its idempotency key) rates it or reopens it.
#[utoipa::path(post, path = "/api/v1/requests/{service_request_id}/feedback", tag = "open311",
    params(("service_request_id" = String, Path), ("api_key" = String, Query)),
    request_body = Feedback,
    responses((status = 200, body = ServiceRequest), (status = 400, body = [cds_provincial_api::ApiError]),
              (status = 403, body = [cds_provincial_api::ApiError]), (status = 404, body = [cds_provincial_api::ApiError])))]
pub async fn feedback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<ServiceRequest>, ApiFailure> {
    let id = request_id(&id)?;
    let query = form::query(raw.as_deref())?;
    let api_key = query
        .iter()
        .find(|(k, _)| k == "api_key")
        .map(|(_, v)| v.clone())
        .ok_or_else(|| ApiFailure::new(StatusCode::FORBIDDEN, "api_key missing"))?;
    let feedback: Feedback =
        serde_json::from_slice(&form::bytes(body)?).map_err(|err| bad(format!("body: {err}")))?;
    let public_url = state.public_url.clone();
    let request = state
        .db
        .call_with(move |conn| {
            auth::api_key(conn, &api_key)
                .map_err(crate::db::DbError::from)?
                .ok_or_else(|| ApiFailure::new(StatusCode::FORBIDDEN, "api_key not valid"))?;
            let tx = conn.transaction().map_err(crate::db::DbError::from)?;
            let row: Option<(Option<String>, String)> = tx
                .query_row("SELECT idempotency_key, detailed_status FROM requests WHERE id = ?1", [id], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
                .map_err(crate::db::DbError::from)?;
            let (key, status) = row.ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no such service request"))?;
            if key.as_deref() != Some(feedback.client_request_id.as_str()) {
                return Err(ApiFailure::new(StatusCode::FORBIDDEN, "only the resident who filed the request can give feedback"));
            }
            let status = DetailedStatus::parse(&status).unwrap_or(DetailedStatus::Received);
            let now = time::now_ms();
            match feedback.action {
                FeedbackAction::Rate { rating, fixed } => {
                    if status != DetailedStatus::Resolved {
                        return Err(bad("only a resolved request can be rated"));
                    }
                    if !(1..=5).contains(&rating) {
                        return Err(bad("rating: 1 to 5"));
                    }
                    let note = if fixed { format!("Người dân xác nhận đã khắc phục, đánh giá {rating}/5") } else { format!("Người dân đánh giá {rating}/5") };
                    tx.execute("UPDATE requests SET rating = ?2, updated_ms = CASE WHEN updated_ms + 1 > ?3 THEN updated_ms + 1 ELSE ?3 END WHERE id = ?1", params![id, rating, now])
                        .map_err(crate::db::DbError::from)?;
                    tx.execute(
                        "INSERT INTO request_updates (request_id, at_ms, detailed_status, note, agency, actor)
                         VALUES (?1, (SELECT updated_ms FROM requests WHERE id = ?1), 'resolved', ?2, '', 'resident')",
                        params![id, note],
                    )
                    .map_err(crate::db::DbError::from)?;
                }
                FeedbackAction::Reopen { reason } => {
                    if status.status() != cds_provincial_api::open311::Status::Closed {
                        return Err(bad("only a closed request can be reopened"));
                    }
                    if reason.trim().is_empty() {
                        return Err(bad("reason: say why it is not fixed"));
                    }
                    form::check_text("reason", &reason, 2000, true)?;
                    tx.execute(
                        "UPDATE requests SET detailed_status = 'reopened', rating = NULL, updated_ms = CASE WHEN updated_ms + 1 > ?2 THEN updated_ms + 1 ELSE ?2 END WHERE id = ?1",
                        params![id, now],
                    )
                    .map_err(crate::db::DbError::from)?;
                    tx.execute(
                        "INSERT INTO request_updates (request_id, at_ms, detailed_status, note, agency, actor)
                         VALUES (?1, (SELECT updated_ms FROM requests WHERE id = ?1), 'reopened', ?2, '', 'resident')",
                        params![id, reason],
                    )
                    .map_err(crate::db::DbError::from)?;
                }
            }
            tx.commit().map_err(crate::db::DbError::from)?;
            open311::load_request(conn, &public_url, id, true)
                .map_err(crate::db::DbError::from)?
                .ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no such service request"))
        })
        .await?;
    Ok(Json(request))
}
