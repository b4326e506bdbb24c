//! OCOP products (`GET /api/v1/products`, with ETag and `updated_after`)
//! and their traceability (`GET /api/v1/trace/{gtin}?lot=`): the product,
//! one batch and its supply-chain steps. Seeded from `seed/products.json`
//! and `seed/trace.json`.

use crate::sql::{Conn, Optional, params};
use axum::{
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use cds_provincial_api::products::{Batch, Product, SupplyStep, TraceRecord};
use serde::Deserialize;

use crate::{ApiFailure, AppState, content::with_etag, db::DbError, form, time};

pub const DEMO_PRODUCTS: &[u8] = include_bytes!("../seed/products.json");
pub const DEMO_TRACE: &[u8] = include_bytes!("../seed/trace.json");

const DAY: i64 = 86_400_000;

/// Reads and checks the product list: valid GTINs, stars 3–5, known wards.
pub fn parse_products(json: &[u8], now: i64) -> Result<Vec<Product>, String> {
    let values: Vec<serde_json::Value> =
        serde_json::from_slice(json).map_err(|err| err.to_string())?;
    let wards = crate::alerts::ward_codes();
    let mut gtins = std::collections::HashSet::new();
    let mut products = Vec::new();
    for mut value in values {
        if let Some(object) = value.as_object_mut() {
            object
                .entry("updated_datetime")
                .or_insert_with(|| serde_json::Value::String(time::iso(now)));
        }
        let product: Product = serde_json::from_value(value).map_err(|err| err.to_string())?;
        let id = &product.id;
        if cds_domain::trace::gtin(&product.gtin).as_deref() != Some(product.gtin.as_str()) {
            return Err(format!("{id}: {} is not a GTIN-13", product.gtin));
        }
        if !gtins.insert(product.gtin.clone()) {
            return Err(format!("{id}: repeated GTIN"));
        }
        if !(3..=5).contains(&product.stars) {
            return Err(format!("{id}: OCOP stars are 3 to 5"));
        }
        if !wards.contains(&product.ward) {
            return Err(format!("{id}: unknown ward {}", product.ward));
        }
        if product
            .shop_url
            .as_deref()
            .is_some_and(|url| !url.starts_with("https://"))
        {
            return Err(format!("{id}: shop_url must be https"));
        }
        products.push(product);
    }
    Ok(products)
}

/// A seeded product's batches: days relative to the seeding.
#[derive(Deserialize)]
struct DemoTrace {
    gtin: String,
    batches: Vec<DemoBatch>,
}

#[derive(Deserialize)]
struct DemoBatch {
    lot: String,
    produced_day: i64,
    expiry_days: Option<i64>,
    steps: Vec<DemoStep>,
}

#[derive(Deserialize)]
struct DemoStep {
    stage: String,
    actor: String,
    place: String,
    day: i64,
}

/// The colour of a product's card, by category.
fn card_colour(category: &str) -> [u8; 3] {
    match category {
        "food" => [21, 128, 61],
        "drink" => [30, 64, 175],
        "herbal" => [101, 163, 13],
        "handicraft" => [146, 64, 14],
        _ => [126, 34, 206],
    }
}

/// Seeds the demo products (each with a drawn card standing for its photo,
/// served like any photo) and their batches.
pub fn seed_demo(
    conn: &Conn,
    media: &crate::media_store::MediaStore,
    now: i64,
) -> Result<(), DbError> {
    let mut products = parse_products(DEMO_PRODUCTS, now).map_err(DbError::Demo)?;
    for (i, product) in products.iter_mut().enumerate() {
        let png =
            crate::illustration::step_card(i % 9 + 1, card_colour(&product.category), 320, 240);
        let sniffed = crate::media::sniff(&png).map_err(|err| DbError::Worker(err.to_string()))?;
        product.photo_url = Some(format!("/media/{}", media.store(conn, &png, sniffed)?));
    }
    for product in &products {
        conn.execute(
            "INSERT INTO products (id, gtin, body, updated_ms) VALUES (?1, ?2, ?3, ?4)",
            params![
                product.id,
                product.gtin,
                serde_json::to_string(product)?,
                now
            ],
        )?;
    }
    let trace: Vec<DemoTrace> =
        serde_json::from_slice(DEMO_TRACE).map_err(|err| DbError::Demo(err.to_string()))?;
    for record in trace {
        if !products.iter().any(|p| p.gtin == record.gtin) {
            return Err(DbError::Demo(format!(
                "trace of unknown GTIN {}",
                record.gtin
            )));
        }
        for batch in record.batches {
            let produced = now + batch.produced_day * DAY;
            let stored = Batch {
                lot: batch.lot.clone(),
                produced_date: time::date(produced),
                expiry_date: batch
                    .expiry_days
                    .map(|days| time::date(produced + days * DAY)),
                steps: batch
                    .steps
                    .into_iter()
                    .map(|step| SupplyStep {
                        stage: step.stage,
                        actor: step.actor,
                        place: step.place,
                        date: time::date(now + step.day * DAY),
                    })
                    .collect(),
            };
            conn.execute(
                "INSERT INTO trace_batches (gtin, lot, body, produced_ms) VALUES (?1, ?2, ?3, ?4)",
                params![
                    record.gtin,
                    batch.lot,
                    serde_json::to_string(&stored)?,
                    produced
                ],
            )?;
        }
    }
    log::info!("seeded {} OCOP products", products.len());
    Ok(())
}

/// A photo's URL as clients fetch it (the gateway's public address).
fn absolute(state: &AppState, product: &mut Product) {
    if let Some(url) = product.photo_url.as_mut().filter(|u| u.starts_with('/')) {
        *url = format!("{}{url}", state.public_url);
    }
}

/// `GET /api/v1/products`: the province's OCOP products.
#[utoipa::path(get, path = "/api/v1/products", tag = "products",
    params(("updated_after" = Option<String>, Query), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = [Product]), (status = 304), (status = 400, body = [cds_provincial_api::ApiError])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiFailure> {
    let after = form::updated_after(&form::query(raw.as_deref())?)?;
    let bodies: Vec<String> = state
        .db
        .read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT body FROM products WHERE updated_ms > ?1 ORDER BY updated_ms, id",
            )?;
            let rows = statement.query_map([after], |row| row.get(0))?;
            rows.collect()
        })
        .await?;
    let mut products: Vec<Product> = bodies
        .iter()
        .filter_map(|b| serde_json::from_str(b).ok())
        .collect();
    for product in &mut products {
        absolute(&state, product);
    }
    let body = serde_json::to_vec(&products)
        .map_err(|err| ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(with_etag(&headers, body))
}

/// `GET /api/v1/trace/{gtin}?lot=`: a product registered with the province,
/// the batch asked for (else the latest) and every lot.
#[utoipa::path(get, path = "/api/v1/trace/{gtin}", tag = "products",
    params(("gtin" = String, Path, description = "8, 12, 13 or 14 digits with a valid check digit"),
           ("lot" = Option<String>, Query), ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = TraceRecord), (status = 304),
              (status = 400, body = [cds_provincial_api::ApiError], description = "Not a GTIN"),
              (status = 404, body = [cds_provincial_api::ApiError], description = "Not registered with the province, or no such lot")))]
pub async fn trace(
    State(state): State<AppState>,
    Path(gtin): Path<String>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiFailure> {
    let gtin = cds_domain::trace::gtin(gtin.trim()).ok_or_else(|| {
        ApiFailure::new(
            StatusCode::BAD_REQUEST,
            "gtin: 8, 12, 13 or 14 digits with a valid check digit",
        )
    })?;
    let lot = form::query(raw.as_deref())?
        .into_iter()
        .find(|(key, _)| key == "lot")
        .map(|(_, value)| value.trim().to_owned())
        .filter(|lot| !lot.is_empty());
    if let Some(lot) = &lot {
        form::check_text("lot", lot, 20, false)?;
    }
    let record = state
        .db
        .call_with(move |conn| {
            let product: Option<String> = conn
                .query_row("SELECT body FROM products WHERE gtin = ?1", [&gtin], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(DbError::from)?;
            let product: Product = product
                .and_then(|body| serde_json::from_str(&body).ok())
                .ok_or_else(|| {
                    ApiFailure::new(
                        StatusCode::NOT_FOUND,
                        "no product with that code is registered with the province",
                    )
                })?;
            let mut statement = conn
                .prepare_cached(
                    "SELECT lot, body FROM trace_batches WHERE gtin = ?1 ORDER BY produced_ms DESC, lot",
                )
                .map_err(DbError::from)?;
            let batches: Vec<(String, String)> = statement
                .query_map([&gtin], |row| Ok((row.get(0)?, row.get(1)?)))
                .and_then(Iterator::collect)
                .map_err(DbError::from)?;
            let batch = match &lot {
                Some(lot) => Some(
                    batches
                        .iter()
                        .find(|(l, _)| l == lot)
                        .ok_or_else(|| {
                            ApiFailure::new(StatusCode::NOT_FOUND, "no batch with that lot")
                        })?
                        .1
                        .clone(),
                ),
                None => batches.first().map(|(_, body)| body.clone()),
            };
            Ok(TraceRecord {
                product,
                batch: batch.and_then(|body| serde_json::from_str(&body).ok()),
                lots: batches.into_iter().map(|(lot, _)| lot).collect(),
            })
        })
        .await?;
    let mut record = record;
    absolute(&state, &mut record.product);
    let body = serde_json::to_vec(&record)
        .map_err(|err| ApiFailure::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    Ok(with_etag(&headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_products_are_dozens_with_valid_gtins() {
        let products = parse_products(DEMO_PRODUCTS, 0).expect("valid demo products");
        assert!(products.len() >= 24, "{}", products.len());
        let bad = br#"[{"id":"x","gtin":"8938520000015","name":{"vi":"X","en":"X"},"category":"food","stars":4,"producer":"P","ward":"19753","description":{"vi":"","en":""},"where_to_buy":[]}]"#;
        assert!(parse_products(bad, 0).is_err(), "wrong check digit");
    }
}
