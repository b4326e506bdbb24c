//! A page opened from a catalogue tile: its frame (back, then an article
//! titled like the tile and named by its id), and the "not built yet" page
//! for every tile the navigation registry has no page for.

use cds_domain::{Feature, Lang, Tile, TileAction};
use leptos::prelude::*;

use crate::{
    i18n::{self, Key},
    nav::BackNav,
    state::AppState,
};

/// Back, then `<article class="page" data-page=<tile id>>` with the tile's
/// title as heading and `body` below it; redrawn when the catalogue or the
/// language changes. Nothing until the catalogue is loaded.
pub fn tile_frame(
    id: String,
    body: impl Fn(Lang, &Tile) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    // Only the language or the tile itself draw the page again: a refresh of
    // the home screen or a display change keeps the page and its focus.
    let frame = Memo::new(move |_| {
        state.home.with(|home| {
            let home = home.as_ref()?;
            Some((home.language, home.catalogue.tile(&id)?.clone()))
        })
    });
    move || {
        let (lang, tile) = frame.get()?;
        Some(view! {
            <BackNav label=Key::ActionBack />
            <article class="page" data-page=tile.id.clone()>
                <h1 tabindex="-1">{tile.title.get(lang).to_owned()}</h1>
                {body(lang, &tile)}
            </article>
        })
    }
}

/// Says plainly that this version does not have the tile's service yet.
#[component]
pub fn NotBuiltPage(id: String) -> impl IntoView {
    tile_frame(id, |lang, tile| {
        let (key, url) = match &tile.action {
            TileAction::Feature { feature } => match Feature::from_name(feature) {
                Some(_) => (Key::NotBuiltBody, ""),
                None => (Key::NotBuiltUnknown, ""),
            },
            TileAction::Link { url } => (Key::NotBuiltLink, url.as_str()),
        };
        let text = i18n::fill(
            lang,
            key,
            &[("service", tile.title.get(lang)), ("url", url)],
        );
        view! {
            <div class="notice notice--building" data-not-built="true">
                <h2>{i18n::text(lang, Key::NotBuiltHeading)}</h2>
                <p>{text}</p>
            </div>
        }
        .into_any()
    })
}
