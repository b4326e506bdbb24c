//! An assisted session, start to end: pick the task (a guide), read the
//! consent text to the resident and tick that they agreed, go through the
//! guide's steps together ticking each, then the outcome (with a reason when
//! not done), the ward, a note, and the resident's contact only if they agree.
//! Saved on this phone first; delivered exactly once at the next sync. Then,
//! if needed, a field report filed for the resident, marked as assisted.

use cds_domain::{
    report::{Contact, ReportDraft},
    teams::{AssistedSession, Outcome, Reason, ResidentContact},
};
use cds_ipc::{
    AreasView, Article, ById, Empty, LoadAreas, LoadTeam, OpenArticle, RecordSession, SaveDraft,
    SaveDraftRequest, ShelfItem,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    nav::Page,
    state::AppState,
    teams::{load_guides, outcome_key},
    tile_page::tile_frame,
};

/// Where the session is.
#[derive(Debug, Clone, PartialEq)]
enum Stage {
    Task,
    Consent,
    Steps,
    Finish,
    /// The saved session's id.
    Saved(String),
}

fn reason_key(reason: Reason) -> Key {
    match reason {
        Reason::PhoneUnsuitable => Key::ReasonPhoneUnsuitable,
        Reason::NoConnection => Key::ReasonNoConnection,
        Reason::MissingDocuments => Key::ReasonMissingDocuments,
        Reason::ServiceDown => Key::ReasonServiceDown,
        Reason::NeedsOfficeVisit => Key::ReasonNeedsOfficeVisit,
        Reason::ResidentDeclined => Key::ReasonResidentDeclined,
        Reason::Other => Key::ReasonOther,
    }
}

fn now_iso() -> String {
    #[allow(clippy::cast_possible_truncation)]
    let now = js_sys::Date::now() as i64;
    cds_domain::time::iso(now)
}

/// Focus the new stage's heading (keyboard and screen-reader users hear it).
fn to_stage(stage: RwSignal<Stage>, next: Stage) {
    stage.set(next);
    crate::nav::focus_after_render("#assist h2".to_owned());
}

/// The session page, opened from the team page.
#[component]
pub fn AssistPage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let stage = RwSignal::new(Stage::Task);
    let guides = RwSignal::new(Vec::<ShelfItem>::new());
    let guide = RwSignal::new(None::<Article>);
    let consent = RwSignal::new(false);
    let started = RwSignal::new(String::new());
    let done_steps = RwSignal::new(Vec::<u32>::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let reason = RwSignal::new(None::<Reason>);
    let ward = RwSignal::new(String::new());
    let wards = RwSignal::new(Vec::<(String, String)>::new());
    let note = RwSignal::new(String::new());
    let contact_agreed = RwSignal::new(false);
    let contact_name = RwSignal::new(String::new());
    let contact_phone = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let team_id = RwSignal::new(String::new());
    load_guides(app, guides);
    spawn_local(async move {
        if let Ok(team) = ipc::call::<LoadTeam>(&Empty {}).await
            && let Some(member) = team.member
        {
            ward.set(member.ward);
            team_id.set(member.team_id);
        }
        if let Ok(AreasView { wards: areas, .. }) = ipc::call::<LoadAreas>(&Empty {}).await {
            let lang = app.lang();
            wards.set(
                areas
                    .into_iter()
                    .map(|w| (w.code, w.name.get(lang).to_owned()))
                    .collect(),
            );
        }
    });
    let choose = move |id: String| {
        spawn_local(async move {
            match ipc::call::<OpenArticle>(&ById { id }).await {
                Ok(found) => {
                    guide.set(Some(found));
                    done_steps.set(Vec::new());
                    consent.set(false);
                    to_stage(stage, Stage::Consent);
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    let save = move || {
        let Some(g) = guide.get_untracked() else {
            return;
        };
        let Some(chosen) = outcome.get_untracked() else {
            error.set(Some(
                i18n::text(app.lang(), Key::AssistChooseOutcome).to_owned(),
            ));
            return;
        };
        let mut steps_done = done_steps.get_untracked();
        steps_done.sort_unstable();
        let session = AssistedSession {
            id: String::new(),
            task: g.task.clone().unwrap_or_default(),
            guide_id: g.id.clone(),
            ward: ward.get_untracked(),
            consent: consent.get_untracked(),
            steps_total: u32::try_from(g.steps.len()).unwrap_or(u32::MAX),
            steps_done,
            outcome: chosen,
            reason: if chosen == Outcome::Done {
                None
            } else {
                reason.get_untracked()
            },
            note: note.get_untracked().trim().to_owned(),
            contact: contact_agreed.get_untracked().then(|| ResidentContact {
                name: contact_name.get_untracked().trim().to_owned(),
                phone: contact_phone.get_untracked().replace([' ', '.', '-'], ""),
            }),
            report_id: None,
            started_at: started.get_untracked(),
            finished_at: now_iso(),
        };
        error.set(None);
        spawn_local(async move {
            match ipc::call::<RecordSession>(&session).await {
                Ok(summary) => to_stage(stage, Stage::Saved(summary.session.id)),
                Err(err) => {
                    let lang = app.lang();
                    error.set(Some(match err.invalid {
                        Some(invalid) => match invalid.field {
                            cds_domain::report::Field::Reason => {
                                i18n::text(lang, Key::AssistReasonRequired).to_owned()
                            }
                            cds_domain::report::Field::Ward => {
                                i18n::text(lang, Key::AssistWardRequired).to_owned()
                            }
                            cds_domain::report::Field::ContactPhone
                            | cds_domain::report::Field::ContactName => {
                                i18n::text(lang, Key::AssistContactInvalid).to_owned()
                            }
                            _ => i18n::invalid_text(lang, invalid),
                        },
                        None => err.message.clone(),
                    }));
                    crate::nav::focus_after_render("#assist-error".to_owned());
                }
            }
        });
    };
    // A field report for the resident, marked as filed with the team's help,
    // with their contact only if they agreed to leave it.
    let report_for_resident = move || {
        let contact = if contact_agreed.get_untracked() {
            Contact::Named {
                name: contact_name.get_untracked().trim().to_owned(),
                phone: contact_phone.get_untracked().replace([' ', '.', '-'], ""),
                email: String::new(),
            }
        } else {
            Contact::Anonymous
        };
        let draft = ReportDraft {
            contact,
            assisted_by: Some(team_id.get_untracked()).filter(|t| !t.is_empty()),
            ..ReportDraft::default()
        };
        spawn_local(async move {
            match ipc::call::<SaveDraft>(&SaveDraftRequest { id: None, draft }).await {
                Ok(stored) => app.nav.go(Page::NewReport {
                    draft: Some(stored.id),
                }),
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    tile_frame(tile, move |_, _| {
        view! {
            <section class="assist" id="assist">
                {move || {
                    let lang = app.lang();
                    Some(match stage.get() {
                        Stage::Task => {
                            let items = guides.get().into_iter().map(|g| {
                                let id = g.id.clone();
                                view! {
                                    <li><button type="button" class="list-item" data-task=g.task.clone() on:click=move |_| choose(id.clone())>
                                        <span class="list-item__title">{g.title.get(lang).to_owned()}</span>
                                        <span class="list-item__summary">{g.summary.get(lang).to_owned()}</span>
                                    </button></li>
                                }
                            }).collect_view();
                            view! {
                                <h2 tabindex="-1">{i18n::text(lang, Key::AssistChooseTask)}</h2>
                                <ul class="list" id="assist-tasks">{items}</ul>
                            }.into_any()
                        }
                        Stage::Consent => view! {
                            <h2 tabindex="-1">{i18n::text(lang, Key::AssistConsentHeading)}</h2>
                            <p class="consent-text" id="consent-text">{i18n::text(lang, Key::AssistConsentText)}</p>
                            <div class="check">
                                <input type="checkbox" id="consent" prop:checked=move || consent.get()
                                    on:change=move |ev| consent.set(event_target_checked(&ev)) />
                                <label for="consent">{i18n::text(lang, Key::AssistConsentTick)}</label>
                            </div>
                            <div class="actions">
                                <button type="button" class="button button--big" id="consent-next"
                                    disabled=move || !consent.get()
                                    on:click=move |_| { started.set(now_iso()); to_stage(stage, Stage::Steps); }>
                                    {i18n::text(lang, Key::AssistStart)}
                                </button>
                                <button type="button" class="button button--secondary" id="consent-no"
                                    on:click=move |_| app.nav.back()>{i18n::text(lang, Key::AssistNoConsent)}</button>
                            </div>
                        }.into_any(),
                        Stage::Steps => {
                            let g = guide.get()?;
                            let total = g.steps.len();
                            let steps = g.steps.iter().enumerate().map(|(i, step)| {
                                let index = u32::try_from(i).unwrap_or(u32::MAX);
                                let id = format!("step-{i}");
                                view! {
                                    <li class="check check--step">
                                        <input type="checkbox" id=id.clone()
                                            prop:checked=move || done_steps.with(|d| d.contains(&index))
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                done_steps.update(|d| {
                                                    d.retain(|s| *s != index);
                                                    if on { d.push(index); }
                                                });
                                            } />
                                        <label for=id>{step.text.get(lang).to_owned()}</label>
                                    </li>
                                }
                            }).collect_view();
                            view! {
                                <h2 tabindex="-1">{g.title.get(lang).to_owned()}</h2>
                                <p>{i18n::text(lang, Key::AssistStepsIntro)}</p>
                                <p role="status" aria-live="polite" id="steps-done">{move || i18n::fill(app.lang(), Key::AssistStepsDone, &[("done", &done_steps.with(Vec::len).to_string()), ("total", &total.to_string())])}</p>
                                <ol class="steps" id="assist-steps">{steps}</ol>
                                <button type="button" class="button button--big" id="steps-next"
                                    on:click=move |_| {
                                        if outcome.get_untracked().is_none() && done_steps.with_untracked(Vec::len) == total {
                                            outcome.set(Some(Outcome::Done));
                                        }
                                        to_stage(stage, Stage::Finish);
                                    }>{i18n::text(lang, Key::AssistToFinish)}</button>
                            }.into_any()
                        }
                        Stage::Finish => view! {
                            <h2 tabindex="-1">{i18n::text(lang, Key::AssistFinishHeading)}</h2>
                            <form on:submit=move |ev| { ev.prevent_default(); save(); }>
                                <fieldset class="choices">
                                    <legend>{i18n::text(lang, Key::AssistOutcome)}</legend>
                                    {Outcome::ALL.into_iter().map(|o| {
                                        let id = format!("outcome-{}", o.key());
                                        view! {
                                            <div class="check">
                                                <input type="radio" name="outcome" id=id.clone() value=o.key()
                                                    prop:checked=move || outcome.get() == Some(o)
                                                    on:change=move |_| outcome.set(Some(o)) />
                                                <label for=id>{i18n::text(lang, outcome_key(o))}</label>
                                            </div>
                                        }
                                    }).collect_view()}
                                </fieldset>
                                {move || (outcome.get().is_some_and(|o| o != Outcome::Done)).then(|| view! {
                                    <div class="field">
                                        <label for="reason">{i18n::text(app.lang(), Key::AssistReason)}</label>
                                        <select id="reason" on:change=move |ev| reason.set(Reason::from_key(&event_target_value(&ev)))>
                                            <option value="" selected=move || reason.get().is_none()>{i18n::text(app.lang(), Key::AssistReasonChoose)}</option>
                                            {Reason::ALL.into_iter().map(|r| view! {
                                                <option value=r.key() selected=move || reason.get() == Some(r)>{i18n::text(app.lang(), reason_key(r))}</option>
                                            }).collect_view()}
                                        </select>
                                    </div>
                                })}
                                <div class="field">
                                    <label for="ward">{i18n::text(lang, Key::AssistWard)}</label>
                                    <select id="ward" on:change=move |ev| ward.set(event_target_value(&ev))>
                                        <option value="" selected=move || ward.with(String::is_empty)>{i18n::text(lang, Key::AssistWardChoose)}</option>
                                        {move || wards.get().into_iter().map(|(code, name)| {
                                            let selected = code.clone();
                                            view! { <option value=code selected=move || ward.with(|w| *w == selected)>{name}</option> }
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="note">{i18n::text(lang, Key::AssistNote)}</label>
                                    <textarea id="note" rows="3" maxlength="500" aria-describedby="note-hint"
                                        prop:value=move || note.get()
                                        on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                                    <p class="hint" id="note-hint">{i18n::text(lang, Key::AssistNoteHint)}</p>
                                </div>
                                <div class="check">
                                    <input type="checkbox" id="contact-agreed" prop:checked=move || contact_agreed.get()
                                        on:change=move |ev| contact_agreed.set(event_target_checked(&ev)) />
                                    <label for="contact-agreed">{i18n::text(lang, Key::AssistContactAgreed)}</label>
                                </div>
                                {move || contact_agreed.get().then(|| view! {
                                    <div class="field">
                                        <label for="contact-name">{i18n::text(app.lang(), Key::AssistContactName)}</label>
                                        <input id="contact-name" type="text" maxlength="100" autocomplete="off"
                                            prop:value=move || contact_name.get()
                                            on:input=move |ev| contact_name.set(event_target_value(&ev)) />
                                    </div>
                                    <div class="field">
                                        <label for="contact-phone">{i18n::text(app.lang(), Key::AssistContactPhone)}</label>
                                        <input id="contact-phone" type="tel" maxlength="20" autocomplete="off"
                                            prop:value=move || contact_phone.get()
                                            on:input=move |ev| contact_phone.set(event_target_value(&ev)) />
                                    </div>
                                })}
                                <p class="field-error" id="assist-error" role="alert" tabindex="-1">{move || error.get()}</p>
                                <button type="submit" class="button button--big" id="session-save">{i18n::text(lang, Key::AssistSave)}</button>
                            </form>
                        }.into_any(),
                        Stage::Saved(id) => view! {
                            <h2 tabindex="-1">{i18n::text(lang, Key::AssistSavedHeading)}</h2>
                            <p id="session-saved" data-session=id>{i18n::text(lang, Key::AssistSavedText)}</p>
                            <div class="actions">
                                <button type="button" class="button" id="assist-again" on:click=move |_| {
                                    guide.set(None);
                                    outcome.set(None);
                                    reason.set(None);
                                    note.set(String::new());
                                    contact_agreed.set(false);
                                    contact_name.set(String::new());
                                    contact_phone.set(String::new());
                                    to_stage(stage, Stage::Task);
                                }>{i18n::text(lang, Key::AssistAgain)}</button>
                                <button type="button" class="button" id="assist-report"
                                    on:click=move |_| report_for_resident()>{i18n::text(lang, Key::AssistReport)}</button>
                                <button type="button" class="button button--secondary" id="assist-done"
                                    on:click=move |_| app.nav.back()>{i18n::text(lang, Key::AssistBackToTeam)}</button>
                            </div>
                        }.into_any(),
                    })
                }}
            </section>
        }
        .into_any()
    })
}
