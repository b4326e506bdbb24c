//! Community digital technology teams on the wire: joining with a member code,
//! delivering assisted sessions, the team's counts, and the staff's codes.

use serde::{Deserialize, Serialize};

pub use cds_domain::teams::{AssistedSession, StatRow, TeamStats};

/// `POST /api/v1/teams/join`: a member code issued by the province's staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JoinTeam {
    pub code: String,
}

/// The answer to a join: the member's own credential (sent as
/// `Authorization: Bearer …` with sessions and stats; shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub team_id: String,
    pub team_name: String,
    /// The team's home ward (a code), where sessions usually happen.
    pub ward: String,
    pub member_id: String,
    pub token: String,
}

/// The answer to a delivered session (the same for a replay).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionReceipt {
    pub id: String,
    /// When the gateway first stored it (ISO 8601).
    pub received_at: String,
}

/// Staff: `POST /api/v1/staff/team-codes`: a new member code for a team
/// (the team is made if it does not exist).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTeamCode {
    pub team_name: String,
    /// The team's home ward (a code).
    pub ward: String,
    /// How long the code can be used to join, in days (1–90).
    pub valid_days: u32,
}

/// A member code as the staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamCode {
    /// `ACDE-7KQR`.
    pub code: String,
    pub team_id: String,
    pub team_name: String,
    pub expires_at: String,
}

/// Staff: the sessions of every team, per team, ward, task and outcome,
/// since `since` (`GET /api/v1/staff/team-stats?since=…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamStatsRow {
    pub team_id: String,
    pub team_name: String,
    pub ward: String,
    pub task: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub outcome: cds_domain::teams::Outcome,
    pub count: u32,
}
