//! The awareness block (Nâng cao nhận thức): shelves of news, scam warnings,
//! digital-skills lessons and guides, searched without accents, with "new"
//! marks; an article (a scam warning can be copied as text to share); a guide
//! followed step by step, large, with "step 3 of 7" and big back and next.

use cds_domain::awareness::Shelf;
use cds_ipc::{Article, ById, LoadShelf, OpenArticle, ShelfPage, ShelfRequest};
use leptos::{prelude::*, task::spawn_local};

use crate::{
    i18n::{self, Key},
    ipc,
    nav::Page,
    state::AppState,
    tile_page::tile_frame,
};

fn empty_key(shelf: Shelf) -> Key {
    match shelf {
        Shelf::Guides => Key::AwarenessNoGuides,
        _ => Key::AwarenessNoArticles,
    }
}

/// A shelf of the awareness block, opened from its tile.
#[component]
pub fn ShelfView(tile: String, shelf: Shelf) -> impl IntoView {
    let app = expect_context::<AppState>();
    let page = RwSignal::new(None::<ShelfPage>);
    let query = RwSignal::new(String::new());
    let load = move || {
        let request = ShelfRequest {
            shelf,
            query: query.get_untracked(),
        };
        spawn_local(async move {
            match ipc::call::<LoadShelf>(&request).await {
                Ok(found) => page.set(Some(found)),
                Err(err) => app.error.set(Some(err)),
            }
        });
    };
    load();
    app.after_each_sync(load);
    let tile_id = tile.clone();
    tile_frame(tile, move |lang, _| {
        let tile = tile_id.clone();
        view! {
            <form class="search" role="search" on:submit=move |ev| { ev.prevent_default(); load(); }>
                <label for="shelf-search">{i18n::text(lang, Key::AwarenessSearch)}</label>
                <input id="shelf-search" type="search" autocomplete="off"
                    prop:value=move || query.get()
                    on:input=move |ev| { query.set(event_target_value(&ev)); load(); } />
            </form>
            {move || {
                let found = page.get()?;
                let lang = app.lang();
                if found.items.is_empty() {
                    let key = if found.fetched_at_ms.is_none() {
                        Key::AwarenessNotSynced
                    } else if query.with(|q| q.trim().is_empty()) {
                        empty_key(shelf)
                    } else {
                        Key::AwarenessNoMatch
                    };
                    return Some(view! { <p class="empty" id="shelf-empty" role="status">{i18n::text(lang, key)}</p> }.into_any());
                }
                let count = i18n::fill(lang, Key::AwarenessCount, &[("count", &found.items.len().to_string())]);
                let items = found.items.into_iter().map(|item| {
                    let tile = tile.clone();
                    let id = item.id.clone();
                    let open = move |_| {
                        let id = id.clone();
                        app.nav.go(if shelf == Shelf::Guides {
                            Page::Guide { tile: tile.clone(), id }
                        } else {
                            Page::Article { tile: tile.clone(), id }
                        });
                    };
                    let meta = if shelf == Shelf::Guides {
                        i18n::fill(lang, Key::GuideStepCount, &[("count", &item.steps.to_string())])
                    } else {
                        cds_domain::time::parse(&item.published)
                            .map(|ms| i18n::format_date(lang, ms))
                            .unwrap_or_default()
                    };
                    view! {
                        <li>
                            <button type="button" class="list-item" data-article=item.id.clone() on:click=open>
                                <span class="list-item__title">
                                    {item.title.get(lang).to_owned()}
                                    {item.new.then(|| view! { <span class="badge badge--new">{i18n::text(lang, Key::AwarenessNew)}</span> })}
                                </span>
                                <span class="list-item__summary">{item.summary.get(lang).to_owned()}</span>
                                <span class="list-item__meta">{meta}</span>
                            </button>
                        </li>
                    }
                }).collect_view();
                Some(view! {
                    <p class="count" role="status" aria-live="polite">{count}</p>
                    <ul class="list" id="shelf-list">{items}</ul>
                }.into_any())
            }}
        }
        .into_any()
    })
}

/// The text a scam warning is shared as.
fn share_text(lang: cds_domain::Lang, article: &Article) -> String {
    format!(
        "{}\n\n{}\n\n{}",
        article.title.get(lang),
        article.body.get(lang),
        i18n::text(lang, Key::AwarenessShareFooter)
    )
}

/// One article: its date, its paragraphs, a guide to act on it, and (for a
/// scam warning) a button that copies it as text to share.
#[component]
pub fn ArticleView(tile: String, id: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let article = RwSignal::new(None::<Article>);
    let copied = RwSignal::new(None::<Key>);
    spawn_local(async move {
        match ipc::call::<OpenArticle>(&ById { id }).await {
            Ok(found) => article.set(Some(found)),
            Err(err) => app.error.set(Some(err)),
        }
    });
    let guide_tile = tile.clone();
    tile_frame(tile, move |_, _| {
        let guide_tile = guide_tile.clone();
        view! {
            {move || {
                let a = article.get()?;
                let lang = app.lang();
                let date = cds_domain::time::parse(&a.published).map(|ms| i18n::format_date(lang, ms));
                let paragraphs = a.body.get(lang).split("\n\n").map(|p| view! { <p>{p.to_owned()}</p> }).collect_view();
                let guide = a.guide.clone().map(|guide| {
                    let tile = guide_tile.clone();
                    view! {
                        <button type="button" class="button" id="article-guide"
                            on:click=move |_| app.nav.go(Page::Guide { tile: tile.clone(), id: guide.clone() })>
                            {i18n::text(lang, Key::AwarenessOpenGuide)}
                        </button>
                    }
                });
                let text = share_text(lang, &a);
                let a_for_text = a.clone();
                let share = (a.topic == "scam").then(move || view! {
                    <button type="button" class="button button--secondary" id="article-share" on:click=move |_| {
                        let text = text.clone();
                        spawn_local(async move {
                            let done = copy_text(&text).await;
                            copied.set(Some(if done { Key::AwarenessCopied } else { Key::AwarenessCopyFailed }));
                        });
                    }>{i18n::text(lang, Key::AwarenessShare)}</button>
                });
                Some(view! {
                    <section class="article" id="article" data-topic=a.topic.clone()>
                        <h2>{a.title.get(lang).to_owned()}</h2>
                        {date.map(|d| view! { <p class="article__date">{d}</p> })}
                        <div class="article__body">{paragraphs}</div>
                        <div class="actions">{guide}{share}</div>
                        <p id="article-copied" role="status" aria-live="polite">{move || copied.get().map(|k| i18n::text(app.lang(), k))}</p>
                        {move || (copied.get() == Some(Key::AwarenessCopyFailed)).then(|| view! {
                            <label for="article-share-text">{i18n::text(app.lang(), Key::AwarenessShareText)}</label>
                            <textarea id="article-share-text" readonly=true rows="8">{share_text(app.lang(), &a_for_text)}</textarea>
                        })}
                    </section>
                })
            }}
        }
        .into_any()
    })
}

/// Copies `text` to the clipboard; whether it worked.
async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// A guide, one step at a time: the picture, the instruction, "step 3 of 7",
/// big back and next buttons. Works offline once synced.
#[component]
pub fn GuideView(tile: String, id: String) -> impl IntoView {
    let app = expect_context::<AppState>();
    let guide = RwSignal::new(None::<Article>);
    let step = RwSignal::new(0usize);
    let guide_id = id.clone();
    spawn_local(async move {
        match ipc::call::<OpenArticle>(&ById { id }).await {
            Ok(found) => guide.set(Some(found)),
            Err(err) => app.error.set(Some(err)),
        }
    });
    tile_frame(tile, move |_, _| {
        let guide_id = guide_id.clone();
        view! {
            {move || {
                let g = guide.get()?;
                let lang = app.lang();
                let total = g.steps.len();
                let at = step.get().min(total.saturating_sub(1));
                let current = g.steps.get(at)?.clone();
                let of = i18n::fill(lang, Key::GuideStepOf, &[("n", &(at + 1).to_string()), ("total", &total.to_string())]);
                let image = current.image_url.as_ref().map(|_| {
                    let src = ipc::photo_src(&format!("guide/{guide_id}/{at}"));
                    view! { <img class="guide__image" src=src alt=current.caption.get(lang).to_owned() width="320" height="200" /> }
                });
                let go = move |to: usize| {
                    step.set(to);
                    crate::nav::focus_after_render("#guide-step-text".to_owned());
                };
                Some(view! {
                    <section class="guide" id="guide" data-step=at.to_string()>
                        <h2>{g.title.get(lang).to_owned()}</h2>
                        {(at == 0 && !g.needs.get(lang).is_empty()).then(|| view! {
                            <p class="guide__needs">{i18n::fill(lang, Key::GuideNeeds, &[("needs", g.needs.get(lang))])}</p>
                        })}
                        <p class="guide__of" id="guide-step-of" aria-live="polite">{of}</p>
                        <progress max=total.to_string() value=(at + 1).to_string() aria-hidden="true"></progress>
                        {image}
                        <p class="guide__text" id="guide-step-text" tabindex="-1">{current.text.get(lang).to_owned()}</p>
                        <div class="guide__nav">
                            <button type="button" class="button button--big button--secondary" id="guide-prev"
                                disabled=at == 0 on:click=move |_| go(at.saturating_sub(1))>
                                {i18n::text(lang, Key::GuidePrev)}
                            </button>
                            {if at + 1 < total {
                                view! { <button type="button" class="button button--big" id="guide-next" on:click=move |_| go(at + 1)>{i18n::text(lang, Key::GuideNext)}</button> }.into_any()
                            } else {
                                view! { <button type="button" class="button button--big" id="guide-done" on:click=move |_| app.nav.back()>{i18n::text(lang, Key::GuideDone)}</button> }.into_any()
                            }}
                        </div>
                    </section>
                })
            }}
        }
        .into_any()
    })
}
