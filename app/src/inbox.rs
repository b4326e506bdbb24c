//! The one inbox (Phản ánh và hồ sơ của tôi): my reports, the reports I
//! follow, my dossiers and my wards' alerts, newest change first; unread
//! marks clear when an item is opened; filters by kind and state.

use cds_domain::inbox::{Inbox, InboxItem, InboxKind};
use cds_ipc::{Empty, LoadInbox, MarkRead, MarkReadRequest};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    nav::Page,
    state::AppState,
    tile_page::tile_frame,
};

/// Which items the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Show {
    All,
    Unread,
    Open,
    Closed,
}

fn kind_key(kind: InboxKind) -> Key {
    match kind {
        InboxKind::Report => Key::InboxKindReport,
        InboxKind::Followed => Key::InboxKindFollowed,
        InboxKind::Dossier => Key::InboxKindDossier,
        InboxKind::Alert => Key::InboxKindAlert,
    }
}

/// The plain words of an item's status.
fn status_text(app: AppState, item: &InboxItem) -> String {
    let lang = app.lang();
    match item.kind {
        InboxKind::Dossier => {
            i18n::text(lang, crate::dossiers::status_key(&item.status)).to_owned()
        }
        InboxKind::Alert => i18n::severity_name(lang, &item.status),
        InboxKind::Report | InboxKind::Followed => i18n::status_name(lang, &item.status),
    }
}

#[component]
pub fn InboxPage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let inbox = RwSignal::new(None::<Inbox>);
    let kind = RwSignal::new(None::<InboxKind>);
    let show = RwSignal::new(Show::All);
    let opened = RwSignal::new(None::<(InboxKind, String)>);
    let load = move || {
        spawn_local(async move {
            match ipc::call::<LoadInbox>(&Empty {}).await {
                Ok(found) => {
                    app.inbox_unread.set(found.unread);
                    inbox.set(Some(found));
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    load();
    // A sync that brought news refreshes the list.
    app.after_each_sync(load);
    let open = move |item: InboxItem| {
        let (item_kind, id) = (item.kind, item.id.clone());
        spawn_local(async move {
            match ipc::call::<MarkRead>(&MarkReadRequest {
                kind: item_kind,
                id: id.clone(),
            })
            .await
            {
                Ok(left) => {
                    app.inbox_unread.set(left.unread);
                    inbox.update(|i| {
                        if let Some(i) = i.as_mut() {
                            for it in i
                                .items
                                .iter_mut()
                                .filter(|it| it.kind == item_kind && it.id == id)
                            {
                                it.unread = false;
                            }
                            i.unread = left.unread;
                        }
                    });
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
        match item.kind {
            InboxKind::Report => app.nav.go(Page::Report {
                id: item.id,
                fresh: false,
            }),
            InboxKind::Dossier => {
                let tile = app.home.with_untracked(|h| {
                    h.as_ref().and_then(|h| {
                        crate::nav::tile_for(&h.catalogue, cds_domain::Feature::DossierLookup)
                    })
                });
                match tile {
                    Some(tile) => app.nav.go(Page::Dossiers {
                        tile,
                        code: Some(item.id),
                    }),
                    None => opened.set(Some((item.kind, item.id))),
                }
            }
            InboxKind::Followed | InboxKind::Alert => opened.set(Some((item.kind, item.id))),
        }
    };
    tile_frame(tile, move |lang, _| {
        let kinds = [None, Some(InboxKind::Report), Some(InboxKind::Followed), Some(InboxKind::Dossier), Some(InboxKind::Alert)]
            .into_iter()
            .map(|k| {
                let label = k.map_or(Key::InboxAll, kind_key);
                let value = k.map_or("all", InboxKind::key);
                view! { <option value=value selected=move || kind.get() == k>{i18n::text(lang, label)}</option> }
            })
            .collect_view();
        let shows = [(Show::All, Key::InboxAll, "all"), (Show::Unread, Key::InboxUnread, "unread"), (Show::Open, Key::InboxOpen, "open"), (Show::Closed, Key::InboxClosed, "closed")]
            .into_iter()
            .map(|(s, key, value)| view! { <option value=value selected=move || show.get() == s>{i18n::text(lang, key)}</option> })
            .collect_view();
        view! {
            <p id="inbox-unread" role="status" aria-live="polite">{move || {
                let unread = app.inbox_unread.get();
                i18n::fill(app.lang(), Key::InboxUnreadCount, &[("count", &unread.to_string())])
            }}</p>
            <div class="filters">
                <div class="field">
                    <label for="inbox-kind">{i18n::text(lang, Key::InboxFilterKind)}</label>
                    <select id="inbox-kind" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        kind.set(InboxKind::ALL.into_iter().find(|k| k.key() == value));
                    }>{kinds}</select>
                </div>
                <div class="field">
                    <label for="inbox-show">{i18n::text(lang, Key::InboxFilterState)}</label>
                    <select id="inbox-show" on:change=move |ev| {
                        show.set(match event_target_value(&ev).as_str() {
                            "unread" => Show::Unread,
                            "open" => Show::Open,
                            "closed" => Show::Closed,
                            _ => Show::All,
                        });
                    }>{shows}</select>
                </div>
            </div>
            {move || inbox.get().map(|found| {
                let lang = app.lang();
                let items: Vec<InboxItem> = found.items.into_iter()
                    .filter(|i| kind.get().is_none_or(|k| k == i.kind))
                    .filter(|i| match show.get() { Show::All => true, Show::Unread => i.unread, Show::Open => i.open, Show::Closed => !i.open })
                    .collect();
                if items.is_empty() {
                    return view! { <p class="hint" id="inbox-empty">{i18n::text(lang, Key::InboxEmpty)}</p> }.into_any();
                }
                let lines = items.into_iter().map(|item| {
                    let expanded = opened.get().is_some_and(|(k, id)| k == item.kind && id == item.id);
                    let status = status_text(app, &item);
                    let shown = item.clone();
                    view! {
                        <li class="inbox-item" data-kind=item.kind.key() data-id=item.id.clone() data-unread=item.unread.to_string()>
                            <button class="report-line" on:click=move |_| open(shown.clone())>
                                {item.unread.then(|| view! { <span class="unread-dot" aria-hidden="true"></span> <span class="visually-hidden">{i18n::text(lang, Key::InboxUnreadMark)}</span> })}
                                <span class="inbox-kind">{i18n::text(lang, kind_key(item.kind))}</span>
                                <span class="inbox-title">{item.title.get(lang).to_owned()}</span>
                                <span class="badge">{status}</span>
                                <span class="hint">{i18n::format_time(lang, item.changed_at_ms)}</span>
                            </button>
                            {(expanded || !item.note.get(lang).is_empty()).then(|| view! { <p class="inbox-note">{item.note.get(lang).to_owned()}</p> })}
                        </li>
                    }
                }).collect_view();
                view! { <ul class="report-list" id="inbox-list">{lines}</ul> }.into_any()
            })}
        }
        .into_any()
    })
}
