//! Field reports: the hub (new report, drafts, the reports I follow, my
//! reports) and what its pages share; the pages are `form` (with `fields`),
//! `detail` (one report) and `map_page` (the province's open reports).

mod detail;
mod fields;
mod form;
mod map_page;

use cds_domain::{
    Lang,
    outbox::OutboxState,
    report::{ReportSummary, StoredDraft},
};
use cds_ipc::{ById, Empty, LoadDrafts, LoadReports, LoadReportsRequest};
use leptos::{prelude::*, task::spawn_local};

pub use detail::ReportPage;
pub use form::NewReport;
pub use map_page::ReportsMap;

use crate::{
    i18n::{self, Key},
    ipc,
    nav::{BackNav, Page},
    state::AppState,
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
        (queued @ OutboxState::Queued { .. }, _) if queued.needs_attention() => {
            ("attention", Key::StatusAttention)
        }
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
    app.after_each_sync(move || {
        reports.set(Vec::new());
        next.set(None);
        load_more();
    });
    view! {
        <BackNav label=Key::ActionBack />
        <article class="page" data-page="reports">
            <h1 tabindex="-1">{move || app.t(Key::ReportsHeading)}</h1>
            <div class="form-actions">
                <button id="new-report" class="button button--primary" on:click=move |_| app.nav.go(Page::NewReport { draft: None })>
                    {move || app.t(Key::ReportNew)}
                </button>
                <button id="reports-map" class="button" on:click=move |_| app.nav.go(Page::ReportsMap)>
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
                                view! { <li><button class="report-line" data-draft=d.id.clone() on:click=move |_| app.nav.go(Page::NewReport { draft: Some(id.clone()) })>
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
                        view! { <li><button class="report-line" data-report=r.id.clone() data-state=kind on:click=move |_| app.nav.go(Page::Report { id: id.clone(), fresh: false })>
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
    app.after_each_sync(load);
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
