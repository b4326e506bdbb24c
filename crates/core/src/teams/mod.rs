//! Community digital technology teams on the device: joining with a member
//! code, assisted sessions saved first and delivered exactly once under the
//! outbox's rules (the session's id is its idempotency key), and the team's
//! counts pulled for offline reading and exported as CSV.

pub mod store;

use std::path::PathBuf;

use cds_domain::{
    outbox::{Cause, Event, Illegal, OutboxState, ServerRef},
    report::{Field, Invalid, Rule},
    teams::{AssistedSession, SessionSummary, StoredStats, TeamMember, TeamStats, normalize_code},
};
use cds_provincial_api::{
    API_PREFIX,
    teams::{JoinTeam, Membership, SessionReceipt},
};

use crate::{
    Core, Error,
    http::{self, Answer, SendError},
    ids, now_ms,
};

/// Largest answer read from the team endpoints.
const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// What a delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivered {
    pub confirmed: u32,
    pub retrying: u32,
    pub rejected: u32,
    /// The gateway could not be reached.
    pub offline: bool,
}

fn code_invalid(rule: Rule) -> Error {
    Error::Invalid(Invalid {
        field: Field::TeamCode,
        rule,
    })
}

/// What a session's answer means for it.
fn outcome(id: &str, answer: Result<Answer, SendError>, now_ms: i64) -> Event {
    let transient = |reason: String, retry_after_ms, cause| Event::TransientFailure {
        reason,
        retry_after_ms,
        now_ms,
        jitter: ids::jitter(),
        cause,
    };
    match answer {
        Err(SendError::NotSent(reason)) => transient(reason, None, Cause::NotSent),
        Err(SendError::InDoubt(reason)) => transient(reason, None, Cause::InDoubt),
        Ok(answer) => match answer.status {
            200 | 201 => match serde_json::from_slice::<SessionReceipt>(&answer.body) {
                Ok(receipt) if receipt.id == id => Event::Confirmed {
                    server: ServerRef::Id(receipt.id),
                    now_ms,
                },
                _ => transient(
                    "the answer does not name this session".into(),
                    None,
                    Cause::InDoubt,
                ),
            },
            status @ (408 | 429 | 500..=599) => transient(
                http::reason(&answer),
                answer.retry_after_ms,
                Cause::Server(status),
            ),
            status => Event::PermanentFailure {
                reason: http::reason(&answer),
                status: Some(status),
                now_ms,
            },
        },
    }
}

impl Core {
    /// The team this device's member belongs to, if any.
    pub async fn team(&self) -> Result<Option<TeamMember>, Error> {
        self.store
            .run(|conn| Ok(store::membership(conn)?.map(|(member, _)| member)))
            .await
    }

    /// Joins a team with a member code issued by the province's staff.
    /// A mistyped code is refused here; an unknown, expired or revoked one
    /// by the gateway (each its own rule, for the UI to say).
    pub async fn join_team(&self, typed: String) -> Result<TeamMember, Error> {
        let code = normalize_code(&typed).map_err(|err| Error::Invalid(err.invalid()))?;
        let body = serde_json::to_vec(&JoinTeam { code })
            .map_err(|err| Error::Internal(err.to_string()))?;
        let key = ids::uuid()?;
        let answer = self
            .api
            .send_json(
                &format!("{API_PREFIX}/teams/join"),
                "",
                Some((&key, body)),
                MAX_ANSWER_BYTES,
            )
            .await
            .map_err(|err| Error::Unreachable(err.to_string()))?;
        let membership: Membership = match answer.status {
            201 | 200 => serde_json::from_slice(&answer.body)
                .map_err(|err| Error::Unreachable(format!("unusable answer: {err}")))?,
            400 => return Err(code_invalid(Rule::BadFormat)),
            404 => return Err(code_invalid(Rule::Unknown)),
            410 if http::reason(&answer).contains("revoked") => {
                return Err(code_invalid(Rule::Revoked));
            }
            410 => return Err(code_invalid(Rule::Expired)),
            429 => {
                return Err(Error::Wait {
                    seconds: answer
                        .retry_after_ms
                        .map_or(60, |ms| u64::try_from(ms / 1000).unwrap_or(60)),
                });
            }
            status if status >= 500 => {
                return Err(Error::Unreachable(http::reason(&answer)));
            }
            _ => return Err(Error::Refused(http::reason(&answer))),
        };
        if membership.token.is_empty() || membership.token.len() > 512 {
            return Err(Error::Unreachable("unusable answer: no credential".into()));
        }
        let member = TeamMember {
            team_id: membership.team_id,
            team_name: membership.team_name.chars().take(200).collect(),
            ward: membership.ward,
            member_id: membership.member_id,
            joined_at_ms: now_ms(),
        };
        let (kept, token) = (member.clone(), membership.token);
        self.store
            .run(move |conn| store::join(conn, &kept, &token))
            .await?;
        Ok(member)
    }

    /// Forgets the membership on this device (refused while sessions are
    /// still on their way).
    pub async fn leave_team(&self) -> Result<(), Error> {
        self.store.run(store::leave).await
    }

    /// Saves a session on the device, queued for delivery. Its rules are
    /// checked first; nothing is saved when one is broken.
    pub async fn record_session(
        &self,
        mut session: AssistedSession,
    ) -> Result<SessionSummary, Error> {
        if self.team().await?.is_none() {
            return Err(Error::NotNow(Illegal::Unexpected));
        }
        if session.id.is_empty() {
            session.id = ids::uuid()?;
        }
        session
            .check()
            .map_err(|err| Error::Invalid(err.invalid()))?;
        let now = now_ms();
        self.store
            .run(move |conn| store::record(conn, &session, now))
            .await
    }

    /// Every session on the device, newest first, with its delivery state.
    pub async fn sessions(&self) -> Result<Vec<SessionSummary>, Error> {
        self.store.run(|conn| store::list(conn)).await
    }

    /// A rejected or waiting session is sent again at the next sync.
    pub async fn retry_session(&self, id: String) -> Result<OutboxState, Error> {
        let policy = self.retry;
        let now = now_ms();
        self.store
            .run(move |conn| {
                store::transition(conn, &id, Event::Retry { now_ms: now }, now, &policy)
            })
            .await
    }

    /// Every waiting session becomes due at once (part of "send now").
    pub async fn sessions_due_now(&self) -> Result<usize, Error> {
        let policy = self.retry;
        self.store
            .run(move |conn| store::make_due(conn, now_ms(), &policy))
            .await
    }

    /// Delivers every session that is due, one after another.
    pub async fn deliver_sessions(&self) -> Result<Delivered, Error> {
        /// A bound on one pass (each session is sent at most once per pass).
        const MAX_PER_PASS: usize = 10_000;
        let mut delivered = Delivered::default();
        let Some(token) = self
            .store
            .run(|conn| Ok(store::membership(conn)?.map(|(_, token)| token)))
            .await?
        else {
            return Ok(delivered);
        };
        let policy = self.retry;
        for _ in 0..MAX_PER_PASS {
            let Some(id) = self
                .store
                .run(|conn| store::next_due(conn, now_ms()))
                .await?
            else {
                break;
            };
            let sending = id.clone();
            let summary = self
                .store
                .run(move |conn| {
                    let now = now_ms();
                    store::transition(conn, &sending, Event::Send { now_ms: now }, now, &policy)?;
                    store::summary(conn, &sending)
                })
                .await?;
            let body = serde_json::to_vec(&summary.session)
                .map_err(|err| Error::Internal(err.to_string()))?;
            let answer = self
                .api
                .send_json(
                    &format!("{API_PREFIX}/assisted-sessions"),
                    &token,
                    Some((&id, body)),
                    MAX_ANSWER_BYTES,
                )
                .await;
            delivered.offline |= matches!(answer, Err(SendError::NotSent(_)));
            let event = outcome(&id, answer, now_ms());
            let state = self
                .store
                .run(move |conn| store::transition(conn, &id, event, now_ms(), &policy))
                .await?;
            match state {
                OutboxState::Confirmed { .. } => delivered.confirmed += 1,
                OutboxState::Rejected { .. } => delivered.rejected += 1,
                _ => delivered.retrying += 1,
            }
            if delivered.offline {
                break;
            }
        }
        Ok(delivered)
    }

    /// Pulls the team's counts. `Ok(None)` when the gateway is unreachable
    /// or this device is in no team.
    pub async fn pull_team_stats(&self) -> Result<Option<StoredStats>, Error> {
        let Some(token) = self
            .store
            .run(|conn| Ok(store::membership(conn)?.map(|(_, token)| token)))
            .await?
        else {
            return Ok(None);
        };
        let answer = match self
            .api
            .send_json(
                &format!("{API_PREFIX}/teams/me/stats"),
                &token,
                None,
                MAX_ANSWER_BYTES,
            )
            .await
        {
            Ok(answer) => answer,
            Err(err) => {
                log::info!("team stats: {err}");
                return Ok(None);
            }
        };
        if answer.status != 200 {
            return Err(Error::Refused(http::reason(&answer)));
        }
        let stats: TeamStats = serde_json::from_slice(&answer.body)
            .map_err(|err| Error::Unreachable(format!("unusable answer: {err}")))?;
        let now = now_ms();
        let kept = stats.clone();
        self.store
            .run(move |conn| store::store_stats(conn, &kept, now))
            .await?;
        Ok(Some(StoredStats {
            stats,
            fetched_at_ms: now,
        }))
    }

    /// The team's counts as last pulled.
    pub async fn team_stats(&self) -> Result<Option<StoredStats>, Error> {
        self.store.run(|conn| store::stats(conn)).await
    }

    /// Writes an export (e.g. the team's counts as CSV) into `dir`, whole or
    /// not at all; returns the file's path.
    pub async fn write_export(
        &self,
        dir: PathBuf,
        file_name: String,
        text: String,
    ) -> Result<PathBuf, Error> {
        if file_name.is_empty()
            || file_name.len() > 100
            || !file_name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || file_name.starts_with('.')
        {
            return Err(Error::Invalid(Invalid {
                field: Field::Note,
                rule: Rule::BadCharacters,
            }));
        }
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(&file_name);
            let temp = dir.join(format!(".{file_name}.tmp"));
            std::fs::write(&temp, text.as_bytes())?;
            std::fs::rename(&temp, &path)?;
            Ok::<_, std::io::Error>(path)
        })
        .await
        .map_err(|err| Error::Internal(err.to_string()))?
        .map_err(|err| Error::Internal(format!("cannot write the export: {err}")))
    }
}
