//! Dossiers in the console: the latest ones (an agency's staff: their
//! agency's) with a lookup by code, a dossier's page with its steps and the
//! history of staff changes (with who), and the change form — a new status,
//! the step that starts, a note to the resident — through
//! `dossier_updates::check` and `apply`, the API's own path.

use std::fmt::Write as _;

use crate::sql::Conn;
use axum::{
    extract::{Path, RawQuery, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use cds_provincial_api::content::{Dossier, DossierUpdate, NewDossierStep};

use super::{ConsoleError, Lang, Staff, audit, csrf, html, html::esc};
use crate::{ApiFailure, AppState, db::DbError, dossier_updates, dossiers, form, time};

/// Dossiers the list shows, latest change first.
const LIST_ROWS: i64 = 100;

/// The name of a dossier status in `lang`.
fn status_name(lang: Lang, status: &str) -> &'static str {
    match status {
        "received" => lang.t("dossier.status.received"),
        "processing" => lang.t("dossier.status.processing"),
        "supplement_requested" => lang.t("dossier.status.supplement_requested"),
        "done" => lang.t("dossier.status.done"),
        _ => lang.t("dossier.status.returned"),
    }
}

/// A dossier `code` this staff member may see (else not found), as the
/// resident's lookup shows it.
fn visible(conn: &Conn, staff: &Staff, code: &str) -> Result<Dossier, ApiFailure> {
    let not_found = || ApiFailure::new(StatusCode::NOT_FOUND, "no dossier with that code");
    let code = dossiers::normalise_code(code).ok_or_else(not_found)?;
    let dossier = dossiers::load_by_code(conn, &code, time::now_ms())
        .map_err(DbError::from)?
        .ok_or_else(not_found)?;
    if staff.agency().is_some_and(|mine| mine != dossier.agency) {
        return Err(not_found());
    }
    Ok(dossier)
}

/// `GET /staff/dossiers?code=…`
pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let typed = form::query(raw.as_deref())
        .unwrap_or_default()
        .into_iter()
        .find(|(key, _)| key == "code")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|code| !code.is_empty());
    if let Some(code) = typed.as_deref().and_then(dossiers::normalise_code) {
        return Ok(
            Redirect::to(&format!("/staff/dossiers/{}", html::url_value(&code))).into_response(),
        );
    }
    let agency = staff.agency().map(str::to_owned);
    let rows: Vec<(String, String, String, String, i64, i64)> = state
        .db
        .call(move |conn| {
            super::rows(
                conn,
                "SELECT code, procedure, agency, status, due_ms, updated_ms FROM dossiers
                 WHERE CAST(?1 AS TEXT) IS NULL OR agency = ?1 ORDER BY updated_ms DESC, code LIMIT ?2",
                crate::sql::params![agency, LIST_ROWS],
            )
        })
        .await?;
    let mut body = format!(
        "<form class=\"filters\" method=\"get\" action=\"/staff/dossiers\">\
         <label>{}<input name=\"code\" value=\"{}\" required></label><button type=\"submit\">{}</button></form>",
        esc(lang.t("dossier.code")),
        esc(typed.as_deref().unwrap_or_default()),
        esc(lang.t("dossier.find")),
    );
    if typed.is_some() {
        let _ = write!(
            body,
            "<p class=\"detail\" role=\"alert\">{}</p>",
            esc(lang.t("error.not_found"))
        );
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(code, procedure, agency, status, due, updated)| {
            vec![
                format!("<a href=\"/staff/dossiers/{0}\">{0}</a>", esc(code)),
                esc(procedure),
                esc(agency),
                esc(status_name(lang, status)),
                esc(&time::date(*due)),
                esc(&html::when(*updated)),
            ]
        })
        .collect();
    body += &html::table(
        lang.t("dossier.latest"),
        &[
            lang.t("dossier.code"),
            lang.t("dossier.procedure"),
            lang.t("reports.agency"),
            lang.t("filter.status"),
            lang.t("dossier.due"),
            lang.t("dossier.updated"),
        ],
        &cells,
    );
    Ok(staff.page("/staff/dossiers", lang.t("dossier.title"), &body))
}

/// `GET /staff/dossiers/{code}`
pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let viewer = staff.clone();
    let (dossier, history) = state
        .db
        .call_with(move |conn| {
            let dossier = visible(conn, &viewer, &code)?;
            let history = history(conn, &dossier.code).map_err(DbError::from)?;
            Ok((dossier, history))
        })
        .await
        .map_err(|failure| ConsoleError::from_api(lang, failure))?;
    let mut body = String::from("<dl>");
    for (key, value) in [
        ("dossier.procedure", dossier.procedure.as_str()),
        ("reports.agency", dossier.agency.as_str()),
        ("filter.status", status_name(lang, &dossier.status)),
        ("reports.received", dossier.received_date.as_str()),
        ("dossier.due", dossier.due_date.as_str()),
        ("dossier.note", dossier.note.as_deref().unwrap_or_default()),
    ] {
        let _ = write!(body, "<dt>{}</dt><dd>{}</dd>", esc(lang.t(key)), esc(value));
    }
    body.push_str("</dl>");
    let steps: Vec<Vec<String>> = dossier
        .steps
        .iter()
        .map(|step| {
            vec![
                esc(&step.name),
                esc(&step.unit),
                esc(&step.started_date),
                esc(step.finished_date.as_deref().unwrap_or_default()),
            ]
        })
        .collect();
    body += &html::table(
        lang.t("dossier.steps"),
        &[
            lang.t("dossier.step"),
            lang.t("dossier.unit"),
            lang.t("dossier.started"),
            lang.t("dossier.finished"),
        ],
        &steps,
    );
    let changes: Vec<Vec<String>> = history
        .iter()
        .map(|(at, status, step, note, actor)| {
            vec![
                esc(&html::when(*at)),
                esc(status_name(lang, status)),
                esc(step),
                esc(note),
                esc(actor),
            ]
        })
        .collect();
    body += &html::table(
        lang.t("dossier.history"),
        &[
            lang.t("audit.when"),
            lang.t("filter.status"),
            lang.t("dossier.step"),
            lang.t("dossier.note"),
            lang.t("audit.who"),
        ],
        &changes,
    );
    let statuses: Vec<(String, String)> = dossier_updates::STATUSES
        .iter()
        .map(|s| ((*s).to_owned(), status_name(lang, s).to_owned()))
        .collect();
    let _ = write!(
        body,
        "<h2>{heading}</h2><form class=\"action\" id=\"dossier-change\" method=\"post\" action=\"/staff/dossiers/{code}\">{csrf}{status}\
         <label>{step}<input name=\"step\"></label><label>{unit}<input name=\"unit\"></label>\
         <label>{note}<textarea name=\"note\" rows=\"2\" cols=\"40\"></textarea></label>\
         <button type=\"submit\">{save}</button></form>",
        heading = esc(lang.t("dossier.change")),
        code = esc(&dossier.code),
        csrf = html::csrf_field(&staff),
        status = html::select(
            "status",
            lang.t("filter.status"),
            &statuses,
            &dossier.status
        ),
        step = esc(lang.t("dossier.new_step")),
        unit = esc(lang.t("dossier.unit")),
        note = esc(lang.t("dossier.note")),
        save = esc(lang.t("dossier.save")),
    );
    let title = lang.fill("dossier.page", "code", &dossier.code);
    Ok(staff.page("/staff/dossiers", &title, &body))
}

type Change = (i64, String, String, String, String);

fn history(conn: &Conn, code: &str) -> crate::sql::Result<Vec<Change>> {
    super::rows(
        conn,
        "SELECT at_ms, status, COALESCE(step, ''), note, actor FROM dossier_history WHERE code = ?1 ORDER BY id",
        [code],
    )
}

/// `POST /staff/dossiers/{code}`: a change of status, step and note.
pub async fn change(
    State(state): State<AppState>,
    staff: Staff,
    Path(code): Path<String>,
    request: Request,
) -> Result<Response, ConsoleError> {
    let form = csrf::read(request, &state, &staff, 0).await?;
    let text = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    let step = text("step");
    let update = DossierUpdate {
        status: text("status"),
        step: (!step.is_empty()).then(|| NewDossierStep {
            name: step,
            unit: text("unit"),
        }),
        note: Some(text("note")),
    };
    let target = code.clone();
    audit::change(
        &state,
        &staff,
        "dossier.change".into(),
        move |conn, staff, _| {
            let dossier = visible(conn, staff, &code)?;
            let update = dossier_updates::check(update)?;
            let detail = format!(
                "{} {}",
                update.status,
                update.note.as_deref().unwrap_or_default()
            );
            dossier_updates::apply(conn, &dossier.code, &staff.name, update)?;
            Ok((format!("dossier:{}", dossier.code), detail))
        },
    )
    .await?;
    let target = dossiers::normalise_code(&target).unwrap_or(target);
    Ok(Redirect::to(&format!("/staff/dossiers/{}", html::url_value(&target))).into_response())
}
