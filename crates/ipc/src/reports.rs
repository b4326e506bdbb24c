//! Field reports: categories, drafts and their photos, submitting, my reports
//! and what the resident does with them.

use serde::{Deserialize, Serialize};

use crate::{
    ById, Category, Command, Cursor, Empty, FeedbackAction, OutboxState, PhotoAdded, Receipt,
    ReportDetail, ReportDraft, ReportPage, StoredDraft,
};

/// The header naming the draft a raw photo upload ([`AddPhoto`]) is for.
pub const DRAFT_ID_HEADER: &str = "cds-draft-id";

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[
    LoadCategories::NAME,
    LoadDrafts::NAME,
    SaveDraft::NAME,
    DeleteDraft::NAME,
    AddPhoto::NAME,
    DetachPhoto::NAME,
    Submit::NAME,
    LoadReports::NAME,
    LoadReport::NAME,
    CancelReport::NAME,
    RetryReport::NAME,
    EditRejected::NAME,
    SendFeedback::NAME,
];

command!(
    /// The report categories (Open311 services with their questions).
    LoadCategories, "load_categories", Empty, Vec<Category>
);

command!(LoadDrafts, "load_drafts", Empty, Vec<StoredDraft>);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SaveDraftRequest {
    /// `None` starts a new draft.
    pub id: Option<String>,
    pub draft: ReportDraft,
}
command!(
    /// Saves a draft as it is (incomplete is fine; broken is refused).
    SaveDraft, "save_draft", SaveDraftRequest, StoredDraft
);
command!(DeleteDraft, "delete_draft", ById, Empty);

command!(
    /// Adds a photo to a draft. The only command with a raw body: the file's
    /// bytes, with the draft id in the [`DRAFT_ID_HEADER`] header.
    AddPhoto, "add_photo", Empty, PhotoAdded
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DetachPhotoRequest {
    pub draft_id: String,
    /// The photo's position in the draft, from 0.
    pub position: u32,
}
command!(DetachPhoto, "detach_photo", DetachPhotoRequest, StoredDraft);

command!(
    /// Moves a complete draft into the outbox; the receipt comes at once and a
    /// sync is started.
    Submit, "submit", ById, Receipt
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadReportsRequest {
    pub after: Option<Cursor>,
    pub limit: u32,
}
command!(LoadReports, "load_reports", LoadReportsRequest, ReportPage);
command!(LoadReport, "load_report", ById, ReportDetail);
command!(CancelReport, "cancel_report", ById, OutboxState);
command!(RetryReport, "retry_report", ById, OutboxState);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EditRejectedRequest {
    pub id: String,
    pub draft: ReportDraft,
}
command!(
    /// Resends a report the server refused, changed; same receipt, new key.
    EditRejected, "edit_rejected", EditRejectedRequest, Receipt
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeedbackRequest {
    pub report_id: String,
    pub action: FeedbackAction,
}
command!(
    /// Rates a resolved report or reopens it with a reason.
    SendFeedback, "send_feedback", FeedbackRequest, ReportDetail
);
