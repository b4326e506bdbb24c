//! Community digital technology teams (tổ công nghệ số cộng đồng): member codes,
//! assisted sessions and their rules, the team's counts and their CSV.
//!
//! An assisted session records help given to a resident: the task (a guide),
//! the resident's spoken consent, the steps done together, the outcome and the
//! ward. Nothing names the resident unless they agree, and then only what the
//! task needs (a name and a phone number for a report filed on their behalf).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Letters and digits of a member code: no 0/O, 1/I/L, 5/S, 2/Z, 8/B (read
/// aloud or copied from paper, they are mistaken for one another).
pub const CODE_ALPHABET: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";
/// Characters in a member code (shown as two groups of four: `ACDE-7KQR`).
pub const CODE_LEN: usize = 8;
/// Longest free note of a session.
pub const MAX_NOTE_CHARS: usize = 500;
/// Longest name of a resident who agreed to give it.
pub const MAX_NAME_CHARS: usize = 100;

/// Why a typed member code cannot be one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum CodeError {
    #[error("a member code has 8 letters and digits")]
    Length,
    #[error("a member code has no such character")]
    Character,
}

/// A typed member code in its one form: upper case, without spaces or dashes.
/// Letters that are not in the alphabet but look like one that is are read as
/// it (`O` → `0` is not in the alphabet, so `O` is refused, as is `0`).
pub fn normalize_code(typed: &str) -> Result<String, CodeError> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if code.chars().count() != CODE_LEN {
        return Err(CodeError::Length);
    }
    if !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Err(CodeError::Character);
    }
    Ok(code)
}

/// `ACDE7KQR` → `ACDE-7KQR`.
pub fn display_code(code: &str) -> String {
    let (head, tail) = code.split_at(code.len().min(4));
    if tail.is_empty() {
        head.to_owned()
    } else {
        format!("{head}-{tail}")
    }
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    /// The task was done.
    Done,
    /// Some of it was done; the resident will finish or come back.
    Partly,
    /// It could not be done (the reason says why).
    CouldNot,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Done, Outcome::Partly, Outcome::CouldNot];

    pub fn key(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Partly => "partly",
            Outcome::CouldNot => "could_not",
        }
    }
}

/// Why a task was not (fully) done: a short list, so that the team's counts
/// say what stands in residents' way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Reason {
    /// The phone is too old or has no room for the app.
    PhoneUnsuitable,
    /// No mobile data or Wi-Fi where the help was given.
    NoConnection,
    /// A document, card or account detail was missing.
    MissingDocuments,
    /// The service or its website did not work at the time.
    ServiceDown,
    /// The task needs a visit to an office (e.g. the police for VNeID level 2).
    NeedsOfficeVisit,
    /// The resident chose to stop.
    ResidentDeclined,
    Other,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::PhoneUnsuitable,
        Reason::NoConnection,
        Reason::MissingDocuments,
        Reason::ServiceDown,
        Reason::NeedsOfficeVisit,
        Reason::ResidentDeclined,
        Reason::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Reason::PhoneUnsuitable => "phone_unsuitable",
            Reason::NoConnection => "no_connection",
            Reason::MissingDocuments => "missing_documents",
            Reason::ServiceDown => "service_down",
            Reason::NeedsOfficeVisit => "needs_office_visit",
            Reason::ResidentDeclined => "resident_declined",
            Reason::Other => "other",
        }
    }

    pub fn from_key(key: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// What a resident agreed to leave with the team (only for a report filed on
/// their behalf, so that the province can call them back).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResidentContact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

/// One assisted session as the member's device records it and the gateway
/// stores it. `id` is made on the device and is the idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssistedSession {
    pub id: String,
    /// The task: a guide's `task` (e.g. `vneid_level2`).
    pub task: String,
    /// The guide followed.
    pub guide_id: String,
    /// Ward code where the help was given.
    pub ward: String,
    /// The member ticked that the resident agreed, after reading them the
    /// consent text; a session without it is refused.
    pub consent: bool,
    /// The guide's steps, and which of them (0-based) were done together.
    pub steps_total: u32,
    #[serde(default)]
    pub steps_done: Vec<u32>,
    pub outcome: Outcome,
    #[serde(default)]
    pub reason: Option<Reason>,
    #[serde(default)]
    pub note: String,
    /// Only when the resident agreed to leave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ResidentContact>,
    /// A field report filed on the resident's behalf during the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_id: Option<String>,
    /// ISO 8601.
    pub started_at: String,
    pub finished_at: String,
}

/// Why a session cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum SessionError {
    #[error("the resident's consent is not recorded")]
    NoConsent,
    #[error("no task or guide chosen")]
    NoTask,
    #[error("no ward chosen")]
    NoWard,
    #[error("a step that the guide does not have")]
    BadStep,
    #[error("say why the task was not done")]
    NoReason,
    #[error("the note is too long")]
    NoteTooLong,
    #[error("the resident's contact is incomplete or too long")]
    BadContact,
    #[error("the session's times are not dates, or end before they start")]
    BadTimes,
}

impl AssistedSession {
    /// The rules a session keeps on the device and at the gateway alike.
    pub fn check(&self) -> Result<(), SessionError> {
        if !self.consent {
            return Err(SessionError::NoConsent);
        }
        if self.task.trim().is_empty() || self.guide_id.trim().is_empty() || self.task.len() > 64 {
            return Err(SessionError::NoTask);
        }
        if self.ward.trim().is_empty() || self.ward.len() > 20 {
            return Err(SessionError::NoWard);
        }
        let mut seen = std::collections::BTreeSet::new();
        if self.steps_total == 0
            || self.steps_total > 50
            || self
                .steps_done
                .iter()
                .any(|s| *s >= self.steps_total || !seen.insert(*s))
        {
            return Err(SessionError::BadStep);
        }
        if self.outcome != Outcome::Done && self.reason.is_none() {
            return Err(SessionError::NoReason);
        }
        if self.note.chars().count() > MAX_NOTE_CHARS {
            return Err(SessionError::NoteTooLong);
        }
        if let Some(contact) = &self.contact {
            let phone_ok = contact.phone.is_empty()
                || (contact.phone.len() <= 15
                    && contact
                        .phone
                        .chars()
                        .enumerate()
                        .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c == '+')));
            if (contact.name.trim().is_empty() && contact.phone.is_empty())
                || contact.name.chars().count() > MAX_NAME_CHARS
                || !phone_ok
            {
                return Err(SessionError::BadContact);
            }
        }
        match (
            crate::time::parse(&self.started_at),
            crate::time::parse(&self.finished_at),
        ) {
            (Some(start), Some(end)) if end >= start => Ok(()),
            _ => Err(SessionError::BadTimes),
        }
    }
}

/// The team this device's member belongs to (the member's credential stays
/// in the engine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMember {
    pub team_id: String,
    pub team_name: String,
    /// The team's home ward (a code): the default ward of a session.
    pub ward: String,
    pub member_id: String,
    pub joined_at_ms: i64,
}

/// A session on the device with where it is on its way to the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub session: AssistedSession,
    pub state: crate::outbox::OutboxState,
    pub recorded_at_ms: i64,
}

/// The team's counts as last pulled, with when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredStats {
    pub stats: TeamStats,
    pub fetched_at_ms: i64,
}

impl SessionError {
    /// The field and rule the UI shows beside the control.
    pub fn invalid(self) -> crate::report::Invalid {
        use crate::report::{Field, Invalid, Rule};
        let (field, rule) = match self {
            SessionError::NoConsent => (Field::Consent, Rule::Required),
            SessionError::NoTask => (Field::Task, Rule::Required),
            SessionError::NoWard => (Field::Ward, Rule::Required),
            SessionError::BadStep => (Field::Steps, Rule::OutOfRange),
            SessionError::NoReason => (Field::Reason, Rule::Required),
            SessionError::NoteTooLong => (
                Field::Note,
                Rule::TooLong {
                    max: MAX_NOTE_CHARS,
                },
            ),
            SessionError::BadContact => (Field::ContactPhone, Rule::BadFormat),
            SessionError::BadTimes => (Field::Steps, Rule::BadFormat),
        };
        Invalid { field, rule }
    }
}

impl CodeError {
    pub fn invalid(self) -> crate::report::Invalid {
        use crate::report::{Field, Invalid, Rule};
        Invalid {
            field: Field::TeamCode,
            rule: Rule::BadFormat,
        }
    }
}

/// Over what time a count runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Period {
    /// Since Monday 00:00 in Vietnam.
    Week,
    /// Since the 1st of the month, 00:00 in Vietnam.
    Month,
}

/// Whose sessions a count covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// The member asking.
    Me,
    /// The member's whole team.
    Team,
}

/// One cell of the team view: sessions of a task with an outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatRow {
    pub period: Period,
    pub scope: Scope,
    pub task: String,
    pub outcome: Outcome,
    pub count: u32,
}

/// `GET /api/v1/teams/me/stats`: the member's and the team's sessions this
/// week and this month, by task and outcome.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamStats {
    pub team_name: String,
    /// ISO 8601 dates the periods start on.
    pub week_start: String,
    pub month_start: String,
    pub rows: Vec<StatRow>,
}

impl TeamStats {
    /// Sessions of a period and scope, by task then outcome.
    pub fn table(&self, period: Period, scope: Scope) -> BTreeMap<String, BTreeMap<Outcome, u32>> {
        let mut table: BTreeMap<String, BTreeMap<Outcome, u32>> = BTreeMap::new();
        for row in self
            .rows
            .iter()
            .filter(|r| r.period == period && r.scope == scope)
        {
            *table
                .entry(row.task.clone())
                .or_default()
                .entry(row.outcome)
                .or_default() += row.count;
        }
        table
    }

    pub fn total(&self, period: Period, scope: Scope) -> u32 {
        self.rows
            .iter()
            .filter(|r| r.period == period && r.scope == scope)
            .map(|r| r.count)
            .sum()
    }
}

/// The start of the week and of the month containing `now_ms`, in Vietnam's
/// time (UTC+7), as Unix milliseconds.
pub fn period_starts(now_ms: i64) -> (i64, i64) {
    const DAY: i64 = 86_400_000;
    const OFFSET: i64 = 7 * 3_600_000;
    let local_day = (now_ms + OFFSET).div_euclid(DAY);
    // 1970-01-01 was a Thursday: Monday is 3 days before.
    let weekday_from_monday = (local_day + 3).rem_euclid(7);
    let week = (local_day - weekday_from_monday) * DAY - OFFSET;
    let date = crate::time::date(local_day * DAY);
    let month_first = crate::time::parse(&format!("{}-01", &date[..7])).unwrap_or(local_day * DAY);
    (week, month_first - OFFSET)
}

/// The team's counts as CSV (RFC 4180, UTF-8 with a byte-order mark so that
/// spreadsheet programs read Vietnamese right): one row per period, scope,
/// task and outcome. `header` and the task names are in the reader's language.
pub fn stats_csv(
    stats: &TeamStats,
    header: [&str; 5],
    label: impl Fn(&StatRow) -> [String; 4],
) -> String {
    fn field(text: &str) -> String {
        // A cell starting with = + - @ would be a formula to a spreadsheet.
        let text = if text.starts_with(['=', '+', '-', '@']) {
            format!("'{text}")
        } else {
            text.to_owned()
        };
        if text.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text
        }
    }
    let mut out = String::from("\u{feff}");
    out.push_str(&header.map(field).join(","));
    out.push_str("\r\n");
    let mut rows = stats.rows.clone();
    rows.sort_by(|a, b| {
        (a.period, a.scope, &a.task, a.outcome).cmp(&(b.period, b.scope, &b.task, b.outcome))
    });
    for row in &rows {
        let [period, scope, task, outcome] = label(row);
        let cells = [
            field(&period),
            field(&scope),
            field(&task),
            field(&outcome),
            row.count.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> AssistedSession {
        AssistedSession {
            id: "s1".into(),
            task: "vneid_level2".into(),
            guide_id: "cai-dat-vneid".into(),
            ward: "19753".into(),
            consent: true,
            steps_total: 5,
            steps_done: vec![0, 1, 2],
            outcome: Outcome::Partly,
            reason: Some(Reason::NeedsOfficeVisit),
            note: String::new(),
            contact: None,
            report_id: None,
            started_at: "2026-11-29T08:00:00Z".into(),
            finished_at: "2026-11-29T08:20:00Z".into(),
        }
    }

    #[test]
    fn codes_are_read_the_way_people_type_them() {
        assert_eq!(normalize_code(" acde-7kqr ").unwrap(), "ACDE7KQR");
        assert_eq!(normalize_code("ACDE 7KQ"), Err(CodeError::Length));
        assert_eq!(normalize_code("ACDE7KQ0"), Err(CodeError::Character));
        assert_eq!(normalize_code("ACDE7KQO"), Err(CodeError::Character));
        assert_eq!(display_code("ACDE7KQR"), "ACDE-7KQR");
    }

    #[test]
    fn a_session_keeps_the_rules() {
        assert_eq!(session().check(), Ok(()));
        let mut s = session();
        s.consent = false;
        assert_eq!(s.check(), Err(SessionError::NoConsent));
        let mut s = session();
        s.reason = None;
        assert_eq!(s.check(), Err(SessionError::NoReason));
        s.outcome = Outcome::Done;
        assert_eq!(s.check(), Ok(()));
        let mut s = session();
        s.steps_done = vec![0, 5];
        assert_eq!(s.check(), Err(SessionError::BadStep));
        s.steps_done = vec![1, 1];
        assert_eq!(s.check(), Err(SessionError::BadStep));
        let mut s = session();
        s.note = "x".repeat(MAX_NOTE_CHARS + 1);
        assert_eq!(s.check(), Err(SessionError::NoteTooLong));
        let mut s = session();
        s.contact = Some(ResidentContact {
            name: "Bà Lan".into(),
            phone: "09a".into(),
        });
        assert_eq!(s.check(), Err(SessionError::BadContact));
        s.contact = Some(ResidentContact {
            name: "Bà Lan".into(),
            phone: "+84905123456".into(),
        });
        assert_eq!(s.check(), Ok(()));
        let mut s = session();
        s.finished_at = "2026-11-29T07:00:00Z".into();
        assert_eq!(s.check(), Err(SessionError::BadTimes));
        let mut s = session();
        s.ward = String::new();
        assert_eq!(s.check(), Err(SessionError::NoWard));
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first_in_vietnam() {
        // Sunday 2026-11-29 20:00 UTC is Monday 30 November 03:00 in Vietnam.
        let now = crate::time::parse("2026-11-29T20:00:00Z").unwrap();
        let (week, month) = period_starts(now);
        assert_eq!(crate::time::iso(week), "2026-11-29T17:00:00Z");
        assert_eq!(crate::time::iso(month), "2026-10-31T17:00:00Z");
        // Sunday 29 November 10:00 in Vietnam: the week began Monday 23rd.
        let now = crate::time::parse("2026-11-29T03:00:00Z").unwrap();
        assert_eq!(
            crate::time::iso(period_starts(now).0),
            "2026-11-22T17:00:00Z"
        );
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_defuses_formulas() {
        let stats = TeamStats {
            team_name: "Tổ 1".into(),
            week_start: String::new(),
            month_start: String::new(),
            rows: vec![StatRow {
                period: Period::Week,
                scope: Scope::Team,
                task: "=cmd".into(),
                outcome: Outcome::Done,
                count: 3,
            }],
        };
        let csv = stats_csv(&stats, ["a", "b", "c", "d", "e"], |row| {
            [
                "tuần".into(),
                "tổ, \"cả tổ\"".into(),
                row.task.clone(),
                row.outcome.key().into(),
            ]
        });
        assert_eq!(
            csv,
            "\u{feff}a,b,c,d,e\r\ntuần,\"tổ, \"\"cả tổ\"\"\",'=cmd,done,3\r\n"
        );
    }
}
