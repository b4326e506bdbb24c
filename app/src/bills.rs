//! Bills (Thanh toán): the official payment pages the province's catalogue
//! lists, opened in the system browser (only `https` on the catalogue's
//! allow-list), and the guide for paying with an e-wallet.

use cds_ipc::{Article, FieldRequest, LoadFieldArticles};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    places::{article_view, open_outside},
    state::AppState,
    tile_page::tile_frame,
};

#[component]
pub fn BillsPage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let refused = RwSignal::new(None::<String>);
    let guides = RwSignal::new(Vec::<Article>::new());
    spawn_local(async move {
        match ipc::call::<LoadFieldArticles>(&FieldRequest {
            field: "bills".to_owned(),
        })
        .await
        {
            Ok(found) => guides.set(found),
            Err(err) => app.error.set(Some(err)),
        }
    });
    tile_frame(tile, move |lang, _| {
        let bills = app.home.with(|home| {
            home.as_ref()
                .map(|home| home.catalogue.bills.clone())
                .unwrap_or_default()
        });
        view! {
            <p class="hint">{i18n::text(lang, Key::BillsIntro)}</p>
            {move || refused.get().map(|text| view! { <p class="field-error" id="link-refused" role="alert">{text}</p> })}
            <ul class="report-list" id="bill-list">
                {bills.into_iter().map(|bill| {
                    let url = bill.url.clone();
                    view! {
                        <li>
                            <button class="report-line" data-bill=bill.id.clone() on:click=move |_| open_outside(app, url.clone(), refused)>
                                <span><strong>{bill.title.get(lang).to_owned()}</strong> " · " {bill.provider.get(lang).to_owned()}</span>
                                <span aria-hidden="true">"↗"</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="hint">{i18n::text(lang, Key::BillsBrowser)}</p>
            {move || guides.get().into_iter().map(|g| article_view(app.lang(), g)).collect_view()}
        }
        .into_any()
    })
}
