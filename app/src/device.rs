//! The settings of this device's own data: the provincial API address
//! (checked before it is kept, used from the next start) and "delete my data
//! from this device" (what would go is named, then confirmed).

use cds_domain::{
    Lang,
    device::{ApiAddress, ErasePreview, Unsent},
    report::Rule,
};
use cds_ipc::{
    DeviceScreen, Empty, EraseDeviceData, EraseDeviceDataRequest, ErrorCode, LoadDevice,
    RestartApp, SetApiAddress, SetApiAddressRequest, UiError,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    state::AppState,
};

/// What the sections show beside the device's screen, kept while the
/// screen is loaded again (after a sync, a save, an erase).
#[derive(Clone, Copy)]
struct Feedback {
    /// The address being typed.
    typed: RwSignal<String>,
    error: RwSignal<Option<String>>,
    status: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    /// The erase confirmation is open.
    asking: RwSignal<bool>,
    erase_status: RwSignal<Option<String>>,
}

/// Both sections, once the device's screen is loaded.
#[component]
pub fn DeviceSettings(lang: Lang) -> impl IntoView {
    let app = expect_context::<AppState>();
    let screen = RwSignal::new(None::<DeviceScreen>);
    let feedback = Feedback {
        typed: RwSignal::new(String::new()),
        error: RwSignal::new(None),
        status: RwSignal::new(None),
        busy: RwSignal::new(false),
        asking: RwSignal::new(false),
        erase_status: RwSignal::new(None),
    };
    let load = move || {
        spawn_local(async move {
            match ipc::call::<LoadDevice>(&Empty {}).await {
                Ok(found) => {
                    if screen.with_untracked(Option::is_none) {
                        feedback
                            .typed
                            .set(found.address.chosen.clone().unwrap_or_default());
                    }
                    screen.set(Some(found));
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    load();
    app.after_each_sync(load);
    move || {
        let current = screen.get()?;
        Some(view! {
            <ApiAddressSettings lang address=current.address screen feedback />
            <EraseSettings lang preview=current.erase screen reload=load feedback />
        })
    }
}

/// What a refused address means, in `lang`.
fn address_error(lang: Lang, err: &UiError) -> String {
    let key = match (err.code, err.invalid.map(|i| i.rule)) {
        (ErrorCode::InvalidInput, Some(Rule::Unknown)) => Key::SettingsApiNotProvince,
        (ErrorCode::InvalidInput, Some(Rule::TooLong { .. })) => Key::SettingsApiTooLong,
        (ErrorCode::InvalidInput, _) => Key::SettingsApiBadFormat,
        (ErrorCode::Offline, _) => Key::SettingsApiUnreachable,
        (ErrorCode::NotNow, _) => Key::SettingsApiUnsent,
        _ => return i18n::text(lang, i18n::error_key(err.code)).to_owned(),
    };
    i18n::text(lang, key).to_owned()
}

/// The provincial API address: in force, chosen, and a field to change it.
#[component]
fn ApiAddressSettings(
    lang: Lang,
    address: ApiAddress,
    screen: RwSignal<Option<DeviceScreen>>,
    feedback: Feedback,
) -> impl IntoView {
    let Feedback {
        typed,
        error,
        status,
        busy,
        ..
    } = feedback;
    let save = move |value: Option<String>| {
        busy.set(true);
        error.set(None);
        status.set(Some(i18n::text(lang, Key::SettingsApiChecking).to_owned()));
        spawn_local(async move {
            match ipc::call::<SetApiAddress>(&SetApiAddressRequest { address: value }).await {
                Ok(address) => {
                    typed.set(address.chosen.clone().unwrap_or_default());
                    status.set(Some(i18n::text(lang, Key::SettingsApiSaved).to_owned()));
                    screen.update(|s| {
                        if let Some(s) = s {
                            s.address = address;
                        }
                    });
                }
                Err(err) => {
                    status.set(None);
                    error.set(Some(address_error(lang, &err)));
                    crate::nav::focus_after_render("#api-address".to_owned());
                }
            }
            busy.set(false);
        });
    };
    let locked = address.from_environment;
    let restart = address.restart_needed.then(|| {
        view! {
            <p class="notice" id="api-restart">{i18n::text(lang, Key::SettingsApiRestartNeeded)}</p>
            <button type="button" class="button" id="api-restart-now" on:click=move |_| {
                spawn_local(async move {
                    if let Err(err) = ipc::call::<RestartApp>(&Empty {}).await {
                        error.set(Some(address_error(lang, &err)));
                    }
                });
            }>{i18n::text(lang, Key::SettingsApiRestartNow)}</button>
        }
    });
    let form = (!locked).then(|| {
        view! {
            <form on:submit=move |ev| {
                ev.prevent_default();
                save(Some(typed.get_untracked()));
            }>
                <div class="field">
                    <label for="api-address">{i18n::text(lang, Key::SettingsApiLabel)}</label>
                    <input id="api-address" type="url" inputmode="url" autocomplete="off"
                        spellcheck="false" maxlength="2000"
                        placeholder=address.default.clone()
                        aria-describedby="api-address-hint api-address-error"
                        aria-invalid=move || error.with(Option::is_some).to_string()
                        prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev)) />
                    <p class="hint" id="api-address-hint">{i18n::text(lang, Key::SettingsApiHint)}</p>
                    <p class="field-error" id="api-address-error" role="alert">{move || error.get()}</p>
                </div>
                <div class="actions">
                    <button type="submit" class="button" id="api-save" disabled=move || busy.get()>
                        {i18n::text(lang, Key::SettingsApiSave)}
                    </button>
                    <button type="button" class="button button--secondary" id="api-default"
                        disabled=move || busy.get()
                        on:click=move |_| save(None)>
                        {i18n::text(lang, Key::SettingsApiUseDefault)}
                    </button>
                </div>
            </form>
        }
    });
    view! {
        <fieldset class="settings-group" id="api-settings">
            <legend>{i18n::text(lang, Key::SettingsApiHeading)}</legend>
            <p>
                {i18n::text(lang, Key::SettingsApiInForce)}" "
                <code id="api-in-force">{address.in_force.clone()}</code>
            </p>
            {locked.then(|| view! { <p class="hint" id="api-locked">{i18n::text(lang, Key::SettingsApiLocked)}</p> })}
            {form}
            <p class="hint" role="status" id="api-status">{move || status.get()}</p>
            {restart}
        </fieldset>
    }
}

/// One unsent item, named.
fn unsent_item(lang: Lang, item: &Unsent, untitled: Key) -> impl IntoView + use<> {
    let text = if item.excerpt.is_empty() {
        i18n::text(lang, untitled).to_owned()
    } else {
        item.excerpt.clone()
    };
    let receipt = item.receipt.clone().map(|receipt| {
        view! { " " <span class="receipt">{i18n::fill(lang, Key::SettingsEraseReceipt, &[("receipt", &receipt)])}</span> }
    });
    view! {
        <li>
            {text}{receipt}
            <span class="hint">" — "{i18n::format_time(lang, item.at_ms)}</span>
        </li>
    }
}

/// The list of what erasing would take, unsent work first.
fn preview_view(lang: Lang, preview: &ErasePreview) -> impl IntoView + use<> {
    let drafts = (!preview.drafts.is_empty()).then(|| {
        let items = preview
            .drafts
            .iter()
            .map(|d| unsent_item(lang, d, Key::SettingsEraseUntitled))
            .collect_view();
        view! {
            <h4>{i18n::fill(lang, Key::SettingsEraseDrafts, &[("count", &preview.drafts.len().to_string())])}</h4>
            <ul id="erase-drafts">{items}</ul>
        }
    });
    let unsent = (!preview.unsent_reports.is_empty()).then(|| {
        let items = preview
            .unsent_reports
            .iter()
            .map(|r| unsent_item(lang, r, Key::SettingsEraseUntitled))
            .collect_view();
        view! {
            <h4>{i18n::fill(lang, Key::SettingsEraseUnsent, &[("count", &preview.unsent_reports.len().to_string())])}</h4>
            <ul id="erase-unsent">{items}</ul>
        }
    });
    let mut others = Vec::new();
    if preview.unsent_sessions > 0 {
        others.push(i18n::fill(
            lang,
            Key::SettingsEraseSessions,
            &[("count", &preview.unsent_sessions.to_string())],
        ));
    }
    if preview.sent_reports > 0 {
        others.push(i18n::fill(
            lang,
            Key::SettingsEraseSent,
            &[("count", &preview.sent_reports.to_string())],
        ));
    }
    if preview.followed > 0 {
        others.push(i18n::fill(
            lang,
            Key::SettingsEraseFollowed,
            &[("count", &preview.followed.to_string())],
        ));
    }
    if let Some(team) = &preview.team {
        others.push(i18n::fill(lang, Key::SettingsEraseTeam, &[("team", team)]));
    }
    others.push(i18n::text(lang, Key::SettingsEraseSettings).to_owned());
    let others = others
        .into_iter()
        .map(|text| view! { <li>{text}</li> })
        .collect_view();
    view! {
        {drafts}
        {unsent}
        <h4>{i18n::text(lang, Key::SettingsEraseAlso)}</h4>
        <ul id="erase-others">{others}</ul>
    }
}

/// "Delete my data from this device": what would go is named, then confirmed.
#[component]
fn EraseSettings(
    lang: Lang,
    preview: ErasePreview,
    screen: RwSignal<Option<DeviceScreen>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
    feedback: Feedback,
) -> impl IntoView {
    let app = expect_context::<AppState>();
    let Feedback {
        asking,
        busy,
        erase_status: status,
        ..
    } = feedback;
    let seen = StoredValue::new(preview.clone());
    let erase = move |_| {
        busy.set(true);
        status.set(Some(i18n::text(lang, Key::SettingsEraseWorking).to_owned()));
        let request = EraseDeviceDataRequest {
            seen: seen.get_value(),
        };
        spawn_local(async move {
            match ipc::call::<EraseDeviceData>(&request).await {
                Ok(after) => {
                    asking.set(false);
                    screen.set(Some(after));
                    app.reload_home();
                    status.set(Some(i18n::text(lang, Key::SettingsEraseDone).to_owned()));
                }
                Err(err) if err.code == ErrorCode::NotNow => {
                    // Something changed since the list was shown: show it again.
                    status.set(Some(i18n::text(lang, Key::SettingsEraseChanged).to_owned()));
                    reload();
                }
                Err(err) => {
                    status.set(None);
                    app.error.set(Some(err));
                }
            }
            busy.set(false);
        });
    };
    let nothing = preview.is_empty();
    let warn = preview.loses_unsent();
    let list = preview_view(lang, &preview);
    view! {
        <fieldset class="settings-group" id="erase-settings">
            <legend>{i18n::text(lang, Key::SettingsEraseHeading)}</legend>
            <p class="hint">{i18n::text(lang, Key::SettingsEraseHint)}</p>
            <div hidden=move || !asking.get() id="erase-confirm" tabindex="-1">
                {warn.then(|| view! { <p class="notice notice--warning" id="erase-warning">{i18n::text(lang, Key::SettingsEraseWarning)}</p> })}
                {list}
                <div class="actions">
                    <button type="button" class="button button--danger" id="erase-yes"
                        disabled=move || busy.get() on:click=erase>
                        {i18n::text(lang, Key::SettingsEraseYes)}
                    </button>
                    <button type="button" class="button button--secondary" id="erase-no"
                        on:click=move |_| {
                            asking.set(false);
                            crate::nav::focus_after_render("#erase-start".to_owned());
                        }>
                        {i18n::text(lang, Key::SettingsEraseNo)}
                    </button>
                </div>
            </div>
            <button type="button" class="button button--secondary" id="erase-start"
                hidden=move || asking.get()
                aria-expanded=move || asking.get().to_string()
                aria-controls="erase-confirm"
                on:click=move |_| {
                    status.set(None);
                    asking.set(true);
                    crate::nav::focus_after_render("#erase-confirm".to_owned());
                }>
                {i18n::text(lang, if nothing { Key::SettingsEraseStartEmpty } else { Key::SettingsEraseStart })}
            </button>
            <p class="hint" role="status" id="erase-status">{move || status.get()}</p>
        </fieldset>
    }
}
