//! Alerts and warnings: the list residents pull (`GET /api/v1/alerts`, those
//! not expired, with ETag and `updated_after`), and the staff's endpoints to
//! publish one (`POST /api/v1/staff/alerts`) and end one early
//! (`POST /api/v1/staff/alerts/{id}/expire`). Areas are checked against the
//! province's ward codes; texts are stored as plain text.

use std::collections::HashSet;

use crate::sql::{Conn, Optional, params};
use axum::{
    Json,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use cds_domain::{LocalizedText, alerts as rules};
use cds_provincial_api::alerts::{Alert, NewAlert};

use crate::{ApiFailure, AppState, auth, content::with_etag, db::DbError, form, staff, time};

/// The demo alerts, with times relative to the moment they are seeded.
pub const DEMO_ALERTS: &[u8] = include_bytes!("../seed/alerts.json");

pub const MAX_TITLE: usize = 200;
pub const MAX_TEXT: usize = 2000;
/// The longest an alert may stay in force.
pub const MAX_DAYS: i64 = 31;

fn bad(description: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::BAD_REQUEST, description)
}

fn unauthorized(description: &str) -> ApiFailure {
    ApiFailure::new(StatusCode::UNAUTHORIZED, description)
}

/// The province's ward codes (from the ward centres the areas come from).
pub fn ward_codes() -> HashSet<String> {
    crate::areas::WARD_CENTRES_CSV
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
        .collect()
}

fn check_text(
    name: &str,
    text: &LocalizedText,
    max: usize,
    required: bool,
) -> Result<(), ApiFailure> {
    if required && text.vi.trim().is_empty() {
        return Err(bad(format!("{name}.vi: required")));
    }
    form::check_text(&format!("{name}.vi"), &text.vi, max, true)?;
    form::check_text(&format!("{name}.en"), &text.en, max, true)
}

fn trimmed(text: LocalizedText) -> LocalizedText {
    LocalizedText {
        vi: text.vi.trim().to_owned(),
        en: text.en.trim().to_owned(),
    }
}

/// Checks a new alert and makes the alert to store (its id made from `now`
/// when none is given).
pub fn check(new: NewAlert, now: i64) -> Result<Alert, ApiFailure> {
    let kind = new.kind.trim().to_owned();
    if !rules::KINDS.contains(&kind.as_str()) {
        return Err(bad(format!("kind: one of {}", rules::KINDS.join(", "))));
    }
    let severity = new.severity.trim().to_owned();
    if !rules::SEVERITIES.contains(&severity.as_str()) {
        return Err(bad(format!(
            "severity: one of {}",
            rules::SEVERITIES.join(", ")
        )));
    }
    if new.areas.is_empty() {
        return Err(bad(
            "areas: at least one ward code, or * for the whole province",
        ));
    }
    let wards = ward_codes();
    let mut areas = Vec::new();
    for area in &new.areas {
        let area = area.trim();
        if area != rules::WHOLE_PROVINCE && !wards.contains(area) {
            return Err(bad(format!(
                "areas: {:?} is not a ward of the province",
                area.chars().take(40).collect::<String>()
            )));
        }
        if !areas.iter().any(|a| a == area) {
            areas.push(area.to_owned());
        }
    }
    check_text("title", &new.title, MAX_TITLE, true)?;
    check_text("body", &new.body, MAX_TEXT, true)?;
    if let Some(instructions) = &new.instructions {
        check_text("instructions", instructions, MAX_TEXT, false)?;
    }
    let from = match &new.valid_from {
        Some(text) => time::parse(text).ok_or_else(|| bad("valid_from: not an ISO 8601 date"))?,
        None => now,
    };
    let until =
        time::parse(&new.valid_until).ok_or_else(|| bad("valid_until: not an ISO 8601 date"))?;
    if until <= from {
        return Err(bad("valid_until: must be after valid_from"));
    }
    if until <= now {
        return Err(bad("valid_until: already past"));
    }
    if until - from > MAX_DAYS * 86_400_000 {
        return Err(bad(format!(
            "valid_until: at most {MAX_DAYS} days after valid_from"
        )));
    }
    let id = match new.id.map(|id| id.trim().to_owned()) {
        Some(id) => {
            let ok = !id.is_empty()
                && id.len() <= 64
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !ok {
                return Err(bad("id: 1 to 64 of a-z, 0-9 and -"));
            }
            id
        }
        None => format!("canh-bao-{now}"),
    };
    if let Some(guide) = &new.guide_id {
        form::check_text("guide_id", guide, 64, false)?;
    }
    Ok(Alert {
        id,
        kind,
        severity,
        areas,
        title: trimmed(new.title),
        body: trimmed(new.body),
        instructions: new.instructions.map(trimmed).filter(|t| !t.vi.is_empty()),
        guide_id: new.guide_id.filter(|g| !g.trim().is_empty()),
        shelters: new.shelters,
        valid_from: time::iso(from),
        valid_until: time::iso(until),
        updated_datetime: time::iso(now),
    })
}

/// The time of a new version of alert `id`: now, or a second after its last
/// version (dates on the wire count seconds: a client must see it change).
fn forward(conn: &Conn, id: Option<&str>, now: i64) -> Result<i64, DbError> {
    let last: Option<i64> = match id {
        Some(id) => conn
            .query_row("SELECT updated_ms FROM alerts WHERE id = ?1", [id], |row| {
                row.get(0)
            })
            .optional()?,
        None => None,
    };
    Ok(last.map_or(now, |last| now.max(last.div_euclid(1000) * 1000 + 1000)))
}

/// Stores (or replaces) an alert.
pub fn store(conn: &Conn, alert: &Alert, author: &str, now: i64) -> Result<(), DbError> {
    let until = time::parse(&alert.valid_until).unwrap_or(now);
    conn.execute(
        "INSERT INTO alerts (id, body, valid_until_ms, updated_ms, author) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, valid_until_ms = excluded.valid_until_ms,
             updated_ms = excluded.updated_ms, author = excluded.author",
        params![alert.id, serde_json::to_string(alert)?, until, now, author],
    )?;
    Ok(())
}

/// Checks and stores a new alert (or a new version of one) published by
/// staff member `staff`: the API's and the console's one path.
pub fn publish_by(conn: &Conn, new: NewAlert, staff: &str, now: i64) -> Result<Alert, ApiFailure> {
    let version = forward(conn, new.id.as_deref(), now)?;
    let mut alert = check(new, now)?;
    alert.updated_datetime = time::iso(version);
    store(conn, &alert, &format!("staff:{staff}"), version)?;
    Ok(alert)
}

/// Alert `id` as stored, if any.
pub fn find(conn: &Conn, id: &str) -> Result<Option<Alert>, DbError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM alerts WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(body.and_then(|b| serde_json::from_str(&b).ok()))
}

/// Ends alert `id` now (staff member `staff`); it leaves residents' lists
/// at their next pull.
pub fn expire_by(conn: &Conn, id: &str, staff: &str, now: i64) -> Result<Alert, ApiFailure> {
    let mut alert = find(conn, id)?
        .ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no alert with that id"))?;
    let version = forward(conn, Some(&alert.id), now)?;
    alert.valid_until = time::iso(now);
    alert.updated_datetime = time::iso(version);
    store(conn, &alert, &format!("staff:{staff}"), version)?;
    Ok(alert)
}

/// Seeds the demo alerts (`seed/alerts.json`: times as `from_hours` and
/// `until_hours` from the moment of seeding); an alert already over is
/// stored too (it is never served).
pub fn seed_demo(conn: &Conn, now: i64) -> Result<(), DbError> {
    const HOUR: i64 = 3_600_000;
    let demo: Vec<serde_json::Value> =
        serde_json::from_slice(DEMO_ALERTS).map_err(|err| DbError::Demo(err.to_string()))?;
    for mut value in demo {
        let hours = |name: &str| value.get(name).and_then(serde_json::Value::as_i64);
        let (Some(from_hours), Some(until_hours)) = (hours("from_hours"), hours("until_hours"))
        else {
            return Err(DbError::Demo(
                "a demo alert without from_hours or until_hours".into(),
            ));
        };
        let (from, until) = (now + from_hours * HOUR, now + until_hours * HOUR);
        if let Some(object) = value.as_object_mut() {
            object.insert("valid_from".into(), time::iso(from).into());
            object.insert("valid_until".into(), time::iso(until).into());
        }
        let alert: NewAlert =
            serde_json::from_value(value).map_err(|err| DbError::Demo(err.to_string()))?;
        // Checked as if published an hour before it starts (the ones already
        // over pass the "already past" rule that way).
        let published = (from - HOUR).min(now).min(until - 1);
        let mut checked = check(alert, published).map_err(|err| DbError::Demo(err.description))?;
        checked.updated_datetime = time::iso(now);
        store(conn, &checked, "demo", now)?;
    }
    Ok(())
}

/// `GET /api/v1/alerts`: the alerts not yet expired (in force, or announced).
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts",
    params(("updated_after" = Option<String>, Query), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = [Alert]), (status = 304), (status = 400, body = [cds_provincial_api::ApiError])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiFailure> {
    let after = form::updated_after(&form::query(raw.as_deref())?)?;
    let now = time::now_ms();
    let bodies: Vec<String> = state
        .db
        .read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT body FROM alerts WHERE valid_until_ms > ?1 AND updated_ms > ?2 ORDER BY updated_ms, id",
            )?;
            let rows = statement.query_map(params![now, after], |row| row.get(0))?;
            rows.collect()
        })
        .await?;
    let alerts: Vec<Alert> = bodies
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    let body = serde_json::to_vec(&alerts)
        .map_err(|err| ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(with_etag(&headers, body))
}

/// `POST /api/v1/staff/alerts`: publishes an alert (or a new version of one).
#[utoipa::path(post, path = "/api/v1/staff/alerts", tag = "staff",
    request_body(content = NewAlert, description = "`kind`: flood, dam_release, storm, outage, road_closure or other; `severity`: info, warning or danger (danger raises a notification on residents' phones); `areas`: ward codes of the province, or * for all of it; `valid_until` after `valid_from` (default now), not past, at most 31 days later. Texts are plain text."),
    security(("staff" = [])),
    responses((status = 201, body = Alert),
              (status = 400, body = [cds_provincial_api::ApiError]),
              (status = 401, body = [cds_provincial_api::ApiError])))]
pub async fn publish(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiFailure> {
    let token = staff::bearer(&headers).ok_or_else(|| unauthorized("staff token missing"))?;
    let new = form::bytes(body).and_then(|bytes| {
        serde_json::from_slice::<NewAlert>(&bytes).map_err(|err| bad(format!("body: {err}")))
    });
    let alert = state
        .db
        .call_with(move |conn| {
            let staff = auth::staff(conn, &token)
                .map_err(DbError::from)?
                .ok_or_else(|| unauthorized("staff token not valid"))?;
            publish_by(conn, new?, &staff, time::now_ms())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(alert)).into_response())
}

/// `POST /api/v1/staff/alerts/{id}/expire`: ends an alert now; it leaves
/// residents' lists at their next pull.
#[utoipa::path(post, path = "/api/v1/staff/alerts/{id}/expire", tag = "staff",
    params(("id" = String, Path)),
    security(("staff" = [])),
    responses((status = 200, body = Alert),
              (status = 401, body = [cds_provincial_api::ApiError]),
              (status = 404, body = [cds_provincial_api::ApiError])))]
pub async fn expire(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Alert>, ApiFailure> {
    let token = staff::bearer(&headers).ok_or_else(|| unauthorized("staff token missing"))?;
    let alert = state
        .db
        .call_with(move |conn| {
            let staff = auth::staff(conn, &token)
                .map_err(DbError::from)?
                .ok_or_else(|| unauthorized("staff token not valid"))?;
            expire_by(conn, &id, &staff, time::now_ms())
        })
        .await?;
    Ok(Json(alert))
}
