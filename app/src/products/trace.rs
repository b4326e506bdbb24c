//! Traceability (Truy xuất nguồn gốc): a product's code typed, or read on
//! the device from a photo of its label (QR code or EAN-13); the product,
//! producer, certifications, the batch and its supply-chain steps; an
//! unknown product said plainly, with how to report a suspected counterfeit.

use cds_domain::{Feature, Lang, report::Field};
use cds_ipc::{ErrorCode, Held, TraceProduct, TraceRecord, TraceRequest, UiError};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc, nav,
    products::{category_key, stars},
    state::AppState,
    tile_page::tile_frame,
};

fn stage_key(stage: &str) -> Key {
    match stage {
        "grown" => Key::TraceStageGrown,
        "harvested" => Key::TraceStageHarvested,
        "processed" => Key::TraceStageProcessed,
        "packed" => Key::TraceStagePacked,
        "inspected" => Key::TraceStageInspected,
        "shipped" => Key::TraceStageShipped,
        _ => Key::TraceStageSold,
    }
}

fn date(lang: Lang, iso: &str) -> String {
    cds_domain::time::parse(iso).map_or_else(|| iso.to_owned(), |ms| i18n::format_date(lang, ms))
}

/// What a failed trace means for the resident.
fn trace_error(lang: Lang, err: &UiError) -> Option<String> {
    Some(match err.code {
        ErrorCode::NotFound => i18n::text(lang, Key::TraceUnknown).to_owned(),
        ErrorCode::InvalidInput if err.invalid.map(|i| i.field) == Some(Field::ProductCode) => {
            i18n::text(lang, Key::TraceBadCode).to_owned()
        }
        ErrorCode::Offline => i18n::text(lang, Key::TraceOffline).to_owned(),
        _ => return None,
    })
}

#[component]
pub fn TracePage(tile: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let code = RwSignal::new(String::new());
    let result = RwSignal::new(None::<Held<TraceRecord>>);
    let message = RwSignal::new(None::<(String, bool)>);
    let scanning = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let lookup = move || {
        let request = TraceRequest {
            code: code.get_untracked(),
        };
        busy.set(true);
        message.set(None);
        spawn_local(async move {
            match ipc::call::<TraceProduct>(&request).await {
                Ok(held) => {
                    result.set(Some(held));
                    crate::nav::focus_after_render("#trace-result h2".to_owned());
                }
                Err(err) => match trace_error(app.lang(), &err) {
                    Some(text) => {
                        result.set(None);
                        message.set(Some((text, err.code == ErrorCode::NotFound)));
                    }
                    None => app.error.set(Some(err)),
                },
            }
            busy.set(false);
        });
    };
    let on_photo = move |ev: leptos::ev::Event| {
        let Some(file) = ipc::chosen_files(&ev).into_iter().next() else {
            return;
        };
        scanning.set(Some(app.t(Key::TraceReading).to_owned()));
        spawn_local(async move {
            let Some(bytes) = ipc::file_bytes(&file).await else {
                scanning.set(Some(app.t(Key::TraceUnreadable).to_owned()));
                return;
            };
            let lang = app.lang();
            let text = match ipc::scan_label(bytes).await {
                Ok(scan) => match scan.code {
                    Some(found) => {
                        code.set(found.clone());
                        lookup();
                        i18n::fill(lang, Key::TraceRead, &[("code", &found)])
                    }
                    None if scan.found.is_empty() => i18n::text(lang, Key::TraceNoCode).to_owned(),
                    None => i18n::fill(
                        lang,
                        Key::TraceOtherCode,
                        &[(
                            "text",
                            &scan.found.join(", ").chars().take(120).collect::<String>(),
                        )],
                    ),
                },
                Err(err) => match err.invalid.map(|i| i.rule) {
                    Some(rule) => i18n::rule_text(lang, rule),
                    None => {
                        app.error.set(Some(err));
                        String::new()
                    }
                },
            };
            scanning.set(Some(text));
        });
    };
    let report_tile = app.home.with_untracked(|home| {
        home.as_ref()
            .and_then(|home| nav::tile_for(&home.catalogue, Feature::FieldReports))
    });
    tile_frame(tile, move |lang, _| {
        let report_tile = report_tile.clone();
        view! {
            <form class="form-section" id="trace-form" on:submit=move |ev| { ev.prevent_default(); lookup(); }>
                <p class="hint">{i18n::text(lang, Key::TraceIntro)}</p>
                <div class="field">
                    <label class="button file-button">
                        {i18n::text(lang, Key::TracePhoto)}
                        <input id="label-photo" class="visually-hidden" type="file"
                            accept="image/jpeg,image/png,image/webp" capture="environment" on:change=on_photo />
                    </label>
                    <p class="hint" id="label-status" role="status" aria-live="polite">{move || scanning.get()}</p>
                </div>
                <div class="field">
                    <label for="trace-code">{i18n::text(lang, Key::TraceCodeLabel)}</label>
                    <input id="trace-code" autocomplete="off" spellcheck="false"
                        prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
                </div>
                <div class="form-actions">
                    <button id="trace-lookup" class="button button--primary" type="submit" prop:disabled=move || busy.get()>
                        {i18n::text(lang, Key::TraceAction)}
                    </button>
                </div>
                {move || message.get().map(|(text, unknown)| {
                    let report = unknown.then(|| report_tile.clone()).flatten().map(|_| view! {
                        <button type="button" class="button button--small" id="trace-report" on:click=move |_| app.nav.go(nav::Page::Reports)>
                            {app.t(Key::TraceReportFake)}
                        </button>
                    });
                    view! {
                        <div class="notice" id="trace-message" role="alert">
                            <p>{text}</p>
                            {unknown.then(|| view! { <p>{app.t(Key::TraceHowToReport)}</p> })}
                            {report}
                        </div>
                    }
                })}
            </form>
            {move || result.get().map(|held| result_view(app.lang(), held))}
        }
        .into_any()
    })
}

fn result_view(lang: Lang, held: Held<TraceRecord>) -> impl IntoView {
    let TraceRecord {
        product: p,
        batch,
        lots,
    } = held.value;
    let age = held.offline.then(|| {
        i18n::fill(
            lang,
            Key::TraceSavedAt,
            &[("time", &i18n::format_time(lang, held.fetched_at_ms))],
        )
    });
    let batch = batch.map(|b| {
        let steps = b
            .steps
            .iter()
            .map(|s| {
                view! {
                    <li data-stage=s.stage.clone()>
                        <strong>{i18n::text(lang, stage_key(&s.stage))}</strong> " · " {date(lang, &s.date)}
                        <br /> <span class="hint">{s.actor.clone()} " · " {s.place.clone()}</span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <h3>{i18n::fill(lang, Key::TraceBatch, &[("lot", &b.lot)])}</h3>
            <dl class="facts">
                <dt>{i18n::text(lang, Key::TraceProduced)}</dt><dd id="trace-produced">{date(lang, &b.produced_date)}</dd>
                {b.expiry_date.map(|e| view! { <dt>{i18n::text(lang, Key::TraceExpiry)}</dt><dd>{date(lang, &e)}</dd> })}
            </dl>
            <h3>{i18n::text(lang, Key::TraceSteps)}</h3>
            <ol class="timeline" id="trace-steps">{steps}</ol>
        }
    });
    view! {
        <section id="trace-result" class="form-section" data-gtin=p.gtin.clone() aria-labelledby="trace-result-heading">
            <h2 id="trace-result-heading" tabindex="-1">{p.name.get(lang).to_owned()}</h2>
            {p.photo_url.is_some().then(|| view! {
                <img class="product-photo" src=crate::ipc::photo_src(&format!("product/{}", p.id)) alt="" width="160" height="120" />
            })}
            {age.map(|text| view! { <p class="status status--offline" role="status">{text}</p> })}
            <p class="notice notice--ok" id="trace-registered">{i18n::text(lang, Key::TraceRegistered)}</p>
            <dl class="facts">
                <dt>{i18n::text(lang, Key::OcopProducer)}</dt><dd id="trace-producer">{p.producer.clone()}</dd>
                <dt>{i18n::text(lang, Key::OcopCategory)}</dt><dd>{i18n::text(lang, category_key(&p.category))}</dd>
                <dt>{i18n::text(lang, Key::OcopStarsLabel)}</dt><dd>{stars(lang, p.stars)}</dd>
                <dt>{i18n::text(lang, Key::OcopCertifications)}</dt><dd id="trace-certifications">{p.certifications.join(", ")}</dd>
                <dt>{i18n::text(lang, Key::OcopBarcode)}</dt><dd>{p.gtin.clone()}</dd>
                <dt>{i18n::text(lang, Key::TraceLots)}</dt><dd>{lots.join(", ")}</dd>
            </dl>
            {batch}
        </section>
    }
}
