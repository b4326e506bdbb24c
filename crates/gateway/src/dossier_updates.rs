//! Staff change a dossier (`POST /api/v1/staff/dossiers/{code}`, a staff
//! bearer token): a new status, optionally the step that starts now and a
//! note to the resident. The change finishes the open step, sets or clears the
//! finished date, moves `updated_ms` and is written to `dossier_history` in
//! the same transaction.

use crate::sql::{Conn, Optional, params};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
};
use cds_provincial_api::content::{Dossier, DossierStep, DossierUpdate};

use crate::{ApiFailure, AppState, auth, db::DbError, dossiers, form, staff, time};

/// The statuses a dossier can have, in the order it usually takes them.
pub const STATUSES: &[&str] = &[
    "received",
    "processing",
    "supplement_requested",
    "done",
    "returned",
];
/// Statuses that finish a dossier (it has a finished date).
const FINAL: &[&str] = &["done", "returned"];
pub const MAX_NOTE: usize = 2000;
pub const MAX_STEP: usize = 200;

fn bad(description: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::BAD_REQUEST, description)
}

fn unauthorized(description: &str) -> ApiFailure {
    ApiFailure::new(StatusCode::UNAUTHORIZED, description)
}

/// Reads and checks the body; the status, note and step as they will be stored.
fn read(body: &[u8]) -> Result<DossierUpdate, ApiFailure> {
    check(serde_json::from_slice(body).map_err(|err| bad(format!("body: {err}")))?)
}

/// Checks a change (the API's body or the console's form); the status, note
/// and step as they will be stored.
pub fn check(mut update: DossierUpdate) -> Result<DossierUpdate, ApiFailure> {
    update.status = update.status.trim().to_owned();
    if !STATUSES.contains(&update.status.as_str()) {
        return Err(bad(format!("status: one of {}", STATUSES.join(", "))));
    }
    let note = update.note.as_deref().unwrap_or_default().trim().to_owned();
    form::check_text("note", &note, MAX_NOTE, true)?;
    if note.is_empty() && matches!(update.status.as_str(), "supplement_requested" | "returned") {
        return Err(bad(
            "note: say what the resident must add, or why the dossier is returned",
        ));
    }
    update.note = (!note.is_empty()).then_some(note);
    if let Some(step) = update.step.as_mut() {
        step.name = step.name.trim().to_owned();
        step.unit = step.unit.trim().to_owned();
        if step.name.is_empty() {
            return Err(bad("step.name: required"));
        }
        form::check_text("step.name", &step.name, MAX_STEP, false)?;
        form::check_text("step.unit", &step.unit, MAX_STEP, false)?;
    }
    Ok(update)
}

/// Applies a checked `update` to dossier `code` for staff member `staff`
/// (the API's and the console's one path); the dossier as it now is.
pub fn apply(
    conn: &Conn,
    code: &str,
    staff: &str,
    update: DossierUpdate,
) -> Result<Dossier, ApiFailure> {
    let tx = conn.transaction().map_err(DbError::from)?;
    let row: Option<(String, String, i64)> = tx
        .query_row(
            "SELECT steps, agency, updated_ms FROM dossiers WHERE code = ?1",
            [code],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(DbError::from)?;
    let (steps, agency, updated) =
        row.ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no dossier with that code"))?;
    let mut steps: Vec<DossierStep> = serde_json::from_str(&steps).unwrap_or_default();
    // Every change moves the dossier's clock forward, even within one millisecond.
    let now = time::now_ms().max(updated + 1);
    let stamp = time::iso(now);
    let finished = FINAL.contains(&update.status.as_str());
    if let Some(step) = &update.step {
        if let Some(open) = steps.iter_mut().rev().find(|s| s.finished_date.is_none()) {
            open.finished_date = Some(stamp.clone());
        }
        steps.push(DossierStep {
            name: step.name.clone(),
            unit: if step.unit.is_empty() {
                agency
            } else {
                step.unit.clone()
            },
            started_date: stamp.clone(),
            finished_date: None,
        });
    }
    if finished {
        for step in steps.iter_mut().filter(|s| s.finished_date.is_none()) {
            step.finished_date = Some(stamp.clone());
        }
    }
    let note = update.note.unwrap_or_default();
    tx.execute(
        "UPDATE dossiers SET status = ?2, steps = ?3, note = ?4, updated_ms = ?5,
             finished_ms = CASE WHEN ?6 THEN COALESCE(finished_ms, ?5) ELSE NULL END
         WHERE code = ?1",
        params![
            code,
            update.status,
            serde_json::to_string(&steps).map_err(DbError::from)?,
            note,
            now,
            finished
        ],
    )
    .map_err(DbError::from)?;
    tx.execute(
        "INSERT INTO dossier_history (code, at_ms, status, step, note, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            code,
            now,
            update.status,
            update.step.as_ref().map(|s| s.name.as_str()),
            note,
            format!("staff:{staff}")
        ],
    )
    .map_err(DbError::from)?;
    tx.commit().map_err(DbError::from)?;
    dossiers::load_by_code(conn, code, now)
        .map_err(DbError::from)?
        .ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no dossier with that code"))
}

/// `POST /api/v1/staff/dossiers/{code}`: staff change a dossier.
#[utoipa::path(post, path = "/api/v1/staff/dossiers/{code}", tag = "staff",
    params(("code" = String, Path, description = "The dossier's code")),
    request_body(content = DossierUpdate, description = "`status`: received, processing, supplement_requested, done or returned (the last two finish the dossier; the others reopen it). `step` (optional): the step that starts now; the open step is finished, and an empty `unit` is the dossier's agency. `note` (at most 2,000 characters; required for supplement_requested and returned): what the resident reads; a change without one clears the last."),
    security(("staff" = [])),
    responses((status = 200, body = Dossier, description = "The dossier as the resident's lookup shows it"),
              (status = 400, body = [cds_provincial_api::ApiError]),
              (status = 401, body = [cds_provincial_api::ApiError], description = "No staff token, or not a valid one"),
              (status = 404, body = [cds_provincial_api::ApiError], description = "No dossier with that code")))]
pub async fn update_dossier(
    State(state): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Dossier>, ApiFailure> {
    let token = staff::bearer(&headers).ok_or_else(|| unauthorized("staff token missing"))?;
    // Read now, answered only once the token is known to be good.
    let update = form::bytes(body).and_then(|bytes| read(&bytes));
    let code = dossiers::normalise_code(&code);
    let dossier = state
        .db
        .call_with(move |conn| {
            let staff = auth::staff(conn, &token)
                .map_err(DbError::from)?
                .ok_or_else(|| unauthorized("staff token not valid"))?;
            let update = update?;
            let code = code.ok_or_else(|| {
                ApiFailure::new(StatusCode::NOT_FOUND, "no dossier with that code")
            })?;
            apply(conn, &code, &staff, update)
        })
        .await?;
    Ok(Json(dossier))
}
