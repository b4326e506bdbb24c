//! The settings page: the language, text size and contrast, notifications
//! per kind, and "photos only on Wi-Fi" with whether this device can tell the
//! network kind; this device's data and API address (`crate::device`).

use cds_domain::sync::Notifications;
use cds_domain::{Contrast, Display, Lang, TextSize};
use cds_ipc::{
    DataUse, DataUseScreen, Empty, LoadDataUse, Network, SetDataUse, SetDataUseRequest,
    SetNotifications, SetNotificationsRequest,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    state::AppState,
    tile_page::tile_frame,
};

/// Settings, framed by the tile that opened them.
#[component]
pub fn SettingsPage(tile: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let data_use = RwSignal::new(None::<DataUseScreen>);
    spawn_local(async move {
        match ipc::call::<LoadDataUse>(&Empty {}).await {
            Ok(screen) => data_use.set(Some(screen)),
            Err(err) => state.error.set(Some(err)),
        }
    });
    tile_frame(tile, move |lang, _| {
        view! {
            {language(state, lang)}
            {text_size(state, lang)}
            {contrast(state, lang)}
            {notifications(state, lang)}
            <DataUseSettings lang data_use />
            <crate::device::DeviceSettings lang />
        }
        .into_any()
    })
}

fn language(state: AppState, lang: Lang) -> impl IntoView + use<> {
    let options = Lang::ALL
        .into_iter()
        .map(|option| {
            let label = match option {
                Lang::Vi => Key::LangVi,
                Lang::En => Key::LangEn,
            };
            view! {
                <label class="choice" lang=option.code()>
                    <input
                        type="radio"
                        name="language"
                        value=option.code()
                        checked=option == lang
                        on:change=move |_| state.set_language(option)
                    />
                    {i18n::text(lang, label)}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="settings-group">
            <legend>{i18n::text(lang, Key::SettingsLanguageHeading)}</legend>
            {options}
            <p class="hint">{i18n::text(lang, Key::SettingsLanguageHint)}</p>
        </fieldset>
    }
}

/// Text size from 100% to 200%, applied at once.
fn text_size(state: AppState, lang: Lang) -> impl IntoView + use<> {
    let options = TextSize::all()
        .map(|size| {
            let percent = size.percent();
            let label = if size == TextSize::NORMAL {
                i18n::text(lang, Key::SettingsTextSizeNormal).to_owned()
            } else {
                i18n::fill(
                    lang,
                    Key::SettingsTextSizeOption,
                    &[("percent", &percent.to_string())],
                )
            };
            view! {
                <label class="choice">
                    <input
                        type="radio"
                        name="text-size"
                        value=percent
                        checked=move || state.display().text_size == size
                        on:change=move |_| state.set_display(Display {
                            text_size: size,
                            ..state.display()
                        })
                    />
                    {label}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="settings-group" id="text-size">
            <legend>{i18n::text(lang, Key::SettingsTextSizeHeading)}</legend>
            {options}
            <p class="hint">{i18n::text(lang, Key::SettingsTextSizeHint)}</p>
        </fieldset>
    }
}

/// High contrast: as the system asks, off, or on.
fn contrast(state: AppState, lang: Lang) -> impl IntoView + use<> {
    let options = Contrast::ALL
        .into_iter()
        .map(|option| {
            let label = match option {
                Contrast::System => Key::SettingsContrastSystem,
                Contrast::Off => Key::SettingsContrastOff,
                Contrast::On => Key::SettingsContrastOn,
            };
            view! {
                <label class="choice">
                    <input
                        type="radio"
                        name="contrast"
                        value=option.code()
                        checked=move || state.display().contrast == option
                        on:change=move |_| state.set_display(Display {
                            contrast: option,
                            ..state.display()
                        })
                    />
                    {i18n::text(lang, label)}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="settings-group" id="contrast">
            <legend>{i18n::text(lang, Key::SettingsContrastHeading)}</legend>
            {options}
            <p class="hint">{i18n::text(lang, Key::SettingsContrastHint)}</p>
        </fieldset>
    }
}

/// A kind's switch among the notification choices.
type NotifyKind = fn(&mut Notifications) -> &mut bool;

/// Notifications on or off per kind, remembered at once.
fn notifications(state: AppState, lang: Lang) -> impl IntoView + use<> {
    let current = move || {
        state
            .home
            .with(|home| home.as_ref().map(|home| home.notifications))
            .unwrap_or_default()
    };
    // The team's kind has no switch until the app raises team notifications.
    let kinds: [(&str, Key, NotifyKind); 3] = [
        ("reports", Key::SettingsNotifyReports, |n| &mut n.reports),
        ("dossiers", Key::SettingsNotifyDossiers, |n| &mut n.dossiers),
        ("alerts", Key::SettingsNotifyAlerts, |n| &mut n.alerts),
    ];
    let options = kinds
        .into_iter()
        .map(|(kind, label, field)| {
            let change = move |on: bool| {
                let mut choice = current();
                *field(&mut choice) = on;
                state.home.update(|home| {
                    if let Some(home) = home {
                        home.notifications = choice;
                    }
                });
                spawn_local(async move {
                    let request = SetNotificationsRequest {
                        notifications: choice,
                    };
                    if let Err(err) = ipc::call::<SetNotifications>(&request).await {
                        state.error.set(Some(err));
                    }
                });
            };
            view! {
                <label class="choice">
                    <input
                        type="checkbox"
                        name="notify"
                        value=kind
                        checked=move || *field(&mut current())
                        on:change=move |ev| change(event_target_checked(&ev))
                    />
                    {i18n::text(lang, label)}
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="settings-group" id="notifications">
            <legend>{i18n::text(lang, Key::SettingsNotifyHeading)}</legend>
            {options}
            <p class="hint">{i18n::text(lang, Key::SettingsNotifyHint)}</p>
        </fieldset>
    }
}

/// "Photos only on Wi-Fi", and whether this device can tell the network kind.
#[component]
fn DataUseSettings(lang: Lang, data_use: RwSignal<Option<DataUseScreen>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let set = move |choice: DataUse| {
        spawn_local(async move {
            match ipc::call::<SetDataUse>(&SetDataUseRequest { data_use: choice }).await {
                Ok(screen) => data_use.set(Some(screen)),
                Err(err) => state.error.set(Some(err)),
            }
        });
    };
    move || {
        let screen = data_use.get()?;
        let hint = match screen.network {
            Network::Unknown => Key::SettingsWifiUnknown,
            Network::Metered => Key::SettingsWifiMetered,
            Network::Unmetered => Key::SettingsWifiUnmetered,
        };
        Some(view! {
            <fieldset class="settings-group">
                <legend>{i18n::text(lang, Key::SettingsDataHeading)}</legend>
                <label class="choice">
                    <input
                        id="photos-wifi-only"
                        type="checkbox"
                        checked=screen.data_use.photos_wifi_only
                        on:change=move |ev| set(DataUse {
                            photos_wifi_only: event_target_checked(&ev),
                        })
                    />
                    {i18n::text(lang, Key::SettingsWifiOnly)}
                </label>
                <p class="hint" data-network=format!("{:?}", screen.network)>{i18n::text(lang, hint)}</p>
            </fieldset>
        })
    }
}
