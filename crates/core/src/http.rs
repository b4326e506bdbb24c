//! The client of the provincial API's own JSON endpoints: bounded in time and size,
//! tolerant of whatever comes back.

use cds_provincial_api::{CATALOGUE_PATH, etag_header};
use reqwest::{StatusCode, header};
use url::Url;

use crate::{Config, Error};

/// What a conditional fetch brought back.
#[derive(Debug)]
pub enum Fetched {
    /// 304: what the device has is current.
    NotModified,
    /// A body (at most the caller's cap) and its ETag, if any.
    Body {
        bytes: Vec<u8>,
        etag: Option<String>,
    },
}

/// Why a fetch did not bring a usable answer.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// No answer at all: no network, refused, reset, timed out.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// An answer that cannot be used: a status we do not accept, or too large.
    #[error("bad answer: {0}")]
    BadAnswer(String),
    /// 404: the server does not have it (a dossier with that code and number).
    #[error("not found")]
    NotFound,
    /// 429: too many attempts; try again after this many seconds.
    #[error("too many requests: wait {wait_seconds} s")]
    TooManyRequests { wait_seconds: u64 },
}

pub struct ApiClient {
    http: reqwest::Client,
    api_url: Url,
}

impl ApiClient {
    pub fn new(config: &Config) -> Result<ApiClient, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("cong-dan-so/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| Error::Internal(format!("HTTP client: {err}")))?;
        Ok(ApiClient {
            http,
            api_url: config.api_url.clone(),
        })
    }

    /// `GET` the catalogue, conditional on `etag`, reading at most `max_bytes`.
    pub async fn catalogue(
        &self,
        etag: Option<&str>,
        max_bytes: usize,
    ) -> Result<Fetched, FetchError> {
        let url = self
            .api_url
            .join(CATALOGUE_PATH)
            .map_err(|err| FetchError::BadAnswer(err.to_string()))?;
        self.get_conditional(url, etag, max_bytes).await
    }

    /// `GET` one of our own JSON endpoints (a path under the API root),
    /// conditional on `etag`, reading at most `max_bytes`.
    pub async fn get(
        &self,
        path: &str,
        etag: Option<&str>,
        max_bytes: usize,
    ) -> Result<Fetched, FetchError> {
        let url = self
            .api_url
            .join(path)
            .map_err(|err| FetchError::BadAnswer(err.to_string()))?;
        self.get_conditional(url, etag, max_bytes).await
    }

    async fn get_conditional(
        &self,
        url: Url,
        etag: Option<&str>,
        max_bytes: usize,
    ) -> Result<Fetched, FetchError> {
        let mut request = self
            .http
            .get(url)
            .header(header::ACCEPT, "application/json");
        if let Some(etag) = etag {
            request = request.header(header::IF_NONE_MATCH, etag_header(etag));
        }
        let mut response = request.send().await.map_err(unreachable)?;
        match response.status() {
            StatusCode::NOT_MODIFIED => return Ok(Fetched::NotModified),
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Err(FetchError::NotFound),
            StatusCode::TOO_MANY_REQUESTS => {
                let wait_seconds = response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(60)
                    .min(24 * 3600);
                return Err(FetchError::TooManyRequests { wait_seconds });
            }
            other => return Err(FetchError::BadAnswer(format!("status {other}"))),
        }
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim_start_matches("W/").trim_matches('"').to_owned())
            .filter(|value| !value.is_empty() && value.len() <= 256);
        if response
            .content_length()
            .is_some_and(|length| length > max_bytes as u64)
        {
            return Err(FetchError::BadAnswer(format!(
                "body of {} bytes is over the {max_bytes} allowed",
                response.content_length().unwrap_or_default()
            )));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
            if bytes.len() + chunk.len() > max_bytes {
                return Err(FetchError::BadAnswer(format!(
                    "body is over the {max_bytes} bytes allowed"
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Body { bytes, etag })
    }
}

/// The answer to a [`ApiClient::send_json`]: its status, `Retry-After` in
/// milliseconds if it said one, and its body (at most the caller's cap).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub retry_after_ms: Option<i64>,
    pub body: Vec<u8>,
}

/// Why a send brought no answer at all.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Nothing reached the server (no connection could be made).
    #[error("not sent: {0}")]
    NotSent(String),
    /// The request went out; the answer was lost, cut or too large.
    #[error("no usable answer: {0}")]
    InDoubt(String),
}

impl ApiClient {
    /// `POST` (or `GET` without a body) one of our own JSON endpoints with a
    /// bearer credential and, for a post, an idempotency key.
    pub async fn send_json(
        &self,
        path: &str,
        bearer: &str,
        post: Option<(&str, Vec<u8>)>,
        max_bytes: usize,
    ) -> Result<Answer, SendError> {
        let url = self
            .api_url
            .join(path)
            .map_err(|err| SendError::NotSent(err.to_string()))?;
        let mut request = match post {
            Some((key, body)) => self
                .http
                .post(url)
                .header("Idempotency-Key", key)
                .header(header::CONTENT_TYPE, "application/json")
                .body(body),
            None => self.http.get(url),
        }
        .header(header::ACCEPT, "application/json");
        if !bearer.is_empty() {
            request = request.bearer_auth(bearer);
        }
        let mut response = request.send().await.map_err(|err| {
            if err.is_connect() {
                SendError::NotSent(err.to_string())
            } else {
                SendError::InDoubt(err.to_string())
            }
        })?;
        let retry_after_ms = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok())
            .map(|seconds| seconds.saturating_mul(1000));
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| SendError::InDoubt(err.to_string()))?
        {
            if body.len() + chunk.len() > max_bytes {
                return Err(SendError::InDoubt(format!(
                    "answer over the {max_bytes} bytes allowed"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            retry_after_ms,
            body,
        })
    }
}

/// The reason a JSON error answer gives (Open311's `[{code, description}]`),
/// or its status.
pub fn reason(answer: &Answer) -> String {
    serde_json::from_slice::<Vec<cds_provincial_api::ApiError>>(&answer.body)
        .ok()
        .and_then(|errors| errors.into_iter().next())
        .map(|error| error.description)
        .filter(|d| !d.trim().is_empty())
        .map_or_else(
            || format!("status {}", answer.status),
            |d| d.chars().take(300).collect(),
        )
}

fn unreachable(err: reqwest::Error) -> FetchError {
    FetchError::Unreachable(err.to_string())
}
