//! OCOP products (Sản phẩm OCOP): the province's catalogue searched without
//! accents, with stars, producer, ward, certifications and where to buy; a
//! producer's shop page opens outside the app only on an allowed host.

pub mod trace;

use cds_domain::{Lang, LocalizedText};
use cds_ipc::{AreasView, Empty, LoadAreas, LoadProducts, Product, ProductsRequest};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    places::open_outside,
    state::AppState,
    tile_page::tile_frame,
};

pub fn category_key(category: &str) -> Key {
    match category {
        "food" => Key::OcopCatFood,
        "drink" => Key::OcopCatDrink,
        "herbal" => Key::OcopCatHerbal,
        "handicraft" => Key::OcopCatHandicraft,
        "fabric" => Key::OcopCatFabric,
        _ => Key::OcopCatOther,
    }
}

/// "★★★★☆" with its words for screen readers.
pub fn stars(lang: Lang, stars: u8) -> impl IntoView {
    let label = i18n::fill(lang, Key::OcopStars, &[("stars", &stars.to_string())]);
    let drawn: String = (0..5).map(|i| if i < stars { '★' } else { '☆' }).collect();
    view! { <span class="stars" role="img" aria-label=label>{drawn}</span> }
}

pub fn ward_name(lang: Lang, code: &str, wards: &[(String, LocalizedText)]) -> String {
    wards
        .iter()
        .find(|(c, _)| c == code)
        .map_or_else(|| code.to_owned(), |(_, name)| name.get(lang).to_owned())
}

#[component]
pub fn ProductsPage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let query = RwSignal::new(String::new());
    let list = RwSignal::new(None::<Vec<Product>>);
    let refused = RwSignal::new(None::<String>);
    let wards = RwSignal::new(Vec::<(String, LocalizedText)>::new());
    Effect::new(move |_| {
        let query = query.get();
        spawn_local(async move {
            match ipc::call::<LoadProducts>(&ProductsRequest { query }).await {
                Ok(found) => list.set(Some(found)),
                Err(err) => app.error.set(Some(err)),
            }
        });
    });
    spawn_local(async move {
        if let Ok(AreasView { wards: found, .. }) = ipc::call::<LoadAreas>(&Empty {}).await {
            wards.set(found.into_iter().map(|a| (a.code, a.name)).collect());
        }
    });
    tile_frame(tile, move |lang, _| {
        view! {
            <div class="field">
                <label for="product-search">{i18n::text(lang, Key::OcopSearch)}</label>
                <input id="product-search" type="search" autocomplete="off"
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
            </div>
            {move || refused.get().map(|text| view! { <p class="field-error" id="link-refused" role="alert">{text}</p> })}
            {move || list.get().map(|list| {
                let count = i18n::fill(app.lang(), Key::OcopCount, &[("count", &list.len().to_string())]);
                view! {
                    <p class="hint" role="status" id="product-count">{count}</p>
                    <ul class="procedure-list" id="product-list">
                        {list.into_iter().map(|p| product_view(app, p, wards, refused)).collect_view()}
                    </ul>
                }
            })}
        }
        .into_any()
    })
}

fn product_view(
    app: AppState,
    p: Product,
    wards: RwSignal<Vec<(String, LocalizedText)>>,
    refused: RwSignal<Option<String>>,
) -> impl IntoView + use<> {
    let ward = p.ward.clone();
    let lang = app.lang();
    let shop = p.shop_url.clone().map(|url| {
        view! {
            <button class="button button--small" data-shop=url.clone()
                on:click=move |_| open_outside(app, url.clone(), refused)>
                {i18n::text(lang, Key::OcopShop)} " ↗"
            </button>
        }
    });
    let buy = p
        .where_to_buy
        .iter()
        .map(|w| view! { <li>{w.get(lang).to_owned()}</li> })
        .collect_view();
    view! {
        <li class="procedure" data-product=p.id.clone() data-gtin=p.gtin.clone()>
            <details>
                <summary>{p.name.get(lang).to_owned()} " " {stars(lang, p.stars)}</summary>
                {p.photo_url.is_some().then(|| view! {
                    <img class="product-photo" src=ipc::photo_src(&format!("product/{}", p.id)) alt="" width="160" height="120" />
                })}
                <p>{p.description.get(lang).to_owned()}</p>
                <dl class="facts">
                    <dt>{i18n::text(lang, Key::OcopProducer)}</dt><dd>{p.producer.clone()}</dd>
                    <dt>{i18n::text(lang, Key::OcopWard)}</dt><dd>{move || wards.with(|w| ward_name(lang, &ward, w))}</dd>
                    <dt>{i18n::text(lang, Key::OcopCategory)}</dt><dd>{i18n::text(lang, category_key(&p.category))}</dd>
                    <dt>{i18n::text(lang, Key::OcopCertifications)}</dt><dd>{p.certifications.join(", ")}</dd>
                    <dt>{i18n::text(lang, Key::OcopBarcode)}</dt><dd>{p.gtin.clone()}</dd>
                </dl>
                <h3>{i18n::text(lang, Key::OcopWhereToBuy)}</h3>
                <ul>{buy}</ul>
                <div class="form-actions">{shop}</div>
            </details>
        </li>
    }
}
