//! Our own JSON endpoints besides Open311: dossiers, alerts, articles and guides,
//! and the community-team help log.

use cds_domain::LocalizedText;
use serde::{Deserialize, Serialize};

/// `GET /api/v1/dossiers/{code}?phone_last4=NNNN`: an administrative dossier
/// (hồ sơ thủ tục hành chính), found by its code and a second factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dossier {
    pub code: String,
    pub procedure: String,
    pub agency: String,
    /// ISO 8601 dates.
    pub received_date: String,
    pub due_date: String,
    pub finished_date: Option<String>,
    /// `received`, `processing`, `supplement_requested`, `done`, `returned`.
    pub status: String,
    pub steps: Vec<DossierStep>,
    /// Finished by the due date, or not yet late.
    pub on_time: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierStep {
    pub name: String,
    pub unit: String,
    pub started_date: String,
    pub finished_date: Option<String>,
}

/// A warning for an area and a period (flood, dam release, storm).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: String,
    /// `info`, `warning` or `danger`.
    pub severity: String,
    /// Ward codes, or `*` for the whole province.
    pub areas: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub title: LocalizedText,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: LocalizedText,
    pub valid_from: String,
    pub valid_until: String,
    pub updated_datetime: String,
}

/// An article (news, scam warning) or a step-by-step guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: String,
    /// `article` or `guide`.
    pub kind: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub title: LocalizedText,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: LocalizedText,
    /// For guides: the steps, in order.
    #[serde(default)]
    pub steps: Vec<GuideStep>,
    pub updated_datetime: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuideStep {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub text: LocalizedText,
    /// URL of an illustration served by the gateway, if any.
    pub image_url: Option<String>,
}

/// `POST /api/v1/help-log`: a community digital technology team records help given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HelpLogEntry {
    /// Made on the volunteer's device; a resend with the same id is not a new entry.
    pub client_id: String,
    pub team: String,
    /// Ward code where the help was given.
    pub ward: String,
    /// What was done, e.g. `vneid_install`, `bill_payment`, `dossier_submit`, `field_report`.
    pub service: String,
    pub helped_at: String,
    #[serde(default)]
    pub note: String,
}
