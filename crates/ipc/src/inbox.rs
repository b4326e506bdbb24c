//! The one inbox: my reports, followed reports and dossiers, my wards' alerts.

use serde::{Deserialize, Serialize};

use crate::{Command, Empty, Inbox, InboxKind};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[LoadInbox::NAME, MarkRead::NAME];

command!(
    /// Everything that concerns me, newest change first, with unread marks.
    LoadInbox, "load_inbox", Empty, Inbox
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MarkReadRequest {
    pub kind: InboxKind,
    pub id: String,
}

/// How many items are still unread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unread {
    pub unread: u32,
}
command!(
    /// The resident opened an item: read until the province changes it again.
    MarkRead, "mark_read", MarkReadRequest, Unread
);
