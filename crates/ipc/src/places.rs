//! Places nearby (health, schools, one-stop offices, markets, pharmacies,
//! shelters, stations, tourist sites) and the province's articles of a field.

use serde::{Deserialize, Serialize};

use cds_domain::places::{Near, PlacesQuery};
use cds_provincial_api::{content::Article, places::Place};

use crate::Command;

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[LoadPlaces::NAME, LoadFieldArticles::NAME];

command!(
    /// Places of the categories asked for, nearest first (offline, as last pulled).
    LoadPlaces, "load_places", PlacesQuery, Vec<Near<Place>>
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FieldRequest {
    /// `health`, `education`, `tourism`, `transport`, `services`, `bills`.
    pub field: String,
}
command!(
    /// The province's articles and guides of a field.
    LoadFieldArticles, "load_field_articles", FieldRequest, Vec<Article>
);
