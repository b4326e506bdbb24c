//! The provincial API on the wire: paths, bodies and error format, shared by the
//! app's sync client (`cds-core`) and the reference gateway (`cds-gateway`).
//!
//! Architecture Invariant: no IO and no HTTP library here; both sides bring their own.

pub mod alerts;
pub mod content;
pub mod open311;
pub mod places;
pub mod products;
pub mod teams;

use serde::{Deserialize, Serialize};

pub use cds_domain::Catalogue;

/// Our own JSON endpoints live under this versioned prefix.
pub const API_PREFIX: &str = "api/v1";
/// `GET`: liveness of the gateway and its database.
pub const HEALTH_PATH: &str = "health";
/// `GET`: the province's [`Catalogue`], with `ETag`; `If-None-Match` gives 304.
pub const CATALOGUE_PATH: &str = "api/v1/catalogue";
/// Open311 GeoReport v2 lives under this path of the gateway by default.
pub const OPEN311_PREFIX: &str = "open311/v2";
/// The API key the demo seed registers for the app.
pub const DEMO_API_KEY: &str = "cds-demo-key";

/// Body of `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// One error as Open311 reports it; an error body is a JSON array of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: u16,
    pub description: String,
    /// Our extension on a 429: how many seconds to wait before asking again
    /// (the same as the `Retry-After` header); left out otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
}

/// Formats an `ETag` header value for an opaque tag (a strong validator).
pub fn etag_header(tag: &str) -> String {
    format!("\"{tag}\"")
}

/// Whether an `If-None-Match` header value matches `tag` (`*`, lists and weak
/// validators included, as RFC 9110 §13.1.2 compares them weakly).
pub fn if_none_match_matches(header: &str, tag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.trim_start_matches("W/").trim_matches('"') == tag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly() {
        assert!(if_none_match_matches("\"abc\"", "abc"));
        assert!(if_none_match_matches("W/\"abc\"", "abc"));
        assert!(if_none_match_matches("\"x\", \"abc\"", "abc"));
        assert!(if_none_match_matches("*", "abc"));
        assert!(!if_none_match_matches("\"abcd\"", "abc"));
        assert!(!if_none_match_matches("", "abc"));
        assert_eq!(etag_header("abc"), "\"abc\"");
    }

    #[test]
    fn error_body_is_an_open311_list() {
        let body = vec![ApiError {
            code: 404,
            description: "not found".into(),
            retry_after_seconds: None,
        }];
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"[{"code":404,"description":"not found"}]"#
        );
        let wait = ApiError {
            code: 429,
            description: "too many".into(),
            retry_after_seconds: Some(60),
        };
        assert_eq!(
            serde_json::to_string(&[wait]).unwrap(),
            r#"[{"code":429,"description":"too many","retry_after_seconds":60}]"#
        );
    }
}
