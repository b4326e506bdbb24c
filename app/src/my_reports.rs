//! My reports: the hub (new report, drafts, the list), one report with its
//! receipt, sending progress, status timeline, the agency's answer and photo
//! of the fix, the expected date, and the resident's feedback.

use cds_domain::{
    Lang,
    outbox::{OutboxState, ServerRef},
    report::{ReportDetail, ReportSummary, StoredDraft},
};
use cds_ipc::{
    ById, CancelReport, Empty, FeedbackAction, FeedbackRequest, LoadDrafts, LoadReport,
    LoadReports, LoadReportsRequest, RetryReport, SendFeedback, SyncNow,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    app::{AppState, BackNav, Page, focus_after_render},
    i18n::{self, Key},
    ipc,
};

/// Reports per page of the list.
const PAGE: u32 = 30;

/// The badge of a report: where it is, from the device's and the province's side.
fn status(lang: Lang, summary: &ReportSummary, remote: Option<&str>) -> (&'static str, String) {
    let (kind, key) = match (&summary.state, remote) {
        (OutboxState::Confirmed { .. }, Some("resolved")) => ("resolved", Key::StatusResolved),
        (OutboxState::Confirmed { .. }, Some("in_progress" | "assigned")) => {
            ("in-progress", Key::StatusInProgress)
        }
        (OutboxState::Confirmed { .. }, Some("rejected")) => ("refused", Key::StatusRefused),
        (OutboxState::Confirmed { .. }, Some("duplicate")) => ("duplicate", Key::StatusDuplicate),
        (OutboxState::Confirmed { .. }, Some("reopened")) => ("reopened", Key::StatusReopened),
        (OutboxState::Confirmed { .. }, _) => ("sent", Key::StatusSent),
        (OutboxState::Queued { .. }, _) => ("queued", Key::StatusQueued),
        (OutboxState::Sending { .. }, _) => ("sending", Key::StatusSending),
        (OutboxState::Rejected { .. }, _) => ("rejected", Key::StatusRejected),
        (OutboxState::Cancelled { .. }, _) => ("cancelled", Key::StatusCancelled),
    };
    (kind, i18n::text(lang, key).to_owned())
}

/// The field-reports tile: start a report, resume a draft, follow my reports.
#[component]
pub fn ReportsHub() -> impl IntoView {
    let app = expect_context::<AppState>();
    let drafts = RwSignal::new(Vec::<StoredDraft>::new());
    let reports = RwSignal::new(Vec::<ReportSummary>::new());
    let next = RwSignal::new(None);
    focus_after_render("article.page h1".to_owned());
    let load_more = move || {
        let after = next.get_untracked();
        spawn_local(async move {
            match ipc::call::<LoadReports>(&LoadReportsRequest { after, limit: PAGE }).await {
                Ok(page) => {
                    reports.update(|r| r.extend(page.items));
                    next.set(page.next);
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    spawn_local(async move {
        match ipc::call::<LoadDrafts>(&Empty {}).await {
            Ok(list) => drafts.set(list.into_iter().filter(|d| !is_empty(d)).collect()),
            Err(err) => app.error.set(Some(err)),
        }
    });
    load_more();
    // A sync that changed something refreshes the list.
    Effect::new(move |seen: Option<usize>| {
        let finished = app.sync.with(|s| s.finished);
        if seen.is_some_and(|seen| seen != finished) {
            reports.set(Vec::new());
            next.set(None);
            load_more();
        }
        finished
    });
    view! {
        <BackNav label=Key::ActionBack to=Page::Home { from_tile: None } />
        <article class="page" data-page="reports">
            <h1 tabindex="-1">{move || app.t(Key::ReportsHeading)}</h1>
            <div class="form-actions">
                <button id="new-report" class="button button--primary" on:click=move |_| app.page.set(Page::NewReport { draft: None })>
                    {move || app.t(Key::ReportNew)}
                </button>
                <button id="reports-map" class="button" on:click=move |_| app.page.set(Page::ReportsMap)>
                    {move || app.t(Key::ReportsMapOpen)}
                </button>
            </div>
            {move || {
                let list = drafts.get();
                (!list.is_empty()).then(|| view! {
                    <section aria-labelledby="drafts-heading">
                        <h2 id="drafts-heading">{app.t(Key::ReportsDrafts)}</h2>
                        <ul class="report-list">
                            {list.into_iter().map(|d| {
                                let id = d.id.clone();
                                let title = if d.draft.description.trim().is_empty() { app.t(Key::ReportUntitled).to_owned() } else { d.draft.description.chars().take(80).collect() };
                                view! { <li><button class="report-line" data-draft=d.id.clone() on:click=move |_| app.page.set(Page::NewReport { draft: Some(id.clone()) })>
                                    <span>{title}</span><span class="badge badge--draft">{app.t(Key::StatusDraft)}</span>
                                </button></li> }
                            }).collect_view()}
                        </ul>
                    </section>
                })
            }}
            <Following />
            <section aria-labelledby="mine-heading">
                <h2 id="mine-heading">{move || app.t(Key::ReportsMine)}</h2>
                {move || reports.with(|r| r.is_empty()).then(|| view! { <p class="hint">{app.t(Key::ReportsNone)}</p> })}
                <ul class="report-list" id="my-reports">
                    {move || reports.get().into_iter().map(|r| {
                        let id = r.id.clone();
                        let (kind, label) = status(app.lang(), &r, None);
                        view! { <li><button class="report-line" data-report=r.id.clone() data-state=kind on:click=move |_| app.page.set(Page::Report { id: id.clone(), fresh: false })>
                            <span><strong>{r.receipt.clone()}</strong> " · " {r.excerpt.clone()}</span>
                            <span class=format!("badge badge--{kind}")>{label}</span>
                        </button></li> }
                    }).collect_view()}
                </ul>
                {move || next.get().is_some().then(|| view! {
                    <button class="button" on:click=move |_| load_more()>{app.t(Key::ReportsMore)}</button>
                })}
            </section>
        </article>
    }
}

fn is_empty(d: &StoredDraft) -> bool {
    d.photos.is_empty()
        && d.draft.description.trim().is_empty()
        && d.draft.service_code.is_none()
        && d.draft.location.is_none()
}

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
    focus_after_render("article.page h1".to_owned());
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
        <BackNav label=Key::ReportsBack to=Page::Reports />
        <article class="page" data-page="report">
            {move || detail.get().map(|d| report_view(app, d, fresh, load.clone()))}
        </article>
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
    let state_text = match &d.summary.state {
        OutboxState::Queued { last_error, .. } => Some(match last_error {
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
    };
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

/// The province's open reports on the offline map, with the same reports as a
/// list (the keyboard and screen-reader way to the same information).
#[component]
pub fn ReportsMap() -> impl IntoView {
    let app = expect_context::<AppState>();
    let areas = RwSignal::new(None::<cds_ipc::AreasView>);
    let reports = RwSignal::new(Vec::<cds_ipc::PublicReport>::new());
    focus_after_render("article.page h1".to_owned());
    spawn_local(async move {
        match ipc::call::<cds_ipc::LoadAreas>(&Empty {}).await {
            Ok(loaded) => areas.set(Some(loaded)),
            Err(err) => return app.error.set(Some(err)),
        }
        match ipc::call::<cds_ipc::LoadPublicReports>(&Empty {}).await {
            Ok(list) => reports.set(list),
            Err(err) => app.error.set(Some(err)),
        }
    });
    view! {
        <BackNav label=Key::ReportsBack to=Page::Reports />
        <article class="page" data-page="reports-map">
            <h1 tabindex="-1">{move || app.t(Key::ReportsMapHeading)}</h1>
            <p class="hint">{move || app.t(Key::ReportsMapHint)}</p>
            {move || areas.get().map(|a| {
                let markers = reports.get().into_iter().map(|r| (r.lat, r.lon, r.description.clone())).collect();
                view! { <crate::map::AreaMap areas=a pin=None lang=app.lang() on_pick=Callback::new(|_| {}) markers /> }
            })}
            <h2>{move || i18n::fill(app.lang(), Key::ReportsMapList, &[("count", &reports.with(Vec::len).to_string())])}</h2>
            <ul class="report-list" id="public-reports">
                {move || reports.get().into_iter().map(|r| view! {
                    <li class="report-line" data-server-id=r.server_id.clone()>
                        <span>{r.description.clone()}</span>
                        <span class="hint">{format!("{:.5}, {:.5}", r.lat, r.lon)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </article>
    }
}

/// The public reports I follow (the same issue as mine), with their status.
#[component]
fn Following() -> impl IntoView {
    let app = expect_context::<AppState>();
    let followed = RwSignal::new(Vec::<cds_ipc::Followed>::new());
    let load = move || {
        spawn_local(async move {
            match ipc::call::<cds_ipc::LoadFollowed>(&Empty {}).await {
                Ok(list) => followed.set(list),
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    load();
    Effect::new(move |seen: Option<usize>| {
        let finished = app.sync.with(|s| s.finished);
        if seen.is_some_and(|seen| seen != finished) {
            load();
        }
        finished
    });
    move || {
        let list = followed.get();
        (!list.is_empty()).then(|| view! {
            <section aria-labelledby="following-heading">
                <h2 id="following-heading">{app.t(Key::ReportsFollowing)}</h2>
                <ul class="report-list" id="followed-reports">
                    {list.into_iter().map(|f| {
                        let status = f.remote.as_ref().and_then(|r| r.detailed_status.clone()).unwrap_or_else(|| "received".into());
                        let id = f.report.server_id.clone();
                        view! {
                            <li class="report-line" data-server-id=f.report.server_id.clone()>
                                <span>{f.report.description.clone()}</span>
                                <span class="badge">{i18n::status_name(app.lang(), &status)}</span>
                                <button class="button button--small" on:click=move |_| {
                                    let id = id.clone();
                                    spawn_local(async move {
                                        match ipc::call::<cds_ipc::UnfollowReport>(&ById { id }).await {
                                            Ok(_) => load(),
                                            Err(err) => app.error.set(Some(err)),
                                        }
                                    });
                                }>{app.t(Key::ReportsUnfollow)}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })
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
                        Ok(receipt) => app.page.set(Page::Report { id: receipt.report_id, fresh: true }),
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
