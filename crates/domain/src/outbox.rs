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
//! An item leaves the device's database only once it is confirmed (and then
//! stays as the resident's record); nothing here deletes.

use serde::{Deserialize, Serialize};

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
    },
    /// Handed to the sender; the answer is not known yet.
    Sending { attempts: u32, started_at_ms: i64 },
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
        }
    }

    /// Not yet confirmed, rejected or cancelled.
    pub fn is_pending(&self) -> bool {
        matches!(
            self,
            OutboxState::Queued { .. } | OutboxState::Sending { .. }
        )
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
                })
            }
            (S::Sending { .. }, Event::Confirmed { server, now_ms }) => Ok(S::Confirmed {
                server,
                at_ms: now_ms,
            }),
            (
                S::Sending { attempts, .. },
                Event::TransientFailure {
                    reason,
                    retry_after_ms,
                    now_ms,
                    jitter,
                },
            ) => {
                let backoff = policy.delay_ms(*attempts, jitter);
                let asked = retry_after_ms
                    .unwrap_or(0)
                    .clamp(0, policy.max_retry_after_ms);
                Ok(S::Queued {
                    attempts: *attempts,
                    retry_at_ms: now_ms.saturating_add(backoff.max(asked)),
                    last_error: Some(reason),
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
            (S::Sending { attempts, .. }, Event::Interrupted { now_ms }) => Ok(S::Queued {
                attempts: *attempts,
                retry_at_ms: now_ms,
                last_error: Some("the app stopped while sending".into()),
            }),
            (S::Sending { .. }, Event::Cancel { .. }) => Err(Illegal::InFlight),
            (S::Rejected { .. }, Event::Retry { now_ms }) => Ok(S::new(now_ms)),
            // "Send now": a waiting item becomes due at once, keeping its count
            // and the reason of its last failure.
            (
                S::Queued {
                    attempts,
                    retry_at_ms,
                    last_error,
                },
                Event::Retry { now_ms },
            ) => Ok(S::Queued {
                attempts: *attempts,
                retry_at_ms: (*retry_at_ms).min(now_ms),
                last_error: last_error.clone(),
            }),
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
        let waiting = OutboxState::Queued {
            attempts: 3,
            retry_at_ms: 90_000,
            last_error: Some("no answer".into()),
        };
        let due = waiting.next(Event::Retry { now_ms: 1_000 }, &P).unwrap();
        assert_eq!(
            due,
            OutboxState::Queued {
                attempts: 3,
                retry_at_ms: 1_000,
                last_error: Some("no answer".into()),
            }
        );
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
        }
    }

    #[test]
    fn happy_path_counts_attempts() {
        let s = OutboxState::new(100);
        assert!(s.is_due(100) && s.is_pending());
        let s = s.next(Event::Send { now_ms: 100 }, &P).unwrap();
        assert_eq!(
            s,
            OutboxState::Sending {
                attempts: 1,
                started_at_ms: 100
            }
        );
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
        assert_eq!(
            s,
            OutboxState::Queued {
                attempts: 1,
                retry_at_ms: 510,
                last_error: Some("timeout".into()),
            }
        );
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
        let sending = OutboxState::Sending {
            attempts: 1,
            started_at_ms: 0,
        };
        let later = sending.next(transient(0, 0.0, Some(120_000)), &P).unwrap();
        assert_eq!(
            later,
            OutboxState::Queued {
                attempts: 1,
                retry_at_ms: 120_000,
                last_error: Some("timeout".into()),
            }
        );
        let capped = sending.next(transient(0, 0.0, Some(i64::MAX)), &P).unwrap();
        assert_eq!(
            capped,
            OutboxState::Queued {
                attempts: 1,
                retry_at_ms: 3_600_000,
                last_error: Some("timeout".into()),
            }
        );
        let negative = sending.next(transient(0, 0.0, Some(-5)), &P).unwrap();
        assert_eq!(
            negative,
            OutboxState::Queued {
                attempts: 1,
                retry_at_ms: 500,
                last_error: Some("timeout".into()),
            }
        );
    }

    #[test]
    fn a_crash_mid_send_requeues_at_once() {
        let s = OutboxState::Sending {
            attempts: 3,
            started_at_ms: 0,
        };
        assert_eq!(
            s.next(Event::Interrupted { now_ms: 99 }, &P),
            Ok(OutboxState::Queued {
                attempts: 3,
                retry_at_ms: 99,
                last_error: Some("the app stopped while sending".into()),
            })
        );
        assert_eq!(
            s.next(Event::Cancel { now_ms: 1 }, &P),
            Err(Illegal::InFlight)
        );
    }

    #[test]
    fn rejected_items_can_be_retried_or_cancelled() {
        let rejected = OutboxState::Sending {
            attempts: 1,
            started_at_ms: 0,
        }
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
}
