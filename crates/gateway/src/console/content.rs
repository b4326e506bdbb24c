//! Articles and guides in the console: the list, a form to write a new
//! article or edit one (topic, texts in both languages, date, linked guide)
//! and to edit a guide (texts, each step's text and caption, a new step, a
//! step's picture replaced by an uploaded image — sniffed by `media.rs`),
//! stored by `content::store`, which the app's pull reads.

use std::fmt::Write as _;

use axum::{
    extract::{Path, Request, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use cds_domain::LocalizedText;
use cds_provincial_api::content::{Article, GuideStep};

use super::{ConsoleError, Lang, Staff, audit, csrf, html, html::esc};
use crate::{ApiFailure, AppState, content, form, media, time};

/// The articles' topics, with their string keys.
const TOPICS: &[(&str, &str)] = &[
    ("news", "content.topic.news"),
    ("scam", "content.topic.scam"),
    ("skills", "content.topic.skills"),
];
const MAX_TITLE: usize = 200;
const MAX_SUMMARY: usize = 500;
const MAX_BODY: usize = 8000;

fn in_lang(lang: Lang, text: &LocalizedText) -> &str {
    match lang {
        Lang::En if !text.en.is_empty() => &text.en,
        _ => &text.vi,
    }
}

/// `GET /staff/content`
pub async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let bodies: Vec<(String,)> = state
        .db
        .call(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT body FROM content WHERE kind IN ('article', 'guide') ORDER BY kind, updated_ms DESC",
            )?;
            let rows = statement.query_map([], |row| Ok((row.get(0)?,)))?;
            rows.collect()
        })
        .await?;
    let articles: Vec<Article> = bodies
        .iter()
        .filter_map(|(body,)| serde_json::from_str(body).ok())
        .collect();
    let mut body = format!(
        "<p><a href=\"/staff/content/new\">{}</a></p>",
        esc(lang.t("content.new"))
    );
    let cells: Vec<Vec<String>> = articles
        .iter()
        .map(|a| {
            let kind = if a.kind == "guide" {
                lang.t("content.guide")
            } else {
                lang.t("content.article")
            };
            vec![
                format!(
                    "<a href=\"/staff/content/{}\">{}</a>",
                    esc(&a.id),
                    esc(in_lang(lang, &a.title))
                ),
                esc(kind),
                esc(if a.kind == "guide" {
                    a.field.as_deref().unwrap_or_default()
                } else {
                    &a.topic
                }),
                esc(&a.updated_datetime),
            ]
        })
        .collect();
    body += &html::table(
        lang.t("content.caption"),
        &[
            lang.t("alert.title_field"),
            lang.t("content.kind"),
            lang.t("content.topic"),
            lang.t("dossier.updated"),
        ],
        &cells,
    );
    Ok(staff.page("/staff/content", lang.t("content.title"), &body))
}

/// A text field (`area`: a textarea) with its label.
fn field(lang: Lang, name: &str, key: &str, value: &str, area: bool, required: bool) -> String {
    let required = if required { " required" } else { "" };
    if area {
        format!(
            "<label>{}<textarea name=\"{name}\" rows=\"4\" cols=\"60\"{required}>{}</textarea></label>",
            esc(lang.t(key)),
            esc(value)
        )
    } else {
        format!(
            "<label>{}<input name=\"{name}\" value=\"{}\" size=\"50\"{required}></label>",
            esc(lang.t(key)),
            esc(value)
        )
    }
}

/// Both languages of a text: `{name}_vi` (required where `required`) and `{name}_en`.
fn pair(
    lang: Lang,
    name: &str,
    keys: [&str; 2],
    text: &LocalizedText,
    area: bool,
    required: bool,
) -> String {
    field(
        lang,
        &format!("{name}_vi"),
        keys[0],
        &text.vi,
        area,
        required,
    ) + &field(lang, &format!("{name}_en"), keys[1], &text.en, area, false)
}

/// A text in both languages: field name, string keys, value, textarea, `vi` required.
type Pair<'a> = (&'a str, [&'a str; 2], &'a LocalizedText, bool, bool);

/// Several [`pair`]s.
fn pairs(lang: Lang, texts: &[Pair<'_>]) -> String {
    texts
        .iter()
        .map(|(name, keys, text, area, required)| pair(lang, name, *keys, text, *area, *required))
        .collect()
}

fn article_form(staff: &Staff, article: Option<&Article>) -> String {
    let lang = staff.lang;
    let empty = LocalizedText::default();
    let topics: Vec<(String, String)> = TOPICS
        .iter()
        .map(|(v, key)| ((*v).to_owned(), lang.t(key).to_owned()))
        .collect();
    let today = time::date(time::now_ms());
    format!(
        "<form class=\"action long\" id=\"article-form\" method=\"post\" action=\"/staff/content\">{csrf}{id}{topic}{texts}\
         <label>{published_label}<input type=\"date\" name=\"published\" value=\"{published}\" required></label>\
         {guide}<button type=\"submit\">{save}</button></form>",
        csrf = html::csrf_field(staff),
        id = article.map_or(String::new(), |a| format!(
            "<input type=\"hidden\" name=\"id\" value=\"{}\">",
            esc(&a.id)
        )),
        topic = html::select(
            "topic",
            lang.t("content.topic"),
            &topics,
            article.map_or("news", |a| &a.topic)
        ),
        texts = pairs(
            lang,
            &[
                (
                    "title",
                    ["alert.title_vi", "alert.title_en"],
                    article.map_or(&empty, |a| &a.title),
                    false,
                    true
                ),
                (
                    "summary",
                    ["content.summary_vi", "content.summary_en"],
                    article.map_or(&empty, |a| &a.summary),
                    true,
                    true
                ),
                (
                    "body",
                    ["alert.body_vi", "alert.body_en"],
                    article.map_or(&empty, |a| &a.body),
                    true,
                    true
                ),
            ]
        ),
        published_label = esc(lang.t("content.published")),
        published = esc(article.map_or(today.as_str(), |a| a.published.as_str())),
        guide = field(
            lang,
            "guide",
            "content.linked_guide",
            article.and_then(|a| a.guide.as_deref()).unwrap_or_default(),
            false,
            false
        ),
        save = esc(lang.t("dossier.save")),
    )
}

fn guide_form(staff: &Staff, guide: &Article) -> String {
    let lang = staff.lang;
    let mut steps = String::new();
    for (n, step) in guide.steps.iter().enumerate() {
        let _ = write!(
            steps,
            "<fieldset><legend>{}</legend>{}",
            esc(&lang.fill("content.step", "n", &(n + 1).to_string())),
            pairs(
                lang,
                &[
                    (
                        &format!("step{n}_text"),
                        ["content.step_text_vi", "content.step_text_en"],
                        &step.text,
                        true,
                        true
                    ),
                    (
                        &format!("step{n}_caption"),
                        ["content.caption_vi", "content.caption_en"],
                        &step.caption,
                        false,
                        false
                    ),
                ]
            ),
        );
        if let Some(url) = &step.image_url {
            let _ = write!(
                steps,
                "<img src=\"{}\" alt=\"{}\" width=\"160\">",
                esc(url),
                esc(in_lang(lang, &step.caption))
            );
        }
        steps.push_str("</fieldset>");
    }
    let empty = LocalizedText::default();
    let step_numbers: Vec<(String, String)> =
        std::iter::once((String::new(), lang.t("content.new_step").to_owned()))
            .chain((0..guide.steps.len()).map(|n| {
                (
                    n.to_string(),
                    lang.fill("content.step", "n", &(n + 1).to_string()),
                )
            }))
            .collect();
    format!(
        "<form class=\"action long\" id=\"guide-form\" method=\"post\" action=\"/staff/content\" enctype=\"multipart/form-data\">\
         {csrf}<input type=\"hidden\" name=\"id\" value=\"{id}\">{texts}{steps}\
         <fieldset><legend>{new_step}</legend>{new_texts}</fieldset>\
         {picture_for}<label>{picture}<input type=\"file\" name=\"media\" accept=\"image/jpeg,image/png,image/webp\"></label>\
         <button type=\"submit\">{save}</button></form>",
        csrf = html::csrf_field(staff),
        id = esc(&guide.id),
        texts = pairs(
            lang,
            &[
                (
                    "title",
                    ["alert.title_vi", "alert.title_en"],
                    &guide.title,
                    false,
                    true
                ),
                (
                    "summary",
                    ["content.summary_vi", "content.summary_en"],
                    &guide.summary,
                    true,
                    true
                ),
                (
                    "needs",
                    ["content.needs_vi", "content.needs_en"],
                    &guide.needs,
                    true,
                    false
                ),
            ]
        ),
        new_step = esc(lang.t("content.new_step")),
        new_texts = pairs(
            lang,
            &[
                (
                    "new_text",
                    ["content.step_text_vi", "content.step_text_en"],
                    &empty,
                    true,
                    false
                ),
                (
                    "new_caption",
                    ["content.caption_vi", "content.caption_en"],
                    &empty,
                    false,
                    false
                ),
            ]
        ),
        picture_for = html::select(
            "picture_for",
            lang.t("content.picture_for"),
            &step_numbers,
            ""
        ),
        picture = esc(lang.t("content.picture")),
        save = esc(lang.t("dossier.save")),
    )
}

/// `GET /staff/content/new`
pub async fn new_page(staff: Staff) -> Response {
    let form = article_form(&staff, None);
    staff.page("/staff/content", staff.lang.t("content.new"), &form)
}

/// `GET /staff/content/{id}`
pub async fn edit_page(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let article = super::load(&state, lang, move |conn| content::find(conn, &id)).await?;
    let form = if article.kind == "guide" {
        guide_form(&staff, &article)
    } else {
        article_form(&staff, Some(&article))
    };
    let title = lang.fill("content.edit", "title", in_lang(lang, &article.title));
    Ok(staff.page("/staff/content", &title, &form))
}

fn bad(description: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::BAD_REQUEST, description)
}

/// The form's `{name}_vi` and `{name}_en`, checked (`vi` required where `required`).
fn read_pair(
    form: &form::Form,
    name: &str,
    max: usize,
    required: bool,
) -> Result<LocalizedText, ApiFailure> {
    let text = |suffix: &str| {
        form.get(&format!("{name}_{suffix}"))
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let pair = LocalizedText {
        vi: text("vi"),
        en: text("en"),
    };
    if required && pair.vi.is_empty() {
        return Err(bad(format!("{name}_vi: required")));
    }
    form::check_text(&format!("{name}_vi"), &pair.vi, max, true)?;
    form::check_text(&format!("{name}_en"), &pair.en, max, true)?;
    Ok(pair)
}

/// An article from the form (a new one when `stored` is none).
fn article_from(
    form: &form::Form,
    stored: Option<Article>,
    now: i64,
) -> Result<Article, ApiFailure> {
    let topic = form.get("topic").unwrap_or_default().trim().to_owned();
    if !TOPICS.iter().any(|(t, _)| *t == topic) {
        return Err(bad("topic: news, scam or skills"));
    }
    let published = form.get("published").unwrap_or_default().trim().to_owned();
    if time::parse(&format!("{published}T00:00:00Z")).is_none() {
        return Err(bad("published: a date"));
    }
    let guide = form.get("guide").unwrap_or_default().trim().to_owned();
    form::check_text("guide", &guide, 64, false)?;
    let mut article = stored.unwrap_or_else(|| Article {
        id: format!("bai-{now}"),
        kind: "article".into(),
        topic: String::new(),
        title: LocalizedText::default(),
        summary: LocalizedText::default(),
        body: LocalizedText::default(),
        published: String::new(),
        guide: None,
        task: None,
        needs: LocalizedText::default(),
        field: None,
        steps: Vec::new(),
        updated_datetime: String::new(),
    });
    article.topic = topic;
    article.title = read_pair(form, "title", MAX_TITLE, true)?;
    article.summary = read_pair(form, "summary", MAX_SUMMARY, true)?;
    article.body = read_pair(form, "body", MAX_BODY, true)?;
    article.published = published;
    article.guide = (!guide.is_empty()).then_some(guide);
    Ok(article)
}

/// A guide changed by the form; `picture` is the stored image's URL, for
/// the step the form names (or the new step).
fn guide_from(
    form: &form::Form,
    mut guide: Article,
    picture: Option<String>,
) -> Result<Article, ApiFailure> {
    guide.title = read_pair(form, "title", MAX_TITLE, true)?;
    guide.summary = read_pair(form, "summary", MAX_SUMMARY, true)?;
    guide.needs = read_pair(form, "needs", MAX_SUMMARY, false)?;
    for (n, step) in guide.steps.iter_mut().enumerate() {
        step.text = read_pair(form, &format!("step{n}_text"), MAX_SUMMARY, true)?;
        step.caption = read_pair(form, &format!("step{n}_caption"), MAX_TITLE, false)?;
    }
    let new_text = read_pair(form, "new_text", MAX_SUMMARY, false)?;
    let picture_for = form.get("picture_for").unwrap_or_default().trim();
    if !new_text.vi.is_empty() {
        guide.steps.push(GuideStep {
            text: new_text,
            caption: read_pair(form, "new_caption", MAX_TITLE, false)?,
            image_url: None,
        });
    }
    if let Some(url) = picture {
        let index = match picture_for {
            "" => guide.steps.len().checked_sub(1),
            n => n.parse::<usize>().ok().filter(|n| *n < guide.steps.len()),
        };
        let step = index
            .and_then(|n| guide.steps.get_mut(n))
            .ok_or_else(|| bad("picture_for: which step the picture shows"))?;
        step.image_url = Some(url);
    }
    Ok(guide)
}

/// `POST /staff/content`: saves a new or changed article or guide.
pub async fn save(
    State(state): State<AppState>,
    staff: Staff,
    request: Request,
) -> Result<Response, ConsoleError> {
    let lang = staff.lang;
    let form = csrf::read(request, &state, &staff, 1).await?;
    let photo = match form.media.iter().find(|bytes| !bytes.is_empty()) {
        Some(bytes) => {
            let sniffed =
                media::sniff(bytes).map_err(|err| ConsoleError::Refused(lang, err.to_string()))?;
            Some((bytes.clone(), sniffed))
        }
        None => None,
    };
    let media_dir = state.media.clone();
    audit::change(
        &state,
        &staff,
        "content.save".into(),
        move |conn, _, now| {
            let id = form.get("id").unwrap_or_default().trim().to_owned();
            let stored = if id.is_empty() {
                None
            } else {
                Some(
                    content::find(conn, &id)?
                        .ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no such article"))?,
                )
            };
            let mut article = match stored {
                Some(guide) if guide.kind == "guide" => {
                    let picture = match photo {
                        Some((bytes, sniffed)) => Some(format!(
                            "/media/{}",
                            media_dir.store(conn, &bytes, sniffed)?
                        )),
                        None => None,
                    };
                    guide_from(&form, guide, picture)?
                }
                stored => article_from(&form, stored, now)?,
            };
            content::store(conn, &mut article, now)?;
            Ok((format!("{}:{}", article.kind, article.id), article.title.vi))
        },
    )
    .await?;
    Ok(Redirect::to("/staff/content").into_response())
}
