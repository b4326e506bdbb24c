//! The sync engine: delivering the outbox (one pass at a time, each outcome
//! recorded through the outbox state machine) and pulling what the province
//! says of my reports. `open311` is the client, `answers` reads what servers say.

mod answers;
mod open311;

pub use answers::{Outcome, public_report, remote_status};
pub use open311::{GetError, Open311, utf8_percent};

use cds_domain::{
    outbox::{Cause, Event, OutboxState},
    sync::{Network, SyncEvent},
};

use crate::{Core, Error, ids, now_ms, photos::PhotoDir, reports};

/// Receives the engine's events; called from the sending task, so it must be quick.
pub type OnEvent = std::sync::Arc<dyn Fn(SyncEvent) + Send + Sync>;

/// Reads the photo files of a report (off the async threads).
pub async fn photo_bytes(photos: &PhotoDir, hashes: &[String]) -> Result<Vec<Vec<u8>>, Error> {
    let dir = photos.clone();
    let hashes = hashes.to_vec();
    tokio::task::spawn_blocking(move || {
        hashes
            .iter()
            .map(|h| dir.read(h))
            .collect::<std::io::Result<Vec<_>>>()
    })
    .await
    .map_err(|err| Error::Internal(format!("photo reader stopped: {err}")))?
    .map_err(|err| Error::Internal(format!("a photo of a queued report is missing: {err}")))
}

/// What a pull brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pulled {
    /// Reports whose status, answer or history changed.
    pub changed: Vec<String>,
    /// Some of the server could not be reached; try again later.
    pub offline: bool,
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub confirmed: u32,
    pub retrying: u32,
    pub rejected: u32,
    /// Due reports with photos kept back for Wi-Fi.
    pub held_for_wifi: u32,
}

impl Pass {
    pub fn count(&mut self, state: &OutboxState) {
        match state {
            OutboxState::Confirmed { .. } => self.confirmed += 1,
            OutboxState::Rejected { .. } => self.rejected += 1,
            _ => self.retrying += 1,
        }
    }
}

impl Core {
    /// Delivers every report that is due, one after another, and records each
    /// outcome. Only one delivery runs at a time; a second call waits for it.
    pub async fn sync_outbox(&self) -> Result<Pass, Error> {
        self.sync_outbox_with(Network::Unknown, std::sync::Arc::new(|_| {}))
            .await
    }

    /// [`Core::sync_outbox`] on `network`, telling `on_event` how each report
    /// and photo goes. With "photos only on Wi-Fi" on a metered network,
    /// reports with photos stay queued (counted in `Pass::held_for_wifi`).
    pub async fn sync_outbox_with(
        &self,
        network: Network,
        on_event: OnEvent,
    ) -> Result<Pass, Error> {
        /// A bound on one pass (each item is sent at most once per pass anyway).
        const MAX_PER_PASS: usize = 10_000;
        let _only_one = self.sync_lock.lock().await;
        let hold = self.data_use().await?.holds_photos(network);
        let mut pass = Pass::default();
        for _ in 0..MAX_PER_PASS {
            let Some(id) = self
                .store
                .run(move |conn| reports::store::next_due(conn, now_ms(), hold))
                .await?
            else {
                break;
            };
            let report = self.report(id.clone()).await?;
            self.apply(id.clone(), Event::Send { now_ms: now_ms() })
                .await?;
            on_event(SyncEvent::Sending {
                report_id: id.clone(),
                photos: u32::try_from(report.photos.len()).unwrap_or(u32::MAX),
            });
            let outcome = match self.reconcile(&report).await {
                Some(known) => known,
                None => match photo_bytes(&self.photos, &report.photos).await {
                    Ok(photos) => {
                        self.open311
                            .send_with_progress(&report, photos, on_event.clone())
                            .await
                    }
                    Err(err) => Outcome::Permanent {
                        reason: err.to_string(),
                        status: 0,
                    },
                },
            };
            let state = self
                .apply(id.clone(), outcome.event(now_ms(), ids::jitter()))
                .await?;
            pass.count(&state);
            on_event(SyncEvent::Sent {
                report_id: id,
                state,
            });
        }
        if hold {
            pass.held_for_wifi = self
                .store
                .run(|conn| reports::store::due_with_photos(conn, now_ms()))
                .await?;
        }
        Ok(pass)
    }

    /// Before a report whose earlier send may have reached the server is sent
    /// again: on a server that does not honour idempotency keys, look for it
    /// there. `Some(Confirmed)`: it is there (its id is adopted, nothing is
    /// sent); `None`: it is not, send it; `Some(Transient)`: the server could
    /// not be asked, so nothing is sent now.
    async fn reconcile(&self, report: &cds_domain::report::ReportDetail) -> Option<Outcome> {
        if !report.summary.state.in_doubt() || self.open311.honours_keys().await {
            return None;
        }
        match self.open311.find(report).await {
            Ok(Some(server)) => {
                log::info!(
                    "report {} was already at the server ({server:?}): adopted, not sent again",
                    report.summary.id
                );
                Some(Outcome::Confirmed(server))
            }
            Ok(None) => None,
            Err(err) => Some(Outcome::Transient {
                reason: format!(
                    "could not ask the server whether it already has this report: {err}"
                ),
                retry_after_ms: None,
                cause: match &err {
                    GetError::Unreachable(_) => Cause::NotSent,
                    GetError::Status { status, .. } => Cause::Server(*status),
                    GetError::Unusable(_) => Cause::InDoubt,
                },
            }),
        }
    }

    /// Pulls what the province says of my confirmed reports (status, answer,
    /// history) and resolves tokens into ids. Returns the reports that changed,
    /// for the UI to announce; an unreachable server is `Pulled::offline`.
    pub async fn pull_reports(&self) -> Result<Pulled, Error> {
        /// Ids per `GET requests` call.
        const CHUNK: usize = 50;
        let confirmed = self
            .store
            .run(|conn| reports::store::confirmed(conn))
            .await?;
        let mut by_server = std::collections::HashMap::new();
        let mut pulled = Pulled::default();
        for (report_id, server) in confirmed {
            match server {
                cds_domain::outbox::ServerRef::Id(id) => {
                    by_server.insert(id, report_id);
                }
                cds_domain::outbox::ServerRef::Token(token) => {
                    match self.open311.resolve_token(&token).await {
                        Ok(Some(id)) => {
                            by_server.insert(id, report_id);
                        }
                        Ok(None) => {}
                        Err(reason) => {
                            log::info!("token {token} not resolved: {reason}");
                            pulled.offline |= reason.is_offline();
                        }
                    }
                }
            }
        }
        let ids: Vec<String> = by_server.keys().cloned().collect();
        for chunk in ids.chunks(CHUNK) {
            let answers = match self.open311.fetch(chunk).await {
                Ok(answers) => answers,
                Err(reason) => {
                    log::info!("pulling report status: {reason}");
                    pulled.offline |= reason.is_offline();
                    continue;
                }
            };
            let now = now_ms();
            let mut found = Vec::new();
            for answer in &answers {
                if let Some(remote) = remote_status(answer, now)
                    && let Some(report_id) = by_server.get(&remote.server_id)
                {
                    found.push((report_id.clone(), remote));
                }
            }
            let changed = self
                .store
                .run(move |conn| {
                    let mut changed = Vec::new();
                    for (report_id, remote) in &found {
                        if reports::store::store_remote(conn, report_id, remote)? {
                            changed.push(report_id.clone());
                        }
                    }
                    Ok(changed)
                })
                .await?;
            pulled.changed.extend(changed);
        }
        Ok(pulled)
    }
}
