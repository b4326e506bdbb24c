//! Community teams in the console (administrators): issue a member code
//! (`teams::issue_code`), the codes issued and revoking one
//! (`teams::revoke`), and the teams' help-log counts this month
//! (`teams::stats_since`) — the API's own functions.

use std::fmt::Write as _;

use axum::{
    extract::{Path, Request, State},
    response::{IntoResponse, Redirect, Response},
};
use cds_domain::teams::{Outcome, display_code, period_starts};
use cds_provincial_api::teams::NewTeamCode;

use super::{ConsoleError, Lang, Staff, audit, csrf, html, html::esc};
use crate::{AppState, areas, teams, time};

/// Codes the page lists, newest first.
const CODE_ROWS: i64 = 100;

fn outcome_name(lang: Lang, outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Done => lang.t("team.outcome.done"),
        Outcome::Partly => lang.t("team.outcome.partly"),
        Outcome::CouldNot => lang.t("team.outcome.could_not"),
    }
}

type CodeRow = (String, String, String, i64, Option<i64>, String);

fn codes(conn: &crate::sql::Conn) -> crate::sql::Result<Vec<CodeRow>> {
    super::rows(
        conn,
        "SELECT c.code, t.name, t.ward, c.expires_ms, c.revoked_ms, c.created_by
         FROM team_codes c JOIN teams t ON t.id = c.team_id ORDER BY c.created_ms DESC LIMIT ?1",
        [CODE_ROWS],
    )
}

/// `GET /staff/teams`
pub async fn page(State(state): State<AppState>, staff: Staff) -> Result<Response, ConsoleError> {
    staff.admin_only()?;
    let lang = staff.lang;
    let now = time::now_ms();
    let month = period_starts(now).1;
    let (codes, stats) = state
        .db
        .call(move |conn| Ok((codes(conn)?, teams::stats_since(conn, month)?)))
        .await?;
    let wards: Vec<(String, String)> = areas::wards()
        .into_iter()
        .map(|(code, name)| {
            let name = match lang {
                Lang::Vi => name.vi,
                Lang::En => name.en,
            };
            (code, name)
        })
        .collect();
    let mut body = format!(
        "<h2>{heading}</h2><form class=\"action\" id=\"issue-code\" method=\"post\" action=\"/staff/teams/codes\">{csrf}\
         <label>{team}<input name=\"team_name\" required></label>{ward}\
         <label>{days}<input name=\"valid_days\" type=\"number\" min=\"1\" max=\"90\" value=\"30\" required></label>\
         <button type=\"submit\">{issue}</button></form>",
        heading = esc(lang.t("team.issue")),
        csrf = html::csrf_field(&staff),
        team = esc(lang.t("team.name")),
        ward = html::select("ward", lang.t("filter.ward"), &wards, ""),
        days = esc(lang.t("team.days")),
        issue = esc(lang.t("team.issue")),
    );
    let code_cells: Vec<Vec<String>> = codes
        .iter()
        .map(|(code, team, ward, expires, revoked, by)| {
            let shown = display_code(code);
            let state = match revoked {
                Some(at) => esc(&lang.fill("team.revoked_at", "date", &time::date(*at))),
                None if *expires <= now => esc(lang.t("team.expired")),
                None => format!(
                    "<form method=\"post\" action=\"/staff/teams/codes/{code}/revoke\">{csrf}\
                     <button type=\"submit\">{label}</button></form>",
                    code = esc(code),
                    csrf = html::csrf_field(&staff),
                    label = esc(&lang.fill("team.revoke", "code", &shown)),
                ),
            };
            vec![
                format!("<code>{}</code>", esc(&shown)),
                esc(team),
                esc(ward),
                esc(&time::date(*expires)),
                esc(by),
                state,
            ]
        })
        .collect();
    body += &html::table(
        lang.t("team.codes"),
        &[
            lang.t("team.code"),
            lang.t("team.name"),
            lang.t("filter.ward"),
            lang.t("team.expires"),
            lang.t("alert.author"),
            lang.t("report.actions"),
        ],
        &code_cells,
    );
    let stat_cells: Vec<Vec<String>> = stats
        .iter()
        .map(|row| {
            vec![
                esc(&row.team_name),
                esc(&row.ward),
                esc(&row.task),
                esc(outcome_name(lang, row.outcome)),
                row.count.to_string(),
            ]
        })
        .collect();
    let _ = write!(body, "<h2>{}</h2>", esc(lang.t("team.stats")));
    body += &html::table(
        &lang.fill("team.since", "date", &time::date(month)),
        &[
            lang.t("team.name"),
            lang.t("filter.ward"),
            lang.t("team.task"),
            lang.t("team.outcome"),
            lang.t("team.count"),
        ],
        &stat_cells,
    );
    Ok(staff.page("/staff/teams", lang.t("team.title"), &body))
}

/// `POST /staff/teams/codes`: issues a member code.
pub async fn issue(
    State(state): State<AppState>,
    staff: Staff,
    request: Request,
) -> Result<Response, ConsoleError> {
    staff.admin_only()?;
    let form = csrf::read(request, &state, &staff, 0).await?;
    let text = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    let request = NewTeamCode {
        team_name: text("team_name"),
        ward: text("ward"),
        valid_days: text("valid_days").parse().unwrap_or(0),
    };
    audit::change(
        &state,
        &staff,
        "team.issue".into(),
        move |conn, staff, now| {
            let code = teams::issue_code(conn, &request, &staff.name, now)?;
            Ok((format!("team:{}", code.team_id), code.code))
        },
    )
    .await?;
    Ok(Redirect::to("/staff/teams").into_response())
}

/// `POST /staff/teams/codes/{code}/revoke`
pub async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    request: Request,
) -> Result<Response, ConsoleError> {
    staff.admin_only()?;
    csrf::read(request, &state, &staff, 0).await?;
    audit::change(&state, &staff, "team.revoke".into(), move |conn, _, now| {
        teams::revoke(conn, &code, now)?;
        Ok((format!("code:{code}"), String::new()))
    })
    .await?;
    Ok(Redirect::to("/staff/teams").into_response())
}
