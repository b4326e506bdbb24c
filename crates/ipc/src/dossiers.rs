//! Digital government: dossiers (looked up by code or slip photo, followed),
//! the procedure catalogue and the on-time statistics.

use serde::{Deserialize, Serialize};

use cds_provincial_api::content::{Dossier, DossierStats, Procedure};

use crate::{Command, Empty, Held, SlipScan};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[
    LookupDossier::NAME,
    ScanSlip::NAME,
    FollowDossier::NAME,
    UnfollowDossier::NAME,
    LoadFollowedDossiers::NAME,
    LoadProcedures::NAME,
    LoadDossierStats::NAME,
];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LookupDossierRequest {
    /// As typed, pasted or read from the slip (forgiving).
    pub code: String,
    /// The last four digits of the phone number on the slip.
    pub phone_last4: String,
}
command!(
    /// Looks a dossier up at the province; offline, the last answer with its age.
    LookupDossier, "lookup_dossier", LookupDossierRequest, Held<Dossier>
);

command!(
    /// Reads the dossier code from a photo of the slip (QR code or Code 128),
    /// on the device. Raw body: the photo's bytes.
    ScanSlip, "scan_slip", Empty, SlipScan
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ByCode {
    pub code: String,
}
command!(
    /// Follows a dossier looked up on this device (pulled with every sync).
    FollowDossier, "follow_dossier", ByCode, Empty
);
command!(UnfollowDossier, "unfollow_dossier", ByCode, Empty);
command!(
    LoadFollowedDossiers,
    "load_followed_dossiers",
    Empty,
    Vec<Held<Dossier>>
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProceduresRequest {
    /// Words to find, accents and case ignored; empty for all.
    pub query: String,
}
command!(
    /// The province's procedures (offline, as last pulled).
    LoadProcedures, "load_procedures", ProceduresRequest, Vec<Procedure>
);
command!(
    /// Dossiers resolved on time per agency (as last pulled; none before).
    LoadDossierStats, "load_dossier_stats", Empty, Option<DossierStats>
);
