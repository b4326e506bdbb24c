//! On-time statistics at `GET /api/v1/dossier-stats`: per agency, dossiers
//! finished in the last 12 months (and of those, by their due date), and
//! dossiers open now (and of those, already past due), counted by SQL from
//! `dossiers` at request time.

use crate::sql::{Conn, params};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use cds_provincial_api::content::{AgencyOnTime, DossierStats};

use crate::{ApiFailure, AppState, content::with_etag, time};

const DAY_MS: i64 = 86_400_000;
/// The period counted: the 365 days before today (UTC), and today.
pub const PERIOD_DAYS: i64 = 365;

/// The statistics at `now`. The period starts at midnight (UTC) `PERIOD_DAYS`
/// days before today, so that the answer (and its ETag) stays the same while
/// no dossier changes. A dossier is resolved when it has a finished date
/// (`done` or `returned`), on time when that date is not after its due date;
/// pending when it has none, overdue when its due date has passed.
pub fn compute(conn: &Conn, now: i64) -> crate::sql::Result<DossierStats> {
    let from = (now.div_euclid(DAY_MS) - PERIOD_DAYS) * DAY_MS;
    let mut statement = conn.prepare_cached(
        "SELECT agency, level,
             COUNT(finished_ms),
             COALESCE(SUM(CASE WHEN finished_ms <= due_ms THEN 1 ELSE 0 END), 0),
             COUNT(*) - COUNT(finished_ms),
             COALESCE(SUM(CASE WHEN finished_ms IS NULL AND due_ms < ?2 THEN 1 ELSE 0 END), 0)
         FROM dossiers
         WHERE finished_ms IS NULL OR (finished_ms >= ?1 AND finished_ms <= ?2)
         GROUP BY agency, level
         ORDER BY level, agency",
    )?;
    let count = |value: i64| u32::try_from(value).unwrap_or(u32::MAX);
    let agencies = statement
        .query_map(params![from, now], |row| {
            Ok(AgencyOnTime {
                agency: row.get(0)?,
                level: row.get(1)?,
                resolved: count(row.get(2)?),
                resolved_on_time: count(row.get(3)?),
                pending: count(row.get(4)?),
                pending_overdue: count(row.get(5)?),
            })
        })?
        .collect::<crate::sql::Result<Vec<_>>>()?;
    Ok(DossierStats {
        from_date: time::date(from),
        to_date: time::date(now),
        agencies,
    })
}

/// `GET /api/v1/dossier-stats`
#[utoipa::path(get, path = "/api/v1/dossier-stats", tag = "dossiers",
    params(("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = DossierStats,
               description = "Per agency (with its level): dossiers finished from `from_date` (the 365 days before today, UTC) to now, those finished by their due date, those open now and those of them past due. Agencies with none are left out."),
              (status = 304, description = "The client's copy is current")))]
pub async fn get_stats(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let now = time::now_ms();
    let stats = state.db.read(move |conn| compute(conn, now)).await?;
    let body = serde_json::to_vec(&stats)
        .map_err(|err| ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(with_etag(&headers, body))
}
