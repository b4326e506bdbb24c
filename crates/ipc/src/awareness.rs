//! The awareness block: shelves of news, scam warnings, lessons and guides,
//! and one article or guide.

use serde::{Deserialize, Serialize};

use crate::{Article, ById, Command, Shelf, ShelfPage};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[LoadShelf::NAME, OpenArticle::NAME];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShelfRequest {
    pub shelf: Shelf,
    /// Words to look for (accents and case ignored); empty for all.
    #[serde(default)]
    pub query: String,
}
command!(
    /// A shelf as the device holds it (offline from the last sync).
    LoadShelf, "load_shelf", ShelfRequest, ShelfPage
);

command!(
    /// An article or guide; it is no longer new.
    OpenArticle, "open_article", ById, Article
);
