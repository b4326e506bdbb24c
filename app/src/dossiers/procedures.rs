//! The procedure catalogue (Thủ tục hành chính): searched on the device,
//! accents ignored, grouped by level and field; each with its documents, fee,
//! time, agency, where to submit, and the national portal's page, which opens
//! in the system browser.

use cds_domain::Lang;
use cds_ipc::{LoadProcedures, OpenLink, OpenLinkRequest, Procedure, ProceduresRequest};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    state::AppState,
    tile_page::tile_frame,
};

#[component]
pub fn ProceduresPage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let query = RwSignal::new(String::new());
    let list = RwSignal::new(None::<Vec<Procedure>>);
    Effect::new(move |_| {
        let query = query.get();
        spawn_local(async move {
            match ipc::call::<LoadProcedures>(&ProceduresRequest { query }).await {
                Ok(found) => list.set(Some(found)),
                Err(err) => app.error.set(Some(err)),
            }
        });
    });
    tile_frame(tile, move |lang, _| {
        view! {
            <div class="field">
                <label for="procedure-search">{i18n::text(lang, Key::ProceduresSearch)}</label>
                <input id="procedure-search" type="search" autocomplete="off"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev)) />
            </div>
            <p class="hint" role="status" aria-live="polite" id="procedure-count">{move || list.with(|l| l.as_ref().map(|l| {
                if l.is_empty() && query.with(String::is_empty) {
                    i18n::text(app.lang(), Key::ProceduresNone).to_owned()
                } else {
                    i18n::fill(app.lang(), Key::ProceduresFound, &[("count", &l.len().to_string())])
                }
            }))}</p>
            <div id="procedures">{move || list.get().map(|l| groups(app, app.lang(), l))}</div>
        }
        .into_any()
    })
}

/// Ward procedures, then the province's; within each, by field.
fn groups(app: AppState, lang: Lang, list: Vec<Procedure>) -> impl IntoView {
    let mut out = Vec::new();
    for (level, key) in [
        ("ward", Key::ProceduresWard),
        ("province", Key::ProceduresProvince),
    ] {
        let of_level: Vec<&Procedure> = list
            .iter()
            .filter(|p| (p.level == "ward") == (level == "ward"))
            .collect();
        if of_level.is_empty() {
            continue;
        }
        // Each field once, in the order its best match comes.
        let mut fields: Vec<String> = Vec::new();
        for p in &of_level {
            let field = p.field.get(lang).to_owned();
            if !fields.contains(&field) {
                fields.push(field);
            }
        }
        let sections = fields
            .into_iter()
            .map(|field| {
                let items = of_level
                    .iter()
                    .filter(|p| p.field.get(lang) == field)
                    .map(|p| procedure(app, lang, p))
                    .collect_view();
                view! { <h3>{field}</h3> <ul class="procedure-list">{items}</ul> }
            })
            .collect_view();
        out.push(view! { <section class="procedure-level" data-level=level><h2>{i18n::text(lang, key)}</h2>{sections}</section> });
    }
    out
}

fn procedure(app: AppState, lang: Lang, p: &Procedure) -> impl IntoView + use<> {
    let documents = p
        .documents
        .iter()
        .map(|d| view! { <li>{d.get(lang).to_owned()}</li> })
        .collect_view();
    let online = p.online_url.clone().map(|url| {
        view! {
            <button class="button button--small" data-online=url.clone() on:click=move |_| {
                let url = url.clone();
                spawn_local(async move {
                    if let Err(err) = ipc::call::<OpenLink>(&OpenLinkRequest { url }).await {
                        app.error.set(Some(err));
                    }
                });
            }>{i18n::text(lang, Key::ProceduresOnline)} " ↗"</button>
        }
    });
    view! {
        <li class="procedure" data-procedure=p.id.clone()>
            <details>
                <summary>{p.name.get(lang).to_owned()}</summary>
                <dl class="facts">
                    <dt>{i18n::text(lang, Key::ProceduresAgency)}</dt><dd>{p.agency.get(lang).to_owned()}</dd>
                    <dt>{i18n::text(lang, Key::ProceduresWhere)}</dt><dd>{p.where_to_submit.get(lang).to_owned()}</dd>
                    <dt>{i18n::text(lang, Key::ProceduresTime)}</dt><dd>{p.processing_time.get(lang).to_owned()}</dd>
                    <dt>{i18n::text(lang, Key::ProceduresFee)}</dt><dd>{p.fee.get(lang).to_owned()}</dd>
                </dl>
                <h4>{i18n::text(lang, Key::ProceduresDocuments)}</h4>
                <ul>{documents}</ul>
                {online}
            </details>
        </li>
    }
}
