//! The root component: app-wide state, start-up, the header, and which page shows.

use cds_domain::{
    Connectivity, HomeScreen, Lang,
    sync::{PhotoProgress, SyncEvent, SyncSummary},
};
use cds_ipc::{
    DataUse, DataUseScreen, Empty, LoadDataUse, LoadHome, LoadHomeRequest, RefreshHome,
    RefreshHomeRequest, SetDataUse, SetDataUseRequest, SetLanguage, SetLanguageRequest, UiError,
    WatchSync,
};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;

use crate::{
    home::HomePage,
    i18n::{self, Key},
    ipc,
    my_reports::{ReportPage, ReportsHub, ReportsMap},
    report_form::NewReport,
    tile_page::TilePage,
};

/// Which page is on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The home screen; focus returns to the tile with this id, if any.
    Home { from_tile: Option<String> },
    /// The page a tile opens, by tile id.
    Tile(String),
    /// Field reports: new report, drafts, my reports.
    Reports,
    /// The province's open reports on the offline map and as a list.
    ReportsMap,
    /// The report form, on a new or an existing draft.
    NewReport { draft: Option<String> },
    /// One of my reports; `fresh` right after submitting (receipt first).
    Report { id: String, fresh: bool },
}

/// What the sync engine is doing, as its events tell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SyncView {
    pub running: bool,
    /// The report being sent: its id, photo count, and the latest photo progress.
    pub sending: Option<(String, u32, Option<PhotoProgress>)>,
    /// What the last finished sync did.
    pub last: Option<SyncSummary>,
    /// Syncs finished and send attempts ended since the page loaded (pages
    /// reload what they show when these move).
    pub finished: usize,
    pub sent: usize,
}

impl SyncView {
    fn apply(&mut self, event: SyncEvent) {
        match event {
            SyncEvent::Started => self.running = true,
            SyncEvent::Sending { report_id, photos } => {
                self.sending = Some((report_id, photos, None));
            }
            SyncEvent::Photo(progress) => {
                if let Some((id, _, latest)) = &mut self.sending
                    && *id == progress.report_id
                {
                    *latest = Some(progress);
                }
            }
            SyncEvent::Sent { .. } => {
                self.sending = None;
                self.sent += 1;
            }
            SyncEvent::Finished(summary) => {
                self.running = false;
                self.sending = None;
                self.last = Some(summary);
                self.finished += 1;
            }
        }
    }
}

/// State shared by every component (copied, not cloned: signals are handles).
#[derive(Clone, Copy)]
pub struct AppState {
    pub home: RwSignal<Option<HomeScreen>>,
    pub error: RwSignal<Option<UiError>>,
    pub page: RwSignal<Page>,
    pub sync: RwSignal<SyncView>,
    pub data_use: RwSignal<Option<DataUseScreen>>,
}

impl AppState {
    pub fn lang(self) -> Lang {
        self.home
            .with(|home| home.as_ref().map_or(Lang::default(), |home| home.language))
    }

    pub fn t(self, key: Key) -> &'static str {
        i18n::text(self.lang(), key)
    }

    /// Follows the sync engine's events for as long as the page lives.
    pub fn watch_sync(self) {
        spawn_local(async move {
            let listening = ipc::listen::<WatchSync>(&Empty {}, move |event| {
                self.sync.update(|view| view.apply(event));
            })
            .await;
            if let Err(err) = listening {
                self.error.set(Some(err));
            }
        });
    }

    /// Loads the data-use settings and the network kind (for the settings page).
    pub fn load_data_use(self) {
        spawn_local(async move {
            match ipc::call::<LoadDataUse>(&Empty {}).await {
                Ok(screen) => self.data_use.set(Some(screen)),
                Err(err) => self.error.set(Some(err)),
            }
        });
    }

    pub fn set_data_use(self, data_use: DataUse) {
        spawn_local(async move {
            match ipc::call::<SetDataUse>(&SetDataUseRequest { data_use }).await {
                Ok(screen) => self.data_use.set(Some(screen)),
                Err(err) => self.error.set(Some(err)),
            }
        });
    }

    /// Loads the home screen from the device, then asks the API for news.
    pub fn start(self) {
        self.error.set(None);
        spawn_local(async move {
            match ipc::call::<LoadHome>(&LoadHomeRequest {}).await {
                Ok(home) => self.home.set(Some(home)),
                Err(err) => return self.error.set(Some(err)),
            }
            self.refresh().await;
        });
    }

    /// Asks the API for a newer catalogue; the outcome shows in the status line.
    pub async fn refresh(self) {
        self.home.update(|home| {
            if let Some(home) = home {
                home.connectivity = Connectivity::Checking;
            }
        });
        match ipc::call::<RefreshHome>(&RefreshHomeRequest {}).await {
            Ok(home) => self.home.set(Some(home)),
            Err(err) => self.error.set(Some(err)),
        }
    }

    /// Switches the language at once and remembers the choice on the device.
    pub fn set_language(self, language: Lang) {
        self.home.update(|home| {
            if let Some(home) = home {
                home.language = language;
            }
        });
        spawn_local(async move {
            if let Err(err) = ipc::call::<SetLanguage>(&SetLanguageRequest { language }).await {
                self.error.set(Some(err));
            }
        });
    }
}

/// Moves keyboard and screen-reader focus to the first element matching `css`
/// once the page has been drawn, so that nobody is left on a removed element.
pub fn focus_after_render(css: String) {
    request_animation_frame(move || {
        let element = document()
            .query_selector(&css)
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(element) = element {
            let _ = element.focus();
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState {
        home: RwSignal::new(None),
        error: RwSignal::new(None),
        page: RwSignal::new(Page::Home { from_tile: None }),
        sync: RwSignal::new(SyncView::default()),
        data_use: RwSignal::new(None),
    };
    provide_context(state);
    state.start();
    state.watch_sync();

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
            {move || match state.page.get() {
                Page::Home { from_tile } => view! { <HomePage from_tile /> }.into_any(),
                Page::Tile(id) => view! { <TilePage id /> }.into_any(),
                Page::Reports => view! { <ReportsHub /> }.into_any(),
                Page::ReportsMap => view! { <ReportsMap /> }.into_any(),
                Page::NewReport { draft } => view! { <NewReport draft_id=draft /> }.into_any(),
                Page::Report { id, fresh } => view! { <ReportPage id fresh /> }.into_any(),
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

/// The "← back" button above a page.
#[component]
pub fn BackNav(label: Key, to: Page) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <nav class="page-nav">
            <button id="back" class="button button--ghost" on:click=move |_| state.page.set(to.clone())>
                "← " {move || state.t(label)}
            </button>
        </nav>
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
