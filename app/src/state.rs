//! State shared by every page: the home screen (catalogue, language,
//! connectivity), the pinned and recent tiles, the last failed command, what the sync engine is doing, and
//! navigation; start-up, the language switch and the display (text size,
//! contrast) applied to the document.

use cds_domain::{
    Connectivity, Display, HomeScreen, Lang, Personal,
    sync::{PhotoProgress, SyncEvent, SyncSummary},
};
use cds_ipc::{
    Empty, LoadHome, LoadHomeRequest, LoadInbox, RefreshHome, RefreshHomeRequest, SetDisplay,
    SetDisplayRequest, SetLanguage, SetLanguageRequest, UiError, WatchSync,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    nav::Nav,
};

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
    /// Pinned and recently opened tiles (apart from `home`, so that a change
    /// redraws only the home screen's shortcuts).
    pub personal: RwSignal<Personal>,
    pub error: RwSignal<Option<UiError>>,
    pub sync: RwSignal<SyncView>,
    /// The page on screen and the way back.
    pub nav: Nav,
    /// Unread items of the inbox (shown on its tile).
    pub inbox_unread: RwSignal<u32>,
    /// The severe alert the home screen's banner shows, if any.
    pub alert_banner: RwSignal<Option<cds_ipc::Alert>>,
    /// Whether the home screen says "checking" while the catalogue is
    /// checked: the check at start says it only once it has taken
    /// [`CHECKING_SHOWN_AFTER`] (an answer before then moves nothing on the
    /// screen, where a line shown and taken away would move the tiles under
    /// the resident's finger); a check the resident asks for says it at once.
    pub checking_shown: RwSignal<bool>,
}

/// How long the check at start runs unannounced.
const CHECKING_SHOWN_AFTER: std::time::Duration = std::time::Duration::from_secs(1);

impl AppState {
    pub fn new() -> Self {
        AppState {
            home: RwSignal::new(None),
            personal: RwSignal::new(Personal::default()),
            error: RwSignal::new(None),
            sync: RwSignal::new(SyncView::default()),
            nav: Nav::new(),
            inbox_unread: RwSignal::new(0),
            alert_banner: RwSignal::new(None),
            checking_shown: RwSignal::new(false),
        }
    }

    pub fn lang(self) -> Lang {
        self.home
            .with(|home| home.as_ref().map_or(Lang::default(), |home| home.language))
    }

    pub fn t(self, key: Key) -> &'static str {
        i18n::text(self.lang(), key)
    }

    /// Counts the inbox's unread items again (at start and after each sync).
    pub fn count_unread(self) {
        spawn_local(async move {
            match ipc::call::<LoadInbox>(&Empty {}).await {
                Ok(inbox) => self.inbox_unread.set(inbox.unread),
                Err(err) => web_sys::console::warn_1(&format!("inbox: {err}").into()),
            }
        });
    }

    /// Asks again for the banner's alert (at start, after each sync, when
    /// one is read).
    pub fn alert_banner_check(self) {
        spawn_local(async move {
            self.alert_banner.set(crate::alerts::banner().await);
        });
    }

    /// Runs `reload` whenever a sync finishes, for as long as the calling
    /// component lives (pages whose data a sync may change).
    pub fn after_each_sync(self, reload: impl Fn() + 'static) {
        Effect::new(move |seen: Option<usize>| {
            let finished = self.sync.with(|s| s.finished);
            if seen.is_some_and(|seen| seen != finished) {
                reload();
            }
            finished
        });
    }

    /// Follows the sync engine's events for as long as the page lives.
    pub fn watch_sync(self) {
        spawn_local(async move {
            let listening = ipc::listen::<WatchSync>(&Empty {}, move |event| {
                let finished = matches!(event, SyncEvent::Finished(_));
                self.sync.update(|view| view.apply(event));
                if finished {
                    self.count_unread();
                    self.alert_banner_check();
                }
            })
            .await;
            if let Err(err) = listening {
                self.error.set(Some(err));
            }
        });
    }

    /// Loads the home screen from the device; once it is painted, the
    /// inbox count, the alert banner and the API's news (the first screen
    /// first: each of them draws the home screen again).
    pub fn start(self) {
        self.error.set(None);
        spawn_local(async move {
            match ipc::call::<LoadHome>(&LoadHomeRequest {}).await {
                Ok(home) => self.show_home(home),
                Err(err) => return self.error.set(Some(err)),
            }
            after_paint(move || {
                set_timeout(move || self.checking_shown.set(true), CHECKING_SHOWN_AFTER);
                spawn_local(async move {
                    self.count_unread();
                    self.alert_banner_check();
                    self.refresh().await;
                });
            });
        });
    }

    /// Loads the home screen from the device again (after the resident's
    /// data was erased: pins, recent tiles, display and language as new).
    pub fn reload_home(self) {
        spawn_local(async move {
            match ipc::call::<LoadHome>(&LoadHomeRequest {}).await {
                Ok(home) => self.show_home(home),
                Err(err) => self.error.set(Some(err)),
            }
            self.count_unread();
            self.alert_banner_check();
        });
    }

    /// Shows the home screen loaded at start, with its pinned and recent tiles.
    fn show_home(self, home: HomeScreen) {
        self.personal.set(home.personal.clone());
        self.home.set(Some(home));
        mark_ready_after_paint();
    }

    /// Asks the API for a newer catalogue; the outcome shows in the status line.
    pub async fn refresh(self) {
        self.home.update(|home| {
            if let Some(home) = home {
                home.connectivity = Connectivity::Checking;
            }
        });
        // `personal` stays as pins and opens left it: the refresh's copy may
        // have been read before a pin that answered first.
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

/// Text size and contrast: kept with the home screen, applied to the document.
impl AppState {
    pub fn display(self) -> Display {
        self.home
            .with(|home| home.as_ref().map(|home| home.display))
            .unwrap_or_default()
    }

    /// Applies the display choices to the document whenever they change: the
    /// root font size (text in `style.css` is sized in rem or em) and the theme.
    pub fn apply_display(self) {
        Effect::new(move |_| {
            let display = self.display();
            if let Some(root) = document().document_element() {
                let size = display.text_size.percent().to_string();
                let _ = root.set_attribute("data-text-size", &size);
                let _ = root.set_attribute("data-contrast", display.contrast.code());
            }
        });
    }

    /// Changes the display at once and remembers the choice on the device.
    pub fn set_display(self, display: Display) {
        self.home.update(|home| {
            if let Some(home) = home {
                home.display = display;
            }
        });
        spawn_local(async move {
            if let Err(err) = ipc::call::<SetDisplay>(&SetDisplayRequest { display }).await {
                self.error.set(Some(err));
            }
        });
    }
}

/// Tells the shell, once, that the home screen's tiles are painted: two
/// animation frames after they were set (the first runs before the paint).
fn mark_ready_after_paint() {
    use std::sync::atomic::{AtomicBool, Ordering};
    static MARKED: AtomicBool = AtomicBool::new(false);
    if MARKED.swap(true, Ordering::Relaxed) {
        return;
    }
    after_paint(|| {
        spawn_local(async {
            // Only a measurement depends on it: nothing to tell the user.
            let _ = ipc::call::<cds_ipc::MarkReady>(&cds_ipc::Empty {}).await;
        });
    });
}

/// Runs `then` once what is set now has been painted: two animation frames
/// on (the first runs before the paint).
fn after_paint(then: impl FnOnce() + 'static) {
    request_animation_frame(move || request_animation_frame(then));
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}
