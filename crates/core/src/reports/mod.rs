//! Field reports: drafts, submitting into the outbox, my reports, the
//! resident's actions on them (cancel, retry, send now, edit a refused one,
//! feedback on the fix). `store` holds their SQL.

pub mod store;

use cds_domain::{
    outbox::{Event, OutboxState},
    report::{
        Counts, Cursor, Field, Invalid, Receipt, ReportDetail, ReportDraft, ReportPage,
        ReportSummary, Rule, StoredDraft,
    },
};
use cds_provincial_api::open311::{Feedback, FeedbackAction};

use crate::{ConfigError, Core, Error, now_ms, sync};

impl Core {
    /// Creates a draft (`id` = `None`) or saves its new content.
    pub async fn save_draft(
        &self,
        id: Option<String>,
        draft: ReportDraft,
    ) -> Result<StoredDraft, Error> {
        self.store
            .run(move |conn| store::save_draft(conn, id.as_deref(), &draft, now_ms()))
            .await
    }

    pub async fn draft(&self, id: String) -> Result<StoredDraft, Error> {
        self.store
            .run(move |conn| store::load_draft(conn, &id))
            .await
    }

    /// Every draft, most recently changed first.
    pub async fn drafts(&self) -> Result<Vec<StoredDraft>, Error> {
        self.store.run(|conn| store::drafts(conn)).await
    }

    pub async fn delete_draft(&self, id: String) -> Result<(), Error> {
        let photos = self.photos.clone();
        self.store
            .run(move |conn| store::delete_draft(conn, &photos, &id))
            .await
    }

    /// Moves a complete draft and its photos into the outbox; the receipt comes
    /// back at once, network or not.
    pub async fn submit(&self, draft_id: String) -> Result<Receipt, Error> {
        let draft = self.draft(draft_id.clone()).await?;
        if let Some(location) = draft.draft.location {
            self.check_in_province(location.lat, location.lon).await?;
        }
        self.store
            .run(move |conn| store::submit(conn, &draft_id, now_ms()))
            .await
    }

    /// My reports, newest first.
    pub async fn reports(&self, after: Option<Cursor>, limit: u32) -> Result<ReportPage, Error> {
        self.store
            .run(move |conn| store::list(conn, after, limit))
            .await
    }

    pub async fn report(&self, id: String) -> Result<ReportDetail, Error> {
        self.store.run(move |conn| store::detail(conn, &id)).await
    }

    /// Everything not yet confirmed, with its state and last error.
    pub async fn outbox(&self) -> Result<Vec<ReportSummary>, Error> {
        self.store.run(|conn| store::outbox(conn)).await
    }

    pub async fn counts(&self) -> Result<Counts, Error> {
        self.store.run(|conn| store::counts(conn)).await
    }

    /// Withdraws a report that is not confirmed (and not being sent).
    pub async fn cancel(&self, id: String) -> Result<OutboxState, Error> {
        let photos = self.photos.clone();
        self.store
            .run(move |conn| store::cancel(conn, &photos, &id, now_ms()))
            .await
    }

    /// Queues a rejected report again, as it is.
    pub async fn retry(&self, id: String) -> Result<OutboxState, Error> {
        self.apply(id, Event::Retry { now_ms: now_ms() }).await
    }

    /// "Send now": every report waiting in the queue becomes due at once (the
    /// next sync takes them, whatever their backoff said), and so does every
    /// waiting assisted session (`teams`).
    pub async fn send_now(&self) -> Result<usize, Error> {
        let policy = self.retry;
        let reports = self
            .store
            .run(move |conn| store::make_due(conn, now_ms(), &policy))
            .await?;
        Ok(reports + self.sessions_due_now().await?)
    }

    /// Edits a rejected report and queues it again (under a new idempotency key).
    pub async fn edit_rejected(&self, id: String, draft: ReportDraft) -> Result<Receipt, Error> {
        if let Some(location) = draft.location {
            self.check_in_province(location.lat, location.lon).await?;
        }
        self.store
            .run(move |conn| store::edit_rejected(conn, &id, &draft, now_ms()))
            .await
    }

    /// Records what happened to an outbox item (the sync engine's entry point).
    pub async fn apply(&self, id: String, event: Event) -> Result<OutboxState, Error> {
        let policy = self.retry;
        self.store
            .run(move |conn| store::transition(conn, &id, event, now_ms(), &policy))
            .await
    }

    /// The id of the queued report due soonest, if any is due now.
    pub async fn next_due(&self) -> Result<Option<String>, Error> {
        self.store
            .run(|conn| store::next_due(conn, now_ms(), false))
            .await
    }

    /// Sends the resident's feedback on a report of theirs (rate a resolved
    /// one, or reopen it with a reason), then refreshes its status.
    pub async fn feedback(
        &self,
        report_id: String,
        action: FeedbackAction,
    ) -> Result<ReportDetail, Error> {
        match &action {
            FeedbackAction::Reopen { reason } => cds_domain::report::check_reason(reason)?,
            FeedbackAction::Rate { rating, .. } if !(1..=5).contains(rating) => {
                return Err(Error::Invalid(Invalid {
                    field: Field::Rating,
                    rule: Rule::OutOfRange,
                }));
            }
            FeedbackAction::Rate { .. } => {}
        }
        let detail = self.report(report_id.clone()).await?;
        let Some(remote) = detail.remote else {
            return Err(Error::Refused(
                "the province has not answered this report yet".into(),
            ));
        };
        let url = self
            .config
            .api_url
            .join(&format!(
                "{}/requests/{}/feedback",
                cds_provincial_api::API_PREFIX,
                sync::utf8_percent(&remote.server_id)
            ))
            .map_err(|err| Error::Config(ConfigError(err.to_string())))?;
        let feedback = Feedback {
            client_request_id: report_id.clone(),
            action,
        };
        match self.open311.feedback(url, &feedback).await {
            Ok(answer) => {
                if let Some(remote) = sync::remote_status(&answer, now_ms()) {
                    let id = report_id.clone();
                    self.store
                        .run(move |conn| store::store_remote(conn, &id, &remote))
                        .await?;
                }
                self.report(report_id).await
            }
            Err((true, reason)) => Err(Error::Unreachable(reason)),
            Err((false, reason)) => Err(Error::Refused(reason)),
        }
    }
}
