//! The home screen: the connection status line, the sync line, the pinned
//! and recently used tiles, and the blocks of service tiles (each opens what
//! `nav::page_for_tile` says, and may be pinned with its pin button).

use cds_domain::{Block, CatalogueSource, Connectivity, HomeScreen, Lang, Tile};
use cds_ipc::{PinTile, PinTileRequest, TileOpened, TileOpenedRequest};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    icons, ipc, nav,
    state::AppState,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The blocks are drawn again only when the catalogue or the language
    // changes, not when the connection's state or the choices do.
    let shown = Memo::new(move |_| {
        state.home.with(|home| {
            home.as_ref()
                .map(|home| (home.language, home.catalogue.clone()))
        })
    });
    move || {
        shown.get().map(|(lang, catalogue)| {
            let blocks = catalogue
                .blocks
                .iter()
                .map(|block| block_view(state, lang, block))
                .collect_view();
            view! {
                <h1 class="visually-hidden">{state.t(Key::AppName)}</h1>
                <crate::alerts::AlertBanner />
                <StatusLine />
                <SyncLine />
                <InboxLine />
                <h2 class="visually-hidden">{state.t(Key::HomeServicesHeading)}</h2>
                <div class="blocks"><Shortcuts />{blocks}</div>
            }
        })
    }
}

/// Says whether the list is fresh, being checked, or shown offline from storage.
#[component]
fn StatusLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state
            .home
            .with(|home| home.as_ref().map(|home| status_view(state, home)))
    }
}

fn status_view(state: AppState, home: &HomeScreen) -> AnyView {
    let lang = home.language;
    let saved_at = match home.source {
        CatalogueSource::Cache { fetched_at_ms } => Some(i18n::fill(
            lang,
            Key::StatusSavedAt,
            &[("time", &i18n::format_time(lang, fetched_at_ms))],
        )),
        CatalogueSource::Bundled => None,
    };
    let (kind, message) = match (home.connectivity, home.source) {
        (Connectivity::Online, _) => return ().into_any(),
        (Connectivity::Checking, _) if !state.checking_shown.get() => return ().into_any(),
        (Connectivity::Checking, _) => ("checking", Key::StatusChecking),
        (Connectivity::Offline, CatalogueSource::Bundled) => ("offline", Key::StatusOfflineBundled),
        (Connectivity::Offline, _) => ("offline", Key::StatusOffline),
        (Connectivity::ServerProblem, _) => ("server-problem", Key::StatusServerProblem),
    };
    let retry = (kind != "checking").then(|| {
        view! {
            <button
                class="button button--small"
                on:click=move |_| {
                    state.checking_shown.set(true);
                    spawn_local(state.refresh());
                }
            >
                {i18n::text(lang, Key::ActionRetry)}
            </button>
        }
    });
    view! {
        <div id="connection-status" class=format!("status status--{kind}") role="status" data-status=kind>
            <p>
                {i18n::text(lang, message)}
                {saved_at.map(|text| view! { " " <span class="status-time">{text}</span> })}
            </p>
            {retry}
        </div>
    }
    .into_any()
}

/// Where residents start: what is new for them, with the way to the inbox.
#[component]
fn InboxLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let unread = state.inbox_unread.get();
        let tile = state.home.with(|home| {
            home.as_ref()
                .and_then(|home| nav::tile_for(&home.catalogue, cds_domain::Feature::MyInbox))
        })?;
        (unread > 0).then(|| {
            let lang = state.lang();
            view! {
                <div id="inbox-news" class="status status--news" role="status">
                    <p>{i18n::fill(lang, Key::HomeInboxNews, &[("count", &unread.to_string())])}</p>
                    <button class="button button--small" on:click=move |_| state.nav.go(nav::Page::Inbox { tile: tile.clone() })>
                        {i18n::text(lang, Key::HomeInboxOpen)}
                    </button>
                </div>
            }
        })
    }
}

/// Says what the sync engine is sending ("photo 2 of 3") and what waits for Wi-Fi.
#[component]
fn SyncLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let lang = state.lang();
        let view = state.sync.get();
        let sending = view.sending.map(|(_, photos, progress)| {
            let done = progress.as_ref().map_or(0, |p| p.photos_done());
            let text = if photos == 0 {
                i18n::text(lang, Key::SyncSendingNoPhotos).to_owned()
            } else {
                i18n::fill(
                    lang,
                    Key::SyncSendingPhotos,
                    &[("done", &done.to_string()), ("total", &photos.to_string())],
                )
            };
            let (sent, total) = progress.map_or((0, 1), |p| {
                (
                    u64::from(p.photo.saturating_sub(1)) * p.bytes_total.max(1) + p.bytes_sent,
                    u64::from(p.photos.max(1)) * p.bytes_total.max(1),
                )
            });
            let label = text.clone();
            view! {
                <p>{text}</p>
                <progress max=total.to_string() value=sent.to_string() aria-label=label></progress>
            }
        });
        let held = view
            .last
            .filter(|last| last.held_for_wifi > 0)
            .map(|last| {
                view! {
                    <p data-held-for-wifi=last.held_for_wifi>
                        {i18n::fill(lang, Key::SyncHeldForWifi, &[("count", &last.held_for_wifi.to_string())])}
                    </p>
                }
            });
        (sending.is_some() || held.is_some()).then(|| {
            view! {
                <div id="sync-status" class="status status--sync" role="status" aria-live="polite">
                    {sending}
                    {held}
                </div>
            }
        })
    }
}

/// The pinned tiles (in the order pinned) and the recently used ones
/// (newest first), each group shown when it has a tile.
#[component]
fn Shortcuts() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let personal = state.personal.get();
        state.home.with(|home| {
            let home = home.as_ref()?;
            let lang = home.language;
            let group = |kind: &'static str, title: Key, ids: &[String]| {
                let tiles: Vec<Tile> = ids
                    .iter()
                    .filter_map(|id| home.catalogue.tile(id).cloned())
                    .collect();
                (!tiles.is_empty()).then(|| {
                    let (heading, labelled_by) = (format!("group-{kind}"), format!("group-{kind}"));
                    let tiles = tiles
                        .iter()
                        .map(|tile| {
                            let page = nav::page_for_tile(tile);
                            let id = tile.id.clone();
                            view! {
                                <li>
                                    <button
                                        class="tile"
                                        data-shortcut=tile.id.clone()
                                        on:click=move |_| open(state, id.clone(), page.clone())
                                    >
                                        {tile_face(lang, tile)}
                                    </button>
                                </li>
                            }
                        })
                        .collect_view();
                    view! {
                        <section class=format!("block block--{kind}") data-group=kind aria-labelledby=labelled_by>
                            <h3 id=heading class="block-title">{i18n::text(lang, title)}</h3>
                            <ul class="tiles">{tiles}</ul>
                        </section>
                    }
                })
            };
            Some(view! {
                {group("pinned", Key::HomePinnedHeading, &personal.pinned)}
                {group("recent", Key::HomeRecentHeading, &personal.recent)}
            })
        })
    }
}

/// A tile's icon and title.
fn tile_face(lang: Lang, tile: &Tile) -> impl IntoView + use<> {
    view! {
        <img class="tile-icon" src=icons::src(&tile.icon) alt="" width="32" height="32" />
        <span class="tile-title">{tile.title.get(lang).to_owned()}</span>
    }
}

/// Opens a tile's page and records it among the recently used (in the
/// background: the page does not wait for it).
fn open(state: AppState, tile: String, page: nav::Page) {
    state.nav.go(page);
    spawn_local(async move {
        match ipc::call::<TileOpened>(&TileOpenedRequest { tile }).await {
            Ok(personal) => state.personal.set(personal),
            Err(err) => state.error.set(Some(err)),
        }
    });
}

/// Pins or unpins a tile; the pin buttons and the pinned group follow.
fn pin(state: AppState, tile: String) {
    let pinned = !state.personal.with_untracked(|p| p.is_pinned(&tile));
    spawn_local(async move {
        match ipc::call::<PinTile>(&PinTileRequest { tile, pinned }).await {
            Ok(personal) => state.personal.set(personal),
            Err(err) => state.error.set(Some(err)),
        }
    });
}

fn block_view(state: AppState, lang: Lang, block: &Block) -> impl IntoView + use<> {
    let heading_id = format!("block-{}", block.id);
    let labelled_by = heading_id.clone();
    let tiles = block
        .tiles
        .iter()
        .map(|tile| {
            let page = nav::page_for_tile(tile);
            // The inbox's tile says how many of its items are unread.
            let badge = matches!(page, nav::Page::Inbox { .. }).then(|| {
                move || {
                    let unread = state.inbox_unread.get();
                    (unread > 0).then(|| {
                        let label = i18n::fill(state.lang(), Key::HomeUnreadBadge, &[("count", &unread.to_string())]);
                        view! { <span class="tile-badge" id="inbox-badge" aria-label=label>{unread}</span> }
                    })
                }
            });
            let (id, pressed, toggle) = (tile.id.clone(), tile.id.clone(), tile.id.clone());
            let pin_label = i18n::fill(lang, Key::HomePin, &[("service", tile.title.get(lang))]);
            view! {
                <li>
                    <button
                        class="tile"
                        data-tile=tile.id.clone()
                        on:click=move |_| open(state, id.clone(), page.clone())
                    >
                        {tile_face(lang, tile)}
                        {badge}
                    </button>
                    <button
                        class="tile-pin"
                        data-pin=tile.id.clone()
                        aria-label=pin_label
                        aria-pressed=move || state.personal.with(|p| p.is_pinned(&pressed)).to_string()
                        on:click=move |_| pin(state, toggle.clone())
                    >
                        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
                            <path d="M9 3h6l-1 6 4 4v2h-5v6l-1 1-1-1v-6H6v-2l4-4z" />
                        </svg>
                    </button>
                </li>
            }
        })
        .collect_view();
    view! {
        <section
            class=format!("block block--{}", block.kind.slug())
            data-block=block.kind.slug()
            aria-labelledby=labelled_by
        >
            <h3 id=heading_id class="block-title">{block.title.get(lang).to_owned()}</h3>
            <ul class="tiles">{tiles}</ul>
        </section>
    }
}
