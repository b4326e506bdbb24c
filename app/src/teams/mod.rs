//! Community digital technology teams (Hỗ trợ): join a team with a member
//! code; then help a resident (`session`), the sessions on this phone with
//! how their delivery goes, and the team view: this week's and this month's
//! sessions by task and outcome, for me and the whole team, saved as CSV.

pub mod session;

use cds_domain::{
    Lang,
    report::Rule,
    teams::{Outcome, Period, Scope, SessionSummary, StatRow, TeamStats, stats_csv},
};
use cds_ipc::{
    ById, Empty, ErrorCode, JoinTeam, JoinTeamRequest, LeaveTeam, LoadShelf, LoadTeam, OutboxState,
    RetrySession, SaveCsvRequest, SaveTeamCsv, Shelf, ShelfItem, ShelfRequest, SyncNow, TeamView,
    UiError,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    nav::Page,
    state::AppState,
    tile_page::tile_frame,
};

/// The guides, whose titles name the tasks.
pub fn load_guides(app: AppState, into: RwSignal<Vec<ShelfItem>>) {
    spawn_local(async move {
        match ipc::call::<LoadShelf>(&ShelfRequest {
            shelf: Shelf::Guides,
            query: String::new(),
        })
        .await
        {
            Ok(page) => into.set(page.items),
            Err(err) => app.error.set(Some(err)),
        }
    });
}

/// A task's name: its guide's title, or the task's key.
pub fn task_name(lang: Lang, guides: &[ShelfItem], task: &str) -> String {
    guides
        .iter()
        .find(|g| g.task == task)
        .map_or_else(|| task.to_owned(), |g| g.title.get(lang).to_owned())
}

pub fn outcome_key(outcome: Outcome) -> Key {
    match outcome {
        Outcome::Done => Key::TeamOutcomeDone,
        Outcome::Partly => Key::TeamOutcomePartly,
        Outcome::CouldNot => Key::TeamOutcomeCouldNot,
    }
}

/// What a failed join means for the member.
fn join_error(lang: Lang, err: &UiError) -> String {
    let key = match (err.code, err.invalid.map(|i| i.rule)) {
        (ErrorCode::InvalidInput, Some(Rule::Unknown)) => Key::TeamCodeUnknown,
        (ErrorCode::InvalidInput, Some(Rule::Expired)) => Key::TeamCodeExpired,
        (ErrorCode::InvalidInput, Some(Rule::Revoked)) => Key::TeamCodeRevoked,
        (ErrorCode::InvalidInput, _) => Key::TeamCodeMistyped,
        (ErrorCode::Offline, _) => Key::TeamJoinOffline,
        (ErrorCode::TooManyAttempts, _) => Key::TeamJoinWait,
        _ => return err.message.clone(),
    };
    i18n::text(lang, key).to_owned()
}

/// The delivery state of a session, in plain words.
fn state_text(lang: Lang, state: &OutboxState) -> (String, &'static str) {
    match state {
        OutboxState::Confirmed { .. } => {
            (i18n::text(lang, Key::TeamSessionSent).to_owned(), "sent")
        }
        OutboxState::Rejected { reason, .. } => (
            i18n::fill(lang, Key::TeamSessionRefused, &[("reason", reason)]),
            "refused",
        ),
        OutboxState::Sending { .. } => (
            i18n::text(lang, Key::TeamSessionSending).to_owned(),
            "sending",
        ),
        OutboxState::Queued { .. } | OutboxState::Cancelled { .. } => (
            i18n::text(lang, Key::TeamSessionWaiting).to_owned(),
            "waiting",
        ),
    }
}

/// The team's page, opened from its tile.
#[component]
pub fn TeamPage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let view_state = RwSignal::new(None::<TeamView>);
    let guides = RwSignal::new(Vec::<ShelfItem>::new());
    let load = move || {
        spawn_local(async move {
            match ipc::call::<LoadTeam>(&Empty {}).await {
                Ok(found) => view_state.set(Some(found)),
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    load();
    load_guides(app, guides);
    app.after_each_sync(load);
    let tile_id = tile.clone();
    tile_frame(tile, move |_, _| {
        let tile = tile_id.clone();
        view! {
            {move || {
                let team = view_state.get()?;
                let tile = tile.clone();
                Some(match team.member.clone() {
                    None => view! { <JoinForm on_joined=move || load() /> }.into_any(),
                    Some(member) => {
                        let lang = app.lang();
                        let start = move |_| app.nav.go(Page::Assist { tile: tile.clone() });
                        view! {
                            <section class="team" id="team" data-team=member.team_id.clone()>
                                <p class="team__name">{i18n::fill(lang, Key::TeamMemberOf, &[("team", &member.team_name)])}</p>
                                <button type="button" class="button button--big" id="assist-start" on:click=start>
                                    {i18n::text(lang, Key::TeamHelpResident)}
                                </button>
                            </section>
                            <Sessions sessions=team.sessions.clone() guides reload=load />
                            <Stats stats=team.stats.clone().map(|s| (s.stats, s.fetched_at_ms)) guides />
                            <LeaveTeamButton on_left=load />
                        }
                        .into_any()
                    }
                })
            }}
        }
        .into_any()
    })
}

#[component]
fn JoinForm(on_joined: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let app = expect_context::<AppState>();
    let code = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let join = move || {
        busy.set(true);
        error.set(None);
        let request = JoinTeamRequest {
            code: code.get_untracked(),
        };
        spawn_local(async move {
            match ipc::call::<JoinTeam>(&request).await {
                Ok(_) => {
                    on_joined();
                    crate::nav::focus_after_render("#assist-start".to_owned());
                }
                Err(err) => {
                    error.set(Some(join_error(app.lang(), &err)));
                    crate::nav::focus_after_render("#team-code".to_owned());
                }
            }
            busy.set(false);
        });
    };
    move || {
        let lang = app.lang();
        view! {
            <section class="join" id="team-join-form">
                <h2>{i18n::text(lang, Key::TeamJoinHeading)}</h2>
                <p>{i18n::text(lang, Key::TeamJoinIntro)}</p>
                <form on:submit=move |ev| { ev.prevent_default(); join(); }>
                    <div class="field">
                        <label for="team-code">{i18n::text(lang, Key::TeamCodeLabel)}</label>
                        <input id="team-code" type="text" autocomplete="off" autocapitalize="characters"
                            spellcheck="false" maxlength="20"
                            aria-describedby="team-code-hint team-join-error"
                            aria-invalid=move || error.with(Option::is_some).to_string()
                            prop:value=move || code.get()
                            on:input=move |ev| code.set(event_target_value(&ev)) />
                        <p class="hint" id="team-code-hint">{i18n::text(lang, Key::TeamCodeHint)}</p>
                        <p class="field-error" id="team-join-error" role="alert">{move || error.get()}</p>
                    </div>
                    <button type="submit" class="button" id="team-join" disabled=move || busy.get()>
                        {i18n::text(lang, Key::TeamJoin)}
                    </button>
                </form>
            </section>
        }
    }
}

#[component]
fn Sessions(
    sessions: Vec<SessionSummary>,
    guides: RwSignal<Vec<ShelfItem>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let lang = app.lang();
    let waiting = sessions.iter().any(|s| s.state.is_pending());
    let items = sessions
        .into_iter()
        .map(|s| {
            let (state, class) = state_text(lang, &s.state);
            let id = s.session.id.clone();
            let retry = matches!(s.state, OutboxState::Rejected { .. }).then(move || {
                view! {
                    <button type="button" class="button button--secondary" on:click=move |_| {
                        let id = id.clone();
                        spawn_local(async move {
                            match ipc::call::<RetrySession>(&ById { id }).await {
                                Ok(_) => reload(),
                                Err(err) => app.error.set(Some(err)),
                            }
                        });
                    }>{i18n::text(lang, Key::TeamSessionRetry)}</button>
                }
            });
            let when = i18n::format_time(lang, s.recorded_at_ms);
            let task = guides.with(|g| task_name(lang, g, &s.session.task));
            view! {
                <li data-session=s.session.id.clone() data-state=class>
                    <span class="list-item__title">{task}</span>
                    <span class="list-item__meta">{format!("{when} · {}", i18n::text(lang, outcome_key(s.session.outcome)))}</span>
                    <span class=format!("state state--{class}")>{state}</span>
                    {retry}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="sessions">
            <h2>{i18n::text(lang, Key::TeamSessionsHeading)}</h2>
            <ul class="list" id="sessions" aria-live="polite">{items}</ul>
            {waiting.then(|| view! {
                <button type="button" class="button button--secondary" id="sessions-send" on:click=move |_| {
                    spawn_local(async move {
                        if let Err(err) = ipc::call::<SyncNow>(&Empty {}).await {
                            app.error.set(Some(err));
                        }
                    });
                }>{i18n::text(lang, Key::TeamSendNow)}</button>
            })}
        </section>
    }
}

/// The file name of the team's CSV: the team and the day.
fn csv_file_name() -> String {
    #[allow(clippy::cast_possible_truncation)]
    let now = js_sys::Date::now() as i64;
    format!("to-cong-nghe-so-{}.csv", cds_domain::time::date(now))
}

fn period_key(period: Period) -> Key {
    match period {
        Period::Week => Key::TeamThisWeek,
        Period::Month => Key::TeamThisMonth,
    }
}

fn scope_key(scope: Scope) -> Key {
    match scope {
        Scope::Me => Key::TeamScopeMe,
        Scope::Team => Key::TeamScopeTeam,
    }
}

#[component]
fn Stats(stats: Option<(TeamStats, i64)>, guides: RwSignal<Vec<ShelfItem>>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let scope = RwSignal::new(Scope::Team);
    let saved = RwSignal::new(None::<String>);
    let lang = app.lang();
    let Some((stats, fetched)) = stats else {
        return view! {
            <section class="team-stats" id="team-stats">
                <h2>{i18n::text(lang, Key::TeamStatsHeading)}</h2>
                <p class="empty">{i18n::text(lang, Key::TeamStatsNotYet)}</p>
            </section>
        }
        .into_any();
    };
    let stats = StoredValue::new(stats);
    let tables = move || {
        let lang = app.lang();
        let scope = scope.get();
        [Period::Week, Period::Month]
            .into_iter()
            .map(|period| {
                let table = stats.with_value(|s| s.table(period, scope));
                let total = stats.with_value(|s| s.total(period, scope));
                let rows = table
                    .into_iter()
                    .map(|(task, counts)| {
                        let cells = Outcome::ALL
                            .into_iter()
                            .map(|o| view! { <td>{counts.get(&o).copied().unwrap_or(0)}</td> })
                            .collect_view();
                        let sum: u32 = counts.values().sum();
                        view! { <tr><th scope="row">{guides.with(|g| task_name(lang, g, &task))}</th>{cells}<td>{sum}</td></tr> }
                    })
                    .collect_view();
                let id = match period {
                    Period::Week => "stats-week",
                    Period::Month => "stats-month",
                };
                view! {
                    <table class="table" id=id data-total=total.to_string()>
                        <caption>{i18n::fill(lang, Key::TeamStatsCaption, &[("period", i18n::text(lang, period_key(period))), ("total", &total.to_string())])}</caption>
                        <thead><tr>
                            <th scope="col">{i18n::text(lang, Key::TeamTask)}</th>
                            {Outcome::ALL.into_iter().map(|o| view! { <th scope="col">{i18n::text(lang, outcome_key(o))}</th> }).collect_view()}
                            <th scope="col">{i18n::text(lang, Key::TeamTotal)}</th>
                        </tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            })
            .collect_view()
    };
    let save = move |_| {
        let lang = app.lang();
        let names = guides.get_untracked();
        let csv = stats.with_value(|s| {
            stats_csv(
                s,
                [
                    i18n::text(lang, Key::TeamCsvPeriod),
                    i18n::text(lang, Key::TeamCsvScope),
                    i18n::text(lang, Key::TeamTask),
                    i18n::text(lang, Key::TeamCsvOutcome),
                    i18n::text(lang, Key::TeamCsvCount),
                ],
                |row: &StatRow| {
                    [
                        i18n::text(lang, period_key(row.period)).to_owned(),
                        i18n::text(lang, scope_key(row.scope)).to_owned(),
                        task_name(lang, &names, &row.task),
                        i18n::text(lang, outcome_key(row.outcome)).to_owned(),
                    ]
                },
            )
        });
        spawn_local(async move {
            match ipc::call::<SaveTeamCsv>(&SaveCsvRequest {
                csv,
                file_name: csv_file_name(),
            })
            .await
            {
                Ok(file) => saved.set(Some(i18n::fill(
                    app.lang(),
                    Key::TeamCsvSaved,
                    &[("path", &file.path)],
                ))),
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    let team_name = stats.with_value(|s| s.team_name.clone());
    view! {
        <section class="team-stats" id="team-stats">
            <h2>{i18n::text(lang, Key::TeamStatsHeading)}</h2>
            <p class="hint">{i18n::fill(lang, Key::TeamStatsAsOf, &[("team", &team_name), ("time", &i18n::format_time(lang, fetched))])}</p>
            <div class="field">
                <label for="stats-scope">{i18n::text(lang, Key::TeamScope)}</label>
                <select id="stats-scope" on:change=move |ev| scope.set(if event_target_value(&ev) == "me" { Scope::Me } else { Scope::Team })>
                    <option value="team" selected=move || scope.get() == Scope::Team>{i18n::text(lang, Key::TeamScopeTeam)}</option>
                    <option value="me" selected=move || scope.get() == Scope::Me>{i18n::text(lang, Key::TeamScopeMe)}</option>
                </select>
            </div>
            {tables}
            <button type="button" class="button button--secondary" id="team-csv" on:click=save>{i18n::text(lang, Key::TeamCsvSave)}</button>
            <p id="team-csv-saved" role="status" aria-live="polite">{move || saved.get()}</p>
        </section>
    }
    .into_any()
}

#[component]
fn LeaveTeamButton(on_left: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let app = expect_context::<AppState>();
    let lang = app.lang();
    let message = RwSignal::new(None::<Key>);
    view! {
        <section class="leave">
            <button type="button" class="button button--secondary" id="team-leave" on:click=move |_| {
                let confirmed = web_sys::window()
                    .and_then(|w| w.confirm_with_message(i18n::text(app.lang(), Key::TeamLeaveConfirm)).ok())
                    .unwrap_or(false);
                if !confirmed {
                    return;
                }
                spawn_local(async move {
                    match ipc::call::<LeaveTeam>(&Empty {}).await {
                        Ok(_) => on_left(),
                        Err(err) if err.code == ErrorCode::NotNow => message.set(Some(Key::TeamLeaveWaiting)),
                        Err(err) => app.error.set(Some(err)),
                    }
                });
            }>{i18n::text(lang, Key::TeamLeave)}</button>
            <p role="status" aria-live="polite">{move || message.get().map(|k| i18n::text(app.lang(), k))}</p>
        </section>
    }
}
