//! Alerts and warnings: the list (mine first), the home screen's banner,
//! read marks, and the wards chosen for alerts.

use serde::{Deserialize, Serialize};

use cds_domain::alerts::Listed;
use cds_provincial_api::alerts::Alert;

use crate::{ById, Command, Empty};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[
    LoadAlerts::NAME,
    LoadAlertBanner::NAME,
    MarkAlertRead::NAME,
    LoadAlertWards::NAME,
    SetAlertWards::NAME,
];

command!(
    /// The alerts not expired, as last pulled: mine first.
    LoadAlerts, "load_alerts", Empty, Vec<Listed<Alert>>
);
command!(
    /// The severe alert in force for me the home screen shows, if any.
    LoadAlertBanner, "load_alert_banner", Empty, Option<Alert>
);
command!(
    /// The resident read an alert (the banner goes).
    MarkAlertRead, "mark_alert_read", ById, Empty
);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AlertWards {
    /// Ward codes.
    pub wards: Vec<String>,
}
command!(
    /// The wards chosen for alerts.
    LoadAlertWards, "load_alert_wards", Empty, AlertWards
);
command!(
    /// Chooses the wards whose alerts come first; an unknown ward is refused.
    SetAlertWards, "set_alert_wards", AlertWards, AlertWards
);
