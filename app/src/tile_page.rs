//! What a tile opens: the settings page, or a plain "not built yet" page.

use cds_domain::{Feature, Lang, Tile, TileAction};
use cds_ipc::{DataUse, Network};
use leptos::prelude::*;

use crate::{
    app::{AppState, Page, focus_after_render},
    i18n::{self, Key},
};

#[component]
pub fn TilePage(id: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    focus_after_render("article.page h1".to_owned());
    let from_tile = id.clone();
    move || {
        let from_tile = from_tile.clone();
        let home = state.home.get()?;
        let lang = home.language;
        let tile = home.catalogue.tile(&id)?.clone();
        let body = match &tile.action {
            TileAction::Feature { feature } => match Feature::from_name(feature) {
                Some(Feature::Settings) => settings(state, lang).into_any(),
                Some(_) => not_built(lang, Key::NotBuiltBody, &tile, "").into_any(),
                None => not_built(lang, Key::NotBuiltUnknown, &tile, "").into_any(),
            },
            TileAction::Link { url } => not_built(lang, Key::NotBuiltLink, &tile, url).into_any(),
        };
        Some(view! {
            <nav class="page-nav">
                <button id="back" class="button button--ghost" on:click=move |_| state.page.set(Page::Home { from_tile: Some(from_tile.clone()) })>
                    "← " {i18n::text(lang, Key::ActionBack)}
                </button>
            </nav>
            <article class="page" data-page=tile.id.clone()>
                <h1 tabindex="-1">{tile.title.get(lang).to_owned()}</h1>
                {body}
            </article>
        })
    }
}

fn not_built(lang: Lang, key: Key, tile: &Tile, url: &str) -> impl IntoView + use<> {
    let text = i18n::fill(
        lang,
        key,
        &[("service", tile.title.get(lang)), ("url", url)],
    );
    view! {
        <div class="notice notice--building" data-not-built="true">
            <h2>{i18n::text(lang, Key::NotBuiltHeading)}</h2>
            <p>{text}</p>
        </div>
    }
}

fn settings(state: AppState, lang: Lang) -> impl IntoView + use<> {
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
        <DataUseSettings lang />
    }
}

/// "Photos only on Wi-Fi", and whether this device can tell the network kind.
#[component]
fn DataUseSettings(lang: Lang) -> impl IntoView {
    let state = expect_context::<AppState>();
    state.load_data_use();
    move || {
        let screen = state.data_use.get()?;
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
                        on:change=move |ev| state.set_data_use(DataUse {
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
