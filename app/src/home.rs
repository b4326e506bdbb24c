//! The home screen: the connection status line, the sync line, and the
//! blocks of service tiles (each opens what `nav::page_for_tile` says).

use cds_domain::{Block, CatalogueSource, Connectivity, HomeScreen, Lang};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    icons, nav,
    state::AppState,
};

#[component]
pub fn HomePage() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.home.get().map(|home| {
            let lang = home.language;
            let blocks = home
                .catalogue
                .blocks
                .iter()
                .map(|block| block_view(state, lang, block))
                .collect_view();
            view! {
                <h1 class="visually-hidden">{state.t(Key::AppName)}</h1>
                <crate::alerts::AlertBanner />
                <StatusLine home=home.clone() />
                <SyncLine />
                <InboxLine />
                <h2 class="visually-hidden">{state.t(Key::HomeServicesHeading)}</h2>
                <div class="blocks">{blocks}</div>
            }
        })
    }
}

/// Says whether the list is fresh, being checked, or shown offline from storage.
#[component]
fn StatusLine(home: HomeScreen) -> impl IntoView {
    let state = expect_context::<AppState>();
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
        (Connectivity::Checking, _) => ("checking", Key::StatusChecking),
        (Connectivity::Offline, CatalogueSource::Bundled) => ("offline", Key::StatusOfflineBundled),
        (Connectivity::Offline, _) => ("offline", Key::StatusOffline),
        (Connectivity::ServerProblem, _) => ("server-problem", Key::StatusServerProblem),
    };
    let retry = (kind != "checking").then(|| {
        view! {
            <button
                class="button button--small"
                on:click=move |_| spawn_local(state.refresh())
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
            view! {
                <li>
                    <button
                        class="tile"
                        data-tile=tile.id.clone()
                        on:click=move |_| state.nav.go(page.clone())
                    >
                        <img class="tile-icon" src=icons::src(&tile.icon) alt="" width="32" height="32" />
                        <span class="tile-title">{tile.title.get(lang).to_owned()}</span>
                        {badge}
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
