//! The outbox state machine: how a submitted report travels to the province.
//!
//! No IO, no clock, no randomness: the caller hands in the time and the jitter,
//! so that every path (retries, crashes, rejections) is testable.
//!
//! ```text
//!   queued ──send──▶ sending ──confirmed──▶ confirmed (final)
//!     ▲  ▲              │ │
//!     │  └─transient────┘ └──permanent──▶ rejected ──retry──▶ queued
//!     │     (backoff)   interrupted (crash) ─▶ queued
//!   queued / rejected ──cancel──▶ cancelled (final)
//! ```
//! A queued item remembers whether an earlier attempt may have reached the
//! server (`in_doubt`: a server that ignores the idempotency key must be asked
//! for it before it is sent again) and how many times in a row the server gave
//! the same error (after [`ATTENTION_AFTER`] it needs the resident's attention,
//! and is retried only at the longest interval).
//! An item leaves the device's database only once it is confirmed (and then
//! stays as the resident's record); nothing here deletes.

use serde::{Deserialize, Serialize};

/// After this many answers in a row with the same server error, an item
/// needs attention: shown as such, retried at the policy's longest interval.
pub const ATTENTION_AFTER: u32 = 3;

// serde's `skip_serializing_if` takes a reference.
#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_false(value: &bool) -> bool {
    !*value
}

#[allow(clippy::trivially_copy_pass_by_ref)]
fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// Where an item is on its way to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting to be sent at or after `retry_at_ms`; `last_error` says why the
    /// last attempt did not go through, if there was one.
    Queued {
        attempts: u32,
        retry_at_ms: i64,
        #[serde(default)]
        last_error: Option<String>,
        /// An earlier attempt may have reached the server (its answer was
        /// lost): look for the report there before sending it again.
        #[serde(default, skip_serializing_if = "is_false")]
        in_doubt: bool,
        /// The server answered the same error status this many times in a row.
        #[serde(default, skip_serializing_if = "is_zero")]
        same_errors: u32,
        /// That status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_status: Option<u16>,
    },
    /// Handed to the sender; the answer is not known yet. The queued
    /// state's doubt and error streak are kept for what comes next.
    Sending {
        attempts: u32,
        started_at_ms: i64,
        #[serde(default, skip_serializing_if = "is_false")]
        in_doubt: bool,
        #[serde(default, skip_serializing_if = "is_zero")]
        same_errors: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_status: Option<u16>,
    },
    /// The server holds it.
    Confirmed { server: ServerRef, at_ms: i64 },
    /// The server refused it for good; the resident sees why and may edit and retry.
    Rejected {
        reason: String,
        status: Option<u16>,
        at_ms: i64,
    },
    /// The resident withdrew it before it was confirmed.
    Cancelled { at_ms: i64 },
}

/// How the server identifies a report it accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ServerRef {
    /// `service_request_id`.
    Id(String),
    /// A token to resolve into an id later (Open311 servers that queue requests).
    Token(String),
}

/// Something that happened to an item.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The sender takes the item; allowed only once it is due.
    Send {
        now_ms: i64,
    },
    Confirmed {
        server: ServerRef,
        now_ms: i64,
    },
    /// No usable answer (network, timeout, 408/429/5xx): try again later.
    /// `jitter` is a random number in `[0, 1)`.
    TransientFailure {
        reason: String,
        retry_after_ms: Option<i64>,
        now_ms: i64,
        jitter: f64,
        cause: Cause,
    },
    /// The server refused this item (400/403/404/409/413).
    PermanentFailure {
        reason: String,
        status: Option<u16>,
        now_ms: i64,
    },
    /// The app stopped while sending. The send may have reached the server;
    /// the idempotency key makes sending again safe.
    Interrupted {
        now_ms: i64,
    },
    /// The resident retries a rejected item (usually after editing it), or
    /// asks that a waiting one be sent now.
    Retry {
        now_ms: i64,
    },
    Cancel {
        now_ms: i64,
    },
}

/// Why an attempt brought no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// Nothing reached the server: no connection could be made.
    NotSent,
    /// The request went out, but no usable answer came back (connection lost,
    /// timeout, a cut answer, a 2xx naming no request): the server may hold it.
    InDoubt,
    /// The server answered with this status (408, 429, 5xx) and a reason.
    Server(u16),
}

impl Cause {
    /// Whether the server may have stored the report despite the failure
    /// (a 5xx may come after the work was done, or from a proxy in front).
    pub fn may_have_arrived(self) -> bool {
        match self {
            Cause::NotSent => false,
            Cause::InDoubt => true,
            Cause::Server(status) => status >= 500,
        }
    }
}

/// Why an event does not apply to a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Illegal {
    #[error("the item is not due yet")]
    NotDue,
    #[error("the item is being sent; wait for the answer")]
    InFlight,
    #[error("the item is confirmed or cancelled; nothing more can happen to it")]
    Final,
    #[error("that event does not apply in this state")]
    Unexpected,
    /// What the request was based on changed since it was shown: look again.
    #[error("it changed since it was shown; look at it again")]
    Changed,
}

/// Exponential backoff with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failure.
    pub base_ms: i64,
    /// Largest delay from backoff alone.
    pub max_ms: i64,
    /// Largest `Retry-After` honoured (a hostile server cannot park an item forever).
    pub max_retry_after_ms: i64,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            base_ms: 5_000,
            max_ms: 30 * 60_000,
            max_retry_after_ms: 6 * 3_600_000,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt: `base · 2^(attempts-1)`,
    /// capped, then "equal jitter" (half fixed, half random) so that many
    /// devices coming back online do not retry in step.
    pub fn delay_ms(&self, attempts: u32, jitter: f64) -> i64 {
        let exponent = attempts.saturating_sub(1).min(30);
        let full = self
            .base_ms
            .saturating_mul(1_i64 << exponent)
            .min(self.max_ms);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.5
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let random = ((full / 2) as f64 * jitter) as i64;
        full - full / 2 + random
    }
}

impl OutboxState {
    /// A new item: due at once.
    pub fn new(now_ms: i64) -> OutboxState {
        OutboxState::Queued {
            attempts: 0,
            retry_at_ms: now_ms,
            last_error: None,
            in_doubt: false,
            same_errors: 0,
            last_status: None,
        }
    }

    /// A queued item whose server gave the same error [`ATTENTION_AFTER`]
    /// times in a row: the resident should know (and may edit or cancel it).
    pub fn needs_attention(&self) -> bool {
        matches!(self, OutboxState::Queued { same_errors, .. } if *same_errors >= ATTENTION_AFTER)
    }

    /// A queued item that must be looked for at the server before it is sent
    /// again (when the server does not honour the idempotency key).
    pub fn in_doubt(&self) -> bool {
        matches!(self, OutboxState::Queued { in_doubt: true, .. })
    }

    /// Not yet confirmed, rejected or cancelled.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            OutboxState::Queued { .. } | OutboxState::Sending { .. }
        )
    }

    /// The state's name as stored beside it (for queries by state).
    pub fn kind(&self) -> &'static str {
        match self {
            OutboxState::Queued { .. } => "queued",
            OutboxState::Sending { .. } => "sending",
            OutboxState::Confirmed { .. } => "confirmed",
            OutboxState::Rejected { .. } => "rejected",
            OutboxState::Cancelled { .. } => "cancelled",
        }
    }

    /// When a queued item is due; `None` in every other state.
    pub fn retry_at_ms(&self) -> Option<i64> {
        match self {
            OutboxState::Queued { retry_at_ms, .. } => Some(*retry_at_ms),
            _ => None,
        }
    }

    pub fn is_due(&self, now_ms: i64) -> bool {
        matches!(self, OutboxState::Queued { retry_at_ms, .. } if *retry_at_ms <= now_ms)
    }

    /// The state after `event`, or why the event does not apply.
    pub fn next(&self, event: Event, policy: &RetryPolicy) -> Result<OutboxState, Illegal> {
        use OutboxState as S;
        match (self, event) {
            (S::Confirmed { .. } | S::Cancelled { .. }, _) => Err(Illegal::Final),
            (
                S::Queued {
                    attempts,
                    retry_at_ms,
                    in_doubt,
                    same_errors,
                    last_status,
                    ..
                },
                Event::Send { now_ms },
            ) => {
                if *retry_at_ms > now_ms {
                    return Err(Illegal::NotDue);
                }
                Ok(S::Sending {
                    attempts: attempts.saturating_add(1),
                    started_at_ms: now_ms,
                    in_doubt: *in_doubt,
                    same_errors: *same_errors,
                    last_status: *last_status,
                })
            }
            (S::Sending { .. }, Event::Confirmed { server, now_ms }) => Ok(S::Confirmed {
                server,
                at_ms: now_ms,
            }),
            (
                S::Sending {
                    attempts,
                    in_doubt,
                    same_errors,
                    last_status,
                    ..
                },
                Event::TransientFailure {
                    reason,
                    retry_after_ms,
                    now_ms,
                    jitter,
                    cause,
                },
            ) => {
                // A streak counts answers of the server; a lost connection
                // neither adds to it nor breaks it.
                let (same_errors, last_status) = match cause {
                    Cause::Server(status) if *last_status == Some(status) => {
                        (same_errors.saturating_add(1), Some(status))
                    }
                    Cause::Server(status) => (1, Some(status)),
                    Cause::NotSent | Cause::InDoubt => (*same_errors, *last_status),
                };
                let backoff = if same_errors >= ATTENTION_AFTER {
                    policy.max_ms
                } else {
                    policy.delay_ms(*attempts, jitter)
                };
                let asked = retry_after_ms
                    .unwrap_or(0)
                    .clamp(0, policy.max_retry_after_ms);
                Ok(S::Queued {
                    attempts: *attempts,
                    retry_at_ms: now_ms.saturating_add(backoff.max(asked)),
                    last_error: Some(reason),
                    in_doubt: *in_doubt || cause.may_have_arrived(),
                    same_errors,
                    last_status,
                })
            }
            (
                S::Sending { .. },
                Event::PermanentFailure {
                    reason,
                    status,
                    now_ms,
                },
            ) => Ok(S::Rejected {
                reason,
                status,
                at_ms: now_ms,
            }),
            (
                S::Sending {
                    attempts,
                    same_errors,
                    last_status,
                    ..
                },
                Event::Interrupted { now_ms },
            ) => Ok(S::Queued {
                attempts: *attempts,
                retry_at_ms: now_ms,
                last_error: Some("the app stopped while sending".into()),
                // The send may have reached the server.
                in_doubt: true,
                same_errors: *same_errors,
                last_status: *last_status,
            }),
            (S::Sending { .. }, Event::Cancel { .. }) => Err(Illegal::InFlight),
            (S::Rejected { .. }, Event::Retry { now_ms }) => Ok(S::new(now_ms)),
            // "Send now": a waiting item becomes due at once, keeping its count
            // and the reason of its last failure.
            (queued @ S::Queued { retry_at_ms, .. }, Event::Retry { now_ms }) => {
                let mut due = queued.clone();
                if let S::Queued {
                    retry_at_ms: at, ..
                } = &mut due
                {
                    *at = (*retry_at_ms).min(now_ms);
                }
                Ok(due)
            }
            (S::Queued { .. } | S::Rejected { .. }, Event::Cancel { now_ms }) => {
                Ok(S::Cancelled { at_ms: now_ms })
            }
            _ => Err(Illegal::Unexpected),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_now_makes_a_waiting_item_due_without_forgetting_why_it_waits() {
        let waiting = queued(3, 90_000, "no answer");
        let due = waiting.next(Event::Retry { now_ms: 1_000 }, &P).unwrap();
        assert_eq!(due, queued(3, 1_000, "no answer"));
        assert!(due.is_due(1_000));
    }

    const P: RetryPolicy = RetryPolicy {
        base_ms: 1_000,
        max_ms: 60_000,
        max_retry_after_ms: 3_600_000,
    };

    fn transient(now_ms: i64, jitter: f64, retry_after_ms: Option<i64>) -> Event {
        Event::TransientFailure {
            reason: "timeout".into(),
            retry_after_ms,
            now_ms,
            jitter,
            cause: Cause::NotSent,
        }
    }

    fn sending(attempts: u32, started_at_ms: i64) -> OutboxState {
        OutboxState::Sending {
            attempts,
            started_at_ms,
            in_doubt: false,
            same_errors: 0,
            last_status: None,
        }
    }

    fn queued(attempts: u32, retry_at_ms: i64, last_error: &str) -> OutboxState {
        OutboxState::Queued {
            attempts,
            retry_at_ms,
            last_error: Some(last_error.into()),
            in_doubt: false,
            same_errors: 0,
            last_status: None,
        }
    }

    #[test]
    fn happy_path_counts_attempts() {
        let s = OutboxState::new(100);
        assert!(s.is_due(100) && s.is_pending());
        let s = s.next(Event::Send { now_ms: 100 }, &P).unwrap();
        assert_eq!(s, sending(1, 100));
        let s = s
            .next(
                Event::Confirmed {
                    server: ServerRef::Id("42".into()),
                    now_ms: 150,
                },
                &P,
            )
            .unwrap();
        assert!(!s.is_pending());
        assert_eq!(s.next(Event::Send { now_ms: 200 }, &P), Err(Illegal::Final));
        assert_eq!(
            s.next(Event::Cancel { now_ms: 200 }, &P),
            Err(Illegal::Final)
        );
    }

    #[test]
    fn backoff_grows_exponentially_with_bounded_jitter() {
        for attempts in 1..=12u32 {
            let full = (1_000_i64 << (attempts - 1)).min(60_000);
            let low = P.delay_ms(attempts, 0.0);
            let high = P.delay_ms(attempts, 0.999_999);
            assert_eq!(low, full - full / 2, "attempt {attempts}");
            assert!(
                high <= full && high >= full - 1,
                "attempt {attempts}: {high}"
            );
        }
        assert_eq!(P.delay_ms(u32::MAX, 0.0), 30_000);
        assert_eq!(P.delay_ms(3, f64::NAN), P.delay_ms(3, 0.5));
        assert_eq!(P.delay_ms(3, 7.0), P.delay_ms(3, 1.0));
    }

    #[test]
    fn a_transient_failure_waits_and_is_not_due_before_its_time() {
        let s = OutboxState::new(0)
            .next(Event::Send { now_ms: 0 }, &P)
            .unwrap()
            .next(transient(10, 0.0, None), &P)
            .unwrap();
        assert_eq!(s, queued(1, 510, "timeout"));
        assert!(!s.is_due(509));
        assert_eq!(
            s.next(Event::Send { now_ms: 509 }, &P),
            Err(Illegal::NotDue)
        );
        let s = s.next(Event::Send { now_ms: 510 }, &P).unwrap();
        assert!(matches!(s, OutboxState::Sending { attempts: 2, .. }));
    }

    #[test]
    fn retry_after_is_honoured_but_capped() {
        let sending = sending(1, 0);
        let later = sending.next(transient(0, 0.0, Some(120_000)), &P).unwrap();
        assert_eq!(later, queued(1, 120_000, "timeout"));
        let capped = sending.next(transient(0, 0.0, Some(i64::MAX)), &P).unwrap();
        assert_eq!(capped, queued(1, 3_600_000, "timeout"));
        let negative = sending.next(transient(0, 0.0, Some(-5)), &P).unwrap();
        assert_eq!(negative, queued(1, 500, "timeout"));
    }

    #[test]
    fn a_crash_mid_send_requeues_at_once() {
        let s = sending(3, 0);
        assert_eq!(
            s.next(Event::Interrupted { now_ms: 99 }, &P),
            Ok(OutboxState::Queued {
                attempts: 3,
                retry_at_ms: 99,
                last_error: Some("the app stopped while sending".into()),
                in_doubt: true,
                same_errors: 0,
                last_status: None,
            })
        );
        assert_eq!(
            s.next(Event::Cancel { now_ms: 1 }, &P),
            Err(Illegal::InFlight)
        );
    }

    #[test]
    fn rejected_items_can_be_retried_or_cancelled() {
        let rejected = sending(1, 0)
            .next(
                Event::PermanentFailure {
                    reason: "unknown service_code".into(),
                    status: Some(400),
                    now_ms: 5,
                },
                &P,
            )
            .unwrap();
        assert!(!rejected.is_pending());
        assert_eq!(
            rejected.next(Event::Retry { now_ms: 9 }, &P),
            Ok(OutboxState::new(9))
        );
        assert_eq!(
            rejected.next(Event::Cancel { now_ms: 9 }, &P),
            Ok(OutboxState::Cancelled { at_ms: 9 })
        );
        assert_eq!(
            OutboxState::new(0).next(Event::Retry { now_ms: 1 }, &P),
            Ok(OutboxState::new(0)),
            "an item already due stays as it is"
        );
        assert_eq!(
            OutboxState::new(0).next(
                Event::Confirmed {
                    server: ServerRef::Token("t".into()),
                    now_ms: 1
                },
                &P
            ),
            Err(Illegal::Unexpected)
        );
    }

    fn fail(state: &OutboxState, now_ms: i64, cause: Cause) -> OutboxState {
        state
            .next(Event::Send { now_ms }, &P)
            .unwrap()
            .next(
                Event::TransientFailure {
                    reason: format!("{cause:?}"),
                    retry_after_ms: None,
                    now_ms,
                    jitter: 0.0,
                    cause,
                },
                &P,
            )
            .unwrap()
    }

    fn due_at(state: &OutboxState) -> i64 {
        match state {
            OutboxState::Queued { retry_at_ms, .. } => *retry_at_ms,
            other => panic!("not queued: {other:?}"),
        }
    }

    #[test]
    fn a_lost_answer_leaves_the_item_in_doubt_until_it_is_confirmed() {
        let fresh = OutboxState::new(0);
        assert!(!fail(&fresh, 0, Cause::NotSent).in_doubt());
        assert!(!fail(&fresh, 0, Cause::Server(429)).in_doubt());
        assert!(!fail(&fresh, 0, Cause::Server(408)).in_doubt());
        assert!(fail(&fresh, 0, Cause::Server(502)).in_doubt());
        let doubt = fail(&fresh, 0, Cause::InDoubt);
        assert!(doubt.in_doubt());
        // A later attempt that reached nobody does not clear the doubt.
        let still = fail(&doubt, due_at(&doubt), Cause::NotSent);
        assert!(still.in_doubt());
        // "Send now" keeps it too; so does a crash while sending.
        assert!(
            still
                .next(Event::Retry { now_ms: 0 }, &P)
                .unwrap()
                .in_doubt()
        );
        let crashed = fresh
            .next(Event::Send { now_ms: 0 }, &P)
            .unwrap()
            .next(Event::Interrupted { now_ms: 1 }, &P)
            .unwrap();
        assert!(crashed.in_doubt());
        let confirmed = still
            .next(
                Event::Send {
                    now_ms: due_at(&still),
                },
                &P,
            )
            .unwrap()
            .next(
                Event::Confirmed {
                    server: ServerRef::Id("7".into()),
                    now_ms: 9,
                },
                &P,
            )
            .unwrap();
        assert!(!confirmed.in_doubt());
    }

    #[test]
    fn the_same_server_error_three_times_needs_attention_and_waits_longest() {
        let mut state = OutboxState::new(0);
        for round in 1..=ATTENTION_AFTER {
            assert!(!state.needs_attention(), "round {round}");
            let now = due_at(&state);
            state = fail(&state, now, Cause::Server(500));
            // A lost connection in between neither counts nor breaks the streak.
            state = fail(&state, due_at(&state), Cause::NotSent);
        }
        assert!(state.needs_attention());
        let OutboxState::Queued {
            same_errors,
            last_status,
            ..
        } = &state
        else {
            panic!("{state:?}");
        };
        assert_eq!((*same_errors, *last_status), (ATTENTION_AFTER, Some(500)));
        // Once it needs attention, it waits the longest interval.
        let now = due_at(&state);
        let again = fail(&state, now, Cause::Server(500));
        assert_eq!(due_at(&again), now + P.max_ms);
        assert!(again.needs_attention());
        // "Send now" still makes it due at once.
        let due = again.next(Event::Retry { now_ms: now }, &P).unwrap();
        assert!(due.is_due(now) && due.needs_attention());
        // Another status starts a new streak.
        let other = fail(&again, due_at(&again), Cause::Server(503));
        assert!(!other.needs_attention());
        assert!(matches!(
            other,
            OutboxState::Queued {
                same_errors: 1,
                last_status: Some(503),
                ..
            }
        ));
    }

    #[test]
    fn states_written_before_doubt_and_streaks_still_read() {
        let old = r#"{"state":"queued","attempts":2,"retry_at_ms":5,"last_error":"x"}"#;
        let state: OutboxState = serde_json::from_str(old).unwrap();
        assert_eq!(state, queued(2, 5, "x"));
        let old_sending = r#"{"state":"sending","attempts":1,"started_at_ms":3}"#;
        let state: OutboxState = serde_json::from_str(old_sending).unwrap();
        assert_eq!(state, sending(1, 3));
        // New fields are left out when they say nothing.
        assert_eq!(serde_json::to_string(&queued(2, 5, "x")).unwrap(), old);
    }
}
