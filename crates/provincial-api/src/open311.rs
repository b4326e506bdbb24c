//! Open311 GeoReport v2 on the wire (JSON), with this project's extensions:
//! detailed states, the public update history (`extensions=true`), several
//! media URLs, and the resident's rating.

use serde::{Deserialize, Serialize};

/// `GET services`: one service (category) residents can report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    #[serde(default)]
    pub description: String,
    /// Whether `GET services/{code}` has attribute definitions.
    pub metadata: bool,
    /// `realtime`, `batch` or `blackbox`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
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
    #[serde(default)]
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
    pub key: String,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceRequest {
    pub service_request_id: String,
    pub status: Status,
    /// Extension: the detailed state.
    pub detailed_status: DetailedStatus,
    #[serde(default)]
    pub status_notes: String,
    pub service_name: String,
    pub service_code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub agency_responsible: String,
    #[serde(default)]
    pub service_notice: String,
    /// ISO 8601 with offset.
    pub requested_datetime: String,
    pub updated_datetime: String,
    pub expected_datetime: Option<String>,
    #[serde(default)]
    pub address: String,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    /// The first photo, as the spec has one.
    pub media_url: Option<String>,
    /// Extension: every photo, the resident's first, then staff's.
    #[serde(default)]
    pub media_urls: Vec<String>,
    /// Extension: the resident's rating of a resolved request, 1–5.
    pub rating: Option<u8>,
    /// Extension (`extensions=true`): the public history, oldest first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updates: Option<Vec<Update>>,
}

/// One change of a request, as the public sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Update {
    pub updated_datetime: String,
    pub detailed_status: DetailedStatus,
    pub status: Status,
    /// The agency's public answer, or the resident's reason to reopen.
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub agency_responsible: String,
    pub media_url: Option<String>,
    pub expected_datetime: Option<String>,
    /// `staff`, `resident` or `system`.
    pub by: String,
}

/// `POST requests` answers a list of one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Created {
    pub service_request_id: Option<String>,
    pub token: Option<String>,
    #[serde(default)]
    pub service_notice: String,
    pub account_id: Option<String>,
}

/// `GET tokens/{token}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenAnswer {
    pub token: String,
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
