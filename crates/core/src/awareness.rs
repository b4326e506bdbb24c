//! The awareness block on the device: shelves of news, scam warnings,
//! digital-skills lessons and guides from the content cache, searched without
//! accents, with "new" marks; guides' illustrations kept for offline reading.

use cds_domain::{
    awareness::{Shelf, ShelfItem, ShelfPage, is_new},
    text,
};
use cds_provincial_api::content::Article;
use rusqlite::{Connection, params};

use crate::{
    Core, Error,
    content::{self, Kind},
    db::StoreError,
    now_ms,
};

/// The kind `inbox_read` keeps opened articles and guides under.
const READ_KIND: &str = "article";

fn opened(conn: &Connection) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut statement = conn.prepare_cached("SELECT id FROM inbox_read WHERE kind = ?1")?;
    let ids = statement
        .query_map([READ_KIND], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

fn shelf(
    conn: &Connection,
    shelf: Shelf,
    query: &str,
    now_ms: i64,
) -> Result<ShelfPage, StoreError> {
    let kind = if shelf == Shelf::Guides {
        Kind::Guides
    } else {
        Kind::Articles
    };
    let articles: Vec<Article> = content::list(conn, kind)?;
    let opened = opened(conn)?;
    let mut items: Vec<(u8, ShelfItem)> = articles
        .into_iter()
        .filter(|a| shelf.topic().is_none_or(|topic| a.topic == topic))
        .filter_map(|a| {
            let score = if query.trim().is_empty() {
                1
            } else {
                let rest = format!(
                    "{} {} {} {} {}",
                    a.title.en,
                    a.summary.vi,
                    a.summary.en,
                    a.body.vi,
                    a.steps
                        .iter()
                        .map(|s| s.text.vi.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                );
                text::score(&a.title.vi, &rest, query)
            };
            (score > 0).then(|| {
                let published_ms = cds_domain::time::parse(&a.published);
                (
                    score,
                    ShelfItem {
                        new: is_new(published_ms, opened.contains(&a.id), now_ms),
                        steps: u32::try_from(a.steps.len()).unwrap_or(u32::MAX),
                        task: a.task.unwrap_or_default(),
                        id: a.id,
                        title: a.title,
                        summary: a.summary,
                        published: a.published,
                    },
                )
            })
        })
        .collect();
    // Best match first; then newest first (guides keep the province's order).
    items.sort_by(|(sa, a), (sb, b)| sb.cmp(sa).then_with(|| b.published.cmp(&a.published)));
    Ok(ShelfPage {
        items: items.into_iter().map(|(_, item)| item).collect(),
        fetched_at_ms: content::fetched_at(conn, kind)?,
    })
}

impl Core {
    /// A shelf of the awareness block, filtered by `query` (accents and case
    /// ignored), best match first, then newest first.
    pub async fn shelf(&self, which: Shelf, query: String) -> Result<ShelfPage, Error> {
        let now = now_ms();
        self.store
            .run(move |conn| shelf(conn, which, &query, now))
            .await
    }

    /// An article or guide, marked as opened (no longer new).
    pub async fn open_article(&self, id: String) -> Result<Article, Error> {
        let now = now_ms();
        self.store
            .run(move |conn| {
                let found = [Kind::Articles, Kind::Guides]
                    .into_iter()
                    .map(|kind| content::list::<Article>(conn, kind))
                    .collect::<Result<Vec<_>, _>>()?
                    .into_iter()
                    .flatten()
                    .find(|a| a.id == id)
                    .ok_or(StoreError::NotFound)?;
                conn.execute(
                    "INSERT OR REPLACE INTO inbox_read (kind, id, read_at_ms) VALUES (?1, ?2, ?3)",
                    params![READ_KIND, found.id, now],
                )?;
                Ok(found)
            })
            .await
    }

    /// How many articles of a shelf are new (for the tile's badge).
    pub async fn new_on_shelf(&self, which: Shelf) -> Result<u32, Error> {
        let page = self.shelf(which, String::new()).await?;
        Ok(u32::try_from(page.items.iter().filter(|i| i.new).count()).unwrap_or(u32::MAX))
    }

    /// The illustration of a guide's step, from the device once fetched.
    pub async fn guide_image(&self, guide_id: String, step: usize) -> Result<Vec<u8>, Error> {
        let url = self
            .guides()
            .await?
            .into_iter()
            .find(|g| g.id == guide_id)
            .and_then(|g| g.steps.get(step).and_then(|s| s.image_url.clone()))
            .ok_or(Error::NotFound)?;
        self.cached_media(url).await
    }

    /// Fetches the guides' illustrations the device does not have yet, so
    /// that every guide can be followed offline. Failures are left for the
    /// next sync.
    pub async fn prefetch_guide_images(&self) {
        /// A bound on one pass.
        const MAX_IMAGES: usize = 200;
        let urls: Vec<String> = match self.guides().await {
            Ok(guides) => guides
                .into_iter()
                .flat_map(|g| g.steps.into_iter().filter_map(|s| s.image_url))
                .take(MAX_IMAGES)
                .collect(),
            Err(err) => {
                log::warn!("guides: {err}");
                return;
            }
        };
        for url in urls {
            let path = self.media_cache_path(&url);
            if tokio::task::spawn_blocking(move || path.exists())
                .await
                .unwrap_or(false)
            {
                continue;
            }
            if let Err(err) = self.cached_media(url.clone()).await {
                log::info!("guide image {url}: {err}");
                if matches!(err, Error::Unreachable(_)) {
                    return;
                }
            }
        }
    }
}
