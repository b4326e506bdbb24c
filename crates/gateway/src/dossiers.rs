//! Dossier lookup by code plus the last four digits of the phone number on the
//! appointment slip. Wrong guesses are counted per dossier code and per client
//! address; past the limit the answer is 429 with `Retry-After`.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::Mutex,
};

use crate::sql::Optional;
use axum::{
    extract::{ConnectInfo, Path, RawQuery, State},
    http::StatusCode,
    response::Response,
};
use cds_provincial_api::content::{Dossier, DossierStep};

use crate::{ApiFailure, AppState, form, time};

/// Wrong guesses allowed per dossier code, and per client address, in a window.
pub const CODE_LIMIT: u32 = 5;
pub const CLIENT_LIMIT: u32 = 20;
pub const WINDOW_MS: i64 = 15 * 60_000;
const MAX_TRACKED: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    start_ms: i64,
    failures: u32,
}

/// Counts failed lookups.
#[derive(Debug, Default)]
pub struct Limiter {
    by_code: HashMap<String, Window>,
    by_client: HashMap<IpAddr, Window>,
}

impl Limiter {
    /// Seconds to wait if either count is at its limit.
    fn blocked(&mut self, code: &str, client: IpAddr, now: i64) -> Option<i64> {
        let wait = |w: Option<&Window>, limit| {
            w.filter(|w| now - w.start_ms < WINDOW_MS && w.failures >= limit)
                .map(|w| (w.start_ms + WINDOW_MS - now) / 1000 + 1)
        };
        wait(self.by_code.get(code), CODE_LIMIT)
            .max(wait(self.by_client.get(&client), CLIENT_LIMIT))
    }

    fn failed(&mut self, code: &str, client: IpAddr, now: i64) {
        if self.by_code.len() > MAX_TRACKED || self.by_client.len() > MAX_TRACKED {
            self.by_code.retain(|_, w| now - w.start_ms < WINDOW_MS);
            self.by_client.retain(|_, w| now - w.start_ms < WINDOW_MS);
        }
        for window in [
            self.by_code.entry(code.to_owned()).or_insert(Window {
                start_ms: now,
                failures: 0,
            }),
            self.by_client.entry(client).or_insert(Window {
                start_ms: now,
                failures: 0,
            }),
        ] {
            if now - window.start_ms >= WINDOW_MS {
                *window = Window {
                    start_ms: now,
                    failures: 0,
                };
            }
            window.failures += 1;
        }
    }
}

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
    let client = peer.ip();
    let wait = state
        .limiter
        .lock()
        .map_or(None, |mut l| l.blocked(&code, client, now));
    if let Some(seconds) = wait {
        let seconds = u64::try_from(seconds).unwrap_or(1).max(1);
        return Err(ApiFailure::new(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "too many wrong guesses; try again in {} minute(s)",
                seconds.div_ceil(60)
            ),
        )
        .retry_after(seconds));
    }
    let lookup = code.clone();
    let found = state
        .db
        .call(move |conn| load(conn, &lookup, &last4, now))
        .await?;
    match found {
        // An ETag, so that a follower's pull costs a 304 when nothing moved.
        Some(dossier) => {
            let body = serde_json::to_vec(&dossier).map_err(|err| {
                ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string())
            })?;
            Ok(crate::content::with_etag(&headers, body))
        }
        None => {
            if let Ok(mut limiter) = state.limiter.lock() {
                limiter.failed(&code, client, now);
            }
            // The same answer for a wrong code and a wrong number: nothing to enumerate.
            Err(ApiFailure::new(
                StatusCode::NOT_FOUND,
                "no dossier with that code and phone number",
            ))
        }
    }
}

pub type SharedLimiter = std::sync::Arc<Mutex<Limiter>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_code_and_per_client_within_a_window() {
        let mut limiter = Limiter::default();
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..CODE_LIMIT {
            assert_eq!(limiter.blocked("X", a, 0), None);
            limiter.failed("X", a, 0);
        }
        assert!(
            limiter.blocked("X", b, 1000).is_some(),
            "per code, whoever asks"
        );
        assert_eq!(limiter.blocked("Y", b, 1000), None);
        assert_eq!(
            limiter.blocked("X", a, WINDOW_MS),
            None,
            "the window passes"
        );
        for i in 0..CLIENT_LIMIT {
            limiter.failed(&format!("C{i}"), b, 0);
        }
        assert!(
            limiter.blocked("fresh", b, 10).is_some(),
            "per client, whatever code"
        );
    }
}
