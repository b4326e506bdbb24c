//! The province's open reports: nearby ones, the map, following one.

use serde::{Deserialize, Serialize};

use crate::{ById, Command, Empty, Followed, PublicReport};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[
    Nearby::NAME,
    FollowReport::NAME,
    UnfollowReport::NAME,
    LoadFollowed::NAME,
    LoadPublicReports::NAME,
];

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
