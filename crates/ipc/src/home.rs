//! The home screen: the catalogue from the device, its refresh, the language
//! and the display (text size, contrast); pinned and recently opened tiles;
//! notifications per kind.

use serde::{Deserialize, Serialize};

use crate::{Command, Display, HomeScreen, Lang, Personal};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[
    LoadHome::NAME,
    RefreshHome::NAME,
    SetLanguage::NAME,
    SetDisplay::NAME,
    PinTile::NAME,
    TileOpened::NAME,
    SetNotifications::NAME,
    MarkReady::NAME,
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LoadHomeRequest {}
command!(
    /// The home screen as stored on the device, at once, without touching the network.
    LoadHome, "load_home", LoadHomeRequest, HomeScreen
);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefreshHomeRequest {}
command!(
    /// Asks the province's API for a newer catalogue (bounded by a timeout) and
    /// returns the home screen with the outcome. Never fails for network reasons.
    RefreshHome, "refresh_home", RefreshHomeRequest, HomeScreen
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetLanguageRequest {
    pub language: Lang,
}
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetLanguageResponse {
    pub language: Lang,
}
command!(
    /// Remembers the user's language.
    SetLanguage, "set_language", SetLanguageRequest, SetLanguageResponse
);

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SetDisplayRequest {
    pub display: Display,
}
command!(
    /// Remembers the text size and contrast (the UI applies them at once).
    SetDisplay, "set_display", SetDisplayRequest, Display
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PinTileRequest {
    /// The tile's id in the catalogue.
    pub tile: String,
    pub pinned: bool,
}
command!(
    /// Pins a tile (shown first on the home screen, after those pinned
    /// before) or unpins it.
    PinTile, "pin_tile", PinTileRequest, Personal
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TileOpenedRequest {
    /// The tile's id in the catalogue.
    pub tile: String,
}
command!(
    /// Records that a tile was opened (the home screen's recent tiles).
    TileOpened, "tile_opened", TileOpenedRequest, Personal
);

command!(
    /// The home screen's tiles are painted: the first screen is interactive
    /// (the mark `cargo xtask bench app` times start-up by).
    MarkReady, "mark_ready", crate::Empty, crate::Empty
);

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SetNotificationsRequest {
    pub notifications: cds_domain::sync::Notifications,
}
command!(
    /// Remembers which kinds of change raise a system notification.
    SetNotifications, "set_notifications", SetNotificationsRequest, cds_domain::sync::Notifications
);
