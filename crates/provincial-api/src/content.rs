//! Our own JSON endpoints besides Open311: dossiers, alerts, articles and
//! guides (community teams are in `teams`).

use cds_domain::LocalizedText;
use serde::{Deserialize, Serialize};

pub use crate::alerts::Alert;

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
    /// `ward` or `province`: the level of the agency handling it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub level: String,
    /// The procedure in the catalogue (`GET /api/v1/procedures`), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure_id: Option<String>,
    /// What the agency says to the resident (e.g. which documents to add
    /// when `status` is `supplement_requested`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the dossier last changed (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_datetime: Option<String>,
}

/// Staff: one change of a dossier (`POST /api/v1/staff/dossiers/{code}`):
/// a new status, and optionally the step that starts now and a note to the
/// resident. Each change is a row of the dossier's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierUpdate {
    /// `received`, `processing`, `supplement_requested`, `done`, `returned`.
    pub status: String,
    /// The step that starts with this change (the previous one is finished).
    #[serde(default)]
    pub step: Option<NewDossierStep>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDossierStep {
    pub name: String,
    pub unit: String,
}

/// `GET /api/v1/procedures`: one administrative procedure (thủ tục hành
/// chính) of the province or a ward, as the public-service portal lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Procedure {
    /// The national procedure code (e.g. `1.001193`) or the province's own.
    pub id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub name: LocalizedText,
    /// The field (lĩnh vực): civil status, certification, land, construction, …
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub field: LocalizedText,
    /// `ward` or `province`.
    pub level: String,
    /// The agency that decides.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub agency: LocalizedText,
    /// Where to submit (the one-stop office, by post, online).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub where_to_submit: LocalizedText,
    /// The documents to bring, one per line.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub documents: Vec<LocalizedText>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fee: LocalizedText,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub processing_time: LocalizedText,
    /// Working days, where the law fixes them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_days: Option<u32>,
    /// The page to submit online on the national public-service portal
    /// (`https` only); opened in the system browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_url: Option<String>,
    pub updated_datetime: String,
}

/// `GET /api/v1/dossier-stats`: dossiers resolved on time over the last 12
/// months, per agency, computed by the gateway from its dossiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierStats {
    /// The period counted (ISO 8601 dates), by the date a dossier was finished.
    pub from_date: String,
    pub to_date: String,
    pub agencies: Vec<AgencyOnTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyOnTime {
    pub agency: String,
    /// `ward` or `province`.
    pub level: String,
    /// Finished in the period, and of those finished by their due date.
    pub resolved: u32,
    pub resolved_on_time: u32,
    /// Not finished now, and of those already past their due date.
    pub pending: u32,
    pub pending_overdue: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DossierStep {
    pub name: String,
    pub unit: String,
    pub started_date: String,
    pub finished_date: Option<String>,
}

/// An article (news, a scam warning, a digital-skills lesson) or a
/// step-by-step guide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: String,
    /// `article` or `guide`.
    pub kind: String,
    /// Articles: `news`, `scam` or `skills`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub topic: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub title: LocalizedText,
    /// One sentence for lists.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub summary: LocalizedText,
    /// Plain text; paragraphs separated by a blank line.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub body: LocalizedText,
    /// The day it was published (ISO 8601 date).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub published: String,
    /// Articles: a guide that shows how to act on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guide: Option<String>,
    /// Guides: the task an assisted session records (e.g. `vneid_level2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Guides: what to have at hand.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub needs: LocalizedText,
    /// The field it belongs to (`health`, `education`, `tourism`,
    /// `transport`, `services`, …), shown beside that field's places.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
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
    /// What the illustration shows (its text alternative).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub caption: LocalizedText,
    /// URL of an illustration served by the gateway, if any.
    pub image_url: Option<String>,
}
