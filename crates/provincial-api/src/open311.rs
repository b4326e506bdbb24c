//! Open311 GeoReport v2 on the wire (JSON), with this project's extensions:
//! detailed states, the public update history (`extensions=true`), several
//! media URLs, and the resident's rating.

use serde::{Deserialize, Deserializer, Serialize};

/// Reads a text field tolerantly, as real servers send it: a string, a
/// number (`"key": 123`), or `null` (read as empty).
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        String(String),
        Integer(i64),
        Float(f64),
        Bool(bool),
    }
    Ok(match Option::<Text>::deserialize(deserializer)? {
        None => String::new(),
        Some(Text::String(text)) => text,
        Some(Text::Integer(n)) => n.to_string(),
        Some(Text::Float(n)) => n.to_string(),
        Some(Text::Bool(b)) => b.to_string(),
    })
}

/// `GET services`: one service (category) residents can report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    /// Whether `GET services/{code}` has attribute definitions.
    pub metadata: bool,
    /// `realtime`, `batch` or `blackbox`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "text")]
    pub keywords: String,
    #[serde(default, deserialize_with = "text")]
    pub group: String,
}

/// A service with its extra questions (empty when it has none), as the app
/// keeps it for the category picker and the report form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    #[serde(flatten)]
    pub service: Service,
    #[serde(default)]
    pub attributes: Vec<Attribute>,
}

/// `GET services/{code}`: the extra questions of a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceDefinition {
    pub service_code: String,
    pub attributes: Vec<Attribute>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attribute {
    /// `false` for information only (no answer expected).
    pub variable: bool,
    pub code: String,
    pub datatype: Datatype,
    pub required: bool,
    #[serde(default, deserialize_with = "text")]
    pub datatype_description: String,
    pub order: u32,
    pub description: String,
    #[serde(default)]
    pub values: Vec<AttributeValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    Singlevaluelist,
    Multivaluelist,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributeValue {
    #[serde(deserialize_with = "text")]
    pub key: String,
    #[serde(deserialize_with = "text")]
    pub name: String,
}

/// The detailed states of a request (an extension); each maps to `open` or `closed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DetailedStatus {
    Received,
    Assigned,
    InProgress,
    Resolved,
    Rejected,
    Duplicate,
    Reopened,
}

impl DetailedStatus {
    pub const ALL: [DetailedStatus; 7] = [
        DetailedStatus::Received,
        DetailedStatus::Assigned,
        DetailedStatus::InProgress,
        DetailedStatus::Resolved,
        DetailedStatus::Rejected,
        DetailedStatus::Duplicate,
        DetailedStatus::Reopened,
    ];

    /// The Open311 status: `open` or `closed`.
    pub fn status(self) -> Status {
        match self {
            DetailedStatus::Resolved | DetailedStatus::Rejected | DetailedStatus::Duplicate => {
                Status::Closed
            }
            _ => Status::Open,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DetailedStatus::Received => "received",
            DetailedStatus::Assigned => "assigned",
            DetailedStatus::InProgress => "in_progress",
            DetailedStatus::Resolved => "resolved",
            DetailedStatus::Rejected => "rejected",
            DetailedStatus::Duplicate => "duplicate",
            DetailedStatus::Reopened => "reopened",
        }
    }

    pub fn parse(text: &str) -> Option<DetailedStatus> {
        DetailedStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Closed,
}

/// `GET requests` and `GET requests/{id}`: one service request.
///
/// A field the spec says "may not be returned" is left out when it has no
/// value (never sent as `null`), and read as absent when a server sends `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceRequest {
    pub service_request_id: String,
    pub status: Status,
    /// Extension: the detailed state.
    pub detailed_status: DetailedStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_notes: Option<String>,
    pub service_name: String,
    pub service_code: String,
    #[serde(default, deserialize_with = "text")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agency_responsible: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_notice: Option<String>,
    /// ISO 8601 with offset.
    pub requested_datetime: String,
    pub updated_datetime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_datetime: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    /// Absent for a request located by its address only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long: Option<f64>,
    /// The first photo, as the spec has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    /// Extension: every photo, the resident's first, then staff's.
    #[serde(default)]
    pub media_urls: Vec<String>,
    /// Extension: the resident's rating of a resolved request, 1–5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
    /// Extension (`extensions=true`): the answers to the service's attributes,
    /// code → value (a list for a `multivaluelist`). `client_request_id` is
    /// among them only when the server did not take it as an idempotency key
    /// (a key is the resident's proof, never shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<std::collections::BTreeMap<String, AttributeAnswer>>,
    /// Extension (`extensions=true`): the public history, oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updates: Option<Vec<Update>>,
}

/// One attribute's answer in a request: one value, or several for a
/// `multivaluelist`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum AttributeAnswer {
    One(String),
    Many(Vec<String>),
}

/// One change of a request, as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Update {
    pub updated_datetime: String,
    pub detailed_status: DetailedStatus,
    pub status: Status,
    /// The agency's public answer, or the resident's reason to reopen.
    #[serde(default, deserialize_with = "text")]
    pub note: String,
    #[serde(default, deserialize_with = "text")]
    pub agency_responsible: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_datetime: Option<String>,
    /// `staff`, `resident` or `system`.
    pub by: String,
}

/// `POST requests` answers a list of one of these: the request's id, or a
/// token when the server cannot give the id at once (never both, as the spec
/// says); the optional fields are left out when they have no value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_notice: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// `GET tokens/{token}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenAnswer {
    pub token: String,
    /// Absent while the server has not made the request yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_request_id: Option<String>,
}

/// `GET discovery`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Discovery {
    pub changeset: String,
    pub contact: String,
    pub key_service: String,
    pub endpoints: Vec<Endpoint>,
    /// Our extension: the server answers a repeated `POST requests` with the
    /// same `Idempotency-Key` header with the original request, never storing
    /// it twice. Absent (false) on servers that do not say so, whose clients
    /// must look for an in-doubt report before sending it again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub idempotency_keys: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Endpoint {
    pub specification: String,
    pub url: String,
    pub changeset: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub formats: Vec<String>,
}

/// Staff: one change of a request (`POST /api/v1/staff/requests/{id}/updates`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffUpdate {
    pub detailed_status: DetailedStatus,
    /// The public answer (required when rejecting: the reason).
    #[serde(default)]
    pub note: String,
    /// The agency now responsible.
    pub agency: Option<String>,
    /// ISO 8601 date or date-time the fix is expected.
    pub expected_datetime: Option<String>,
    /// For `duplicate`: the request this one duplicates.
    pub duplicate_of: Option<String>,
}

/// Resident: feedback on their own request (`POST /api/v1/requests/{id}/feedback`),
/// proven by the idempotency key they sent it with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feedback {
    pub client_request_id: String,
    #[serde(flatten)]
    pub action: FeedbackAction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FeedbackAction {
    /// Rate a resolved request, 1–5, optionally confirming it is fixed.
    Rate { rating: u8, fixed: bool },
    /// Not fixed: open it again, saying why.
    Reopen { reason: String },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_specs_own_json_examples() {
        // GeoReport v2, "GET Service Definition", JSON example.
        let definition: ServiceDefinition = serde_json::from_str(
            r#"{"service_code":"DMV66","attributes":[{"variable":true,"code":"WHISHETN",
                "datatype":"singlevaluelist","required":true,"datatype_description":null,
                "order":1,"description":"What is the ticket/tag/DL number?",
                "values":[{"key":123,"name":"Ford"},{"key":124,"name":"Chrysler"}]}]}"#,
        )
        .unwrap();
        assert_eq!(definition.attributes[0].datatype_description, "");
        assert_eq!(definition.attributes[0].values[1].key, "124");
        let created: Vec<Created> = serde_json::from_str(
            r#"[{"service_request_id":"293944","service_notice":"The City will inspect","account_id":null}]"#,
        )
        .unwrap();
        assert_eq!(created[0].account_id, None);
        assert_eq!(created[0].token, None);
    }

    #[test]
    fn fields_without_a_value_are_left_out() {
        let request = ServiceRequest {
            service_request_id: "1".into(),
            status: Status::Open,
            detailed_status: DetailedStatus::Received,
            status_notes: None,
            service_name: "Ổ gà".into(),
            service_code: "pothole".into(),
            description: String::new(),
            agency_responsible: None,
            service_notice: None,
            requested_datetime: "2026-11-21T08:33:11Z".into(),
            updated_datetime: "2026-11-21T08:33:11Z".into(),
            expected_datetime: None,
            address: "12 Lê Lợi".into(),
            address_id: None,
            lat: None,
            long: None,
            media_url: None,
            media_urls: Vec::new(),
            rating: None,
            attributes: None,
            updates: None,
        };
        let json = serde_json::to_string(&request).unwrap();
        assert!(!json.contains("null"), "{json}");
        for absent in [
            "status_notes",
            "agency_responsible",
            "expected_datetime",
            "media_url\"",
        ] {
            assert!(!json.contains(absent), "{absent} in {json}");
        }
        let back: ServiceRequest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, request);
        let created = Created {
            service_request_id: Some("1".into()),
            token: None,
            service_notice: None,
            account_id: None,
        };
        assert_eq!(
            serde_json::to_string(&created).unwrap(),
            r#"{"service_request_id":"1"}"#
        );
    }
}
