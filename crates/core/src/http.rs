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

fn unreachable(err: reqwest::Error) -> FetchError {
    FetchError::Unreachable(err.to_string())
}
