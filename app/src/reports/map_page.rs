//! The map of open reports: the province's open reports on the offline map,
//! with the same reports as a list.

use cds_ipc::Empty;
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    nav::BackNav,
    state::AppState,
};

/// The province's open reports on the offline map, with the same reports as a
/// list (the keyboard and screen-reader way to the same information).
#[component]
pub fn ReportsMap() -> impl IntoView {
    let app = expect_context::<AppState>();
    let areas = RwSignal::new(None::<cds_ipc::AreasView>);
    let reports = RwSignal::new(Vec::<cds_ipc::PublicReport>::new());
    spawn_local(async move {
        match ipc::call::<cds_ipc::LoadAreas>(&Empty {}).await {
            Ok(loaded) => areas.set(Some(loaded)),
            Err(err) => return app.error.set(Some(err)),
        }
        match ipc::call::<cds_ipc::LoadPublicReports>(&Empty {}).await {
            Ok(list) => reports.set(list),
            Err(err) => app.error.set(Some(err)),
        }
    });
    view! {
        <BackNav label=Key::ReportsBack />
        <article class="page" data-page="reports-map">
            <h1 tabindex="-1">{move || app.t(Key::ReportsMapHeading)}</h1>
            <p class="hint">{move || app.t(Key::ReportsMapHint)}</p>
            {move || areas.get().map(|a| {
                let markers = reports.get().into_iter().map(|r| (r.lat, r.lon, r.description.clone())).collect();
                view! { <crate::map::AreaMap areas=a pin=None lang=app.lang() on_pick=Callback::new(|_| {}) markers /> }
            })}
            <h2>{move || i18n::fill(app.lang(), Key::ReportsMapList, &[("count", &reports.with(Vec::len).to_string())])}</h2>
            <ul class="report-list" id="public-reports">
                {move || reports.get().into_iter().map(|r| view! {
                    <li class="report-line" data-server-id=r.server_id.clone()>
                        <span>{r.description.clone()}</span>
                        <span class="hint">{format!("{:.5}, {:.5}", r.lat, r.lon)}</span>
                    </li>
                }).collect_view()}
            </ul>
        </article>
    }
}
