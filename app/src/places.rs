//! Places nearby (y tế, giáo dục, du lịch, giao thông, tiện ích): the
//! tile's categories, nearest first from a chosen ward, my position or a
//! point typed in; open now; phone numbers as `tel:` links and directions
//! opened outside the app; and the province's articles of the field.

use cds_domain::{
    Feature, Lang, LocalizedText, TileAction,
    places::{self, Origin},
};
use cds_ipc::{
    AreasView, Article, Empty, ErrorCode, FieldRequest, LoadAreas, LoadFieldArticles, LoadPlaces,
    Near, OpenLink, OpenLinkRequest, Place, PlacesQuery,
};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    state::AppState,
    tile_page::tile_frame,
};

pub fn category_key(category: &str) -> Key {
    match category {
        "hospital" => Key::PlacesCatHospital,
        "health_station" => Key::PlacesCatHealthStation,
        "pharmacy" => Key::PlacesCatPharmacy,
        "school" => Key::PlacesCatSchool,
        "one_stop" => Key::PlacesCatOneStop,
        "market" => Key::PlacesCatMarket,
        "shelter" => Key::PlacesCatShelter,
        "station" => Key::PlacesCatStation,
        _ => Key::PlacesCatTouristSite,
    }
}

fn distance_text(lang: Lang, metres: f64) -> String {
    if metres < 1000.0 {
        i18n::fill(
            lang,
            Key::PlacesMetres,
            &[("m", &format!("{:.0}", (metres / 10.0).round() * 10.0))],
        )
    } else {
        let km = format!("{:.1}", metres / 1000.0);
        let km = if lang == Lang::Vi {
            km.replace('.', ",")
        } else {
            km
        };
        i18n::fill(lang, Key::PlacesKm, &[("km", &km)])
    }
}

/// Opens a link outside the app; a refused one is said where it was asked.
pub fn open_outside(app: AppState, url: String, refused: RwSignal<Option<String>>) {
    spawn_local(async move {
        match ipc::call::<OpenLink>(&OpenLinkRequest { url }).await {
            Ok(_) => refused.set(None),
            Err(err) if err.code == ErrorCode::LinkNotAllowed => {
                refused.set(Some(app.t(Key::LinksRefused).to_owned()));
            }
            Err(err) => app.error.set(Some(err)),
        }
    });
}

#[component]
pub fn PlacesPage(tile: String, category: Option<String>) -> impl IntoView {
    let app = expect_context::<AppState>();
    let feature = app.home.with_untracked(|home| {
        home.as_ref()
            .and_then(|home| home.catalogue.tile(&tile))
            .and_then(|tile| match &tile.action {
                TileAction::Feature { feature } => Feature::from_name(feature),
                TileAction::Link { .. } => None,
            })
    });
    let categories: Vec<&'static str> = feature
        .map(places::categories_for)
        .unwrap_or(places::CATEGORIES)
        .to_vec();
    let field = feature.and_then(places::field_for);
    let chosen = RwSignal::new(category.filter(|c| categories.contains(&c.as_str())));
    let ward = RwSignal::new(String::new());
    let lat = RwSignal::new(String::new());
    let lon = RwSignal::new(String::new());
    let only_open = RwSignal::new(false);
    let list = RwSignal::new(None::<Vec<Near<Place>>>);
    let message = RwSignal::new(None::<String>);
    let refused = RwSignal::new(None::<String>);
    let wards = RwSignal::new(Vec::<(String, LocalizedText)>::new());
    let areas = RwSignal::new(None::<AreasView>);
    let articles = RwSignal::new(Vec::<Article>::new());
    let all = categories.clone();
    let load = move || {
        let categories = match chosen.get_untracked() {
            Some(c) => vec![c],
            None => all.iter().map(|c| (*c).to_owned()).collect(),
        };
        let origin = match (
            lat.get_untracked().trim().replace(',', ".").parse::<f64>(),
            lon.get_untracked().trim().replace(',', ".").parse::<f64>(),
        ) {
            (Ok(lat), Ok(lon)) => Origin::Point { lat, lon },
            _ if !ward.get_untracked().is_empty() => Origin::Ward {
                code: ward.get_untracked(),
            },
            _ => Origin::None,
        };
        let query = PlacesQuery {
            categories,
            origin,
            open_now: only_open.get_untracked(),
        };
        spawn_local(async move {
            match ipc::call::<LoadPlaces>(&query).await {
                Ok(found) => {
                    message.set(None);
                    list.set(Some(found));
                }
                Err(err) if err.code == ErrorCode::InvalidInput => {
                    message.set(Some(app.t(Key::PlacesBadPoint).to_owned()));
                }
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    let load = StoredValue::new(load);
    let reload = move || load.with_value(|load| load());
    reload();
    app.after_each_sync(reload);
    spawn_local(async move {
        if let Ok(view) = ipc::call::<LoadAreas>(&Empty {}).await {
            let mut found: Vec<_> = view
                .wards
                .iter()
                .map(|a| (a.code.clone(), a.name.clone()))
                .collect();
            found.sort_by(|a, b| a.1.vi.cmp(&b.1.vi));
            wards.set(found);
            areas.set(Some(view));
        }
        if let Some(field) = field
            && let Ok(found) = ipc::call::<LoadFieldArticles>(&FieldRequest {
                field: field.to_owned(),
            })
            .await
        {
            articles.set(found);
        }
    });
    let use_my_position = move |_| {
        message.set(Some(app.t(Key::PlacesLocating).to_owned()));
        let Some(geolocation) = web_sys::window().and_then(|w| w.navigator().geolocation().ok())
        else {
            message.set(Some(app.t(Key::PlacesNoPosition).to_owned()));
            return;
        };
        let found =
            wasm_bindgen::closure::Closure::once_into_js(move |position: web_sys::Position| {
                let coords = position.coords();
                lat.set(format!("{:.5}", coords.latitude()));
                lon.set(format!("{:.5}", coords.longitude()));
                reload();
            });
        let failed =
            wasm_bindgen::closure::Closure::once_into_js(move |_: wasm_bindgen::JsValue| {
                message.set(Some(app.t(Key::PlacesNoPosition).to_owned()));
            });
        use wasm_bindgen::JsCast;
        if geolocation
            .get_current_position_with_error_callback(
                found.unchecked_ref(),
                Some(failed.unchecked_ref()),
            )
            .is_err()
        {
            message.set(Some(app.t(Key::PlacesNoPosition).to_owned()));
        }
    };
    tile_frame(tile, move |lang, _| {
        let filter = (categories.len() > 1).then(|| {
            let options = categories.iter().map(|c| {
                let c = (*c).to_owned();
                view! { <option value=c.clone() selected=move || chosen.get().as_deref() == Some(c.as_str())>{i18n::text(lang, category_key(&c))}</option> }
            }).collect_view();
            view! {
                <div class="field">
                    <label for="places-category">{i18n::text(lang, Key::PlacesCategory)}</label>
                    <select id="places-category" on:change=move |ev| {
                        let value = event_target_value(&ev);
                        chosen.set((!value.is_empty()).then_some(value));
                        reload();
                    }>
                        <option value="" selected=move || chosen.get().is_none()>{i18n::text(lang, Key::PlacesAll)}</option>
                        {options}
                    </select>
                </div>
            }
        });
        view! {
            <form class="form-section" id="places-form" on:submit=move |ev| { ev.prevent_default(); reload(); }>
                {filter}
                <div class="field">
                    <label for="places-ward">{i18n::text(lang, Key::PlacesFromWard)}</label>
                    <select id="places-ward" on:change=move |ev| {
                        ward.set(event_target_value(&ev));
                        lat.set(String::new());
                        lon.set(String::new());
                        reload();
                    }>
                        <option value="">{i18n::text(lang, Key::PlacesNoWard)}</option>
                        {move || wards.get().into_iter().map(|(code, name)| {
                            let selected = ward.with(|w| *w == code);
                            view! { <option value=code selected=selected>{name.get(app.lang()).to_owned()}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <fieldset class="coords">
                    <legend>{i18n::text(lang, Key::PlacesFromPoint)}</legend>
                    <label for="places-lat">{i18n::text(lang, Key::PlacesLat)}</label>
                    <input id="places-lat" inputmode="decimal" prop:value=move || lat.get() on:input=move |ev| lat.set(event_target_value(&ev)) />
                    <label for="places-lon">{i18n::text(lang, Key::PlacesLon)}</label>
                    <input id="places-lon" inputmode="decimal" prop:value=move || lon.get() on:input=move |ev| lon.set(event_target_value(&ev)) />
                </fieldset>
                <div class="choice">
                    <input type="checkbox" id="places-open-now" prop:checked=move || only_open.get()
                        on:change=move |ev| { only_open.set(event_target_checked(&ev)); reload(); } />
                    <label for="places-open-now">{i18n::text(lang, Key::PlacesOpenNowOnly)}</label>
                </div>
                <div class="form-actions">
                    <button type="submit" class="button button--primary" id="places-apply">{i18n::text(lang, Key::PlacesApply)}</button>
                    <button type="button" class="button" id="places-here" on:click=use_my_position>{i18n::text(lang, Key::PlacesMyPosition)}</button>
                </div>
                {move || message.get().map(|text| view! { <p class="field-error" id="places-message" role="alert">{text}</p> })}
            </form>
            <p class="hint">{i18n::text(lang, Key::PlacesApproximate)}</p>
            <details class="form-section" id="places-map">
                <summary>{i18n::text(lang, Key::PlacesMap)}</summary>
                <p class="hint">{i18n::text(lang, Key::PlacesMapHint)}</p>
                {move || areas.get().map(|view| {
                    let pin = match (lat.get().replace(',', ".").parse::<f64>(), lon.get().replace(',', ".").parse::<f64>()) {
                        (Ok(lat), Ok(lon)) => Some((lat, lon)),
                        _ => None,
                    };
                    let markers = list.with(|l| {
                        l.iter()
                            .flatten()
                            .take(60)
                            .map(|n| (n.place.lat, n.place.lon, n.place.name.get(app.lang()).to_owned()))
                            .collect::<Vec<_>>()
                    });
                    let on_pick = Callback::new(move |(at_lat, at_lon): (f64, f64)| {
                        lat.set(format!("{at_lat:.5}"));
                        lon.set(format!("{at_lon:.5}"));
                        ward.set(String::new());
                        reload();
                    });
                    view! { <crate::map::AreaMap areas=view pin lang=app.lang() on_pick markers /> }
                })}
            </details>
            {move || refused.get().map(|text| view! { <p class="field-error" id="link-refused" role="alert">{text}</p> })}
            <section aria-labelledby="places-heading">
                <h2 id="places-heading">{i18n::text(lang, Key::PlacesHeading)}</h2>
                {move || list.get().map(|list| {
                    if list.is_empty() {
                        return view! { <p class="hint">{app.t(Key::PlacesNone)}</p> }.into_any();
                    }
                    view! {
                        <ol class="place-list" id="places-list">
                            {list.into_iter().map(|near| place_view(app, near, refused)).collect_view()}
                        </ol>
                    }.into_any()
                })}
            </section>
            {move || (!articles.with(Vec::is_empty)).then(|| view! {
                <section aria-labelledby="field-articles-heading" id="field-articles">
                    <h2 id="field-articles-heading">{app.t(Key::PlacesArticles)}</h2>
                    {articles.get().into_iter().map(|a| article_view(app.lang(), a)).collect_view()}
                </section>
            })}
        }
        .into_any()
    })
}

fn place_view(
    app: AppState,
    near: Near<Place>,
    refused: RwSignal<Option<String>>,
) -> impl IntoView + use<> {
    let lang = app.lang();
    let p = near.place;
    let open = near.open_now.map(|open| {
        let (key, kind) = if open { (Key::PlacesOpen, "open") } else { (Key::PlacesClosed, "closed") };
        view! { <span class=format!("badge badge--{kind}") data-open=open.to_string()>{i18n::text(lang, key)}</span> }
    });
    let phone = p.phone.clone().zip(near.tel.clone()).map(|(phone, tel)| {
        let href = tel.clone();
        view! {
            <a class="button button--small" href=href data-tel=tel.clone()
                on:click=move |ev| { ev.prevent_default(); open_outside(app, tel.clone(), refused); }>
                {i18n::fill(lang, Key::PlacesCall, &[("phone", &phone)])}
            </a>
        }
    });
    let directions = near.directions.clone();
    view! {
        <li class="place" data-place=p.id.clone() data-category=p.category.clone()
            data-distance=near.distance_m.map(|d| format!("{d:.0}")).unwrap_or_default()>
            <h3 class="place-name">{p.name.get(lang).to_owned()}</h3>
            <p>
                <span class="badge">{i18n::text(lang, category_key(&p.category))}</span>
                {near.distance_m.map(|d| view! { " " <span class="place-distance">{distance_text(lang, d)}</span> })}
                " " {open}
            </p>
            <p class="hint">{p.address.clone()}
                {p.opening_hours.clone().map(|h| view! { <br /> {i18n::fill(lang, Key::PlacesHours, &[("hours", &h)])} })}
            </p>
            <div class="form-actions">
                {phone}
                <button class="button button--small" data-directions=directions.clone()
                    on:click=move |_| open_outside(app, directions.clone(), refused)>
                    {i18n::text(lang, Key::PlacesDirections)} " ↗"
                </button>
            </div>
        </li>
    }
}

/// An article or guide of the province, as text (never as HTML).
pub fn article_view(lang: Lang, a: Article) -> impl IntoView {
    let steps = (!a.steps.is_empty()).then(|| {
        view! { <ol class="timeline">{a.steps.iter().map(|s| view! { <li>{s.text.get(lang).to_owned()}</li> }).collect_view()}</ol> }
    });
    view! {
        <article class="field-article" data-article=a.id.clone()>
            <h3>{a.title.get(lang).to_owned()}</h3>
            <p>{a.body.get(lang).to_owned()}</p>
            {steps}
        </article>
    }
}
