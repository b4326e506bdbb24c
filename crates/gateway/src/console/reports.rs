//! Reports in the console: the queue with its filters (status, category,
//! ward, age, overdue, handled by me) and counts, a report's page (photos,
//! history with who did what, the resident's rating) and the staff's actions
//! on it, applied by `staff::apply_staff` — the API's own path.

use std::fmt::Write as _;

use crate::sql::{Conn, Optional, params};
use axum::{
    extract::{Path, RawQuery, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use cds_provincial_api::open311::{DetailedStatus, ServiceRequest, StaffUpdate, Status};

use super::{ConsoleError, Lang, Staff, audit, csrf, html, html::esc};
use crate::{ApiFailure, AppState, areas, db::DbError, form, media, open311, staff, time};

const DAY_MS: i64 = 86_400_000;
/// Most rows the queue shows.
const MAX_ROWS: usize = 200;

/// Every detailed status with its string key, in the order of work.
pub const STATUSES: &[(DetailedStatus, &str)] = &[
    (DetailedStatus::Received, "status.received"),
    (DetailedStatus::Assigned, "status.assigned"),
    (DetailedStatus::InProgress, "status.in_progress"),
    (DetailedStatus::Reopened, "status.reopened"),
    (DetailedStatus::Resolved, "status.resolved"),
    (DetailedStatus::Rejected, "status.rejected"),
    (DetailedStatus::Duplicate, "status.duplicate"),
];

/// The name of a status in `lang`.
pub fn status_name(lang: Lang, status: DetailedStatus) -> &'static str {
    STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or("", |(_, key)| lang.t(key))
}

/// One report in the queue.
pub struct Row {
    pub id: i64,
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    pub ward: Option<(String, String)>,
    /// Latitude and longitude, when located.
    pub point: Option<(f64, f64)>,
    pub status: DetailedStatus,
    pub agency: String,
    pub expected_ms: Option<i64>,
    pub requested_ms: i64,
    pub updated_ms: i64,
}

impl Row {
    /// Open and past its expected date.
    pub fn overdue(&self, now: i64) -> bool {
        self.status.status() == Status::Open && self.expected_ms.is_some_and(|at| at < now)
    }
}

/// The reports a staff member may see (an agency's: those assigned to it),
/// newest first; with `mine`, only those this member has changed.
pub fn rows(
    conn: &Conn,
    agency: Option<&str>,
    mine: Option<&str>,
    lang: Lang,
) -> crate::sql::Result<Vec<Row>> {
    let mut statement = conn.prepare_cached(
        "SELECT r.id, r.service_code, s.name, r.description, r.lat, r.lon, r.detailed_status,
                r.agency, r.expected_ms, r.requested_ms, r.updated_ms
         FROM requests r JOIN services s ON s.code = r.service_code
         WHERE (CAST(?1 AS TEXT) IS NULL OR r.agency = ?1)
           AND (CAST(?2 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM request_updates u WHERE u.request_id = r.id AND u.actor = ?2))
         ORDER BY r.requested_ms DESC, r.id DESC",
    )?;
    let rows = statement.query_map(params![agency, mine], |row| {
        let lat: Option<f64> = row.get(4)?;
        let lon: Option<f64> = row.get(5)?;
        let ward = lat.zip(lon).and_then(|(lat, lon)| areas::ward_at(lat, lon));
        Ok(Row {
            id: row.get(0)?,
            service_code: row.get(1)?,
            service_name: row.get(2)?,
            description: row.get(3)?,
            point: lat.zip(lon),
            ward: ward.map(|(code, name)| {
                let name = match lang {
                    Lang::Vi => name.vi,
                    Lang::En => name.en,
                };
                (code, name)
            }),
            status: DetailedStatus::parse(&row.get::<_, String>(6)?)
                .unwrap_or(DetailedStatus::Received),
            agency: row.get(7)?,
            expected_ms: row.get(8)?,
            requested_ms: row.get(9)?,
            updated_ms: row.get(10)?,
        })
    })?;
    rows.collect()
}

/// The queue's filters, from its query string.
#[derive(Default)]
struct Filters {
    status: String,
    category: String,
    ward: String,
    age_days: String,
    overdue: bool,
    mine: bool,
}

impl Filters {
    fn read(raw: Option<&str>) -> Filters {
        let mut filters = Filters::default();
        for (key, value) in form::query(raw).unwrap_or_default() {
            match key.as_str() {
                "status" => filters.status = value,
                "category" => filters.category = value,
                "ward" => filters.ward = value,
                "age" => filters.age_days = value,
                "overdue" => filters.overdue = value == "1",
                "mine" => filters.mine = value == "1",
                _ => {}
            }
        }
        filters
    }

    /// Whether `row` passes every filter but the status (counts are per status).
    fn keeps(&self, row: &Row, now: i64) -> bool {
        let age = self.age_days.parse::<i64>().ok();
        (self.category.is_empty() || row.service_code == self.category)
            && (self.ward.is_empty()
                || row
                    .ward
                    .as_ref()
                    .is_some_and(|(code, _)| *code == self.ward))
            && age.is_none_or(|days| now - row.requested_ms <= days * DAY_MS)
            && (!self.overdue || row.overdue(now))
    }

    fn form(&self, lang: Lang, services: &[(String, String)]) -> String {
        let any = || (String::new(), lang.t("filter.any").to_owned());
        let statuses: Vec<(String, String)> = std::iter::once(any())
            .chain(std::iter::once((
                "open".to_owned(),
                lang.t("filter.open").to_owned(),
            )))
            .chain(
                STATUSES
                    .iter()
                    .map(|(s, key)| (s.as_str().to_owned(), lang.t(key).to_owned())),
            )
            .collect();
        let categories: Vec<(String, String)> = std::iter::once(any())
            .chain(services.iter().cloned())
            .collect();
        let wards: Vec<(String, String)> = std::iter::once(any())
            .chain(areas::wards().into_iter().map(|(code, name)| {
                let name = match lang {
                    Lang::Vi => name.vi,
                    Lang::En => name.en,
                };
                (code, name)
            }))
            .collect();
        let ages: Vec<(String, String)> = vec![
            any(),
            ("1".into(), lang.t("filter.age_day").to_owned()),
            ("7".into(), lang.t("filter.age_week").to_owned()),
            ("30".into(), lang.t("filter.age_month").to_owned()),
        ];
        let check = |name: &str, on: bool, key: &str| {
            format!(
                "<label><span>{}</span><input type=\"checkbox\" name=\"{name}\" value=\"1\"{}></label>",
                esc(lang.t(key)),
                if on { " checked" } else { "" }
            )
        };
        format!(
            "<form class=\"filters\" method=\"get\" action=\"/staff/reports\">{}{}{}{}{}{}<button type=\"submit\">{}</button></form>",
            html::select("status", lang.t("filter.status"), &statuses, &self.status),
            html::select(
                "category",
                lang.t("filter.category"),
                &categories,
                &self.category
            ),
            html::select("ward", lang.t("filter.ward"), &wards, &self.ward),
            html::select("age", lang.t("filter.age"), &ages, &self.age_days),
            check("overdue", self.overdue, "filter.overdue"),
            check("mine", self.mine, "filter.mine"),
            esc(lang.t("filter.apply")),
        )
    }
}

fn services(conn: &Conn) -> crate::sql::Result<Vec<(String, String)>> {
    let mut statement =
        conn.prepare_cached("SELECT code, name FROM services ORDER BY sort, code")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

/// `GET /staff/reports`: the queue.
pub async fn queue(
    State(state): State<AppState>,
    staff: Staff,
    RawQuery(raw): RawQuery,
) -> Result<Response, ConsoleError> {
    let filters = Filters::read(raw.as_deref());
    let lang = staff.lang;
    let agency = staff.agency().map(str::to_owned);
    let mine = filters.mine.then(|| staff.actor());
    let (all, services) = state
        .db
        .call(move |conn| {
            Ok((
                rows(conn, agency.as_deref(), mine.as_deref(), lang)?,
                services(conn)?,
            ))
        })
        .await?;
    let now = time::now_ms();
    let kept: Vec<&Row> = all.iter().filter(|row| filters.keeps(row, now)).collect();
    let mut body = filters.form(lang, &services);
    let _ = write!(
        body,
        "<h2>{}</h2><ul class=\"counts\">",
        esc(lang.t("reports.counts"))
    );
    for (status, key) in STATUSES {
        let count = kept.iter().filter(|row| row.status == *status).count();
        let _ = write!(
            body,
            "<li><a href=\"/staff/reports?status={}\">{}: <strong>{count}</strong></a></li>",
            status.as_str(),
            esc(lang.t(key))
        );
    }
    let overdue = kept.iter().filter(|row| row.overdue(now)).count();
    let _ = write!(
        body,
        "<li><a href=\"/staff/reports?overdue=1\">{}: <strong>{overdue}</strong></a></li></ul>",
        esc(lang.t("filter.overdue"))
    );
    let shown: Vec<&&Row> = kept
        .iter()
        .filter(|row| match filters.status.as_str() {
            "" => true,
            "open" => row.status.status() == Status::Open,
            other => row.status.as_str() == other,
        })
        .collect();
    let cells: Vec<Vec<String>> = shown
        .iter()
        .take(MAX_ROWS)
        .map(|row| {
            let expected = row.expected_ms.map(html::day).unwrap_or_default();
            let expected = if row.overdue(now) {
                format!(
                    "<span class=\"overdue\">{} ({})</span>",
                    esc(&expected),
                    esc(lang.t("filter.overdue"))
                )
            } else {
                esc(&expected)
            };
            vec![
                format!("<a href=\"/staff/reports/{id}\">#{id}</a>", id = row.id),
                esc(&row.service_name),
                esc(&row.description.chars().take(120).collect::<String>()),
                esc(row.ward.as_ref().map_or("", |(_, name)| name.as_str())),
                esc(status_name(lang, row.status)),
                esc(&row.agency),
                esc(&html::when(row.requested_ms)),
                expected,
            ]
        })
        .collect();
    let open: Vec<(f64, f64)> = shown
        .iter()
        .filter(|row| row.status.status() == Status::Open)
        .filter_map(|row| row.point)
        .collect();
    let caption = lang.fill("reports.shown", "count", &shown.len().to_string());
    body += &html::table(
        &caption,
        &[
            lang.t("reports.id"),
            lang.t("reports.category"),
            lang.t("reports.description"),
            lang.t("filter.ward"),
            lang.t("filter.status"),
            lang.t("reports.agency"),
            lang.t("reports.received"),
            lang.t("reports.expected"),
        ],
        &cells,
    );
    // The map after the table: the table is the staff's work list.
    body += &super::map::open_reports(lang, &open);
    Ok(staff.page("/staff/reports", lang.t("reports.title"), &body))
}

/// The status of request `id` if this staff member may see it (an agency's
/// staff: only their agency's); not found otherwise, for both.
fn visible(conn: &Conn, staff: &Staff, id: i64) -> Result<DetailedStatus, ApiFailure> {
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT agency, detailed_status FROM requests WHERE id = ?1",
            [id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .map_err(DbError::from)?;
    match row {
        Some((agency, status)) if staff.agency().is_none_or(|mine| mine == agency) => {
            Ok(DetailedStatus::parse(&status).unwrap_or(DetailedStatus::Received))
        }
        _ => Err(ApiFailure::new(
            StatusCode::NOT_FOUND,
            "no such service request",
        )),
    }
}

fn parse_id(text: &str, lang: Lang) -> Result<i64, ConsoleError> {
    text.parse().map_err(|_| ConsoleError::NotFound(lang))
}

/// One row of a report's history, as staff see it (with who).
struct Change {
    at_ms: i64,
    status: String,
    note: String,
    agency: String,
    actor: String,
    photo: Option<String>,
}

fn history(conn: &Conn, id: i64) -> crate::sql::Result<Vec<Change>> {
    let mut statement = conn.prepare_cached(
        "SELECT at_ms, detailed_status, note, agency, actor, media_hash FROM request_updates
         WHERE request_id = ?1 ORDER BY at_ms, id",
    )?;
    let rows = statement.query_map([id], |row| {
        Ok(Change {
            at_ms: row.get(0)?,
            status: row.get(1)?,
            note: row.get(2)?,
            agency: row.get(3)?,
            actor: row.get(4)?,
            photo: row.get(5)?,
        })
    })?;
    rows.collect()
}

/// Agencies named so far (staff accounts and reports), for the assign form.
fn agencies(conn: &Conn) -> crate::sql::Result<Vec<String>> {
    let mut statement = conn.prepare_cached(
        "SELECT agency FROM staff WHERE agency <> '' UNION SELECT agency FROM requests WHERE agency <> '' ORDER BY 1",
    )?;
    let rows = statement.query_map([], |row| row.get(0))?;
    rows.collect()
}

/// `GET /staff/reports/{id}`
pub async fn page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let id = parse_id(&id, lang)?;
    let public_url = state.public_url.clone();
    let viewer = staff.clone();
    let (request, changes, agencies) = state
        .db
        .call_with(move |conn| {
            visible(conn, &viewer, id)?;
            let request = open311::load_request(conn, &public_url, id, true)
                .map_err(DbError::from)?
                .ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, ""))?;
            let changes = history(conn, id).map_err(DbError::from)?;
            let agencies = agencies(conn).map_err(DbError::from)?;
            Ok((request, changes, agencies))
        })
        .await
        .map_err(|failure| ConsoleError::from_api(lang, failure))?;
    let body = report_body(&staff, &request, &changes, &agencies);
    let title = lang.fill("report.title", "id", &id.to_string());
    Ok(staff.page("/staff/reports", &title, &body))
}

fn report_body(
    staff: &Staff,
    request: &ServiceRequest,
    changes: &[Change],
    agencies: &[String],
) -> String {
    let lang = staff.lang;
    let mut body = String::from("<dl>");
    let mut item = |key: &str, value: &str| {
        let _ = write!(body, "<dt>{}</dt><dd>{}</dd>", esc(lang.t(key)), esc(value));
    };
    item("reports.category", &request.service_name);
    item("filter.status", status_name(lang, request.detailed_status));
    item("reports.description", &request.description);
    item("report.address", &request.address);
    if let Some((lat, lon)) = request.lat.zip(request.long) {
        let ward = areas::ward_at(lat, lon).map(|(_, name)| match lang {
            Lang::Vi => name.vi,
            Lang::En => name.en,
        });
        item("filter.ward", ward.as_deref().unwrap_or_default());
        item("report.place", &format!("{lat:.5}, {lon:.5}"));
    }
    item(
        "reports.agency",
        request.agency_responsible.as_deref().unwrap_or_default(),
    );
    item(
        "reports.received",
        &html::when_text(&request.requested_datetime),
    );
    item(
        "reports.expected",
        &request
            .expected_datetime
            .as_deref()
            .map(html::when_text)
            .unwrap_or_default(),
    );
    item(
        "report.answer",
        request.status_notes.as_deref().unwrap_or_default(),
    );
    item(
        "report.rating",
        &request
            .rating
            .map(|r| format!("{r}/5"))
            .unwrap_or_else(|| lang.t("report.no_rating").to_owned()),
    );
    body.push_str("</dl>");
    let _ = write!(
        body,
        "<h2>{}</h2><div class=\"photos\">",
        esc(lang.t("report.photos"))
    );
    for (n, url) in request.media_urls.iter().enumerate() {
        let path = url.find("/media/").map_or(url.as_str(), |at| &url[at..]);
        let _ = write!(
            body,
            "<a href=\"{path}\"><img src=\"{path}\" alt=\"{}\"></a>",
            esc(&lang.fill("report.photo_alt", "n", &(n + 1).to_string())),
            path = esc(path)
        );
    }
    if request.media_urls.is_empty() {
        let _ = write!(body, "<p>{}</p>", esc(lang.t("report.no_photos")));
    }
    body.push_str("</div>");
    let cells: Vec<Vec<String>> = changes
        .iter()
        .map(|change| {
            let status = DetailedStatus::parse(&change.status)
                .map_or(change.status.clone(), |s| status_name(lang, s).to_owned());
            vec![
                esc(&html::when(change.at_ms)),
                esc(&status),
                esc(&change.note),
                esc(&change.agency),
                esc(&change.actor),
                change
                    .photo
                    .as_ref()
                    .map(|hash| {
                        format!(
                            "<a href=\"/media/{0}\">{1}</a>",
                            esc(hash),
                            esc(lang.t("report.photo"))
                        )
                    })
                    .unwrap_or_default(),
            ]
        })
        .collect();
    body += &html::table(
        lang.t("report.history"),
        &[
            lang.t("audit.when"),
            lang.t("filter.status"),
            lang.t("report.note"),
            lang.t("reports.agency"),
            lang.t("audit.who"),
            lang.t("report.photo"),
        ],
        &cells,
    );
    body += &actions(staff, request, agencies);
    body
}

/// The action forms of a report's page.
fn actions(staff: &Staff, request: &ServiceRequest, agencies: &[String]) -> String {
    let lang = staff.lang;
    let id = &request.service_request_id;
    let form = |action: &str, title_key: &str, fields: &str, multipart: bool| {
        format!(
            "<form class=\"action\" id=\"action-{action}\" method=\"post\" action=\"/staff/reports/{id}/action\"{enctype} \
             aria-label=\"{title}\">{csrf}<input type=\"hidden\" name=\"action\" value=\"{action}\">\
             {fields}<button type=\"submit\" data-action=\"{action}\">{title}</button></form>",
            id = esc(id),
            enctype = if multipart {
                " enctype=\"multipart/form-data\""
            } else {
                ""
            },
            title = esc(lang.t(title_key)),
            csrf = html::csrf_field(staff),
        )
    };
    let note = |key: &str, required: bool| {
        format!(
            "<label>{}<textarea name=\"note\" rows=\"2\" cols=\"40\"{}></textarea></label>",
            esc(lang.t(key)),
            if required { " required" } else { "" }
        )
    };
    let mut out = format!("<h2>{}</h2>", esc(lang.t("report.actions")));
    if staff.is_admin() {
        let mut options = String::from("<datalist id=\"agencies\">");
        for agency in agencies {
            let _ = write!(options, "<option value=\"{}\">", esc(agency));
        }
        options.push_str("</datalist>");
        out += &form(
            "assign",
            "action.assign",
            &format!(
                "<label>{}<input name=\"agency\" list=\"agencies\" required></label>{options}{}",
                esc(lang.t("reports.agency")),
                note("report.note", false)
            ),
            false,
        );
    }
    out += &form(
        "in_progress",
        "action.in_progress",
        &note("report.note", false),
        false,
    );
    out += &form(
        "resolve",
        "action.resolve",
        &format!(
            "{}<label>{}<input type=\"file\" name=\"media\" accept=\"image/jpeg,image/png,image/webp\"></label>",
            note("action.answer", true),
            esc(lang.t("action.fix_photo"))
        ),
        true,
    );
    out += &form(
        "reject",
        "action.reject",
        &note("action.reason", true),
        false,
    );
    out += &form(
        "duplicate",
        "action.duplicate",
        &format!(
            "<label>{}<input name=\"duplicate_of\" inputmode=\"numeric\" required></label>",
            esc(lang.t("action.duplicate_of"))
        ),
        false,
    );
    out += &form(
        "expected",
        "action.expected",
        &format!(
            "<label>{}<input type=\"date\" name=\"expected\" required></label>",
            esc(lang.t("reports.expected"))
        ),
        false,
    );
    out
}

/// A date from a date field (`YYYY-MM-DD`, end of that day in Vietnam) or ISO 8601.
fn expected_date(text: &str) -> Option<String> {
    let text = text.trim();
    if text.len() == 10 {
        let iso = format!("{text}T17:00:00+07:00");
        return time::parse(&iso).map(|_| iso);
    }
    time::parse(text).map(|_| text.to_owned())
}

/// `POST /staff/reports/{id}/action`: one of assign, in_progress, resolve,
/// reject, duplicate, expected.
pub async fn action(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let form = csrf::read(request, &state, &staff, 1).await?;
    let id = parse_id(&id, lang)?;
    let text = |name: &str| form.get(name).unwrap_or_default().trim().to_owned();
    let action = text("action");
    let note = text("note");
    let (status, agency, duplicate_of, expected) = match action.as_str() {
        "assign" => {
            staff.admin_only()?;
            (
                Some(DetailedStatus::Assigned),
                Some(text("agency")),
                None,
                None,
            )
        }
        "in_progress" => (Some(DetailedStatus::InProgress), None, None, None),
        "resolve" => (Some(DetailedStatus::Resolved), None, None, None),
        "reject" => (Some(DetailedStatus::Rejected), None, None, None),
        "duplicate" => (
            Some(DetailedStatus::Duplicate),
            None,
            Some(text("duplicate_of")),
            None,
        ),
        "expected" => {
            let date = expected_date(&text("expected"))
                .ok_or_else(|| ConsoleError::Refused(lang, lang.t("action.bad_date").to_owned()))?;
            (None, None, None, Some(date))
        }
        _ => return Err(ConsoleError::NotFound(lang)),
    };
    if action == "assign" && agency.as_deref().is_some_and(str::is_empty) {
        return Err(ConsoleError::Refused(
            lang,
            lang.t("action.no_agency").to_owned(),
        ));
    }
    let photo = match form.media.into_iter().find(|bytes| !bytes.is_empty()) {
        Some(bytes) if action == "resolve" => {
            let sniffed =
                media::sniff(&bytes).map_err(|err| ConsoleError::Refused(lang, err.to_string()))?;
            Some((bytes, sniffed))
        }
        _ => None,
    };
    let media_dir = state.media.clone();
    let public_url = state.public_url.clone();
    let detail = [
        note.as_str(),
        agency.as_deref().unwrap_or_default(),
        duplicate_of.as_deref().unwrap_or_default(),
        expected.as_deref().unwrap_or_default(),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    audit::change(
        &state,
        &staff,
        format!("report.{action}"),
        move |conn, staff, _| {
            let current = visible(conn, staff, id)?;
            let update = StaffUpdate {
                detailed_status: status.unwrap_or(current),
                note,
                agency,
                expected_datetime: expected,
                duplicate_of,
            };
            staff::apply_staff(
                conn,
                &media_dir,
                &public_url,
                id,
                &staff.name,
                update,
                photo,
            )?;
            Ok((format!("report:{id}"), detail))
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/staff/reports/{id}")).into_response())
}
