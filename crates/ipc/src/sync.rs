//! The sync engine seen from the UI: its events, "sync now", and data use.

use serde::{Deserialize, Serialize};

use crate::{Command, DataUse, Empty, Network, Streaming, SyncEvent};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[
    WatchSync::NAME,
    SyncNow::NAME,
    LoadDataUse::NAME,
    SetDataUse::NAME,
];

command!(
    /// Subscribes the UI to the sync engine's events (progress per report and
    /// photo, outcomes, what changed). Returns at once; events follow until the
    /// page goes away.
    WatchSync, "watch_sync", Empty, Empty
);
impl Streaming for WatchSync {
    type Event = SyncEvent;
}

command!(
    /// Asks for a sync now (the user pulled to refresh, or pressed "send now").
    SyncNow, "sync_now", Empty, Empty
);

/// The data-use settings and the network as the platform reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataUseScreen {
    pub data_use: DataUse,
    pub network: Network,
}
command!(LoadDataUse, "load_data_use", Empty, DataUseScreen);

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SetDataUseRequest {
    pub data_use: DataUse,
}
command!(
    /// Changes the data-use settings; a sync follows (held photos may go now).
    SetDataUse, "set_data_use", SetDataUseRequest, DataUseScreen
);
