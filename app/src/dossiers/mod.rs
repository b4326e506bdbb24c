//! Dossier lookup (Tra cứu hồ sơ): the code typed, pasted or read from a
//! photo of the slip, the phone digits, the result in plain words with its
//! steps and days left, follow and unfollow, and the dossiers I follow.

pub mod procedures;
pub mod stats;

use cds_domain::{Lang, dossier, report::Field};
use cds_ipc::{
    ByCode, Dossier, Empty, ErrorCode, FollowDossier, Held, LoadFollowedDossiers, LookupDossier,
    LookupDossierRequest, UiError, UnfollowDossier,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    state::AppState,
    tile_page::tile_frame,
};

/// The plain words for a dossier's status.
pub fn status_key(status: &str) -> Key {
    match status {
        dossier::status::RECEIVED => Key::DossierStatusReceived,
        dossier::status::PROCESSING => Key::DossierStatusProcessing,
        dossier::status::SUPPLEMENT_REQUESTED => Key::DossierStatusSupplement,
        dossier::status::DONE => Key::DossierStatusDone,
        dossier::status::RETURNED => Key::DossierStatusReturned,
        _ => Key::DossierStatusOther,
    }
}

fn now_ms() -> i64 {
    #[allow(clippy::cast_possible_truncation)]
    let now = js_sys::Date::now() as i64;
    now
}

/// "3 days left", "due today", "late by 2 days", or "finished on time / late".
fn due_text(lang: Lang, d: &Dossier) -> (String, &'static str) {
    let due = cds_domain::time::parse(&d.due_date).unwrap_or(0);
    if dossier::is_finished(&d.status) {
        let key = if d.on_time {
            Key::DossierFinishedOnTime
        } else {
            Key::DossierFinishedLate
        };
        return (
            i18n::text(lang, key).to_owned(),
            if d.on_time { "on-time" } else { "late" },
        );
    }
    let days = dossier::days_until(due, now_ms());
    match days {
        0 => (i18n::text(lang, Key::DossierDueToday).to_owned(), "due"),
        d if d > 0 => (
            i18n::fill(lang, Key::DossierDaysLeft, &[("days", &d.to_string())]),
            "on-time",
        ),
        d => (
            i18n::fill(lang, Key::DossierLateBy, &[("days", &(-d).to_string())]),
            "late",
        ),
    }
}

fn date(lang: Lang, iso: &str) -> String {
    cds_domain::time::parse(iso).map_or_else(|| iso.to_owned(), |ms| i18n::format_date(lang, ms))
}

/// What a failed lookup means for the resident.
fn lookup_error(lang: Lang, err: &UiError) -> Option<String> {
    Some(match err.code {
        ErrorCode::NotFound => i18n::text(lang, Key::DossierNotFound).to_owned(),
        ErrorCode::TooManyAttempts => {
            let minutes = err.wait_seconds.unwrap_or(60).div_ceil(60).max(1);
            i18n::fill(lang, Key::DossierWait, &[("minutes", &minutes.to_string())])
        }
        ErrorCode::Offline => i18n::text(lang, Key::DossierOffline).to_owned(),
        ErrorCode::InvalidInput => match err.invalid.map(|i| i.field) {
            Some(Field::PhoneDigits) => i18n::text(lang, Key::DossierBadDigits).to_owned(),
            _ => i18n::text(lang, Key::DossierBadCode).to_owned(),
        },
        _ => return None,
    })
}

/// The lookup page, opened from its tile (and from the inbox with a code).
#[component]
pub fn DossiersPage(tile: String, code: Option<String>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let code_input = RwSignal::new(code.clone().unwrap_or_default());
    let digits = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Held<Dossier>>);
    let message = RwSignal::new(None::<String>);
    let scanning = RwSignal::new(None::<String>);
    let followed = RwSignal::new(Vec::<Held<Dossier>>::new());
    let busy = RwSignal::new(false);
    let load_followed = move || {
        spawn_local(async move {
            match ipc::call::<LoadFollowedDossiers>(&Empty {}).await {
                Ok(list) => followed.set(list),
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    load_followed();
    // Opened from the inbox: the followed dossier is shown at once.
    if let Some(code) = code {
        let shown = StoredValue::new(false);
        Effect::new(move |_| {
            if shown.get_value() {
                return;
            }
            if let Some(found) =
                followed.with(|list| list.iter().find(|h| h.value.code == code).cloned())
            {
                shown.set_value(true);
                result.set(Some(found));
                crate::nav::focus_after_render("#dossier-result h2".to_owned());
            }
        });
    }
    let lookup = move || {
        let request = LookupDossierRequest {
            code: code_input.get_untracked(),
            phone_last4: digits.get_untracked(),
        };
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            match ipc::call::<LookupDossier>(&request).await {
                Ok(held) => {
                    code_input.set(held.value.code.clone());
                    result.set(Some(held));
                    crate::nav::focus_after_render("#dossier-result h2".to_owned());
                }
                Err(err) => match lookup_error(app.lang(), &err) {
                    Some(text) => {
                        result.set(None);
                        message.set(Some(text));
                    }
                    None => app.error.set(Some(err)),
                },
            }
            busy.set(false);
        });
    };
    let on_slip = move |ev: leptos::ev::Event| {
        let Some(file) = ipc::chosen_files(&ev).into_iter().next() else {
            return;
        };
        scanning.set(Some(app.t(Key::SlipReading).to_owned()));
        spawn_local(async move {
            let Some(bytes) = ipc::file_bytes(&file).await else {
                scanning.set(Some(app.t(Key::SlipUnreadable).to_owned()));
                return;
            };
            let lang = app.lang();
            let text = match ipc::scan_slip(bytes).await {
                Ok(scan) => match scan.code {
                    Some(code) => {
                        code_input.set(code.clone());
                        i18n::fill(lang, Key::SlipRead, &[("code", &code)])
                    }
                    None if scan.found.is_empty() => i18n::text(lang, Key::SlipNoCode).to_owned(),
                    None => i18n::fill(
                        lang,
                        Key::SlipOtherCode,
                        &[(
                            "text",
                            &scan.found.join(", ").chars().take(120).collect::<String>(),
                        )],
                    ),
                },
                Err(err) => match err.invalid.map(|i| i.rule) {
                    Some(rule) => i18n::rule_text(lang, rule),
                    None => {
                        app.error.set(Some(err));
                        String::new()
                    }
                },
            };
            scanning.set(Some(text));
        });
    };
    let follow = move |code: String, follow: bool| {
        spawn_local(async move {
            let done = if follow {
                ipc::call::<FollowDossier>(&ByCode { code: code.clone() }).await
            } else {
                ipc::call::<UnfollowDossier>(&ByCode { code: code.clone() }).await
            };
            match done {
                Ok(_) => {
                    result.update(|r| {
                        if let Some(r) = r.as_mut().filter(|r| r.value.code == code) {
                            r.followed = follow;
                        }
                    });
                    load_followed();
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    tile_frame(tile, move |lang, _| {
        view! {
            <form class="form-section" id="dossier-form" on:submit=move |ev| { ev.prevent_default(); lookup(); }>
                <p class="hint">{i18n::text(lang, Key::DossierIntro)}</p>
                <div class="field">
                    <label for="dossier-code">{i18n::text(lang, Key::DossierCodeLabel)}</label>
                    <input id="dossier-code" autocomplete="off" autocapitalize="characters" spellcheck="false"
                        prop:value=move || code_input.get()
                        on:input=move |ev| code_input.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label class="button file-button">
                        {i18n::text(lang, Key::SlipLabel)}
                        <input id="slip-photo" class="visually-hidden" type="file"
                            accept="image/jpeg,image/png,image/webp" capture="environment" on:change=on_slip />
                    </label>
                    <p class="hint" id="slip-status" role="status" aria-live="polite">{move || scanning.get()}</p>
                </div>
                <div class="field">
                    <label for="dossier-phone">{i18n::text(lang, Key::DossierPhoneLabel)}</label>
                    <input id="dossier-phone" inputmode="numeric" autocomplete="off" maxlength="4"
                        prop:value=move || digits.get()
                        on:input=move |ev| digits.set(event_target_value(&ev)) />
                    <p class="hint">{i18n::text(lang, Key::DossierPhoneHint)}</p>
                </div>
                <div class="form-actions">
                    <button id="dossier-lookup" class="button button--primary" type="submit" prop:disabled=move || busy.get()>
                        {i18n::text(lang, Key::DossierLookupAction)}
                    </button>
                </div>
                {move || message.get().map(|text| view! { <p class="field-error" id="dossier-message" role="alert">{text}</p> })}
            </form>
            {move || result.get().map(|held| result_view(app.lang(), held, follow))}
            <section aria-labelledby="followed-dossiers-heading">
                <h2 id="followed-dossiers-heading">{i18n::text(lang, Key::DossierFollowedHeading)}</h2>
                {move || followed.with(|f| f.is_empty()).then(|| view! { <p class="hint">{app.t(Key::DossierFollowedNone)}</p> })}
                <ul class="report-list" id="followed-dossiers">
                    {move || followed.get().into_iter().map(|held| {
                        let lang = app.lang();
                        let shown = held.clone();
                        view! {
                            <li><button class="report-line" data-dossier=held.value.code.clone()
                                on:click=move |_| { result.set(Some(shown.clone())); crate::nav::focus_after_render("#dossier-result h2".to_owned()); }>
                                <span>{held.value.procedure.clone()} " · " {held.value.code.clone()}</span>
                                <span class="badge">{i18n::text(lang, status_key(&held.value.status))}</span>
                            </button></li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }
        .into_any()
    })
}

fn result_view(
    lang: Lang,
    held: Held<Dossier>,
    follow: impl Fn(String, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let d = held.value;
    let (due, due_kind) = due_text(lang, &d);
    let code = d.code.clone();
    let followed = held.followed;
    let age = held.offline.then(|| {
        i18n::fill(
            lang,
            Key::DossierSavedAt,
            &[("time", &i18n::format_time(lang, held.fetched_at_ms))],
        )
    });
    let steps = d
        .steps
        .iter()
        .map(|step| {
            let when = match &step.finished_date {
                Some(end) => format!("{} – {}", date(lang, &step.started_date), date(lang, end)),
                None => i18n::fill(lang, Key::DossierStepSince, &[("date", &date(lang, &step.started_date))]),
            };
            view! { <li><strong>{step.name.clone()}</strong> " · " {step.unit.clone()} <br /> <span class="hint">{when}</span></li> }
        })
        .collect_view();
    view! {
        <section id="dossier-result" class="form-section" data-status=d.status.clone() aria-labelledby="dossier-result-heading">
            <h2 id="dossier-result-heading" tabindex="-1">{d.procedure.clone()}</h2>
            {age.map(|text| view! { <p class="status status--offline" role="status">{text}</p> })}
            <p><span class="badge" id="dossier-status">{i18n::text(lang, status_key(&d.status))}</span></p>
            {d.note.clone().filter(|n| !n.trim().is_empty()).map(|note| view! { <p class="notice" id="dossier-note">{note}</p> })}
            <dl class="facts">
                <dt>{i18n::text(lang, Key::DossierCode)}</dt><dd>{d.code.clone()}</dd>
                <dt>{i18n::text(lang, Key::DossierAgency)}</dt><dd>{d.agency.clone()}</dd>
                <dt>{i18n::text(lang, Key::DossierReceived)}</dt><dd>{date(lang, &d.received_date)}</dd>
                <dt>{i18n::text(lang, Key::DossierDue)}</dt>
                <dd>{date(lang, &d.due_date)} " " <span id="dossier-due" class=format!("due due--{due_kind}")>{due}</span></dd>
            </dl>
            <h3>{i18n::text(lang, Key::DossierSteps)}</h3>
            <ol class="timeline" id="dossier-steps">{steps}</ol>
            <div class="form-actions">
                <button id="dossier-follow" class="button" aria-pressed=followed.to_string()
                    on:click=move |_| follow(code.clone(), !followed)>
                    {i18n::text(lang, if followed { Key::DossierUnfollow } else { Key::DossierFollow })}
                </button>
            </div>
        </section>
    }
}
