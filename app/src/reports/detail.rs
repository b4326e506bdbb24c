//! One of my reports: its receipt, sending progress, status timeline, the
//! agency's answer and photo of the fix, the expected date, the resident's
//! feedback, and changing a refused report to send it again.

use cds_domain::{
    Lang,
    outbox::{OutboxState, ServerRef},
    report::ReportDetail,
};
use cds_ipc::{
    ById, CancelReport, Empty, FeedbackAction, FeedbackRequest, LoadReport, RetryReport,
    SendFeedback, SyncNow,
};
use leptos::{prelude::*, task::spawn_local};

use super::status;
use crate::{
    i18n::{self, Key},
    ipc,
    nav::{BackNav, Page},
    state::AppState,
};

/// One report. `fresh`: just submitted, the receipt comes first.
#[component]
pub fn ReportPage(id: String, fresh: bool) -> impl IntoView {
    let app = expect_context::<AppState>();
    let detail = RwSignal::new(None::<ReportDetail>);
    let load = {
        let id = id.clone();
        move || {
            let id = id.clone();
            spawn_local(async move {
                match ipc::call::<LoadReport>(&ById { id }).await {
                    Ok(d) => detail.set(Some(d)),
                    Err(err) => app.error.set(Some(err)),
                }
            });
        }
    };
    load();
    // Reload whenever a send attempt or a sync ends.
    let reload = load.clone();
    Effect::new(move |seen: Option<(usize, usize)>| {
        let now = app.sync.with(|s| (s.finished, s.sent));
        if seen.is_some_and(|seen| seen != now) {
            reload();
        }
        now
    });
    view! {
        <BackNav label=Key::ReportsBack />
        <article class="page" data-page="report">
            // One region that stays while the page is open, so that screen
            // readers announce each change of state (sending, sent, refused).
            <p class="visually-hidden" role="status" aria-live="polite" id="report-announce">
                {move || detail.with(|d| d.as_ref().map(|d| {
                    let lang = app.lang();
                    let remote = d.remote.as_ref().and_then(|r| r.detailed_status.clone());
                    let (_, label) = status(lang, &d.summary, remote.as_deref());
                    match state_words(app, &d.summary.state) {
                        Some(words) => format!("{label}. {words}"),
                        None => label,
                    }
                }))}
            </p>
            {move || detail.get().map(|d| report_view(app, d, fresh, load.clone()))}
        </article>
    }
}

/// What the device's state of a report means, in plain words (none once
/// cancelled).
fn state_words(app: AppState, state: &OutboxState) -> Option<String> {
    let lang = app.lang();
    match state {
        state @ OutboxState::Queued { last_error, .. } => Some(match last_error {
            Some(reason) if state.needs_attention() => {
                i18n::fill(lang, Key::ReceiptAttention, &[("reason", reason)])
            }
            Some(_) => app.t(Key::ReceiptWaiting).to_owned(),
            None => app.t(Key::ReceiptQueued).to_owned(),
        }),
        OutboxState::Sending { .. } => Some(app.t(Key::ReceiptSending).to_owned()),
        OutboxState::Rejected { reason, .. } => Some(i18n::fill(
            lang,
            Key::ReceiptRejected,
            &[("reason", reason)],
        )),
        OutboxState::Confirmed { server, .. } => Some(i18n::fill(
            lang,
            Key::ReceiptConfirmed,
            &[(
                "id",
                match server {
                    ServerRef::Id(id) | ServerRef::Token(id) => id,
                },
            )],
        )),
        OutboxState::Cancelled { .. } => None,
    }
}

fn report_view(
    app: AppState,
    d: ReportDetail,
    fresh: bool,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let lang = app.lang();
    let remote_status = d.remote.as_ref().and_then(|r| r.detailed_status.clone());
    let (kind, label) = status(lang, &d.summary, remote_status.as_deref());
    let id = d.summary.id.clone();
    let heading = if fresh && !matches!(d.summary.state, OutboxState::Confirmed { .. }) {
        app.t(Key::ReceiptHeading)
    } else {
        app.t(Key::ReportHeading)
    };
    let state_text = state_words(app, &d.summary.state);
    let progress_id = id.clone();
    let progress = move || {
        app.sync.with(|s| s.sending.clone()).filter(|(rid, _, _)| *rid == progress_id).map(|(_, photos, p)| {
            let done = p.as_ref().map_or(0, |p| p.photos_done());
            view! { <p id="send-progress" role="status">{i18n::fill(app.lang(), Key::SyncSendingPhotos, &[("done", &done.to_string()), ("total", &photos.to_string())])}</p> }
        })
    };
    let pending = d.summary.state.is_pending();
    let rejected = matches!(d.summary.state, OutboxState::Rejected { .. });
    let (cancel_id, retry_id) = (id.clone(), id.clone());
    let mine = d.photos.clone();
    let remote = d.remote.clone();
    let agency_photos: Vec<usize> = remote
        .as_ref()
        .map(|r| (mine.len()..r.media_urls.len()).collect())
        .unwrap_or_default();
    let timeline = timeline(lang, &d);
    let resolved = remote_status.as_deref() == Some("resolved")
        && remote.as_ref().is_some_and(|r| r.rating.is_none());
    let rated = remote.as_ref().and_then(|r| r.rating);
    view! {
        <h1 tabindex="-1">{heading}</h1>
        <p class="receipt">
            <span>{app.t(Key::ReceiptCode)}</span> " "
            <strong id="receipt-code">{d.summary.receipt.clone()}</strong>
        </p>
        <p><span id="report-status" class=format!("badge badge--{kind}") data-state=kind>{label}</span></p>
        {state_text.map(|t| view! { <p id="report-state-text">{t}</p> })}
        {progress}
        {(!pending).then(|| view! {
            <button id="refresh-report" class="button button--small" on:click=move |_| spawn_local(async move {
                if let Err(err) = ipc::call::<SyncNow>(&Empty {}).await { app.error.set(Some(err)); }
            })>{app.t(Key::ReportRefresh)}</button>
        })}
        {pending.then(|| view! {
            <div class="form-actions">
                <button id="send-now" class="button" on:click=move |_| spawn_local(async move {
                    if let Err(err) = ipc::call::<SyncNow>(&Empty {}).await { app.error.set(Some(err)); }
                })>{app.t(Key::ReceiptSendNow)}</button>
                <button id="cancel-report" class="button" on:click={
                    let reload = reload.clone();
                    move |_| { let id = cancel_id.clone(); let reload = reload.clone(); spawn_local(async move {
                        match ipc::call::<CancelReport>(&ById { id }).await { Ok(_) => reload(), Err(err) => app.error.set(Some(err)) }
                    }); }
                }>{app.t(Key::ReceiptCancel)}</button>
            </div>
        })}
        {rejected.then(|| edit_rejected(app, d.summary.id.clone(), d.draft.clone()))}
        {rejected.then(|| view! {
            <button id="retry-report" class="button" on:click={
                let reload = reload.clone();
                move |_| { let id = retry_id.clone(); let reload = reload.clone(); spawn_local(async move {
                    match ipc::call::<RetryReport>(&ById { id }).await { Ok(_) => reload(), Err(err) => app.error.set(Some(err)) }
                }); }
            }>{app.t(Key::ReceiptRetry)}</button>
        })}
        <section aria-labelledby="answer-heading">
            <h2 id="answer-heading">{app.t(Key::ReportAnswer)}</h2>
            {match &remote {
                Some(r) if !r.note.is_empty() => view! { <p id="agency-answer">{r.note.clone()}</p> }.into_any(),
                _ => view! { <p class="hint">{app.t(Key::ReportNoAnswer)}</p> }.into_any(),
            }}
            {remote.as_ref().filter(|r| !r.agency.is_empty()).map(|r| view! { <p>{app.t(Key::ReportAgency)} " " {r.agency.clone()}</p> })}
            {remote.as_ref().and_then(|r| r.expected_datetime.clone()).map(|date| view! {
                <p id="expected-date">{i18n::fill(lang, Key::ReportExpected, &[("date", &date), ("days", &days_until(&date))])}</p>
            })}
            <ul class="photo-list">
                {agency_photos.into_iter().map(|i| view! {
                    <li><img class="agency-photo" src=ipc::photo_src(&format!("remote/{}/{i}", d.summary.id)) alt=app.t(Key::ReportFixPhotoAlt) /></li>
                }).collect_view()}
            </ul>
        </section>
        {resolved.then(|| feedback_form(app, id.clone(), reload.clone()))}
        {rated.map(|rating| view! { <p id="my-rating">{i18n::fill(lang, Key::ReportRated, &[("rating", &rating.to_string())])}</p> })}
        <section aria-labelledby="photos-heading">
            <h2 id="photos-heading">{app.t(Key::ReportPhotos)}</h2>
            <ul class="photo-list">
                {mine.into_iter().enumerate().map(|(i, hash)| view! {
                    <li><img src=ipc::photo_src(&format!("thumb/{hash}")) alt=i18n::fill(lang, Key::ReportPhotoAlt, &[("n", &(i + 1).to_string())]) /></li>
                }).collect_view()}
            </ul>
        </section>
        <section aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{app.t(Key::ReportTimeline)}</h2>
            <ol class="timeline" id="timeline">{timeline}</ol>
        </section>
    }
}

/// The device's steps, then the province's, oldest first.
fn timeline(lang: Lang, d: &ReportDetail) -> impl IntoView + use<> {
    let mut lines: Vec<(String, String)> = d
        .history
        .iter()
        .filter_map(|h| {
            let key = match &h.state {
                OutboxState::Queued { attempts: 0, .. } => Key::TimelineFiled,
                OutboxState::Confirmed { .. } => Key::TimelineDelivered,
                OutboxState::Rejected { .. } => Key::TimelineRejected,
                OutboxState::Cancelled { .. } => Key::TimelineCancelled,
                _ => return None,
            };
            Some((
                i18n::format_time(lang, h.at_ms),
                i18n::text(lang, key).to_owned(),
            ))
        })
        .collect();
    if let Some(remote) = &d.remote {
        for update in &remote.updates {
            let text = if update.note.is_empty() {
                i18n::status_name(lang, &update.detailed_status)
            } else {
                format!(
                    "{}: {}",
                    i18n::status_name(lang, &update.detailed_status),
                    update.note
                )
            };
            lines.push((update.updated_datetime.clone(), text));
        }
    }
    lines
        .into_iter()
        .map(|(when, what)| view! { <li><span class="hint">{when}</span> " " {what}</li> })
        .collect_view()
}

/// Whole days from now to an ISO 8601 date, as text ("3", "-1").
fn days_until(date: &str) -> String {
    let then = js_sys::Date::parse(date);
    if then.is_nan() {
        return "?".into();
    }
    let days = ((then - js_sys::Date::now()) / 86_400_000.0).ceil();
    format!("{days:.0}")
}

fn feedback_form(
    app: AppState,
    id: String,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let rating = RwSignal::new(0u8);
    let reason = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let send = move |action: FeedbackAction| {
        let (report_id, reload) = (id.clone(), reload.clone());
        spawn_local(async move {
            match ipc::call::<SendFeedback>(&FeedbackRequest { report_id, action }).await {
                Ok(_) => reload(),
                Err(err) => problem.set(Some(match err.invalid {
                    Some(invalid) => i18n::invalid_text(app.lang(), invalid),
                    None => format!(
                        "{} {}",
                        i18n::text(app.lang(), i18n::error_key(err.code)),
                        err.message
                    ),
                })),
            }
        });
    };
    let send_reopen = send.clone();
    view! {
        <section class="feedback" aria-labelledby="feedback-heading">
            <h2 id="feedback-heading">{app.t(Key::FeedbackHeading)}</h2>
            <fieldset class="stars">
                <legend>{app.t(Key::FeedbackRating)}</legend>
                {(1..=5u8).map(|n| view! {
                    <label class="choice"><input type="radio" name="rating" id=format!("rating-{n}") value=n.to_string()
                        on:change=move |_| rating.set(n) />{n.to_string()}</label>
                }).collect_view()}
            </fieldset>
            <button id="confirm-fixed" class="button button--primary" on:click=move |_| {
                let stars = rating.get_untracked();
                if stars == 0 { problem.set(Some(app.t(Key::FeedbackChooseRating).to_owned())); return; }
                send(FeedbackAction::Rate { rating: stars, fixed: true });
            }>{app.t(Key::FeedbackFixed)}</button>
            <label class="field"><span>{app.t(Key::FeedbackReason)}</span>
                <textarea id="reopen-reason" rows="3" maxlength="2000" prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))></textarea></label>
            <button id="not-fixed" class="button" on:click=move |_| {
                send_reopen(FeedbackAction::Reopen { reason: reason.get_untracked() });
            }>{app.t(Key::FeedbackNotFixed)}</button>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
        </section>
    }
}

/// A refused report, changed and sent again (same receipt, new idempotency key).
fn edit_rejected(
    app: AppState,
    id: String,
    draft: cds_domain::report::ReportDraft,
) -> impl IntoView {
    let text = RwSignal::new(draft.description.clone());
    let problem = RwSignal::new(None::<String>);
    view! {
        <section class="form-section" aria-labelledby="edit-heading">
            <h2 id="edit-heading">{app.t(Key::ReportEditRejected)}</h2>
            <label class="field"><span>{app.t(Key::ReportDescription)}</span>
                <textarea id="edit-description" rows="4" maxlength="4000" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea></label>
            <button id="resend-edited" class="button button--primary" on:click=move |_| {
                let mut changed = draft.clone();
                changed.description = text.get_untracked();
                let id = id.clone();
                spawn_local(async move {
                    match ipc::call::<cds_ipc::EditRejected>(&cds_ipc::EditRejectedRequest { id, draft: changed }).await {
                        // Sent again under a new id (same receipt): follow it there.
                        Ok(receipt) => app.nav.replace(Page::Report { id: receipt.report_id, fresh: true }),
                        Err(err) => problem.set(Some(match err.invalid {
                            Some(invalid) => i18n::invalid_text(app.lang(), invalid),
                            None => i18n::text(app.lang(), i18n::error_key(err.code)).to_owned(),
                        })),
                    }
                });
            }>{app.t(Key::ReportResendEdited)}</button>
            {move || problem.get().map(|p| view! { <p class="field-error" role="alert">{p}</p> })}
        </section>
    }
}
