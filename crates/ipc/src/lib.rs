//! The IPC contract shared by the UI (`cds-app`) and the shell (`cds-shell`): command
//! names, one request and one response type per command, and [`UiError`].
//!
//! Every command takes exactly one argument named `request` (see [`REQUEST_ARG`]):
//! one struct avoids Tauri's camelCase renaming of argument names, and adding a
//! field never changes a command's signature.
//!
//! Architecture Invariant: this crate holds types only; no IO, no Tauri. It builds
//! for wasm32, so the UI never redeclares a DTO.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub use cds_domain::{
    HomeScreen, Lang,
    geo::{Area, Placement},
    outbox::OutboxState,
    report::{
        Cursor, Followed, Invalid, PhotoAdded, PublicReport, Receipt, ReportDetail, ReportDraft,
        ReportPage, StoredDraft,
    },
    sync::{DataUse, Network, SyncEvent},
};
pub use cds_provincial_api::open311::{Category, Datatype, FeedbackAction};

/// The name of the single argument every command takes.
pub const REQUEST_ARG: &str = "request";

/// A command the UI can call: its name and its request and response types.
pub trait Command {
    const NAME: &'static str;
    type Request: Serialize + DeserializeOwned;
    type Response: Serialize + DeserializeOwned;
}

/// Every command the shell registers. The shell's build script generates an
/// `allow-*` permission for each, and its capability grants exactly these.
pub const COMMANDS: &[&str] = &[
    LoadHome::NAME,
    RefreshHome::NAME,
    SetLanguage::NAME,
    WatchSync::NAME,
    SyncNow::NAME,
    LoadDataUse::NAME,
    SetDataUse::NAME,
    LoadCategories::NAME,
    LoadAreas::NAME,
    Locate::NAME,
    Nearby::NAME,
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
    FollowReport::NAME,
    UnfollowReport::NAME,
    LoadFollowed::NAME,
    LoadPublicReports::NAME,
];

/// The URI scheme the shell serves photos on (`cds-photo://localhost/…`):
/// `local/<hash>`, `thumb/<hash>`, `remote/<report id>/<index>`.
pub const PHOTO_SCHEME: &str = "cds-photo";

/// The header naming the draft a raw photo upload ([`AddPhoto`]) is for.
pub const DRAFT_ID_HEADER: &str = "cds-draft-id";

/// A request naming one draft or report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ById {
    pub id: String,
}

/// Defines a command: `command!(Type, "name", Request, Response)`.
macro_rules! command {
    ($(#[$doc:meta])* $name:ident, $wire:literal, $request:ty, $response:ty) => {
        $(#[$doc])*
        pub struct $name;
        impl Command for $name {
            const NAME: &'static str = $wire;
            type Request = $request;
            type Response = $response;
        }
    };
}

command!(
    /// The report categories (Open311 services with their questions).
    LoadCategories, "load_categories", Empty, Vec<Category>
);

/// The province's areas for the map: outline and wards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreasView {
    pub province: Area,
    pub wards: Vec<Area>,
}
command!(LoadAreas, "load_areas", Empty, AreasView);

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}
command!(
    /// Where a point falls: ward, inside the province, distance to a boundary.
    Locate, "locate", Point, Placement
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NearbyRequest {
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
    pub service_code: Option<String>,
}
command!(
    /// Open reports of the province near a point ("already reported nearby?").
    Nearby, "nearby", NearbyRequest, Vec<PublicReport>
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
    /// Follows a public report (the same issue) instead of filing another.
    FollowReport, "follow_report", ById, Empty
);
command!(UnfollowReport, "unfollow_report", ById, Empty);
command!(LoadFollowed, "load_followed", Empty, Vec<Followed>);
command!(
    /// Every open report of the province the device holds (for the map).
    LoadPublicReports, "load_public_reports", Empty, Vec<PublicReport>
);

command!(
    /// Rates a resolved report or reopens it with a reason.
    SendFeedback, "send_feedback", FeedbackRequest, ReportDetail
);

/// A command that also streams events to the UI through a Tauri channel,
/// passed as the argument [`EVENTS_ARG`] beside `request`.
pub trait Streaming: Command {
    type Event: Serialize + DeserializeOwned;
}

/// The name of the channel argument of a [`Streaming`] command, as the UI sends
/// it (Tauri renames the Rust parameter `on_event` to camelCase).
pub const EVENTS_ARG: &str = "onEvent";

/// A request or response without fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Empty {}

/// The home screen as stored on the device, at once, without touching the network.
pub struct LoadHome;
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoadHomeRequest {}
impl Command for LoadHome {
    const NAME: &'static str = "load_home";
    type Request = LoadHomeRequest;
    type Response = HomeScreen;
}

/// Asks the province's API for a newer catalogue (bounded by a timeout) and returns
/// the home screen with the outcome. Never fails for network reasons.
pub struct RefreshHome;
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefreshHomeRequest {}
impl Command for RefreshHome {
    const NAME: &'static str = "refresh_home";
    type Request = RefreshHomeRequest;
    type Response = HomeScreen;
}

/// Remembers the user's language.
pub struct SetLanguage;
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetLanguageRequest {
    pub language: Lang,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetLanguageResponse {
    pub language: Lang,
}
impl Command for SetLanguage {
    const NAME: &'static str = "set_language";
    type Request = SetLanguageRequest;
    type Response = SetLanguageResponse;
}

/// Subscribes the UI to the sync engine's events (progress per report and
/// photo, outcomes, what changed). Returns at once; events follow until the
/// page goes away.
pub struct WatchSync;
impl Command for WatchSync {
    const NAME: &'static str = "watch_sync";
    type Request = Empty;
    type Response = Empty;
}
impl Streaming for WatchSync {
    type Event = SyncEvent;
}

/// Asks for a sync now (the user pulled to refresh, or pressed "send now").
pub struct SyncNow;
impl Command for SyncNow {
    const NAME: &'static str = "sync_now";
    type Request = Empty;
    type Response = Empty;
}

/// The data-use settings and the network as the platform reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataUseScreen {
    pub data_use: DataUse,
    pub network: Network,
}

pub struct LoadDataUse;
impl Command for LoadDataUse {
    const NAME: &'static str = "load_data_use";
    type Request = Empty;
    type Response = DataUseScreen;
}

/// Changes the data-use settings; a sync follows (held photos may go now).
pub struct SetDataUse;
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SetDataUseRequest {
    pub data_use: DataUse,
}
impl Command for SetDataUse {
    const NAME: &'static str = "set_data_use";
    type Request = SetDataUseRequest;
    type Response = DataUseScreen;
}

/// An error as the UI receives it. The UI shows a translation of `code`; `message`
/// is a detail for logs and bug reports, never matched on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiError {
    pub code: ErrorCode,
    pub message: String,
    /// For `InvalidInput`: which field broke which rule, to say next to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<Invalid>,
}

/// What went wrong, as something the user or the UI can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The database or photo folder on the device cannot be opened (permissions,
    /// missing storage). Files are kept as they are.
    StorageUnavailable,
    /// The database file is damaged or not a database; it is kept, not overwritten.
    StorageCorrupt,
    /// Another program (or another copy of the app) holds the database.
    StorageLocked,
    /// The device's storage is full; nothing was half-saved.
    StorageFull,
    /// The database was written by a newer version of the app: update the app.
    StorageTooNew,
    /// The request was refused as invalid; the message says which field.
    InvalidInput,
    /// The draft or report asked for does not exist (any more).
    NotFound,
    /// The item's state does not allow that now (e.g. cancel while sending).
    NotNow,
    /// The province's server could not be reached; try again later.
    Offline,
    /// The app's configuration (server address, key) cannot be used; the
    /// message names the value. Whoever installed the app must correct it.
    Configuration,
    /// The province's server refused the request; the message says why.
    Refused,
    /// The UI and the shell disagree (a bug): a response did not match its type.
    Protocol,
    /// Anything else; a bug to report.
    Internal,
}

impl UiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> UiError {
        UiError {
            code,
            message: message.into(),
            invalid: None,
        }
    }
}

impl std::fmt::Display for UiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for UiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_as_code_and_message() {
        let err = UiError::new(ErrorCode::StorageUnavailable, "disk full");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "storage_unavailable", "message": "disk full"})
        );
        let back: UiError = serde_json::from_value(json).unwrap();
        assert_eq!(back, err);
    }

    #[test]
    fn command_names_are_unique_snake_case() {
        let mut names = COMMANDS.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len());
        for name in COMMANDS {
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }
}
