//! Navigation: which pages exist (`Page`), the one registry from the
//! catalogue's feature names to pages, the history of pages with back (the
//! `#back` button, Escape, the mouse's back button), and where focus goes
//! when a page is shown.
//!
//! Adding a service: one arm in [`page_for_tile`], a `Page` variant, one arm
//! in `pages::page_view` (the pages' chunk), and the service's own module of
//! pages.

use cds_domain::{Feature, Tile, TileAction};
use leptos::{ev, prelude::*, task::spawn_local};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlInputElement};

use crate::{i18n::Key, state::AppState};

/// Which page is on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The home screen: status lines and the blocks of service tiles.
    Home,
    /// A tile whose feature this version does not have (or a web link), by tile id.
    Tile(String),
    /// Settings (language, data use), opened from this tile.
    Settings { tile: String },
    /// Field reports: new report, drafts, my reports.
    Reports,
    /// The province's open reports on the offline map and as a list.
    ReportsMap,
    /// The report form, on a new or an existing draft.
    NewReport { draft: Option<String> },
    /// One of my reports; `fresh` right after submitting (receipt first).
    Report { id: String, fresh: bool },
    /// Dossier lookup, opened from this tile; `code`: a followed dossier to show.
    Dossiers { tile: String, code: Option<String> },
    /// The procedure catalogue.
    Procedures { tile: String },
    /// On-time statistics per agency.
    DossierStats { tile: String },
    /// The one inbox.
    Inbox { tile: String },
    /// A shelf of the awareness block: news, scam warnings, lessons, guides.
    Shelf {
        tile: String,
        shelf: cds_domain::awareness::Shelf,
    },
    /// One article of the awareness block.
    Article { tile: String, id: String },
    /// One guide, step by step.
    Guide { tile: String, id: String },
    /// The community team: join, sessions, the team's counts.
    Team { tile: String },
    /// An assisted session with a resident.
    Assist { tile: String },
    /// Alerts and warnings.
    Alerts { tile: String },
    /// Places nearby of the tile's field; `category`: one category asked for
    /// (an alert's "shelters nearby").
    Places {
        tile: String,
        category: Option<String>,
    },
    /// The OCOP products.
    Products { tile: String },
    /// Traceability of a product.
    Trace { tile: String },
    /// The official pages to pay bills.
    Bills { tile: String },
}

/// The registry: what a catalogue tile opens. A built feature opens its own
/// page; every other tile opens the "not built yet" page, which explains why.
pub fn page_for_tile(tile: &Tile) -> Page {
    let feature = match &tile.action {
        TileAction::Feature { feature } => Feature::from_name(feature),
        TileAction::Link { .. } => None,
    };
    match feature {
        Some(Feature::FieldReports) => Page::Reports,
        Some(Feature::Settings) => Page::Settings {
            tile: tile.id.clone(),
        },
        Some(Feature::DossierLookup) => Page::Dossiers {
            tile: tile.id.clone(),
            code: None,
        },
        Some(Feature::Procedures) => Page::Procedures {
            tile: tile.id.clone(),
        },
        Some(Feature::AgencyStats) => Page::DossierStats {
            tile: tile.id.clone(),
        },
        Some(Feature::MyInbox) => Page::Inbox {
            tile: tile.id.clone(),
        },
        Some(
            feature @ (Feature::News
            | Feature::ScamWarnings
            | Feature::DigitalSkills
            | Feature::Guides),
        ) => match cds_domain::awareness::Shelf::for_feature(feature) {
            Some(shelf) => Page::Shelf {
                tile: tile.id.clone(),
                shelf,
            },
            None => Page::Tile(tile.id.clone()),
        },
        Some(Feature::AssistedMode) => Page::Team {
            tile: tile.id.clone(),
        },
        Some(Feature::Alerts) => Page::Alerts {
            tile: tile.id.clone(),
        },
        Some(
            Feature::Health
            | Feature::Education
            | Feature::Tourism
            | Feature::Transport
            | Feature::NearbyServices,
        ) => Page::Places {
            tile: tile.id.clone(),
            category: None,
        },
        Some(Feature::LocalProducts) => Page::Products {
            tile: tile.id.clone(),
        },
        Some(Feature::Traceability) => Page::Trace {
            tile: tile.id.clone(),
        },
        Some(Feature::BillPayment) => Page::Bills {
            tile: tile.id.clone(),
        },
        _ => Page::Tile(tile.id.clone()),
    }
}

/// The id of the first tile of the catalogue that opens `feature`, if any
/// (to open a service's page from another one).
pub fn tile_for(catalogue: &cds_domain::Catalogue, feature: Feature) -> Option<String> {
    catalogue
        .blocks
        .iter()
        .flat_map(|block| &block.tiles)
        .find(|tile| {
            matches!(&tile.action, TileAction::Feature { feature: name }
                if Feature::from_name(name) == Some(feature))
        })
        .map(|tile| tile.id.clone())
}

/// Every page but home is an `<article class="page">` whose heading takes
/// focus when the page opens.
const PAGE_HEADING: &str = "article.page h1";

/// What may take focus back: the element a page was left from is looked up
/// among these, then named by one of `RETURN_ATTRIBUTES`.
const FOCUSABLE: &str = "a[href], button, input, select, textarea, [tabindex]";
const RETURN_ATTRIBUTES: [&str; 4] = ["data-tile", "data-report", "data-draft", "id"];

/// For how many frames a page's focus target is waited for (its content may
/// come from a command: the list to return to, a report's heading).
const FOCUS_FRAMES: u32 = 120;

/// A page left behind, and the element to give focus back to on return.
#[derive(Debug, Clone)]
struct Visit {
    page: Page,
    focus: Option<String>,
}

/// The page on screen and the history behind it (copied: signals are handles).
#[derive(Clone, Copy)]
pub struct Nav {
    page: RwSignal<Page>,
    history: StoredValue<Vec<Visit>>,
}

impl Nav {
    pub fn new() -> Self {
        Nav {
            page: RwSignal::new(Page::Home),
            history: StoredValue::new(Vec::new()),
        }
    }

    /// The page on screen (tracked).
    pub fn page(self) -> Page {
        self.page.get()
    }

    /// Opens `to`; back returns here, with focus on the element acted on.
    pub fn go(self, to: Page) {
        let from = self.page.get_untracked();
        if from == to {
            return;
        }
        let focus = return_point();
        self.history
            .update_value(|history| history.push(Visit { page: from, focus }));
        self.show(to, None);
    }

    /// Shows `to` in place of the current page, which makes no sense any more
    /// (a submitted form): back skips it.
    pub fn replace(self, to: Page) {
        self.show(to, None);
    }

    /// Returns to the previous page (home when there is none), focus where it was.
    pub fn back(self) {
        match self.history.try_update_value(Vec::pop).flatten() {
            Some(visit) => self.show(visit.page, visit.focus),
            None if self.page.get_untracked() != Page::Home => self.show(Page::Home, None),
            None => {}
        }
    }

    /// Returns to `to` if it is in the history (dropping what came after it),
    /// else shows it in place of the current page: the current page is done
    /// (a discarded draft) and stays out of the history.
    pub fn back_to(self, to: Page) {
        let visit = self
            .history
            .try_update_value(|history| {
                let at = history.iter().rposition(|visit| visit.page == to)?;
                history.truncate(at + 1);
                history.pop()
            })
            .flatten();
        match visit {
            Some(visit) => self.show(visit.page, visit.focus),
            None => self.replace(to),
        }
    }

    fn show(self, to: Page, restore: Option<String>) {
        let heading = (to != Page::Home).then_some(PAGE_HEADING);
        self.page.set(to);
        request_animation_frame(move || settle_focus(restore, heading, FOCUS_FRAMES));
    }

    /// Back from anywhere: Escape (unless something claimed it) and the
    /// mouse's back button. For the lifetime of the app.
    pub fn listen_for_back(self) {
        // Dropping a handle leaves its listener in place, as it should be here.
        let _ = window_event_listener(ev::keydown, move |event| {
            if event.key() != "Escape"
                || event.repeat()
                || event.is_composing()
                || event.ctrl_key()
                || event.alt_key()
                || event.meta_key()
                || event.shift_key()
            {
                return;
            }
            // Decided once the event has been everywhere (Leptos's own
            // handlers listen on the window too): a handler that used the
            // key called `preventDefault`.
            set_timeout(
                move || {
                    if !event.default_prevented() && !escape_is_local(&event) {
                        self.back_now();
                    }
                },
                std::time::Duration::ZERO,
            );
        });
        let _ = window_event_listener(ev::mouseup, move |event| {
            if event.button() == 3 {
                event.prevent_default();
                self.back_now();
            }
        });
    }

    /// Back, after the focused field has been left as a click elsewhere
    /// would leave it (its `change` saves what was typed).
    fn back_now(self) {
        let nowhere =
            self.page.get_untracked() == Page::Home && self.history.with_value(Vec::is_empty);
        if nowhere {
            return;
        }
        if let Some(focused) = document()
            .active_element()
            .and_then(|element| element.dyn_into::<HtmlElement>().ok())
        {
            let _ = focused.blur();
        }
        spawn_local(async move { self.back() });
    }
}

impl Default for Nav {
    fn default() -> Self {
        Self::new()
    }
}

/// Escape that belongs to the control it was pressed in: inside an open
/// dialog (which closes), or in a search field with text (which clears).
fn escape_is_local(event: &web_sys::KeyboardEvent) -> bool {
    let Some(target) = event
        .target()
        .and_then(|target| target.dyn_into::<Element>().ok())
    else {
        return false;
    };
    let in_dialog = target.closest("dialog[open]").ok().flatten().is_some();
    let clears_search = target
        .dyn_ref::<HtmlInputElement>()
        .is_some_and(|input| input.type_() == "search" && !input.value().is_empty());
    in_dialog || clears_search
}

/// The element the user acted on to leave the page (the target of the event
/// being handled, else the focused element), as a selector to find it again.
fn return_point() -> Option<String> {
    let acted_on = window()
        .event()
        .dyn_into::<web_sys::Event>()
        .ok()
        .and_then(|event| event.target())
        .and_then(|target| target.dyn_into::<Element>().ok())
        .or_else(|| document().active_element())?;
    let element = acted_on.closest(FOCUSABLE).ok().flatten()?;
    RETURN_ATTRIBUTES.iter().find_map(|&name| {
        let value = element.get_attribute(name)?;
        (!value.is_empty() && !value.contains(['"', '\\'])).then(|| format!("[{name}=\"{value}\"]"))
    })
}

/// Gives focus to the element to return to (`restore`), else to the page's
/// heading; both may appear a few frames late (content loaded by a command),
/// so this looks again each frame, for a while. Focus the user (or the page)
/// has put elsewhere meanwhile is left alone.
fn settle_focus(restore: Option<String>, heading: Option<&'static str>, frames: u32) {
    let active = document().active_element();
    let on_heading =
        |element: &Element| heading.is_some_and(|css| element.matches(css).unwrap_or(false));
    let free = active.as_ref().is_none_or(|element| {
        matches!(element.tag_name().as_str(), "BODY" | "HTML") || on_heading(element)
    });
    if !free {
        return;
    }
    if restore.as_deref().is_some_and(focus) {
        return;
    }
    let heading_done = match heading {
        Some(css) => active.as_ref().is_some_and(on_heading) || focus(css),
        None => true,
    };
    if frames > 0 && (restore.is_some() || !heading_done) {
        request_animation_frame(move || settle_focus(restore, heading, frames - 1));
    }
}

/// Focuses the first element matching `css`; false if there is none.
fn focus(css: &str) -> bool {
    let element = document()
        .query_selector(css)
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<HtmlElement>().ok());
    match element {
        Some(element) => {
            let _ = element.focus();
            true
        }
        None => false,
    }
}

/// Moves keyboard and screen-reader focus to the first element matching `css`
/// once it has been drawn (a step inside a page, such as the form's review).
pub fn focus_after_render(css: String) {
    request_animation_frame(move || {
        focus(&css);
    });
}

/// The "← back" button above a page: the same as Escape or the mouse's back button.
#[component]
pub fn BackNav(label: Key) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <nav class="page-nav">
            <button id="back" class="button button--ghost" on:click=move |_| state.nav.back()>
                "← " {move || state.t(label)}
            </button>
        </nav>
    }
}
