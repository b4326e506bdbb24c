//! The demo province's awareness content (`seed/awareness.json`): news, scam
//! warnings, digital-skills lessons and step-by-step guides, each guide step
//! with an illustration drawn here and served like any photo.

use crate::sql::Conn;
use cds_domain::LocalizedText;
use cds_provincial_api::content::{Article, GuideStep};
use serde::Deserialize;

use crate::{db::DbError, illustration, media, media_store::MediaStore, time};

/// The demo articles and guides, in Vietnamese and English.
pub const DEMO_AWARENESS: &[u8] = include_bytes!("../seed/awareness.json");

#[derive(Deserialize)]
struct Seed {
    articles: Vec<SeedArticle>,
    guides: Vec<SeedGuide>,
}

#[derive(Deserialize)]
struct SeedArticle {
    id: String,
    topic: String,
    published: String,
    title: LocalizedText,
    summary: LocalizedText,
    body: LocalizedText,
    #[serde(default)]
    guide: Option<String>,
}

#[derive(Deserialize)]
struct SeedGuide {
    id: String,
    task: String,
    /// The field whose page also shows it (`bills`: the bill payment page).
    #[serde(default)]
    field: Option<String>,
    colour: [u8; 3],
    title: LocalizedText,
    summary: LocalizedText,
    needs: LocalizedText,
    steps: Vec<SeedStep>,
}

#[derive(Deserialize)]
struct SeedStep {
    text: LocalizedText,
    picture: LocalizedText,
}

/// Parses the demo content and checks it holds together.
fn parse(bytes: &[u8]) -> Result<Seed, DbError> {
    let seed: Seed = serde_json::from_slice(bytes)?;
    let guides: Vec<&str> = seed.guides.iter().map(|g| g.id.as_str()).collect();
    for article in &seed.articles {
        if !matches!(article.topic.as_str(), "news" | "scam" | "skills") {
            return Err(DbError::Demo(format!(
                "{}: topic {}",
                article.id, article.topic
            )));
        }
        if time::parse(&article.published).is_none() {
            return Err(DbError::Demo(format!("{}: published", article.id)));
        }
        if let Some(guide) = article.guide.as_deref().filter(|g| !guides.contains(g)) {
            return Err(DbError::Demo(format!("{}: no guide {guide}", article.id)));
        }
    }
    if let Some(guide) = seed
        .guides
        .iter()
        .find(|g| g.steps.is_empty() || g.steps.len() > 9)
    {
        return Err(DbError::Demo(format!("{}: 1 to 9 steps", guide.id)));
    }
    Ok(seed)
}

/// Stores the demo articles and guides (with their illustrations).
pub fn seed(conn: &Conn, media_dir: &MediaStore, now_ms: i64) -> Result<usize, DbError> {
    let seed = parse(DEMO_AWARENESS)?;
    let mut stored = 0;
    let mut put = |mut article: Article| -> Result<(), DbError> {
        crate::content::store(conn, &mut article, now_ms)?;
        stored += 1;
        Ok(())
    };
    for article in seed.articles {
        put(Article {
            id: article.id,
            kind: "article".into(),
            topic: article.topic,
            title: article.title,
            summary: article.summary,
            body: article.body,
            published: article.published,
            guide: article.guide,
            field: None,
            task: None,
            needs: LocalizedText::default(),
            steps: Vec::new(),
            updated_datetime: time::iso(now_ms),
        })?;
    }
    for guide in seed.guides {
        let mut steps = Vec::with_capacity(guide.steps.len());
        for (index, step) in guide.steps.into_iter().enumerate() {
            let png = illustration::step_card(index + 1, guide.colour, 320, 200);
            let sniffed = media::sniff(&png).map_err(|err| DbError::Demo(err.to_string()))?;
            let hash = media_dir.store(conn, &png, sniffed)?;
            steps.push(GuideStep {
                text: step.text,
                caption: step.picture,
                image_url: Some(format!("/media/{hash}")),
            });
        }
        put(Article {
            id: guide.id,
            kind: "guide".into(),
            topic: String::new(),
            title: guide.title,
            summary: guide.summary,
            body: LocalizedText::default(),
            published: String::new(),
            guide: None,
            field: guide.field,
            task: Some(guide.task),
            needs: guide.needs,
            steps,
            updated_datetime: time::iso(now_ms),
        })?;
    }
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_content_holds_six_guides_and_every_topic() {
        let seed = parse(DEMO_AWARENESS).unwrap();
        let tasks: Vec<&str> = seed.guides.iter().map(|g| g.task.as_str()).collect();
        for task in [
            "vneid_level2",
            "bill_payment",
            "dossier_lookup",
            "dossier_submit",
            "field_report",
            "scam_report",
        ] {
            assert!(tasks.contains(&task), "{task}");
        }
        for topic in ["news", "scam", "skills"] {
            assert!(seed.articles.iter().any(|a| a.topic == topic), "{topic}");
        }
        for text in seed
            .guides
            .iter()
            .flat_map(|g| g.steps.iter().map(|s| &s.text))
        {
            assert!(!text.vi.trim().is_empty() && !text.en.trim().is_empty());
        }
    }
}
