//! Errors as the gateway answers them: an HTTP status and an Open311 error list
//! (JSON here; `format::errors_in_format` writes it as XML on a `.xml` path).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use cds_provincial_api::ApiError;

/// A request that failed, answered as `[{"code": …, "description": …}]`.
/// A 401 carries `WWW-Authenticate: Bearer` (the staff's scheme).
#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub description: String,
    /// How long to wait: sent as `Retry-After` and as the error's
    /// `retry_after_seconds`.
    pub retry_after_seconds: Option<u64>,
}

impl ApiFailure {
    pub fn new(status: StatusCode, description: impl Into<String>) -> ApiFailure {
        ApiFailure {
            status,
            description: description.into(),
            retry_after_seconds: None,
        }
    }

    /// The same failure, telling the client to wait `seconds` before asking again.
    pub fn retry_after(self, seconds: u64) -> ApiFailure {
        ApiFailure {
            retry_after_seconds: Some(seconds),
            ..self
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            log::error!("{}: {}", self.status, self.description);
        }
        let error = ApiError {
            code: self.status.as_u16(),
            description: self.description,
            retry_after_seconds: self.retry_after_seconds,
        };
        let mut response = (self.status, Json([&error])).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"staff\""),
            );
        }
        response
            .extensions_mut()
            .insert(crate::format::Failed(error));
        response
    }
}

impl From<crate::db::DbError> for ApiFailure {
    fn from(err: crate::db::DbError) -> ApiFailure {
        // The detail goes to the log, not to the client.
        log::error!("database: {err}");
        let failure = ApiFailure::new(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable");
        if err.is_unavailable() {
            // Unreachable for now (PostgreSQL restarting, SQLite busy): the
            // client's retry will find it back.
            failure.retry_after(crate::db::RETRY_AFTER_SECONDS)
        } else {
            failure
        }
    }
}

pub async fn not_found() -> ApiFailure {
    ApiFailure::new(StatusCode::NOT_FOUND, "no such endpoint")
}

pub async fn method_not_allowed() -> ApiFailure {
    ApiFailure::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed on this endpoint",
    )
}

/// Answers 413 at once when a request declares a body larger than the gateway
/// takes, before a byte of it is read.
pub async fn reject_oversized(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > crate::MAX_BODY as u64) {
        return ApiFailure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request is larger than the {} bytes accepted",
                crate::MAX_BODY
            ),
        )
        .into_response();
    }
    next.run(request).await
}
