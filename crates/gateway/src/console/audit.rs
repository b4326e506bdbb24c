//! The audit log: one row for every staff action in the console (sign-in,
//! failed sign-in, sign-out, each change) and its page, for administrators only.

use crate::sql::{Conn, params};
use axum::{extract::State, response::Response};

use super::{ConsoleError, Staff, html, html::esc};
use crate::{ApiFailure, AppState, db::DbError, time};

/// Rows the page shows, newest first.
const PAGE_ROWS: i64 = 300;

/// Writes one audit row.
pub fn record(
    conn: &Conn,
    staff_id: Option<i64>,
    staff_name: &str,
    action: &str,
    target: &str,
    detail: &str,
    now: i64,
) -> crate::sql::Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at_ms, staff_id, staff_name, action, target, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![now, staff_id, staff_name, action, target, detail],
    )?;
    Ok(())
}

/// Runs change `f` for `staff` on the blocking pool and, when it succeeds,
/// writes its audit row: `action`, and the target and detail `f` answers.
pub async fn change<F>(
    state: &AppState,
    staff: &Staff,
    action: String,
    f: F,
) -> Result<(), ConsoleError>
where
    F: FnOnce(&Conn, &Staff, i64) -> Result<(String, String), ApiFailure> + Send + 'static,
{
    let lang = staff.lang;
    let actor = staff.clone();
    state
        .db
        .call_with(move |conn| {
            let now = time::now_ms();
            let (target, detail) = f(conn, &actor, now)?;
            record(
                conn,
                Some(actor.id),
                &actor.name,
                &action,
                &target,
                &detail,
                now,
            )
            .map_err(DbError::from)?;
            Ok(())
        })
        .await
        .map_err(|failure| ConsoleError::from_api(lang, failure))
}

/// `GET /staff/audit`
pub async fn page(State(state): State<AppState>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.admin_only()?;
    let rows: Vec<(i64, String, String, String, String)> = state
        .db
        .call(|conn| {
            super::rows(
                conn,
                "SELECT at_ms, staff_name, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?1",
                [PAGE_ROWS],
            )
        })
        .await?;
    let lang = staff.lang;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(at, who, action, target, detail)| {
            vec![
                esc(&html::when(*at)),
                esc(who),
                esc(action),
                esc(target),
                esc(detail),
            ]
        })
        .collect();
    let body = html::table(
        lang.t("audit.caption"),
        &[
            lang.t("audit.when"),
            lang.t("audit.who"),
            lang.t("audit.action"),
            lang.t("audit.target"),
            lang.t("audit.detail"),
        ],
        &cells,
    );
    Ok(staff.page("/staff/audit", lang.t("audit.title"), &body))
}
