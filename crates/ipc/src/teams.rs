//! Community digital technology teams: joining, assisted sessions, the team
//! view and its CSV.

use serde::{Deserialize, Serialize};

use crate::{
    AssistedSession, ById, Command, Empty, OutboxState, SessionSummary, StoredStats, TeamMember,
};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[
    LoadTeam::NAME,
    JoinTeam::NAME,
    LeaveTeam::NAME,
    RecordSession::NAME,
    RetrySession::NAME,
    SaveTeamCsv::NAME,
];

/// The member's team, their sessions on the device, the team's counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    pub member: Option<TeamMember>,
    pub sessions: Vec<SessionSummary>,
    pub stats: Option<StoredStats>,
}
command!(LoadTeam, "load_team", Empty, TeamView);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinTeamRequest {
    pub code: String,
}
command!(
    /// Joins a team with a member code from the province's staff.
    JoinTeam, "join_team", JoinTeamRequest, TeamMember
);

command!(
    /// Forgets the membership on this device (refused while sessions wait).
    LeaveTeam, "leave_team", Empty, Empty
);

command!(
    /// Saves a finished session on the device; it is delivered at the next
    /// sync, exactly once.
    RecordSession, "record_session", AssistedSession, SessionSummary
);

command!(
    /// Sends a refused or waiting session again at the next sync.
    RetrySession, "retry_session", ById, OutboxState
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SaveCsvRequest {
    /// The file's text, made by the UI in the reader's language.
    pub csv: String,
    /// A file name: letters, digits, `-`, `_` and `.`.
    pub file_name: String,
}
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedFile {
    pub path: String,
}
command!(
    /// Saves the team's counts as a CSV file in the Downloads folder.
    SaveTeamCsv, "save_team_csv", SaveCsvRequest, SavedFile
);
