//! Alerts and warnings (Cảnh báo): the list, mine first, with what to do,
//! the guide or the shelters nearby; read marks; the wards chosen for
//! alerts; and the home screen's banner for a severe alert in force.

use cds_domain::{Feature, Lang, LocalizedText};
use cds_ipc::{
    Alert, AlertWards, AreasView, ById, Empty, Listed, LoadAlertBanner, LoadAlertWards, LoadAlerts,
    LoadAreas, MarkAlertRead, SetAlertWards,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc, nav,
    state::AppState,
    tile_page::tile_frame,
};

fn kind_key(kind: &str) -> Key {
    match kind {
        "flood" => Key::AlertsKindFlood,
        "dam_release" => Key::AlertsKindDamRelease,
        "storm" => Key::AlertsKindStorm,
        "outage" => Key::AlertsKindOutage,
        "road_closure" => Key::AlertsKindRoadClosure,
        _ => Key::AlertsKindOther,
    }
}

fn date(lang: Lang, iso: &str) -> String {
    cds_domain::time::parse(iso).map_or_else(|| iso.to_owned(), |ms| i18n::format_time(lang, ms))
}

/// The names of an alert's areas ("the whole province", or its wards).
fn area_names(lang: Lang, areas: &[String], known: &[(String, LocalizedText)]) -> String {
    areas
        .iter()
        .map(|code| {
            if code == cds_domain::alerts::WHOLE_PROVINCE {
                i18n::text(lang, Key::AlertsWholeProvince).to_owned()
            } else {
                known
                    .iter()
                    .find(|(c, _)| c == code)
                    .map_or_else(|| code.clone(), |(_, name)| name.get(lang).to_owned())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The shelters' page: the tile of the nearby services, on shelters.
fn shelters_page(app: AppState) -> Option<nav::Page> {
    let tile = app.home.with(|home| {
        home.as_ref()
            .and_then(|home| nav::tile_for(&home.catalogue, Feature::NearbyServices))
    })?;
    Some(nav::Page::Places {
        tile,
        category: Some("shelter".to_owned()),
    })
}

#[component]
pub fn AlertsPage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let list = RwSignal::new(None::<Vec<Listed<Alert>>>);
    let wards = RwSignal::new(Vec::<(String, LocalizedText)>::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let load = move || {
        spawn_local(async move {
            match ipc::call::<LoadAlerts>(&Empty {}).await {
                Ok(found) => list.set(Some(found)),
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    load();
    app.after_each_sync(load);
    spawn_local(async move {
        if let Ok(AreasView { wards: found, .. }) = ipc::call::<LoadAreas>(&Empty {}).await {
            let mut found: Vec<_> = found.into_iter().map(|a| (a.code, a.name)).collect();
            found.sort_by(|a, b| a.1.vi.cmp(&b.1.vi));
            wards.set(found);
        }
        if let Ok(AlertWards { wards: mine }) = ipc::call::<LoadAlertWards>(&Empty {}).await {
            chosen.set(mine);
        }
    });
    let mark_read = move |id: String| {
        spawn_local(async move {
            match ipc::call::<MarkAlertRead>(&ById { id }).await {
                Ok(_) => {
                    app.alert_banner_check();
                    load();
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    let toggle_ward = move |code: String, on: bool| {
        let mut next = chosen.get_untracked();
        next.retain(|c| *c != code);
        if on {
            next.push(code);
        }
        spawn_local(async move {
            match ipc::call::<SetAlertWards>(&AlertWards { wards: next }).await {
                Ok(AlertWards { wards: saved }) => {
                    chosen.set(saved);
                    app.alert_banner_check();
                    load();
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    tile_frame(tile, move |lang, _| {
        view! {
            <p class="hint">{i18n::text(lang, Key::AlertsIntro)}</p>
            {move || list.get().map(|list| {
                if list.is_empty() {
                    return view! { <p class="hint" id="alerts-none">{app.t(Key::AlertsNone)}</p> }.into_any();
                }
                view! {
                    <ul class="alert-list" id="alerts-list">
                        {list.into_iter().map(|listed| alert_view(app, listed, wards, mark_read)).collect_view()}
                    </ul>
                }.into_any()
            })}
            <details class="form-section" id="alert-wards">
                <summary>{i18n::text(lang, Key::AlertsWardsHeading)}</summary>
                <p class="hint">{i18n::text(lang, Key::AlertsWardsHint)}</p>
                <ul class="choices ward-choices">
                    {move || wards.get().into_iter().map(|(code, name)| {
                        let id = format!("ward-{code}");
                        let checked = chosen.with(|c| c.contains(&code));
                        let value = code.clone();
                        view! {
                            <li class="choice">
                                <input type="checkbox" id=id.clone() value=code.clone() prop:checked=checked
                                    on:change=move |ev| toggle_ward(value.clone(), event_target_checked(&ev)) />
                                <label for=id>{name.get(app.lang()).to_owned()}</label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </details>
        }
        .into_any()
    })
}

fn alert_view(
    app: AppState,
    listed: Listed<Alert>,
    wards: RwSignal<Vec<(String, LocalizedText)>>,
    mark_read: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let lang = app.lang();
    let alert = listed.alert;
    let id = alert.id.clone();
    let codes = alert.areas.clone();
    let areas = move || {
        wards.with(|known| {
            i18n::fill(
                lang,
                Key::AlertsAreas,
                &[("areas", &area_names(lang, &codes, known))],
            )
        })
    };
    let when = i18n::fill(
        lang,
        Key::AlertsValid,
        &[
            ("from", &date(lang, &alert.valid_from)),
            ("until", &date(lang, &alert.valid_until)),
        ],
    );
    let shelters = alert.shelters.then(|| shelters_page(app)).flatten().map(|page| {
        view! {
            <button class="button button--small" data-shelters="true" on:click=move |_| app.nav.go(page.clone())>
                {i18n::text(lang, Key::AlertsShelters)}
            </button>
        }
    });
    // The guide that says how to act on it, opened from the guides' tile.
    let guide = alert
        .guide_id
        .clone()
        .and_then(|id| {
            let tile = app.home.with_untracked(|h| {
                h.as_ref()
                    .and_then(|h| nav::tile_for(&h.catalogue, Feature::Guides))
            })?;
            Some((tile, id))
        })
        .map(|(tile, id)| {
            view! {
                <button class="button button--small" data-guide=id.clone()
                    on:click=move |_| app.nav.go(nav::Page::Guide { tile: tile.clone(), id: id.clone() })>
                    {i18n::text(lang, Key::AlertsGuide)}
                </button>
            }
        });
    let read = listed.unread.then(|| {
        let id = id.clone();
        view! {
            <button class="button button--small" data-read=id.clone() on:click=move |_| mark_read(id.clone())>
                {i18n::text(lang, Key::AlertsMarkRead)}
            </button>
        }
    });
    view! {
        <li class=format!("alert-item alert-item--{}", alert.severity) data-alert=id.clone()
            data-mine=listed.mine.to_string() data-unread=listed.unread.to_string()>
            <h2 class="alert-title">{alert.title.get(lang).to_owned()}</h2>
            <p>
                <span class=format!("badge badge--{}", alert.severity)>{i18n::severity_name(lang, &alert.severity)}</span>
                " " <span class="badge">{i18n::text(lang, kind_key(&alert.kind))}</span>
                {listed.mine.then(|| view! { " " <span class="badge badge--mine">{i18n::text(lang, Key::AlertsMine)}</span> })}
                {(!listed.in_force).then(|| view! { " " <span class="badge">{i18n::text(lang, Key::AlertsLater)}</span> })}
            </p>
            <p class="alert-body">{alert.body.get(lang).to_owned()}</p>
            {alert.instructions.as_ref().map(|i| view! {
                <p class="alert-todo"><strong>{i18n::text(lang, Key::AlertsWhatToDo)}</strong> " " {i.get(lang).to_owned()}</p>
            })}
            <p class="hint">{areas} <br /> {when}</p>
            <div class="form-actions">{guide}{shelters}{read}</div>
        </li>
    }
}

/// The home screen's banner: a severe alert in force for my wards, until
/// it expires or is read.
#[component]
pub fn AlertBanner() -> impl IntoView {
    let app = expect_context::<AppState>();
    move || {
        let alert = app.alert_banner.get()?;
        let lang = app.lang();
        let tile = app.home.with(|home| {
            home.as_ref()
                .and_then(|home| nav::tile_for(&home.catalogue, Feature::Alerts))
        });
        let todo = alert
            .instructions
            .as_ref()
            .map_or_else(|| alert.body.get(lang), |i| i.get(lang))
            .to_owned();
        let id = alert.id.clone();
        Some(view! {
            <div id="alert-banner" class="status status--alert" role="alert" data-alert=alert.id.clone()>
                <p>
                    <strong id="alert-banner-title">{i18n::fill(lang, Key::AlertsBannerTitle, &[("title", alert.title.get(lang))])}</strong>
                    <br />
                    <span id="alert-banner-text">{todo}</span>
                </p>
                {tile.map(|tile| view! {
                    <button class="button button--small" id="alert-banner-open" on:click=move |_| app.nav.go(nav::Page::Alerts { tile: tile.clone() })>
                        {i18n::text(lang, Key::AlertsBannerOpen)}
                    </button>
                })}
                <button class="button button--small" id="alert-banner-read" on:click=move |_| {
                    let id = id.clone();
                    spawn_local(async move {
                        match ipc::call::<MarkAlertRead>(&ById { id }).await {
                            Ok(_) => app.alert_banner_check(),
                            Err(err) => app.error.set(Some(err)),
                        }
                    });
                }>
                    {i18n::text(lang, Key::AlertsMarkRead)}
                </button>
            </div>
        })
    }
}

/// Asks for the banner's alert (at start and after each sync).
pub async fn banner() -> Option<Alert> {
    match ipc::call::<LoadAlertBanner>(&Empty {}).await {
        Ok(found) => found,
        Err(err) => {
            web_sys::console::warn_1(&format!("alert banner: {err}").into());
            None
        }
    }
}
