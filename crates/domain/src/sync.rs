//! What the sync engine tells the UI while it works (progress per photo, each
//! item's outcome, what changed), and the network facts it is handed.

use serde::{Deserialize, Serialize};

use crate::outbox::OutboxState;

/// How one photo of a report is going: bytes handed to the connection of its total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoProgress {
    pub report_id: String,
    /// The photo being sent, from 1.
    pub photo: u32,
    pub photos: u32,
    pub bytes_sent: u64,
    pub bytes_total: u64,
}

impl PhotoProgress {
    /// Photos completely handed over so far ("2 of 3 photos sent").
    pub fn photos_done(&self) -> u32 {
        if self.bytes_sent >= self.bytes_total {
            self.photo
        } else {
            self.photo.saturating_sub(1)
        }
    }
}

/// The kind of network the platform says the device is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Network {
    /// The platform cannot tell (most desktops): treated as unmetered.
    #[default]
    Unknown,
    /// Wi-Fi or wired, not charged by the byte.
    Unmetered,
    /// Mobile data or a hotspot: charged by the byte.
    Metered,
}

/// The user's choices about data use.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataUse {
    /// Reports with photos wait for a network that is not metered.
    pub photos_wifi_only: bool,
}

impl DataUse {
    /// Whether reports with photos must wait on `network`. A network the
    /// platform cannot judge does not hold anything back.
    pub fn holds_photos(self, network: Network) -> bool {
        self.photos_wifi_only && network == Network::Metered
    }
}

/// What one full sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncSummary {
    pub confirmed: u32,
    pub retrying: u32,
    pub rejected: u32,
    /// Due reports with photos kept back for Wi-Fi.
    pub held_for_wifi: u32,
    /// My reports whose status, answer or history changed (notify the user).
    pub changed_reports: Vec<String>,
    /// Content lists that changed: `alerts`, `articles`, `guides`.
    pub changed_content: Vec<String>,
    /// Followed dossiers that changed, and what to tell of each.
    pub changed_dossiers: Vec<crate::dossier::ChangedDossier>,
    /// Severe alerts for my wards, in force, not told before (notify the user).
    #[serde(default)]
    pub severe_alerts: Vec<String>,
    /// Part of the province's API could not be reached.
    pub offline: bool,
}

/// Which kinds of change the resident is told of by a system notification
/// (every kind until turned off; the app shows every change either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Notifications {
    /// My reports' status changes.
    pub reports: bool,
    /// Followed dossiers' changes.
    pub dossiers: bool,
    /// Severe alerts for my wards.
    pub alerts: bool,
    /// The community team's news (none are raised yet: kept for them).
    pub team: bool,
}

impl Default for Notifications {
    fn default() -> Self {
        Notifications {
            reports: true,
            dossiers: true,
            alerts: true,
            team: true,
        }
    }
}

/// What a sync's changes raise as system notifications.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToNotify {
    pub reports: Vec<String>,
    pub dossiers: Vec<crate::dossier::ChangedDossier>,
    pub alerts: Vec<String>,
}

impl Notifications {
    /// The changes of `summary` whose kind is turned on.
    pub fn to_notify(self, summary: &SyncSummary) -> ToNotify {
        let pick = |on: bool, list: &[String]| if on { list.to_vec() } else { Vec::new() };
        ToNotify {
            reports: pick(self.reports, &summary.changed_reports),
            dossiers: if self.dossiers {
                summary.changed_dossiers.clone()
            } else {
                Vec::new()
            },
            alerts: pick(self.alerts, &summary.severe_alerts),
        }
    }
}

/// One message from the sync engine to the UI, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SyncEvent {
    /// A sync began.
    Started,
    /// A report is being sent.
    Sending { report_id: String, photos: u32 },
    /// Progress of one photo of the report being sent.
    Photo(PhotoProgress),
    /// A report's send attempt ended in this state.
    Sent {
        report_id: String,
        state: OutboxState,
    },
    /// The sync ended.
    Finished(SyncSummary),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_kinds_turned_on_are_notified() {
        let summary = SyncSummary {
            changed_reports: vec!["r1".into()],
            changed_dossiers: vec![crate::dossier::ChangedDossier {
                code: "H1".into(),
                change: crate::dossier::DossierChange::ResultReady,
            }],
            severe_alerts: vec!["a1".into()],
            ..SyncSummary::default()
        };
        let all = Notifications::default().to_notify(&summary);
        assert_eq!(all.reports, ["r1"]);
        assert_eq!(all.dossiers.len(), 1);
        assert_eq!(all.alerts, ["a1"]);
        let some = Notifications {
            reports: false,
            alerts: false,
            ..Notifications::default()
        }
        .to_notify(&summary);
        assert!(some.reports.is_empty() && some.alerts.is_empty());
        assert_eq!(some.dossiers, all.dossiers);
        let none = Notifications {
            reports: false,
            dossiers: false,
            alerts: false,
            team: false,
        };
        assert_eq!(none.to_notify(&summary), ToNotify::default());
        // A stored choice missing a kind (an older version's) keeps it on.
        let read: Notifications = serde_json::from_str(r#"{"alerts": false}"#).unwrap();
        assert!(read.reports && read.dossiers && read.team && !read.alerts);
    }

    #[test]
    fn photos_wait_only_on_a_metered_network_when_asked() {
        let wifi_only = DataUse {
            photos_wifi_only: true,
        };
        assert!(wifi_only.holds_photos(Network::Metered));
        assert!(!wifi_only.holds_photos(Network::Unmetered));
        assert!(!wifi_only.holds_photos(Network::Unknown));
        assert!(!DataUse::default().holds_photos(Network::Metered));
    }

    #[test]
    fn photos_done_counts_finished_photos() {
        let mut progress = PhotoProgress {
            report_id: "r".into(),
            photo: 2,
            photos: 3,
            bytes_sent: 10,
            bytes_total: 20,
        };
        assert_eq!(progress.photos_done(), 1);
        progress.bytes_sent = 20;
        assert_eq!(progress.photos_done(), 2);
    }

    #[test]
    fn events_cross_tagged() {
        let json = serde_json::to_value(SyncEvent::Sending {
            report_id: "a".into(),
            photos: 2,
        })
        .unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "sending", "report_id": "a", "photos": 2})
        );
    }
}
