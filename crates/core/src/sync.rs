//! Delivering the outbox: each due report is sent as an Open311 `POST requests`
//! with its photos and its id as `Idempotency-Key`, and the answer is turned
//! into an outbox event. Only a 2xx answer whose body names a request id or a
//! token confirms a report; anything else is retried or, for the refusals
//! Open311 defines, shown to the resident with the server's reason.

use std::time::{Duration, SystemTime};

use cds_domain::{
    outbox::{Event, OutboxState, ServerRef},
    report::{Contact, ReportDetail},
    sync::{PhotoProgress, SyncEvent},
};
use cds_provincial_api::open311::{Attribute, Category, Feedback, Service, ServiceDefinition};
use reqwest::{StatusCode, header};

use crate::{Config, Error, photos::PhotoDir};

/// Largest answer read from a server (anything longer is not an Open311 answer).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// What one send attempt came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Confirmed(ServerRef),
    /// Try again later (network, timeout, 408/429/5xx, an answer that confirms nothing).
    Transient {
        reason: String,
        retry_after_ms: Option<i64>,
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
            } => Event::TransientFailure {
                reason,
                retry_after_ms,
                now_ms,
                jitter,
            },
            Outcome::Permanent { reason, status } => Event::PermanentFailure {
                reason,
                status: Some(status),
                now_ms,
            },
        }
    }
}

/// Receives the engine's events; called from the sending task, so it must be quick.
pub type OnEvent = std::sync::Arc<dyn Fn(SyncEvent) + Send + Sync>;

/// Photo bytes are handed to the connection in pieces of this size.
const PIECE: usize = 32 * 1024;

/// The Open311 client of the outbox.
pub struct Open311 {
    http: reqwest::Client,
    base: url::Url,
    api_key: Option<String>,
}

impl Open311 {
    pub fn new(config: &Config) -> Result<Open311, Error> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.request_timeout)
            // Photos take longer than a catalogue: a generous bound, still a bound.
            .timeout(config.request_timeout * 8)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("cong-dan-so/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| Error::Internal(format!("HTTP client: {err}")))?;
        Ok(Open311 {
            http,
            base: config.open311_url.clone(),
            api_key: config.open311_api_key.clone(),
        })
    }

    /// Sends one report. `photos` are the bytes of its photos, in order.
    pub async fn send(&self, report: &ReportDetail, photos: Vec<Vec<u8>>) -> Outcome {
        self.send_with_progress(report, photos, std::sync::Arc::new(|_| {}))
            .await
    }

    /// [`Open311::send`], telling `on_event` how each photo goes.
    pub async fn send_with_progress(
        &self,
        report: &ReportDetail,
        photos: Vec<Vec<u8>>,
        on_event: OnEvent,
    ) -> Outcome {
        let url = match self.base.join("requests.json") {
            Ok(url) => url,
            Err(err) => {
                return Outcome::Permanent {
                    reason: format!("Open311 address: {err}"),
                    status: 0,
                };
            }
        };
        let request = self
            .http
            .post(url)
            .header("Idempotency-Key", &report.summary.id)
            .header(header::ACCEPT, "application/json")
            .multipart(form(report, self.api_key.as_deref(), photos, on_event));
        match request.send().await {
            Ok(response) => classify(response).await,
            Err(err) => Outcome::Transient {
                reason: format!("no answer: {err}"),
                retry_after_ms: None,
            },
        }
    }
}

/// The Open311 form: the spec's fields, the client id also as an attribute
/// (servers that ignore the header still see it), and the photos as `media`.
fn form(
    report: &ReportDetail,
    api_key: Option<&str>,
    photos: Vec<Vec<u8>>,
    on_event: OnEvent,
) -> reqwest::multipart::Form {
    let draft = &report.draft;
    let mut form = reqwest::multipart::Form::new()
        .text(
            "service_code",
            draft.service_code.clone().unwrap_or_default(),
        )
        .text("description", draft.description.clone())
        .text("attribute[client_request_id]", report.summary.id.clone());
    if let Some(key) = api_key {
        form = form.text("api_key", key.to_owned());
    }
    if let Some(location) = draft.location {
        form = form
            .text("lat", format!("{:.7}", location.lat))
            .text("long", format!("{:.7}", location.lon));
    }
    if !draft.address.is_empty() {
        form = form.text("address_string", draft.address.clone());
    }
    for (code, value) in &draft.attributes {
        form = form.text(format!("attribute[{code}]"), value.clone());
    }
    if let Contact::Named { name, phone, email } = &draft.contact {
        form = form.text("first_name", name.clone());
        if !phone.is_empty() {
            form = form.text("phone", phone.clone());
        }
        if !email.is_empty() {
            form = form.text("email", email.clone());
        }
    }
    let count = photos.len();
    for (index, bytes) in photos.into_iter().enumerate() {
        let total = bytes.len() as u64;
        let pieces: Vec<Vec<u8>> = bytes.chunks(PIECE).map(<[u8]>::to_vec).collect();
        let (report_id, on_event) = (report.summary.id.clone(), on_event.clone());
        let mut sent = 0u64;
        let stream = futures_util::stream::iter(pieces.into_iter().map(move |piece| {
            sent += piece.len() as u64;
            on_event(SyncEvent::Photo(PhotoProgress {
                report_id: report_id.clone(),
                photo: u32::try_from(index + 1).unwrap_or(u32::MAX),
                photos: u32::try_from(count).unwrap_or(u32::MAX),
                bytes_sent: sent,
                bytes_total: total,
            }));
            Ok::<_, std::io::Error>(piece)
        }));
        let part =
            reqwest::multipart::Part::stream_with_length(reqwest::Body::wrap_stream(stream), total)
                .file_name(format!("photo-{}.jpg", index + 1));
        // No content type: servers (ours included) judge the bytes, and a
        // part is never dropped for a header.
        form = form.part("media", part);
    }
    form
}

impl Open311 {
    /// `GET requests.json?service_request_id=…&extensions=true`: what the server
    /// says of these requests (any it does not know are simply absent).
    pub async fn fetch(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, String> {
        let mut url = self
            .base
            .join("requests.json")
            .map_err(|err| err.to_string())?;
        url.query_pairs_mut()
            .append_pair("service_request_id", &ids.join(","))
            .append_pair("extensions", "true");
        self.get_list(url, 4 * 1024 * 1024).await
    }

    /// `GET` the body of a 2xx answer, reading at most `max` bytes.
    async fn get_capped(&self, url: url::Url, max: usize) -> Result<Vec<u8>, String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|err| err.to_string())?;
        if !response.status().is_success() {
            return Err(format!("status {}", response.status()));
        }
        read_capped_to(response, max).await
    }

    /// `GET` a JSON list of requests, reading at most `max` bytes.
    async fn get_list(&self, url: url::Url, max: usize) -> Result<Vec<serde_json::Value>, String> {
        let body = self.get_capped(url, max).await?;
        match serde_json::from_slice::<serde_json::Value>(&body).map_err(|err| err.to_string())? {
            serde_json::Value::Array(list) => Ok(list),
            _ => Err("not a list of requests".into()),
        }
    }

    /// `GET tokens/{token}.json`: the request id a token stands for, once known.
    pub async fn resolve_token(&self, token: &str) -> Result<Option<String>, String> {
        let url = self
            .base
            .join(&format!("tokens/{}.json", utf8_percent(token)))
            .map_err(|err| err.to_string())?;
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|err| err.to_string())?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = read_capped_to(response, MAX_ANSWER_BYTES).await?;
        Ok(match confirmation(&body) {
            Some(ServerRef::Id(id)) => Some(id),
            _ => None,
        })
    }
}

pub fn utf8_percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Open311 {
    /// `GET services.json` and, for each service with metadata, its
    /// definition: the categories of the report form, all or nothing.
    pub async fn categories(&self) -> Result<Vec<Category>, String> {
        /// A bound on the number of services read.
        const MAX_SERVICES: usize = 500;
        let url = self
            .base
            .join("services.json")
            .map_err(|err| err.to_string())?;
        let list = self.get_list(url, 4 * 1024 * 1024).await?;
        let mut categories = Vec::new();
        for value in list.into_iter().take(MAX_SERVICES) {
            let Ok(service) = serde_json::from_value::<Service>(value) else {
                continue;
            };
            if service.service_code.trim().is_empty() {
                continue;
            }
            let attributes = if service.metadata {
                self.definition(&service.service_code)
                    .await
                    .unwrap_or_else(|err| {
                        log::warn!("service {}: {err}", service.service_code);
                        Vec::new()
                    })
            } else {
                Vec::new()
            };
            categories.push(Category {
                service,
                attributes,
            });
        }
        Ok(categories)
    }

    async fn definition(&self, code: &str) -> Result<Vec<Attribute>, String> {
        let url = self
            .base
            .join(&format!("services/{}.json", utf8_percent(code)))
            .map_err(|err| err.to_string())?;
        let body = self.get_capped(url, 1024 * 1024).await?;
        let definition: ServiceDefinition =
            serde_json::from_slice(&body).map_err(|err| err.to_string())?;
        let mut attributes = definition.attributes;
        attributes.sort_by_key(|a| a.order);
        Ok(attributes)
    }

    /// Posts the resident's feedback on a request (proven by the report's
    /// idempotency key). Returns the request as the server now has it.
    /// The error says whether trying again later may help.
    pub async fn feedback(
        &self,
        mut url: url::Url,
        feedback: &Feedback,
    ) -> Result<serde_json::Value, (bool, String)> {
        if let Some(key) = &self.api_key {
            url.query_pairs_mut().append_pair("api_key", key);
        }
        let response = self
            .http
            .post(url)
            .json(feedback)
            .send()
            .await
            .map_err(|err| (true, err.to_string()))?;
        let status = response.status();
        let body = read_capped_to(response, 1024 * 1024)
            .await
            .map_err(|err| (true, err))?;
        if status.is_success() {
            serde_json::from_slice(&body).map_err(|err| (true, err.to_string()))
        } else {
            Err((
                status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS,
                server_reason(status, &body),
            ))
        }
    }

    /// `GET` a photo the server named for a report, at most `max` bytes.
    /// Only from the hosts of the province's APIs (`allowed`): a server's
    /// answer cannot make the device fetch from anywhere else.
    pub async fn media(
        &self,
        url: &str,
        max: usize,
        allowed: &[&url::Url],
    ) -> Result<Vec<u8>, String> {
        let url = url::Url::parse(url).map_err(|err| err.to_string())?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("not an http(s) address".into());
        }
        let same_host = |base: &&url::Url| {
            base.host_str() == url.host_str()
                && base.port_or_known_default() == url.port_or_known_default()
        };
        if !allowed.iter().any(same_host) {
            return Err(format!("{url}: not a host of the province's API"));
        }
        self.get_capped(url, max).await
    }

    /// One page of the province's open requests changed after `after` (ISO 8601).
    pub async fn open_requests(
        &self,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<serde_json::Value>, String> {
        let mut url = self
            .base
            .join("requests.json")
            .map_err(|err| err.to_string())?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("status", "open,closed")
                .append_pair("page_size", "200")
                .append_pair("page", &page.to_string());
            if let Some(after) = after {
                query.append_pair("updated_after", after);
            }
        }
        self.get_list(url, 8 * 1024 * 1024).await
    }
}

/// A public report from an Open311 answer; `None` without an id or a place.
pub fn public_report(value: &serde_json::Value) -> Option<crate::content::PublicReport> {
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
    Some(crate::content::PublicReport {
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
    let mut media_urls: Vec<String> = value["media_urls"]
        .as_array()
        .map(|list| list.iter().filter_map(text).take(20).collect())
        .unwrap_or_default();
    if media_urls.is_empty()
        && let Some(url) = text(&value["media_url"]).filter(|u| !u.is_empty())
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

async fn read_capped(response: reqwest::Response) -> Result<Vec<u8>, String> {
    read_capped_to(response, MAX_ANSWER_BYTES).await
}

async fn read_capped_to(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err("answer too long".into());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(err) => return Err(format!("answer cut short: {err}")),
        }
    }
}

/// The first `description` of an Open311 error list, or the status text.
fn server_reason(status: StatusCode, body: &[u8]) -> String {
    let described = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            let first = value
                .as_array()
                .and_then(|list| list.first())
                .cloned()
                .unwrap_or(value);
            first
                .get("description")
                .and_then(|d| d.as_str())
                .map(str::to_owned)
        });
    let reason =
        described.unwrap_or_else(|| status.canonical_reason().unwrap_or("refused").to_owned());
    reason.chars().take(500).collect()
}

/// Finds the request id or token in a 2xx answer; tolerant of the shapes real
/// servers use (a list or a single object; ids as strings or numbers).
fn confirmation(body: &[u8]) -> Option<ServerRef> {
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

async fn classify(response: reqwest::Response) -> Outcome {
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
            },
        };
    }
    let body = body.unwrap_or_default();
    if status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
        || status.is_redirection()
        || status.is_informational()
    {
        return Outcome::Transient {
            reason: format!("{}: {}", status.as_u16(), server_reason(status, &body)),
            retry_after_ms: wait,
        };
    }
    Outcome::Permanent {
        reason: server_reason(status, &body),
        status: status.as_u16(),
    }
}

/// Reads the photo files of a report (off the async threads).
pub async fn photo_bytes(photos: &PhotoDir, hashes: &[String]) -> Result<Vec<Vec<u8>>, Error> {
    let dir = photos.clone();
    let hashes = hashes.to_vec();
    tokio::task::spawn_blocking(move || {
        hashes
            .iter()
            .map(|h| dir.read(h))
            .collect::<std::io::Result<Vec<_>>>()
    })
    .await
    .map_err(|err| Error::Internal(format!("photo reader stopped: {err}")))?
    .map_err(|err| Error::Internal(format!("a photo of a queued report is missing: {err}")))
}

/// What a pull brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pulled {
    /// Reports whose status, answer or history changed.
    pub changed: Vec<String>,
    /// Some of the server could not be reached; try again later.
    pub offline: bool,
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub confirmed: u32,
    pub retrying: u32,
    pub rejected: u32,
    /// Due reports with photos kept back for Wi-Fi.
    pub held_for_wifi: u32,
}

impl Pass {
    pub fn count(&mut self, state: &OutboxState) {
        match state {
            OutboxState::Confirmed { .. } => self.confirmed += 1,
            OutboxState::Rejected { .. } => self.rejected += 1,
            _ => self.retrying += 1,
        }
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

    #[tokio::test]
    async fn photos_are_fetched_only_from_the_provinces_hosts() {
        let config = Config::resolve(std::path::PathBuf::from("/nonexistent"), |setting| {
            (setting.env == "CDS_API_URL").then(|| "http://127.0.0.1:9/".to_owned())
        })
        .unwrap();
        let open311 = Open311::new(&config).unwrap();
        let allowed = [&config.api_url, &config.open311_url];
        for elsewhere in [
            "http://169.254.169.254/latest/meta-data",
            "http://127.0.0.1:10/media/x",
            "http://evil.example/x.jpg",
            "file:///etc/passwd",
        ] {
            let err = open311.media(elsewhere, 1024, &allowed).await.unwrap_err();
            assert!(err.contains("not"), "{elsewhere}: {err}");
        }
        // The province's own host is asked (and here unreachable).
        let err = open311
            .media("http://127.0.0.1:9/media/abc", 1024, &allowed)
            .await
            .unwrap_err();
        assert!(!err.contains("not a host"), "{err}");
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
