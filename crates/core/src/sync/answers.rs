//! Reading what Open311 servers answer, tolerantly: send outcomes (an id or a
//! token confirms, the rest is transient or permanent with the server's
//! reason), `Retry-After`, and the requests of pulled lists.

use std::time::{Duration, SystemTime};

use cds_domain::{
    outbox::{Cause, Event, ServerRef},
    report::ReportDetail,
};
use reqwest::{StatusCode, header};

/// Largest answer read from a server (anything longer is not an Open311 answer).
pub(super) const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What one send attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Confirmed(ServerRef),
    /// Try again later (network, timeout, 408/429/5xx, an answer that confirms
    /// nothing); `cause` says whether the server may hold the report anyway.
    Transient {
        reason: String,
        retry_after_ms: Option<i64>,
        cause: Cause,
    },
    /// The server refused this report (400/403/404/409/413 and other 4xx).
    Permanent {
        reason: String,
        status: u16,
    },
}

impl Outcome {
    /// The outbox event for this outcome at `now_ms`.
    pub fn event(self, now_ms: i64, jitter: f64) -> Event {
        match self {
            Outcome::Confirmed(server) => Event::Confirmed { server, now_ms },
            Outcome::Transient {
                reason,
                retry_after_ms,
                cause,
            } => Event::TransientFailure {
                reason,
                retry_after_ms,
                now_ms,
                jitter,
                cause,
            },
            Outcome::Permanent { reason, status } => Event::PermanentFailure {
                reason,
                status: Some(status),
                now_ms,
            },
        }
    }
}

/// A public report from an Open311 answer; `None` without an id or a place.
pub fn public_report(value: &serde_json::Value) -> Option<cds_domain::report::PublicReport> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.chars().take(500).collect::<String>()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let number = |v: &serde_json::Value| match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    };
    let (lat, lon) = (number(&value["lat"])?, number(&value["long"])?);
    if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
        return None;
    }
    Some(cds_domain::report::PublicReport {
        server_id: text(&value["service_request_id"]).filter(|s| !s.is_empty())?,
        service_code: text(&value["service_code"]).unwrap_or_default(),
        status: text(&value["status"]).unwrap_or_else(|| "open".into()),
        lat,
        lon,
        description: text(&value["description"]).unwrap_or_default(),
        updated_datetime: text(&value["updated_datetime"]),
        distance_m: 0.0,
    })
}

/// Reads what a server says of a request, tolerating absent or odd fields.
pub fn remote_status(
    value: &serde_json::Value,
    now_ms: i64,
) -> Option<cds_domain::report::RemoteStatus> {
    use cds_domain::report::{RemoteStatus, RemoteUpdate};
    let text = |v: &serde_json::Value| -> Option<String> {
        match v {
            serde_json::Value::String(s) => Some(s.chars().take(4000).collect()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let server_id = text(&value["service_request_id"]).filter(|id| !id.is_empty())?;
    let updates = value["updates"]
        .as_array()
        .map(|list| {
            list.iter()
                .take(500)
                .map(|u| RemoteUpdate {
                    updated_datetime: text(&u["updated_datetime"]).unwrap_or_default(),
                    detailed_status: text(&u["detailed_status"]).unwrap_or_default(),
                    note: text(&u["note"]).unwrap_or_default(),
                    media_url: text(&u["media_url"]),
                    by: text(&u["by"]).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    // Photos: `media_urls` (ours), `extended_attributes.media_urls` (servers
    // that put extensions there), then the spec's single `media_url`.
    let mut media_urls: Vec<String> = Vec::new();
    for list in [
        &value["media_urls"],
        &value["extended_attributes"]["media_urls"],
    ] {
        for url in list.as_array().into_iter().flatten().filter_map(text) {
            if !url.is_empty() && !media_urls.contains(&url) && media_urls.len() < 20 {
                media_urls.push(url);
            }
        }
    }
    if let Some(url) = text(&value["media_url"]).filter(|u| !u.is_empty())
        && !media_urls.contains(&url)
        && media_urls.len() < 20
    {
        media_urls.push(url);
    }
    Some(RemoteStatus {
        server_id,
        status: text(&value["status"]).unwrap_or_else(|| "open".into()),
        detailed_status: text(&value["detailed_status"]),
        note: text(&value["status_notes"]).unwrap_or_default(),
        agency: text(&value["agency_responsible"]).unwrap_or_default(),
        expected_datetime: text(&value["expected_datetime"]),
        updated_datetime: text(&value["updated_datetime"]),
        media_urls,
        rating: value["rating"].as_u64().and_then(|r| u8::try_from(r).ok()),
        updates,
        pulled_at_ms: now_ms,
    })
}

/// `Retry-After` as seconds or an HTTP date, in milliseconds from now.
fn retry_after(headers: &header::HeaderMap) -> Option<i64> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<i64>() {
        return Some(seconds.max(0).saturating_mul(1000));
    }
    let when = httpdate(value)?;
    let wait = when
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    i64::try_from(wait.as_millis()).ok()
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
fn httpdate(text: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, clock, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m == month)? as i64
        + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = year - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let secs = u64::try_from(days * 86_400 + h * 3600 + m * 60 + s).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// Why an answer's body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Longer than anything the API answers: not what was asked for.
    #[error("answer too long")]
    TooLong,
    /// The connection broke while the body came in.
    #[error("answer cut short: {0}")]
    Cut(String),
}

async fn read_capped(response: reqwest::Response) -> Result<Vec<u8>, ReadError> {
    read_capped_to(response, MAX_ANSWER_BYTES).await
}

pub(super) async fn read_capped_to(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(ReadError::TooLong);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(err) => return Err(ReadError::Cut(err.to_string())),
        }
    }
}

/// Longest reason kept from a server's answer.
const MAX_REASON_CHARS: usize = 500;

/// The server's own words for a refusal, read tolerantly: an Open311 error
/// list (`[{code, description}]`, JSON or XML), a Django REST framework
/// `{"detail": …}` (a string, a list, or a map of fields to messages), an
/// `{"error"|"message": …}`, a plain-text body, or an HTML page's title;
/// else the status text. Always plain text, trimmed and bounded.
pub(super) fn server_reason(status: StatusCode, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let reason = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| json_reason(&value))
        .or_else(|| xml_reason(&text))
        .or_else(|| plain_reason(&text))
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("refused").to_owned());
    let reason = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    reason.chars().take(MAX_REASON_CHARS).collect()
}

/// The messages of a JSON error body, joined.
fn json_reason(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let found = match value {
        Value::Array(list) => {
            let parts: Vec<String> = list.iter().filter_map(json_reason).collect();
            (!parts.is_empty()).then(|| parts.join("; "))
        }
        Value::Object(map) => ["description", "detail", "error", "message", "errors"]
            .iter()
            .find_map(|key| map.get(*key).and_then(messages))
            .or_else(|| messages(value)),
        Value::String(text) => Some(text.clone()),
        _ => None,
    };
    found.filter(|text| !text.trim().is_empty())
}

/// Every message in a value: strings as they are, lists joined, maps of
/// fields as `field: message` (`non_field_errors` without its name).
fn messages(value: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Array(list) => list
            .iter()
            .filter_map(messages)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "code" | "status" | "status_code"))
            .filter_map(|(key, value)| {
                let text = messages(value)?;
                Some(
                    if matches!(
                        key.as_str(),
                        "non_field_errors" | "detail" | "description" | "message" | "error"
                    ) {
                        text
                    } else {
                        format!("{key}: {text}")
                    },
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::new(),
    };
    (!text.is_empty()).then_some(text)
}

/// The text of the first `<description>` of an XML error list.
fn xml_reason(text: &str) -> Option<String> {
    let start = text.find("<description>")? + "<description>".len();
    let end = start + text[start..].find("</description>")?;
    Some(unescape(&text[start..end])).filter(|t| !t.trim().is_empty())
}

/// A page's `<title>`, or a short plain-text body (never markup).
fn plain_reason(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    if let Some(open) = lower.find("<title") {
        let start = open + lower[open..].find('>')? + 1;
        let end = start + lower[start..].find("</title>")?;
        return Some(unescape(&text[start..end])).filter(|t| !t.trim().is_empty());
    }
    let trimmed = text.trim();
    let markup = trimmed.starts_with('<') || trimmed.starts_with('{') || trimmed.starts_with('[');
    (!trimmed.is_empty() && !markup && !trimmed.contains('\0')).then(|| trimmed.to_owned())
}

/// The five predefined entities of XML and HTML.
fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The id of a request in a list, as text.
pub(super) fn request_id(request: &serde_json::Value) -> Option<String> {
    match &request["service_request_id"] {
        serde_json::Value::String(s) if !s.trim().is_empty() && s.len() <= 200 => {
            Some(s.trim().to_owned())
        }
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether a request in a server's list is this report: its description ends
/// with the report's receipt line, or it carries the report's id as its
/// `client_request_id` attribute (where a server returns attributes).
pub(super) fn is_report(request: &serde_json::Value, report: &ReportDetail) -> bool {
    let by_receipt = request["description"]
        .as_str()
        .is_some_and(|text| cds_domain::report::names_receipt(text, &report.summary.receipt));
    let attribute = |value: &serde_json::Value| match value {
        serde_json::Value::String(s) => s == &report.summary.id,
        serde_json::Value::Array(list) => list.iter().any(|v| v == report.summary.id.as_str()),
        _ => false,
    };
    let by_id = ["attributes", "extended_attributes"]
        .iter()
        .any(|key| attribute(&request[*key]["client_request_id"]))
        || attribute(&request["attribute[client_request_id]"]);
    by_receipt || by_id
}

/// The id (or token) of one request of a list.
pub(super) fn confirmation_of(request: &serde_json::Value) -> Option<ServerRef> {
    confirmation(serde_json::to_vec(request).ok()?.as_slice())
}

/// Finds the request id or token in a 2xx answer; tolerant of the shapes real
/// servers use (a list or a single object; ids as strings or numbers).
pub(super) fn confirmation(body: &[u8]) -> Option<ServerRef> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let first = match &value {
        serde_json::Value::Array(list) => list.first()?.clone(),
        serde_json::Value::Object(_) => value.clone(),
        _ => return None,
    };
    let field = |name: &str| -> Option<String> {
        match first.get(name)? {
            serde_json::Value::String(s) if !s.trim().is_empty() && s.len() <= 200 => {
                Some(s.trim().to_owned())
            }
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    field("service_request_id")
        .map(ServerRef::Id)
        .or_else(|| field("token").map(ServerRef::Token))
}

pub(super) async fn classify(response: reqwest::Response) -> Outcome {
    let status = response.status();
    let wait = retry_after(response.headers());
    let body = read_capped(response).await;
    if status.is_success() {
        return match body.as_deref().ok().and_then(confirmation) {
            Some(server) => Outcome::Confirmed(server),
            None => Outcome::Transient {
                reason: format!(
                    "status {status} without a request id (a login page, or a cut answer)"
                ),
                retry_after_ms: wait,
                // The server may have stored it and its answer was lost.
                cause: Cause::InDoubt,
            },
        };
    }
    let body = body.unwrap_or_default();
    if status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
    {
        return Outcome::Transient {
            reason: format!("{}: {}", status.as_u16(), server_reason(status, &body)),
            retry_after_ms: wait,
            cause: Cause::Server(status.as_u16()),
        };
    }
    if status.is_redirection() || status.is_informational() {
        return Outcome::Transient {
            reason: format!("{}: {}", status.as_u16(), server_reason(status, &body)),
            retry_after_ms: wait,
            cause: Cause::InDoubt,
        };
    }
    Outcome::Permanent {
        reason: server_reason(status, &body),
        status: status.as_u16(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_id_or_a_token_confirms() {
        assert_eq!(
            confirmation(br#"[{"service_request_id":"12","token":"t"}]"#),
            Some(ServerRef::Id("12".into()))
        );
        assert_eq!(
            confirmation(br#"[{"service_request_id":12}]"#),
            Some(ServerRef::Id("12".into()))
        );
        assert_eq!(
            confirmation(br#"{"token":"abc"}"#),
            Some(ServerRef::Token("abc".into()))
        );
        assert_eq!(
            confirmation(br#"[{"service_request_id":null,"token":"abc"}]"#),
            Some(ServerRef::Token("abc".into()))
        );
        for unconfirmed in [
            &b"<html>Wi-Fi login</html>"[..],
            b"[]",
            br#"[{"service_request_id":""}]"#,
            br#"[{"service_notice":"ok"}]"#,
            br#"[{"service_req"#,
            b"",
            b"42",
        ] {
            assert_eq!(
                confirmation(unconfirmed),
                None,
                "{}",
                String::from_utf8_lossy(unconfirmed)
            );
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let mut headers = header::HeaderMap::new();
        headers.insert(header::RETRY_AFTER, "120".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(120_000));
        headers.insert(
            header::RETRY_AFTER,
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), Some(0), "a date in the past: now");
        assert_eq!(
            httpdate("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777))
        );
        headers.insert(header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn reasons_are_the_servers_own_words_in_any_common_shape() {
        let bad = StatusCode::BAD_REQUEST;
        for (body, expected) in [
            (
                &br#"{"code":400,"detail":{"non_field_errors":["Service code flooding is invalid"]}}"#[..],
                "Service code flooding is invalid",
            ),
            (br#"{"detail":"Authentication credentials were not provided."}"#, "Authentication credentials were not provided."),
            (br#"{"detail":["first","second"]}"#, "first; second"),
            (br#"{"service_code":["This field is required."]}"#, "service_code: This field is required."),
            (br#"{"error":"api_key invalid"}"#, "api_key invalid"),
            (br#"{"message":"Too long","status":400}"#, "Too long"),
            (br#"[{"code":400,"description":"lat out of range"}]"#, "lat out of range"),
            (
                b"<?xml version=\"1.0\"?><errors><error><code>404</code><description>service_code &amp; co not found</description></error></errors>",
                "service_code & co not found",
            ),
            (b"<html><head><title>Server Error (500)</title></head><body><h1>x</h1></body></html>", "Server Error (500)"),
            (b"  Service temporarily unavailable\n", "Service temporarily unavailable"),
            (b"<html><body>no title</body></html>", "Bad Request"),
            (b"", "Bad Request"),
            (br#"{"unexpected":{}}"#, "Bad Request"),
        ] {
            assert_eq!(server_reason(bad, body), expected, "{}", String::from_utf8_lossy(body));
        }
        let long = format!(r#"{{"detail":"{}"}}"#, "x".repeat(10_000));
        assert_eq!(
            server_reason(bad, long.as_bytes()).chars().count(),
            MAX_REASON_CHARS
        );
    }

    #[test]
    fn photos_are_found_wherever_a_server_puts_them() {
        let urls = |value: serde_json::Value| remote_status(&value, 0).unwrap().media_urls;
        assert_eq!(
            urls(serde_json::json!({"service_request_id": 1, "media_url": "",
                "extended_attributes": {"media_urls": ["http://a/1.jpg", "http://a/2.jpg"]}})),
            ["http://a/1.jpg", "http://a/2.jpg"]
        );
        assert_eq!(
            urls(
                serde_json::json!({"service_request_id": 1, "media_url": "http://a/0.jpg",
                "media_urls": ["http://a/0.jpg", "http://a/3.jpg"]})
            ),
            ["http://a/0.jpg", "http://a/3.jpg"]
        );
        assert_eq!(
            urls(serde_json::json!({"service_request_id": 1, "media_url": "http://a/9.jpg"})),
            ["http://a/9.jpg"]
        );
        assert!(urls(serde_json::json!({"service_request_id": 1, "media_url": null})).is_empty());
    }

    #[test]
    fn reasons_come_from_open311_errors() {
        assert_eq!(
            server_reason(
                StatusCode::BAD_REQUEST,
                br#"[{"code":400,"description":"service_code not found"}]"#
            ),
            "service_code not found"
        );
        assert_eq!(
            server_reason(StatusCode::NOT_FOUND, b"<html>nope</html>"),
            "Not Found"
        );
    }
}
