//! What the home screen shows: the catalogue, where it came from, and whether the
//! province's API could be reached.

use serde::{Deserialize, Serialize};

use crate::{Catalogue, Lang};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeScreen {
    pub language: Lang,
    pub catalogue: Catalogue,
    pub source: CatalogueSource,
    pub connectivity: Connectivity,
}

/// Where the catalogue on screen came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CatalogueSource {
    /// Stored on the device from the province's API; `fetched_at_ms` is Unix time.
    Cache { fetched_at_ms: i64 },
    /// The default shipped inside the app: the API has never been reached.
    Bundled,
}

/// The outcome of the last attempt to reach the province's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connectivity {
    /// Not tried yet in this run of the app.
    Checking,
    /// Reached, and the catalogue on screen is the latest.
    Online,
    /// Not reachable (no network, server down, timeout).
    Offline,
    /// Reached, but its answer was refused (logged); the stored catalogue stays.
    ServerProblem,
}
