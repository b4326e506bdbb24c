//! Dossier lookup by code plus the last four digits of the phone number on the
//! appointment slip. Wrong guesses are counted per dossier code and per client
//! address, in the database (`limits.rs`) so that every gateway on it counts
//! them; past the limit the answer is 429 with `Retry-After`.

use std::net::SocketAddr;

use crate::sql::Optional;
use axum::{
    extract::{ConnectInfo, Path, RawQuery, State},
    http::StatusCode,
    response::Response,
};
use cds_provincial_api::content::{Dossier, DossierStep};

use crate::{
    ApiFailure, AppState, form,
    limits::{self, Limit},
    time,
};

/// Wrong guesses allowed per dossier code, and per client address, in a window.
pub const CODE_LIMIT: u32 = 5;
pub const CLIENT_LIMIT: u32 = 20;
pub const WINDOW_MS: i64 = 15 * 60_000;
/// Wrong guesses per dossier code, whoever asks, and per client, whatever code.
const PER_CODE: Limit = Limit {
    scope: "dossier_code",
    max: CODE_LIMIT,
    window_ms: WINDOW_MS,
};
const PER_CLIENT: Limit = Limit {
    scope: "dossier_client",
    max: CLIENT_LIMIT,
    window_ms: WINDOW_MS,
};

/// The columns [`from_row`] reads, in its order.
const COLUMNS: &str = "code, procedure, agency, received_ms, due_ms, finished_ms, status, steps, \
     level, procedure_id, note, updated_ms";

/// A dossier as residents see it, from a row of [`COLUMNS`].
fn from_row(row: &crate::sql::Row, now: i64) -> crate::sql::Result<Dossier> {
    let due: i64 = row.get(4)?;
    let finished: Option<i64> = row.get(5)?;
    let steps: String = row.get(7)?;
    let note: String = row.get(10)?;
    let updated: i64 = row.get(11)?;
    Ok(Dossier {
        code: row.get(0)?,
        procedure: row.get(1)?,
        agency: row.get(2)?,
        received_date: time::iso(row.get(3)?),
        due_date: time::iso(due),
        finished_date: finished.map(time::iso),
        status: row.get(6)?,
        steps: serde_json::from_str::<Vec<DossierStep>>(&steps).unwrap_or_default(),
        on_time: finished.map_or(now <= due, |f| f <= due),
        level: row.get(8)?,
        procedure_id: row.get(9)?,
        note: (!note.is_empty()).then_some(note),
        updated_datetime: (updated > 0).then(|| time::iso(updated)),
    })
}

fn load(
    conn: &crate::sql::Conn,
    code: &str,
    last4: &str,
    now: i64,
) -> crate::sql::Result<Option<Dossier>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM dossiers WHERE code = ?1 AND phone_last4 = ?2"),
        [code, last4],
        |row| from_row(row, now),
    )
    .optional()
}

/// The dossier `code` as the lookup answers it, without the second factor:
/// for staff, who are authenticated otherwise.
pub fn load_by_code(
    conn: &crate::sql::Conn,
    code: &str,
    now: i64,
) -> crate::sql::Result<Option<Dossier>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM dossiers WHERE code = ?1"),
        [code],
        |row| from_row(row, now),
    )
    .optional()
}

/// A dossier code as printed on a slip, normalised (trimmed, upper case), or
/// `None` when it cannot be one.
pub fn normalise_code(code: &str) -> Option<String> {
    let code = code.trim().to_uppercase();
    let valid = !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    valid.then_some(code)
}

/// `GET /api/v1/dossiers/{code}?phone_last4=NNNN`
#[utoipa::path(get, path = "/api/v1/dossiers/{code}", tag = "dossiers",
    params(("code" = String, Path, description = "The code on the appointment slip"),
           ("phone_last4" = String, Query, description = "Last four digits of the phone number on the slip"),
           ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = Dossier),
              (status = 304, description = "Unchanged since the ETag sent (only once the digits are right)"),
              (status = 400, body = [cds_provincial_api::ApiError]),
              (status = 404, body = [cds_provincial_api::ApiError], description = "No dossier with that code and number"),
              (status = 429, body = [cds_provincial_api::ApiError],
               description = "Too many wrong guesses; `Retry-After` and the error's `retry_after_seconds` say how long to wait")))]
pub async fn get_dossier(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiFailure> {
    let code = normalise_code(&code).ok_or_else(|| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            "code: letters, digits, '.', '-' and '_', at most 40",
        )
    })?;
    let query = form::query(raw.as_deref())?;
    let last4 = query
        .iter()
        .find(|(k, _)| k == "phone_last4")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            "phone_last4: the last four digits of the phone number on the slip",
        ));
    }
    let now = time::now_ms();
    let client = crate::ops::client_ip(&state.trusted_proxies, peer.ip(), &headers).to_string();
    let lookup = code.clone();
    let found = state
        .db
        .call(move |conn| {
            if let Some(wait) =
                limits::held(conn, &[(PER_CODE, &lookup), (PER_CLIENT, &client)], now)?
            {
                return Ok(Err(wait));
            }
            let found = load(conn, &lookup, &last4, now)?;
            if found.is_none() {
                limits::failed(conn, &[(PER_CODE, &lookup), (PER_CLIENT, &client)], now)?;
            }
            Ok(Ok(found))
        })
        .await?;
    let found = match found {
        Ok(found) => found,
        Err(seconds) => {
            return Err(ApiFailure::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many wrong guesses; try again in {} minute(s)",
                    seconds.div_ceil(60)
                ),
            )
            .retry_after(seconds));
        }
    };
    match found {
        // An ETag, so that a follower's pull costs a 304 when nothing moved.
        Some(dossier) => {
            let body = serde_json::to_vec(&dossier).map_err(|err| {
                ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
            })?;
            Ok(crate::content::with_etag(&headers, body))
        }
        None => {
            // The same answer for a wrong code and a wrong number: nothing to enumerate.
            Err(ApiFailure::new(
                StatusCode::NOT_FOUND,
                "no dossier with that code and phone number",
            ))
        }
    }
}
