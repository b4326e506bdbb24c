//! Pure types and rules of Công Dân Số: no IO, no clock, no randomness; builds for wasm32.
//!
//! Everything here can be used by the UI (wasm32), the engine (`cds-core`) and the
//! reference gateway alike, so that a rule is written once.

pub mod alerts;
pub mod awareness;
pub mod catalogue;
pub mod device;
pub mod dossier;
pub mod geo;
pub mod home;
pub mod inbox;
pub mod lang;
pub mod links;
pub mod outbox;
pub mod places;
pub mod report;
pub mod sync;
pub mod teams;
pub mod text;
pub mod time;
pub mod trace;

pub use catalogue::{Block, BlockKind, Catalogue, CatalogueError, Feature, Tile, TileAction};
pub use home::{CatalogueSource, Connectivity, Contrast, Display, HomeScreen, Personal, TextSize};
pub use lang::{Lang, LocalizedText};
