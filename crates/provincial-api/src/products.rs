//! The province's OCOP products (`GET /api/v1/products`) and their
//! traceability records (`GET /api/v1/trace/{gtin}?lot=`).

use cds_domain::LocalizedText;
use serde::{Deserialize, Serialize};

/// A product of the One Commune One Product programme (OCOP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    pub id: String,
    /// Its barcode's GTIN (13 digits).
    pub gtin: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub name: LocalizedText,
    /// `food`, `drink`, `herbal`, `handicraft`, `fabric`, `tourism`.
    pub category: String,
    /// OCOP stars (3–5).
    pub stars: u8,
    pub producer: String,
    /// The producer's ward code.
    pub ward: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub description: LocalizedText,
    /// Where to buy it.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub where_to_buy: Vec<LocalizedText>,
    /// The producer's shop page, if any (opened only on an allowed host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop_url: Option<String>,
    /// `OCOP 4*`, `VietGAP`, …
    #[serde(default)]
    pub certifications: Vec<String>,
    /// A photo served by the gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_url: Option<String>,
    pub updated_datetime: String,
}

/// What the province knows of a product and, if asked, one of its batches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TraceRecord {
    pub product: Product,
    /// The batch asked for, else the latest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Batch>,
    /// Every batch's lot, newest first.
    pub lots: Vec<String>,
}

/// One batch (lô) and its way from the farm to the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Batch {
    pub lot: String,
    /// ISO 8601 dates.
    pub produced_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
    pub steps: Vec<SupplyStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplyStep {
    /// `grown`, `harvested`, `processed`, `packed`, `inspected`, `shipped`, `sold`.
    pub stage: String,
    pub actor: String,
    pub place: String,
    pub date: String,
}
