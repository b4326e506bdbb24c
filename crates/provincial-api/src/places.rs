//! Places nearby (`GET /api/v1/places`): health stations and hospitals,
//! schools, one-stop offices, markets, pharmacies, flood shelters, bus
//! stations, tourist sites.

use cds_domain::LocalizedText;
use serde::{Deserialize, Serialize};

/// A public place with where it is and how to reach it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    pub id: String,
    /// One of `cds_domain::places::CATEGORIES`.
    pub category: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub name: LocalizedText,
    pub address: String,
    /// The ward's code.
    pub ward: String,
    pub lat: f64,
    pub lon: f64,
    /// Whether the coordinates were derived (from the address or the
    /// ward's centre) rather than surveyed.
    #[serde(default)]
    pub approximate: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `24/7` or `Mo-Fr 07:00-17:00; Sa 07:00-11:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening_hours: Option<String>,
    pub updated_datetime: String,
}
