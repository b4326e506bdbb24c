//! The IPC contract shared by the UI (`cds-app`) and the shell (`cds-shell`): command
//! names, one request and one response type per command, and [`UiError`].
//! Each feature's commands live in its own module; [`COMMANDS`] gathers them.
//!
//! Every command takes exactly one argument named `request` (see [`REQUEST_ARG`]):
//! one struct avoids Tauri's camelCase renaming of argument names, and adding a
//! field never changes a command's signature.
//!
//! Architecture Invariant: this crate holds types only; no IO, no Tauri. It builds
//! for wasm32, so the UI never redeclares a DTO.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

pub use cds_domain::{
    Contrast, Display, HomeScreen, Lang, Personal, TextSize,
    awareness::{Shelf, ShelfItem, ShelfPage},
    device::{ApiAddress, ErasePreview, Unsent},
    dossier::{Held, SlipScan},
    geo::{Area, Placement},
    inbox::{Inbox, InboxItem, InboxKind},
    outbox::OutboxState,
    report::{
        Cursor, Followed, Invalid, PhotoAdded, PublicReport, Receipt, ReportDetail, ReportDraft,
        ReportPage, StoredDraft,
    },
    sync::{DataUse, Network, SyncEvent},
    teams::{
        AssistedSession, Outcome, Period, Reason, ResidentContact, Scope, SessionSummary, StatRow,
        StoredStats, TeamMember, TeamStats,
    },
};
pub use cds_domain::{
    alerts::Listed,
    places::{Near, Origin, PlacesQuery},
};
pub use cds_provincial_api::{
    alerts::Alert,
    content::{AgencyOnTime, Article, Dossier, DossierStats, DossierStep, GuideStep, Procedure},
    open311::{Category, Datatype, FeedbackAction},
    places::Place,
    products::{Batch, Product, SupplyStep, TraceRecord},
};

/// Defines a command: `command!(Type, "name", Request, Response)`.
macro_rules! command {
    ($(#[$doc:meta])* $name:ident, $wire:literal, $request:ty, $response:ty) => {
        $(#[$doc])*
        pub struct $name;
        impl $crate::Command for $name {
            const NAME: &'static str = $wire;
            type Request = $request;
            type Response = $response;
        }
    };
}

pub mod alerts;
pub mod areas;
pub mod awareness;
pub mod device;
pub mod dossiers;
pub mod error;
pub mod home;
pub mod inbox;
pub mod links;
pub mod places;
pub mod products;
pub mod public_reports;
pub mod reports;
pub mod sync;
pub mod teams;

pub use alerts::*;
pub use areas::*;
pub use awareness::*;
pub use device::*;
pub use dossiers::*;
pub use error::*;
pub use home::*;
pub use inbox::*;
pub use links::*;
pub use places::*;
pub use products::*;
pub use public_reports::*;
pub use reports::*;
pub use sync::*;
pub use teams::*;

/// The name of the single argument every command takes.
pub const REQUEST_ARG: &str = "request";

/// A command the UI can call: its name and its request and response types.
pub trait Command {
    const NAME: &'static str;
    type Request: Serialize + DeserializeOwned;
    type Response: Serialize + DeserializeOwned;
}

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

/// A request naming one draft or report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ById {
    pub id: String,
}

/// The URI scheme the shell serves photos on (`cds-photo://localhost/…`):
/// `local/<hash>`, `thumb/<hash>`, `remote/<report id>/<index>`.
pub const PHOTO_SCHEME: &str = "cds-photo";

/// Each feature's commands. A new feature adds its module's list here.
const FEATURES: &[&[&str]] = &[
    home::COMMANDS,
    sync::COMMANDS,
    areas::COMMANDS,
    reports::COMMANDS,
    public_reports::COMMANDS,
    dossiers::COMMANDS,
    inbox::COMMANDS,
    links::COMMANDS,
    awareness::COMMANDS,
    teams::COMMANDS,
    alerts::COMMANDS,
    places::COMMANDS,
    products::COMMANDS,
    device::COMMANDS,
];

/// Every command the shell registers. The shell's build script generates an
/// `allow-*` permission for each, and its capability grants exactly these.
pub const COMMANDS: &[&str] = &concat::<{ count(FEATURES) }>(FEATURES);

const fn count(lists: &[&[&str]]) -> usize {
    let (mut total, mut i) = (0, 0);
    while i < lists.len() {
        total += lists[i].len();
        i += 1;
    }
    total
}

const fn concat<const N: usize>(lists: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut at, mut i) = (0, 0);
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].len() {
            out[at] = lists[i][j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_names_are_unique_snake_case() {
        let mut names = COMMANDS.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COMMANDS.len());
        for name in COMMANDS {
            assert!(!name.is_empty());
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }

    #[test]
    fn every_features_commands_are_gathered_in_order() {
        let gathered: Vec<&str> = FEATURES
            .iter()
            .flat_map(|list| list.iter().copied())
            .collect();
        assert_eq!(COMMANDS, gathered.as_slice());
        assert!(COMMANDS.contains(&Submit::NAME));
    }
}
