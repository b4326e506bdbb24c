//! Writing the console's HTML by hand: escaping (every value from the
//! database or a form goes through [`esc`]), the page frame with its
//! navigation and language switch, forms' hidden CSRF field, the stylesheet.

use std::fmt::Write as _;

use axum::{
    http::header,
    response::{Html, IntoResponse, Response},
};

use super::{Lang, Staff};

/// `text` escaped for element content and quoted attributes (the XML
/// writer's rule: the five markup characters as entities, characters a
/// document cannot carry dropped).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    crate::xml::escape(&mut out, text);
    out
}

/// Vietnam's offset from UTC (no daylight saving).
pub const VN_OFFSET_MS: i64 = 7 * 3_600_000;

/// A moment as staff in Vietnam read it: `29/11/2026 04:47` (local time).
pub fn when(ms: i64) -> String {
    let iso = crate::time::iso(ms + VN_OFFSET_MS);
    format!(
        "{}/{}/{} {}",
        &iso[8..10],
        &iso[5..7],
        &iso[0..4],
        &iso[11..16]
    )
}

/// A day in Vietnam's calendar: `29/11/2026`.
pub fn day(ms: i64) -> String {
    when(ms)[..10].to_owned()
}

/// An ISO 8601 date from the API as [`when`] says it (as given if unreadable).
pub fn when_text(iso: &str) -> String {
    cds_domain::time::parse(iso).map_or_else(|| iso.to_owned(), when)
}

/// A query-string value percent-encoded (for links that carry filters).
pub fn url_value(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The hidden field every form of a signed-in page carries.
pub fn csrf_field(staff: &Staff) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(&staff.csrf)
    )
}

/// The navigation's entries: path, string key, whether only admins see it.
const NAV: &[(&str, &str, bool)] = &[
    ("/staff/reports", "nav.reports", false),
    ("/staff/alerts", "nav.alerts", false),
    ("/staff/content", "nav.content", false),
    ("/staff/dossiers", "nav.dossiers", false),
    ("/staff/teams", "nav.teams", true),
    ("/staff/dashboard", "nav.dashboard", false),
    ("/staff/audit", "nav.audit", true),
];

/// A whole page: `title` (plain text) and `body` (HTML already escaped).
pub fn page(lang: Lang, staff: Option<&Staff>, current: &str, title: &str, body: &str) -> Response {
    let mut out = String::with_capacity(body.len() + 2048);
    let _ = write!(
        out,
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · {app}</title><link rel=\"stylesheet\" href=\"/staff/console.css\"></head><body>\
         <a class=\"skip\" href=\"#main\">{skip}</a><header><span class=\"brand\">{app}</span>",
        lang = lang.code(),
        title = esc(title),
        app = esc(lang.t("app.title")),
        skip = esc(lang.t("nav.skip")),
    );
    if let Some(staff) = staff {
        let _ = write!(out, "<nav aria-label=\"{}\"><ul>", esc(lang.t("nav.label")));
        for (path, key, admin_only) in NAV {
            if *admin_only && !staff.is_admin() {
                continue;
            }
            let marked = if current == *path {
                " aria-current=\"page\""
            } else {
                ""
            };
            let _ = write!(
                out,
                "<li><a href=\"{path}\"{marked}>{}</a></li>",
                esc(lang.t(key))
            );
        }
        let _ = write!(
            out,
            "</ul></nav><form class=\"signout\" method=\"post\" action=\"/staff/sign-out\">{csrf}\
             <span>{who}</span> <button type=\"submit\">{label}</button></form>",
            csrf = csrf_field(staff),
            who = esc(&staff.name),
            label = esc(lang.t("nav.sign_out")),
        );
    }
    let other = match lang {
        Lang::Vi => (Lang::En, "English"),
        Lang::En => (Lang::Vi, "Tiếng Việt"),
    };
    let _ = write!(
        out,
        "<a class=\"lang\" href=\"?lang={code}\" lang=\"{code}\">{name}</a></header>\
         <main id=\"main\"><h1>{title}</h1>{body}</main></body></html>",
        code = other.0.code(),
        name = other.1,
        title = esc(title),
    );
    Html(out).into_response()
}

impl Staff {
    /// A whole page for this signed-in member, in their language.
    pub fn page(&self, current: &str, title: &str, body: &str) -> Response {
        page(self.lang, Some(self), current, title, body)
    }
}

/// The page of an error: its string `key` and an optional detail (plain text).
pub fn error_page(lang: Lang, key: &str, detail: Option<&str>) -> Response {
    let mut body = format!("<p>{}</p>", esc(lang.t(key)));
    if let Some(detail) = detail {
        let _ = write!(body, "<p class=\"detail\">{}</p>", esc(detail));
    }
    let _ = write!(
        body,
        "<p><a href=\"/staff/reports\">{}</a></p>",
        esc(lang.t("error.back"))
    );
    page(lang, None, "", lang.t("error.title"), &body)
}

/// A table: header cells and rows of cells (both HTML already escaped).
pub fn table(caption: &str, head: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("<table><caption>{}</caption><thead><tr>", esc(caption));
    for cell in head {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(cell));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// A `<select>` with its label: `options` are (value, label) pairs, plain text.
pub fn select(name: &str, label: &str, options: &[(String, String)], chosen: &str) -> String {
    let mut out = format!("<label>{}<select name=\"{name}\">", esc(label));
    for (value, text) in options {
        let selected = if value == chosen { " selected" } else { "" };
        let _ = write!(
            out,
            "<option value=\"{}\"{selected}>{}</option>",
            esc(value),
            esc(text)
        );
    }
    out.push_str("</select></label>");
    out
}

const STYLESHEET: &str = "\
:root{font-family:system-ui,sans-serif;color:#1a1a1a;background:#fff;line-height:1.45}\
body{margin:0}header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.5rem 1rem;background:#0b4f6c;color:#fff}\
header a,header button{color:#fff}.brand{font-weight:700}nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}\
nav a[aria-current]{font-weight:700;text-decoration-thickness:3px}.signout{margin-left:auto}\
header button{background:transparent;border:1px solid #fff;border-radius:4px;padding:.2rem .6rem;font:inherit;cursor:pointer}\
main{padding:1rem;max-width:75rem}table{border-collapse:collapse;margin:1rem 0;width:100%}\
caption{text-align:left;font-weight:700;padding:.3rem 0}th,td{border:1px solid #999;padding:.3rem .5rem;text-align:left;vertical-align:top}\
form.filters,form.action{display:flex;flex-wrap:wrap;gap:.8rem;align-items:flex-end;margin:.8rem 0;padding:.6rem;border:1px solid #ccc;border-radius:4px}\
form.long{display:grid;grid-template-columns:repeat(auto-fill,minmax(22rem,1fr));align-items:start}\
form.long fieldset,form.long button{grid-column:1/-1}form.long button{justify-self:start}\
form.long textarea,form.long input,form.long select{width:100%;box-sizing:border-box}\
label{display:flex;flex-direction:column;gap:.2rem;font-weight:600}input,select,textarea,button{font:inherit;padding:.3rem}\
main button{background:#0b4f6c;color:#fff;border:0;border-radius:4px;padding:.4rem .9rem;cursor:pointer}\
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.5rem}\
.counts{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;padding:0}.counts li{border:1px solid #999;border-radius:4px;padding:.2rem .6rem}\
.detail{color:#7a0000}.photos{display:flex;flex-wrap:wrap;gap:.5rem}.photos img{max-width:16rem;max-height:12rem;border:1px solid #999}\
.overdue{color:#7a0000;font-weight:700}.chart{max-width:40rem}.chart text{font-size:12px;fill:#1a1a1a}\
a{color:#0b4f6c}a:focus,button:focus,input:focus,select:focus,textarea:focus{outline:3px solid #e0a800;outline-offset:2px}\
.notice{padding:.5rem;border-left:4px solid #0b4f6c;background:#eef5f8}\
.key.received{color:#0b4f6c}.key.resolved{color:#2e7d32}.beside{display:flex;flex-wrap:wrap;gap:2rem;align-items:flex-start}\
.beside table{width:auto;min-width:20rem}.map{max-width:100%;height:auto;border:1px solid #999}\
";

/// `GET /staff/console.css`: the console's one stylesheet.
pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }

    #[test]
    fn moments_are_said_in_vietnams_time() {
        // 21:47 UTC on the 29th is 04:47 on the 30th in Vietnam.
        let ms = cds_domain::time::parse("2026-11-29T21:47:38Z").unwrap_or_default();
        assert_eq!(when(ms), "30/11/2026 04:47");
        assert_eq!(day(ms), "30/11/2026");
        assert_eq!(when_text("2026-11-29T21:47:38Z"), "30/11/2026 04:47");
        assert_eq!(when_text("không rõ"), "không rõ");
    }
}
