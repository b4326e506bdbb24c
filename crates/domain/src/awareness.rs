//! The awareness block: which articles a tile lists, what counts as new, and
//! the list items the UI shows (title, summary, date, a "new" mark).

use serde::{Deserialize, Serialize};

use crate::{Feature, LocalizedText};

/// How long an unread article is marked new after it was published.
pub const NEW_FOR_MS: i64 = 30 * 86_400_000;

/// What an awareness tile lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shelf {
    /// Articles of a topic: `news`, `scam` or `skills`.
    News,
    Scam,
    Skills,
    /// Step-by-step guides.
    Guides,
}

impl Shelf {
    /// The shelf a tile's feature opens, if it is an awareness tile.
    pub fn for_feature(feature: Feature) -> Option<Shelf> {
        match feature {
            Feature::News => Some(Shelf::News),
            Feature::ScamWarnings => Some(Shelf::Scam),
            Feature::DigitalSkills => Some(Shelf::Skills),
            Feature::Guides => Some(Shelf::Guides),
            _ => None,
        }
    }

    /// The articles' `topic` this shelf holds (guides have none).
    pub fn topic(self) -> Option<&'static str> {
        match self {
            Shelf::News => Some("news"),
            Shelf::Scam => Some("scam"),
            Shelf::Skills => Some("skills"),
            Shelf::Guides => None,
        }
    }
}

/// One entry of a shelf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelfItem {
    pub id: String,
    pub title: LocalizedText,
    pub summary: LocalizedText,
    /// ISO 8601 date; empty for guides.
    pub published: String,
    /// Guides: how many steps, and the task an assisted session records.
    pub steps: u32,
    #[serde(default)]
    pub task: String,
    /// Not opened yet and published recently.
    pub new: bool,
}

/// A shelf as the device holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShelfPage {
    pub items: Vec<ShelfItem>,
    /// When the list was last pulled; `None` before the first sync.
    pub fetched_at_ms: Option<i64>,
}

/// Whether an item is new: never opened, and published within
/// [`NEW_FOR_MS`] (an item without a date is new until opened).
pub fn is_new(published_ms: Option<i64>, opened: bool, now_ms: i64) -> bool {
    !opened && published_ms.is_none_or(|at| now_ms.saturating_sub(at) <= NEW_FOR_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_means_unopened_and_recent() {
        let now = 100 * 86_400_000;
        assert!(is_new(Some(now - 86_400_000), false, now));
        assert!(!is_new(Some(now - 86_400_000), true, now));
        assert!(!is_new(Some(now - NEW_FOR_MS - 1), false, now));
        assert!(is_new(None, false, now));
        assert_eq!(Shelf::for_feature(Feature::ScamWarnings), Some(Shelf::Scam));
        assert_eq!(Shelf::for_feature(Feature::FieldReports), None);
    }
}
