//! The one inbox (Phản ánh và hồ sơ của tôi): my reports, the reports I
//! follow, the dossiers I follow and the alerts for my wards in one list,
//! newest change first, with unread marks that clear when an item is opened.

use serde::{Deserialize, Serialize};

use crate::LocalizedText;

/// What an inbox item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxKind {
    /// One of my reports (id: the report's id on the device).
    Report,
    /// A report of someone else I follow (id: the server's id).
    Followed,
    /// A dossier I follow (id: its code).
    Dossier,
    /// An alert for one of my wards or the whole province (id: the alert's id).
    Alert,
}

impl InboxKind {
    pub const ALL: [InboxKind; 4] = [
        InboxKind::Report,
        InboxKind::Followed,
        InboxKind::Dossier,
        InboxKind::Alert,
    ];

    /// The key stored with "read" marks.
    pub fn key(self) -> &'static str {
        match self {
            InboxKind::Report => "report",
            InboxKind::Followed => "followed",
            InboxKind::Dossier => "dossier",
            InboxKind::Alert => "alert",
        }
    }
}

/// One line of the inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    pub kind: InboxKind,
    pub id: String,
    pub title: LocalizedText,
    /// The item's state as its source names it: a report's detailed status
    /// (`received`, `in_progress`, `resolved`, …), a dossier's status
    /// (`processing`, `supplement_requested`, `done`, …), an alert's severity.
    pub status: String,
    /// What changed, in short: the agency's answer, the dossier's note, the
    /// start of the alert.
    pub note: LocalizedText,
    /// When the province last changed it (Unix ms); what the list is sorted by.
    pub changed_at_ms: i64,
    /// Changed since the resident last opened it.
    pub unread: bool,
    /// Still going on (a report not closed, a dossier not finished, an alert in force).
    pub open: bool,
}

/// The inbox, newest change first, and how many items are unread.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    pub items: Vec<InboxItem>,
    pub unread: u32,
}

impl Inbox {
    /// Sorts `items` newest change first (ties by kind and id, so the order
    /// is stable) and counts the unread ones.
    pub fn new(mut items: Vec<InboxItem>) -> Inbox {
        items.sort_by(|a, b| {
            b.changed_at_ms
                .cmp(&a.changed_at_ms)
                .then(a.kind.key().cmp(b.kind.key()))
                .then(a.id.cmp(&b.id))
        });
        let unread =
            u32::try_from(items.iter().filter(|item| item.unread).count()).unwrap_or(u32::MAX);
        Inbox { items, unread }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: InboxKind, id: &str, at: i64, unread: bool) -> InboxItem {
        InboxItem {
            kind,
            id: id.into(),
            title: LocalizedText::default(),
            status: String::new(),
            note: LocalizedText::default(),
            changed_at_ms: at,
            unread,
            open: true,
        }
    }

    #[test]
    fn newest_change_first_and_unread_counted() {
        let inbox = Inbox::new(vec![
            item(InboxKind::Report, "a", 10, false),
            item(InboxKind::Dossier, "b", 30, true),
            item(InboxKind::Alert, "c", 20, true),
            item(InboxKind::Alert, "a", 20, false),
        ]);
        let order: Vec<&str> = inbox.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(order, ["b", "a", "c", "a"]);
        assert_eq!(inbox.unread, 2);
    }
}
