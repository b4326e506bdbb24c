//! Alerts and warnings (`GET /api/v1/alerts`), and the staff's new alert
//! (`POST /api/v1/staff/alerts`) and early end
//! (`POST /api/v1/staff/alerts/{id}/expire`).

use cds_domain::LocalizedText;
use serde::{Deserialize, Serialize};

/// A warning for an area and a period (flood, dam release, storm, outage,
/// road closure). Texts are plain text: a client shows them as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: String,
    /// `flood`, `dam_release`, `storm`, `outage`, `road_closure` or `other`.
    #[serde(default = "other")]
    pub kind: String,
    /// `info`, `warning` or `danger`.
    pub severity: String,
    /// Ward codes, or `*` for the whole province.
    pub areas: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub title: LocalizedText,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: LocalizedText,
    /// What to do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub instructions: Option<LocalizedText>,
    /// A guide to follow (`GET /api/v1/guides`), by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide_id: Option<String>,
    /// Whether to point residents to the flood shelters nearby.
    #[serde(default)]
    pub shelters: bool,
    pub valid_from: String,
    pub valid_until: String,
    pub updated_datetime: String,
}

fn other() -> String {
    "other".to_owned()
}

/// Staff: a new alert, or a new version of one (same `id`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewAlert {
    /// Given to replace an alert; made by the gateway otherwise.
    #[serde(default)]
    pub id: Option<String>,
    pub kind: String,
    pub severity: String,
    pub areas: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub title: LocalizedText,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: LocalizedText,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub instructions: Option<LocalizedText>,
    #[serde(default)]
    pub guide_id: Option<String>,
    #[serde(default)]
    pub shelters: bool,
    /// ISO 8601; now when left out.
    #[serde(default)]
    pub valid_from: Option<String>,
    pub valid_until: String,
}
