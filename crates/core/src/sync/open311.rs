//! The Open311 client of the engine: `POST requests` with the form and
//! streamed photos (progress per piece), `GET requests`, tokens, services and
//! their definitions, resident feedback and the agency's photos.

use cds_domain::{
    outbox::{Cause, ServerRef},
    report::{Contact, ReportDetail},
    sync::{PhotoProgress, SyncEvent},
};
use cds_provincial_api::open311::{Attribute, Category, Feedback, Service, ServiceDefinition};
use reqwest::{StatusCode, header};

use super::{
    OnEvent,
    answers::{
        MAX_ANSWER_BYTES, Outcome, ReadError, classify, confirmation, confirmation_of, is_report,
        read_capped_to, request_id, server_reason,
    },
};
use crate::{Config, Error, config::Idempotency};

/// Photo bytes are handed to the connection in pieces of this size.
const PIECE: usize = 32 * 1024;

/// The Open311 client of the outbox.
pub struct Open311 {
    http: reqwest::Client,
    base: url::Url,
    api_key: Option<String>,
    /// Whether the server answers a repeated key with the original request:
    /// configured, or learned from its discovery document once it answered.
    idempotency: Idempotency,
    learned: std::sync::Mutex<Option<bool>>,
}

/// Why a `GET` of the Open311 API brought nothing usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GetError {
    /// The network: no connection, a timeout, an answer cut short. Only this
    /// means "offline".
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The server answered with this status and these words.
    #[error("status {status}: {reason}")]
    Status { status: u16, reason: String },
    /// The server answered 2xx with something else than what was asked.
    #[error("{0}")]
    Unusable(String),
}

impl GetError {
    pub fn is_offline(&self) -> bool {
        matches!(self, GetError::Unreachable(_))
    }
}

impl From<ReadError> for GetError {
    fn from(err: ReadError) -> GetError {
        match err {
            ReadError::Cut(_) => GetError::Unreachable(err.to_string()),
            ReadError::TooLong => GetError::Unusable(err.to_string()),
        }
    }
}

/// How far around a report's submission its in-doubt copy is looked for
/// (clocks of phones and servers differ; a queue may hold it a while).
const LOOKUP_SLACK_MS: i64 = 2 * 86_400_000;
/// Pages of `GET requests` read at most when looking for one report.
const LOOKUP_PAGES: u32 = 20;

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
            idempotency: config.open311_idempotency,
            learned: std::sync::Mutex::new(None),
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
                // Only a connection never made proves the server has nothing.
                cause: if err.is_connect() {
                    Cause::NotSent
                } else {
                    Cause::InDoubt
                },
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
        .text(
            "description",
            cds_domain::report::description_for_server(&draft.description, &report.summary.receipt),
        )
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
        // The spec's name, and the one some servers read instead.
        form = form
            .text("address_string", draft.address.clone())
            .text("address", draft.address.clone());
    }
    for (code, value) in &draft.attributes {
        form = form.text(format!("attribute[{code}]"), value.clone());
    }
    if let Some(team) = &draft.assisted_by {
        form = form.text("account_id", format!("team:{team}"));
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
    pub async fn fetch(&self, ids: &[String]) -> Result<Vec<serde_json::Value>, GetError> {
        let mut url = self.url("requests.json")?;
        url.query_pairs_mut()
            .append_pair("service_request_id", &ids.join(","))
            .append_pair("extensions", "true");
        self.get_list(url, 4 * 1024 * 1024).await
    }

    fn url(&self, path: &str) -> Result<url::Url, GetError> {
        self.base
            .join(path)
            .map_err(|err| GetError::Unusable(format!("Open311 address: {err}")))
    }

    /// `GET` the body of a 2xx answer, reading at most `max` bytes.
    async fn get_capped(&self, url: url::Url, max: usize) -> Result<Vec<u8>, GetError> {
        let response = self
            .http
            .get(url)
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| GetError::Unreachable(err.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            let body = read_capped_to(response, MAX_ANSWER_BYTES)
                .await
                .unwrap_or_default();
            return Err(GetError::Status {
                status: status.as_u16(),
                reason: server_reason(status, &body),
            });
        }
        Ok(read_capped_to(response, max).await?)
    }

    /// `GET` a JSON list of requests, reading at most `max` bytes.
    async fn get_list(
        &self,
        url: url::Url,
        max: usize,
    ) -> Result<Vec<serde_json::Value>, GetError> {
        let body = self.get_capped(url, max).await?;
        match serde_json::from_slice::<serde_json::Value>(&body)
            .map_err(|err| GetError::Unusable(format!("not JSON: {err}")))?
        {
            serde_json::Value::Array(list) => Ok(list),
            _ => Err(GetError::Unusable("not a list of requests".into())),
        }
    }

    /// Whether the server answers a repeated `Idempotency-Key` with the
    /// original request: as configured, else as its discovery document says
    /// (asked once it answers; until then, and when it does not say, no).
    pub async fn honours_keys(&self) -> bool {
        match self.idempotency {
            Idempotency::Honoured => return true,
            Idempotency::Ignored => return false,
            Idempotency::Auto => {}
        }
        if let Some(known) = *self
            .learned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            return known;
        }
        let Ok(url) = self.url("discovery.json") else {
            return false;
        };
        let said = match self.get_capped(url, MAX_ANSWER_BYTES).await {
            Ok(body) => serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .is_some_and(|value| value["idempotency_keys"] == serde_json::Value::Bool(true)),
            // No discovery document is an answer too: the server does not say.
            Err(GetError::Status { .. } | GetError::Unusable(_)) => false,
            Err(GetError::Unreachable(reason)) => {
                log::info!("discovery: {reason}");
                return false;
            }
        };
        *self
            .learned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(said);
        said
    }

    /// Looks for a report an earlier send may have left at the server (its
    /// answer was lost): `GET requests` of its category around the time it was
    /// submitted, matched by the receipt line of its description or by its
    /// `client_request_id` attribute. `Ok(None)`: the server does not have it.
    pub async fn find(&self, report: &ReportDetail) -> Result<Option<ServerRef>, GetError> {
        let submitted = report.summary.submitted_at_ms;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(submitted, |d| {
                i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
            });
        let mut first_ids: Vec<String> = Vec::new();
        for page in 1..=LOOKUP_PAGES {
            let mut url = self.url("requests.json")?;
            {
                let mut query = url.query_pairs_mut();
                if let Some(code) = &report.draft.service_code {
                    query.append_pair("service_code", code);
                }
                query
                    .append_pair(
                        "start_date",
                        &cds_domain::time::iso(submitted.saturating_sub(LOOKUP_SLACK_MS)),
                    )
                    .append_pair(
                        "end_date",
                        &cds_domain::time::iso(now.max(submitted).saturating_add(LOOKUP_SLACK_MS)),
                    )
                    .append_pair("extensions", "true")
                    .append_pair("page_size", "200")
                    .append_pair("page", &page.to_string());
            }
            let list = match self.get_list(url, 8 * 1024 * 1024).await {
                Ok(list) => list,
                // Past the last page, some servers answer 404.
                Err(GetError::Status { status: 404, .. }) if page > 1 => return Ok(None),
                Err(err) => return Err(err),
            };
            if let Some(found) = list.iter().find(|request| is_report(request, report)) {
                return Ok(confirmation_of(found));
            }
            // The end of the list, or a server that ignores `page` and
            // answers the same requests again.
            let ids: Vec<String> = list.iter().filter_map(request_id).collect();
            if ids.is_empty() || ids.iter().all(|id| first_ids.contains(id)) {
                return Ok(None);
            }
            first_ids.extend(ids);
        }
        Ok(None)
    }

    /// `GET tokens/{token}.json`: the request id a token stands for, once known.
    pub async fn resolve_token(&self, token: &str) -> Result<Option<String>, GetError> {
        let url = self.url(&format!("tokens/{}.json", utf8_percent(token)))?;
        let body = match self.get_capped(url, MAX_ANSWER_BYTES).await {
            Ok(body) => body,
            Err(GetError::Status { status: 404, .. }) => return Ok(None),
            Err(err) => return Err(err),
        };
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
    pub async fn categories(&self) -> Result<Vec<Category>, GetError> {
        /// A bound on the number of services read.
        const MAX_SERVICES: usize = 500;
        let url = self.url("services.json")?;
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

    async fn definition(&self, code: &str) -> Result<Vec<Attribute>, GetError> {
        let url = self.url(&format!("services/{}.json", utf8_percent(code)))?;
        let body = self.get_capped(url, 1024 * 1024).await?;
        let definition: ServiceDefinition = serde_json::from_slice(&body)
            .map_err(|err| GetError::Unusable(format!("service definition: {err}")))?;
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
            .map_err(|err| (true, err.to_string()))?;
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
        self.get_capped(url, max)
            .await
            .map_err(|err| err.to_string())
    }

    /// One page of the province's open requests changed after `after` (ISO 8601).
    pub async fn open_requests(
        &self,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<serde_json::Value>, GetError> {
        let mut url = self.url("requests.json")?;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
