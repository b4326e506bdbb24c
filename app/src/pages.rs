//! Every page but home, in one wasm chunk loaded on first use: `page_view`
//! is a `#[lazy]` function, and `cargo xtask build-ui` (wasm_split) moves the
//! code only it reaches into a chunk of `app/dist`, which `__wasm_split.js`
//! fetches from the app's own bundle (never the network) the first time a
//! page opens. The main module keeps the home screen, navigation, state,
//! i18n, IPC and what they share with the pages, so the first screen loads
//! only that. One chunk rather than one per page: wasm_split puts the code
//! several splits share into chunks of its own (335 small files for twenty
//! pages, 20–85 ms at each page's first opening); the one chunk takes about
//! 0.1 s once, then every page opens at once.
//!
//! Adding a page: its arm in `page_view`.

use leptos::prelude::*;

use crate::{
    alerts::AlertsPage,
    awareness::{ArticleView, GuideView, ShelfView},
    bills::BillsPage,
    dossiers::{DossiersPage, procedures::ProceduresPage, stats::DossierStatsPage},
    inbox::InboxPage,
    nav::Page,
    places::PlacesPage,
    products::{ProductsPage, trace::TracePage},
    reports::{NewReport, ReportPage, ReportsHub, ReportsMap},
    settings::SettingsPage,
    teams::{TeamPage, session::AssistPage},
    tile_page::NotBuiltPage,
};

/// A page but home, drawn once the pages' chunk has loaded: at once after
/// the first time; the first time nothing shows meanwhile (a local file,
/// 83 ms in the release app).
pub fn show(page: Page) -> AnyView {
    Suspend::new(page_view(page)).into_any()
}

/// The page's view, built in the pages' chunk.
#[lazy]
fn page_view(page: Page) -> AnyView {
    match page {
        // The root component draws home itself.
        Page::Home => ().into_any(),
        Page::Tile(id) => view! { <NotBuiltPage id /> }.into_any(),
        Page::Settings { tile } => view! { <SettingsPage tile /> }.into_any(),
        Page::Reports => view! { <ReportsHub /> }.into_any(),
        Page::ReportsMap => view! { <ReportsMap /> }.into_any(),
        Page::NewReport { draft } => view! { <NewReport draft_id=draft /> }.into_any(),
        Page::Report { id, fresh } => view! { <ReportPage id fresh /> }.into_any(),
        Page::Dossiers { tile, code } => view! { <DossiersPage tile code /> }.into_any(),
        Page::Procedures { tile } => view! { <ProceduresPage tile /> }.into_any(),
        Page::DossierStats { tile } => view! { <DossierStatsPage tile /> }.into_any(),
        Page::Inbox { tile } => view! { <InboxPage tile /> }.into_any(),
        Page::Shelf { tile, shelf } => view! { <ShelfView tile shelf /> }.into_any(),
        Page::Article { tile, id } => view! { <ArticleView tile id /> }.into_any(),
        Page::Guide { tile, id } => view! { <GuideView tile id /> }.into_any(),
        Page::Team { tile } => view! { <TeamPage tile /> }.into_any(),
        Page::Assist { tile } => view! { <AssistPage tile /> }.into_any(),
        Page::Alerts { tile } => view! { <AlertsPage tile /> }.into_any(),
        Page::Places { tile, category } => view! { <PlacesPage tile category /> }.into_any(),
        Page::Products { tile } => view! { <ProductsPage tile /> }.into_any(),
        Page::Trace { tile } => view! { <TracePage tile /> }.into_any(),
        Page::Bills { tile } => view! { <BillsPage tile /> }.into_any(),
    }
}
