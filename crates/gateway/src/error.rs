//! Errors as the gateway answers them: an HTTP status and an Open311 error list.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use cds_provincial_api::ApiError;

/// A request that failed, answered as `[{"code": …, "description": …}]`.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: StatusCode,
    pub description: String,
}

impl ApiFailure {
    pub fn new(status: StatusCode, description: impl Into<String>) -> ApiFailure {
        ApiFailure {
            status,
            description: description.into(),
        }
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            log::error!("{}: {}", self.status, self.description);
        }
        let body = vec![ApiError {
            code: self.status.as_u16(),
            description: self.description,
        }];
        (self.status, Json(body)).into_response()
    }
}

impl From<crate::db::DbError> for ApiFailure {
    fn from(err: crate::db::DbError) -> ApiFailure {
        // The detail goes to the log, not to the client.
        log::error!("database: {err}");
        ApiFailure::new(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable")
    }
}

pub async fn not_found() -> ApiFailure {
    ApiFailure::new(StatusCode::NOT_FOUND, "no such endpoint")
}
