//! OCOP products and traceability: the catalogue searched offline, a label
//! photo read on the device, a product traced by its code.

use serde::{Deserialize, Serialize};

use cds_domain::dossier::{Held, SlipScan};
use cds_provincial_api::products::{Product, TraceRecord};

use crate::{Command, Empty};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[LoadProducts::NAME, ScanLabel::NAME, TraceProduct::NAME];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductsRequest {
    /// Words to find, accents and case ignored; empty for all.
    pub query: String,
}
command!(
    /// The province's OCOP products (offline, as last pulled).
    LoadProducts, "load_products", ProductsRequest, Vec<Product>
);
command!(
    /// Reads a product's code from a photo of its label (QR code or EAN-13),
    /// on the device. Raw body: the photo's bytes.
    ScanLabel, "scan_label", Empty, SlipScan
);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TraceRequest {
    /// As typed or read: a GTIN, a GS1 Digital Link, the province's link.
    pub code: String,
}
command!(
    /// The product, its batch and supply chain; `NotFound` when the province
    /// has no such product; offline, the last answer with its age.
    TraceProduct, "trace_product", TraceRequest, Held<TraceRecord>
);
