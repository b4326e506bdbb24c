//! Open311's two formats: the path's extension (`.xml`, `.json`; none is
//! JSON) chooses how an answer, and an error, is written.

use axum::{
    Json,
    body::Body,
    extract::{FromRequestParts, Request},
    http::{HeaderValue, StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use cds_provincial_api::ApiError;

use crate::xml::{self, List, ToXml};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl Format {
    /// The format an Open311 path asks for: `.xml` is XML, anything else JSON.
    pub fn of_path(path: &str) -> Format {
        if path.starts_with("/open311/") && path.ends_with(".xml") {
            Format::Xml
        } else {
            Format::Json
        }
    }

    /// `value` in this format, with `status`.
    pub fn answer<T: serde::Serialize + ToXml>(self, status: StatusCode, value: &T) -> Response {
        match self {
            Format::Json => (status, Json(value)).into_response(),
            Format::Xml => (
                status,
                [(header::CONTENT_TYPE, xml::CONTENT_TYPE)],
                xml::document(value),
            )
                .into_response(),
        }
    }
}

/// The format of the request's path; never refuses.
impl<S: Send + Sync> FromRequestParts<S> for Format {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Format, Self::Rejection> {
        Ok(Format::of_path(parts.uri.path()))
    }
}

/// The Open311 error list an answer carries, put beside it by
/// [`crate::ApiFailure`] so that [`errors_in_format`] can write it again.
#[derive(Debug, Clone)]
pub struct Failed(pub ApiError);

/// On a `.xml` path, writes every error as `<errors><error>…` — whoever made
/// it: a handler, the form reader, the body limit, the router's fallbacks.
pub async fn errors_in_format(request: Request, next: Next) -> Response {
    let format = Format::of_path(request.uri().path());
    let response = next.run(request).await;
    if format == Format::Json {
        return response;
    }
    let Some(Failed(error)) = response.extensions().get::<Failed>().cloned() else {
        return response;
    };
    let (mut parts, _json) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(xml::CONTENT_TYPE),
    );
    let body = xml::document(&List {
        root: "errors",
        items: vec![error],
    });
    Response::from_parts(parts, Body::from(body))
}

/// A path's extension, for the OpenAPI document (`/open311/v2/services.{format}`).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Extension {
    Json,
    Xml,
}
