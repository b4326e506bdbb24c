//! Alerts in the console: the list, a form to publish a new one or a new
//! version of one (kind, severity, wards, texts in both languages, validity
//! in Vietnam's time) and expiring one now — through `alerts::publish_by` and
//! `alerts::expire_by`, the API's own path, so the app sees them at its next pull.

use std::fmt::Write as _;

use axum::{
    extract::{Path, Request, State},
    response::{IntoResponse, Redirect, Response},
};
use cds_domain::{
    LocalizedText,
    alerts::{KINDS, SEVERITIES, WHOLE_PROVINCE},
};
use cds_provincial_api::alerts::{Alert, NewAlert};

use super::{ConsoleError, Lang, Staff, audit, csrf, html, html::esc};
use crate::{AppState, alerts, areas, time};

/// `YYYY-MM-DDTHH:MM` in Vietnam's time, for a `datetime-local` field.
fn local(ms: i64) -> String {
    time::iso(ms + html::VN_OFFSET_MS)
        .chars()
        .take(16)
        .collect()
}

/// A `datetime-local` value read as Vietnam's time, as ISO 8601.
fn from_local(text: &str) -> String {
    let text = text.trim();
    if text.len() == 16 {
        format!("{text}:00+07:00")
    } else {
        text.to_owned()
    }
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "flood" => "alert.kind.flood",
        "dam_release" => "alert.kind.dam_release",
        "storm" => "alert.kind.storm",
        "outage" => "alert.kind.outage",
        "road_closure" => "alert.kind.road_closure",
        _ => "alert.kind.other",
    }
}

fn severity_key(severity: &str) -> &'static str {
    match severity {
        "danger" => "alert.severity.danger",
        "warning" => "alert.severity.warning",
        _ => "alert.severity.info",
    }
}

fn all_alerts(conn: &crate::sql::Conn) -> crate::sql::Result<Vec<(Alert, i64, String)>> {
    let mut statement = conn.prepare_cached(
        "SELECT body, valid_until_ms, author FROM alerts ORDER BY valid_until_ms DESC, id LIMIT 200",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?))
    })?;
    Ok(rows
        .filter_map(Result::ok)
        .filter_map(|(body, until, author)| {
            Some((serde_json::from_str(&body).ok()?, until, author))
        })
        .collect())
}

/// `GET /staff/alerts`
pub async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let rows = state.db.call(all_alerts).await?;
    let now = time::now_ms();
    let mut body = format!(
        "<p><a href=\"/staff/alerts/new\">{}</a></p>",
        esc(lang.t("alert.new"))
    );
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|(alert, until, author)| {
            let title = match lang {
                Lang::Vi => &alert.title.vi,
                Lang::En if alert.title.en.is_empty() => &alert.title.vi,
                Lang::En => &alert.title.en,
            };
            let in_force = *until > now;
            let expire = if in_force {
                format!(
                    "<form method=\"post\" action=\"/staff/alerts/{id}/expire\">{csrf}\
                     <button type=\"submit\">{label}</button></form>",
                    id = esc(&alert.id),
                    csrf = html::csrf_field(&staff),
                    label = esc(&lang.fill("alert.expire", "title", title)),
                )
            } else {
                esc(lang.t("alert.expired"))
            };
            vec![
                format!(
                    "<a href=\"/staff/alerts/{}\">{}</a>",
                    esc(&alert.id),
                    esc(title)
                ),
                esc(lang.t(kind_key(&alert.kind))),
                esc(lang.t(severity_key(&alert.severity))),
                esc(&alert.areas.join(", ")),
                esc(&local(time::parse(&alert.valid_from).unwrap_or(0))),
                esc(&local(*until)),
                esc(author),
                expire,
            ]
        })
        .collect();
    body += &html::table(
        lang.t("alert.caption"),
        &[
            lang.t("alert.title_field"),
            lang.t("alert.kind"),
            lang.t("alert.severity"),
            lang.t("alert.areas"),
            lang.t("alert.from"),
            lang.t("alert.until"),
            lang.t("alert.author"),
            lang.t("report.actions"),
        ],
        &cells,
    );
    Ok(staff.page("/staff/alerts", lang.t("alert.title"), &body))
}

fn alert_form(staff: &Staff, alert: Option<&Alert>) -> String {
    let lang = staff.lang;
    let now = time::now_ms();
    let options = |values: &[&str], key: fn(&str) -> &'static str| -> Vec<(String, String)> {
        values
            .iter()
            .map(|v| ((*v).to_owned(), lang.t(key(v)).to_owned()))
            .collect()
    };
    let text = |name: &str, key: &str, value: &str, area: bool, required: bool| {
        let required = if required { " required" } else { "" };
        if area {
            format!(
                "<label>{}<textarea name=\"{name}\" rows=\"3\" cols=\"50\"{required}>{}</textarea></label>",
                esc(lang.t(key)),
                esc(value)
            )
        } else {
            format!(
                "<label>{}<input name=\"{name}\" value=\"{}\" size=\"50\"{required}></label>",
                esc(lang.t(key)),
                esc(value)
            )
        }
    };
    let empty = LocalizedText::default();
    let title = alert.map_or(&empty, |a| &a.title);
    let body = alert.map_or(&empty, |a| &a.body);
    let instructions = alert
        .and_then(|a| a.instructions.as_ref())
        .unwrap_or(&empty);
    let chosen: Vec<String> = alert.map(|a| a.areas.clone()).unwrap_or_default();
    let mut wards = format!(
        "<label>{}<select name=\"areas\" multiple size=\"8\" required>",
        esc(lang.t("alert.areas"))
    );
    let mut ward_options = vec![(
        WHOLE_PROVINCE.to_owned(),
        lang.t("alert.whole_province").to_owned(),
    )];
    ward_options.extend(areas::wards().into_iter().map(|(code, name)| {
        let name = match lang {
            Lang::Vi => name.vi,
            Lang::En => name.en,
        };
        (code, name)
    }));
    for (code, name) in ward_options {
        let selected = if chosen.contains(&code) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            wards,
            "<option value=\"{}\"{selected}>{}</option>",
            esc(&code),
            esc(&name)
        );
    }
    wards.push_str("</select></label>");
    let from = alert
        .and_then(|a| time::parse(&a.valid_from))
        .unwrap_or(now);
    let until = alert
        .and_then(|a| time::parse(&a.valid_until))
        .unwrap_or(now + 86_400_000);
    let id_field = alert.map_or(String::new(), |a| {
        format!(
            "<input type=\"hidden\" name=\"id\" value=\"{}\">",
            esc(&a.id)
        )
    });
    format!(
        "<form class=\"action long\" id=\"alert-form\" method=\"post\" action=\"/staff/alerts\">{csrf}{id_field}{kind}{severity}{wards}\
         {title_vi}{title_en}{body_vi}{body_en}{do_vi}{do_en}\
         <label>{from_label}<input type=\"datetime-local\" name=\"valid_from\" value=\"{from}\" required></label>\
         <label>{until_label}<input type=\"datetime-local\" name=\"valid_until\" value=\"{until}\" required></label>\
         <button type=\"submit\">{submit}</button></form>",
        csrf = html::csrf_field(staff),
        kind = html::select(
            "kind",
            lang.t("alert.kind"),
            &options(KINDS, kind_key),
            alert.map_or("flood", |a| &a.kind)
        ),
        severity = html::select(
            "severity",
            lang.t("alert.severity"),
            &options(SEVERITIES, severity_key),
            alert.map_or("warning", |a| &a.severity)
        ),
        title_vi = text("title_vi", "alert.title_vi", &title.vi, false, true),
        title_en = text("title_en", "alert.title_en", &title.en, false, false),
        body_vi = text("body_vi", "alert.body_vi", &body.vi, true, true),
        body_en = text("body_en", "alert.body_en", &body.en, true, false),
        do_vi = text(
            "instructions_vi",
            "alert.instructions_vi",
            &instructions.vi,
            true,
            false
        ),
        do_en = text(
            "instructions_en",
            "alert.instructions_en",
            &instructions.en,
            true,
            false
        ),
        from_label = esc(lang.t("alert.from")),
        until_label = esc(lang.t("alert.until")),
        from = esc(&local(from)),
        until = esc(&local(until)),
        submit = esc(lang.t("alert.publish")),
    )
}

/// `GET /staff/alerts/new`
pub async fn new_page(staff: Staff) -> Response {
    let form = alert_form(&staff, None);
    staff.page("/staff/alerts", staff.lang.t("alert.new"), &form)
}

/// `GET /staff/alerts/{id}`: the form with the alert's current version.
pub async fn edit_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let alert = super::load(&state, lang, move |conn| alerts::find(conn, &id)).await?;
    let title = lang.fill("alert.edit", "title", &alert.title.vi);
    Ok(staff.page("/staff/alerts", &title, &alert_form(&staff, Some(&alert))))
}

/// `POST /staff/alerts`: publishes a new alert or a new version of one.
pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    request: Request,
) -> Result<Response, ConsoleError> {
    let form = csrf::read(request, &state, &staff, 0).await?;
    let text = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    let pair = |name: &str| LocalizedText {
        vi: text(&format!("{name}_vi")),
        en: text(&format!("{name}_en")),
    };
    let instructions = pair("instructions");
    let new = NewAlert {
        id: Some(text("id")).filter(|id| !id.is_empty()),
        kind: text("kind"),
        severity: text("severity"),
        areas: form
            .fields
            .iter()
            .filter(|(key, _)| key == "areas")
            .map(|(_, value)| value.clone())
            .collect(),
        title: pair("title"),
        body: pair("body"),
        instructions: (!instructions.vi.is_empty()).then_some(instructions),
        guide_id: None,
        shelters: false,
        valid_from: Some(from_local(&text("valid_from"))).filter(|v| !v.is_empty()),
        valid_until: from_local(&text("valid_until")),
    };
    audit::change(
        &state,
        &staff,
        "alert.publish".into(),
        move |conn, staff, now| {
            let alert = alerts::publish_by(conn, new, &staff.name, now)?;
            Ok((format!("alert:{}", alert.id), alert.title.vi))
        },
    )
    .await?;
    Ok(Redirect::to("/staff/alerts").into_response())
}

/// `POST /staff/alerts/{id}/expire`: ends an alert now.
pub async fn expire(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ConsoleError> {
    csrf::read(request, &state, &staff, 0).await?;
    audit::change(
        &state,
        &staff,
        "alert.expire".into(),
        move |conn, staff, now| {
            let alert = alerts::expire_by(conn, &id, &staff.name, now)?;
            Ok((format!("alert:{}", alert.id), alert.title.vi))
        },
    )
    .await?;
    Ok(Redirect::to("/staff/alerts").into_response())
}
