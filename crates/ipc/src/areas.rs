//! The province's areas: the offline map and where a point falls.

use serde::{Deserialize, Serialize};

use crate::{Area, Command, Empty, Placement};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[LoadAreas::NAME, Locate::NAME];

/// The province's areas for the map: outline and wards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreasView {
    pub province: Area,
    pub wards: Vec<Area>,
}
command!(LoadAreas, "load_areas", Empty, AreasView);

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}
command!(
    /// Where a point falls: ward, inside the province, distance to a boundary.
    Locate, "locate", Point, Placement
);
