//! The root component: start-up, the header, the error panel, and which
//! page shows (home here, every other page from its chunk through `pages`).

use cds_domain::Lang;
use leptos::prelude::*;

use crate::{
    home::HomePage,
    i18n::{self, Key},
    nav::Page,
    pages,
    state::AppState,
};

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    state.start();
    state.watch_sync();
    state.nav.listen_for_back();
    state.apply_display();

    // Screen readers pronounce the page in the chosen language.
    Effect::new(move |_| {
        let code = state.lang().code();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", code);
        }
        document().set_title(state.t(Key::AppName));
    });

    view! {
        <Header />
        <main id="main" class="content">
            <ErrorPanel />
            {move || match state.nav.page() {
                Page::Home => view! { <HomePage /> }.into_any(),
                page => pages::show(page),
            }}
        </main>
    }
}

#[component]
fn Header() -> impl IntoView {
    let state = expect_context::<AppState>();
    let tagline = move || {
        state.home.with(|home| {
            home.as_ref().map(|home| {
                let province = home.catalogue.province.name.get(home.language);
                i18n::fill(home.language, Key::AppTagline, &[("province", province)])
            })
        })
    };
    let other = move || match state.lang() {
        Lang::Vi => Lang::En,
        Lang::En => Lang::Vi,
    };
    view! {
        <header class="topbar">
            <div class="brand">
                <span class="brand-name">{move || state.t(Key::AppName)}</span>
                <span class="brand-tagline">{tagline}</span>
            </div>
            <button
                id="lang-toggle"
                class="lang-toggle"
                lang=move || other().code()
                aria-label=move || state.t(Key::LangSwitchLabel)
                on:click=move |_| state.set_language(other())
            >
                {move || state.t(Key::LangSwitch)}
            </button>
        </header>
    }
}

/// A failed command, translated, with its technical detail folded away.
#[component]
fn ErrorPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.error.get().map(|err| {
            view! {
                <div class="error-panel" role="alert" data-error-code=format!("{:?}", err.code)>
                    <h2>{state.t(Key::ErrorHeading)}</h2>
                    <p>{state.t(i18n::error_key(err.code))}</p>
                    <details>
                        <summary>{state.t(Key::ErrorDetail)}</summary>
                        <code>{err.message.clone()}</code>
                    </details>
                    <button class="button" on:click=move |_| state.start()>
                        {state.t(Key::ActionRetry)}
                    </button>
                </div>
            }
        })
    }
}
