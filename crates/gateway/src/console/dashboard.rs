//! The dashboard: reports received and resolved per week, the median time to
//! resolve, the share resolved by the expected date per ward and per category,
//! and dossiers on time per agency (`dossier_stats::compute`, the API's
//! numbers) — each a table, the weekly one beside a server-drawn SVG chart.

use std::{collections::BTreeMap, fmt::Write as _};

use axum::{extract::State, response::Response};

use super::{ConsoleError, Lang, Staff, html, html::esc};
use crate::{AppState, areas, dossier_stats, time};

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
/// Weeks the weekly table and chart show.
const WEEKS: usize = 8;

/// One report's dates, for the figures.
struct Dates {
    category: String,
    ward: String,
    requested_ms: i64,
    expected_ms: Option<i64>,
    resolved_ms: Option<i64>,
}

fn dates(conn: &crate::sql::Conn, lang: Lang) -> crate::sql::Result<Vec<Dates>> {
    let mut statement = conn.prepare_cached(
        "SELECT s.name, r.lat, r.lon, r.requested_ms, r.expected_ms,
                (SELECT MIN(u.at_ms) FROM request_updates u
                 WHERE u.request_id = r.id AND u.detailed_status = 'resolved')
         FROM requests r JOIN services s ON s.code = r.service_code",
    )?;
    let rows = statement.query_map([], |row| {
        let lat: Option<f64> = row.get(1)?;
        let lon: Option<f64> = row.get(2)?;
        let ward = lat
            .zip(lon)
            .and_then(|(lat, lon)| areas::ward_at(lat, lon))
            .map(|(_, name)| match lang {
                Lang::Vi => name.vi,
                Lang::En => name.en,
            })
            .unwrap_or_default();
        Ok(Dates {
            category: row.get(0)?,
            ward,
            requested_ms: row.get(3)?,
            expected_ms: row.get(4)?,
            resolved_ms: row.get(5)?,
        })
    })?;
    rows.collect()
}

/// The median of `values` (sorted here), if any.
pub fn median(values: &mut [i64]) -> Option<i64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2),
    }
}

/// `part` of `whole` as a whole percentage ("–" for none).
fn percent(part: usize, whole: usize) -> String {
    (part * 100)
        .checked_div(whole)
        .map_or_else(|| "–".into(), |share| format!("{share}%"))
}

/// A grouped bar chart of received and resolved per week, drawn as SVG.
fn weekly_chart(lang: Lang, weeks: &[(String, usize, usize)]) -> String {
    let max = weeks
        .iter()
        .map(|(_, a, b)| (*a).max(*b))
        .max()
        .unwrap_or(0)
        .max(1);
    let (width, height, bottom) = (40 + weeks.len() * 60, 200, 170);
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         aria-label=\"{}\"><title>{}</title>",
        esc(lang.t("dashboard.chart")),
        esc(lang.t("dashboard.chart"))
    );
    for (i, (label, received, resolved)) in weeks.iter().enumerate() {
        let x = 40 + i * 60;
        for (offset, value, colour) in [(0, received, "#0b4f6c"), (22, resolved, "#2e7d32")] {
            let h = value * 150 / max;
            let _ = write!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"20\" height=\"{h}\" fill=\"{colour}\"></rect>",
                x + offset,
                bottom - h
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"{}\">{}</text>",
            bottom + 18,
            esc(label.get(5..).unwrap_or(label))
        );
    }
    let _ = write!(
        svg,
        "<text x=\"0\" y=\"12\">{max}</text><line x1=\"36\" y1=\"{bottom}\" x2=\"{width}\" y2=\"{bottom}\" stroke=\"#1a1a1a\"></line></svg>"
    );
    let _ = write!(
        svg,
        "<p>{} <span class=\"key received\">■</span> {} <span class=\"key resolved\">■</span> {}</p>",
        esc(lang.t("dashboard.key")),
        esc(lang.t("dashboard.received")),
        esc(lang.t("dashboard.resolved"))
    );
    svg
}

/// Rows of (name, resolved with an expected date, of them by that date).
fn on_time_by(rows: &[Dates], key: impl Fn(&Dates) -> &str) -> Vec<Vec<String>> {
    let mut groups: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for row in rows {
        if let (Some(resolved), Some(expected)) = (row.resolved_ms, row.expected_ms) {
            let entry = groups.entry(key(row)).or_default();
            entry.0 += 1;
            if resolved <= expected {
                entry.1 += 1;
            }
        }
    }
    groups
        .into_iter()
        .map(|(name, (all, on_time))| {
            vec![
                esc(name),
                all.to_string(),
                on_time.to_string(),
                esc(&percent(on_time, all)),
            ]
        })
        .collect()
}

/// `GET /staff/dashboard`
pub async fn page(State(state): State<AppState>, staff: Staff) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let now = time::now_ms();
    let (rows, dossiers) = state
        .db
        .call(move |conn| Ok((dates(conn, lang)?, dossier_stats::compute(conn, now)?)))
        .await?;
    let weeks: Vec<(String, usize, usize)> = (0..WEEKS)
        .rev()
        .map(|ago| {
            let end = now - i64::try_from(ago).unwrap_or(0) * WEEK_MS;
            let start = end - WEEK_MS;
            let within = |at: i64| at > start && at <= end;
            (
                time::date(start + DAY_MS),
                rows.iter().filter(|r| within(r.requested_ms)).count(),
                rows.iter()
                    .filter(|r| r.resolved_ms.is_some_and(within))
                    .count(),
            )
        })
        .collect();
    let mut durations: Vec<i64> = rows
        .iter()
        .filter_map(|r| Some(r.resolved_ms? - r.requested_ms))
        .collect();
    let median_days = median(&mut durations)
        .map(|ms| format!("{:.1}", ms as f64 / DAY_MS as f64))
        .unwrap_or_else(|| "–".into());
    let mut body = format!(
        "<p class=\"notice\">{}</p><h2>{}</h2>",
        esc(&lang.fill("dashboard.median", "days", &median_days)),
        esc(lang.t("dashboard.weekly"))
    );
    body += "<div class=\"beside\"><div>";
    body += &weekly_chart(lang, &weeks);
    body += "</div>";
    let weekly: Vec<Vec<String>> = weeks
        .iter()
        .map(|(week, received, resolved)| {
            vec![esc(week), received.to_string(), resolved.to_string()]
        })
        .collect();
    body += &html::table(
        lang.t("dashboard.weekly"),
        &[
            lang.t("dashboard.week"),
            lang.t("dashboard.received"),
            lang.t("dashboard.resolved"),
        ],
        &weekly,
    );
    body += "</div>";
    let on_time_head = [
        lang.t("dashboard.name"),
        lang.t("dashboard.with_date"),
        lang.t("dashboard.by_date"),
        lang.t("dashboard.share"),
    ];
    body += &html::table(
        lang.t("dashboard.by_ward"),
        &on_time_head,
        &on_time_by(&rows, |r| &r.ward),
    );
    body += &html::table(
        lang.t("dashboard.by_category"),
        &on_time_head,
        &on_time_by(&rows, |r| &r.category),
    );
    let agencies: Vec<Vec<String>> = dossiers
        .agencies
        .iter()
        .map(|a| {
            vec![
                esc(&a.agency),
                a.resolved.to_string(),
                a.resolved_on_time.to_string(),
                esc(&percent(a.resolved_on_time as usize, a.resolved as usize)),
                a.pending_overdue.to_string(),
            ]
        })
        .collect();
    body += &html::table(
        &lang.fill("dashboard.dossiers", "from", &dossiers.from_date),
        &[
            lang.t("dashboard.agency"),
            lang.t("dashboard.finished"),
            lang.t("dashboard.by_date"),
            lang.t("dashboard.share"),
            lang.t("dashboard.overdue_now"),
        ],
        &agencies,
    );
    Ok(staff.page("/staff/dashboard", lang.t("dashboard.title"), &body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_median_of_odd_and_even_counts() {
        assert_eq!(super::median(&mut []), None);
        assert_eq!(super::median(&mut [5, 1, 3]), Some(3));
        assert_eq!(super::median(&mut [4, 1, 3, 2]), Some(2));
    }
}
