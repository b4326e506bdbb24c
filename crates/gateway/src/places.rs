//! Places nearby (`GET /api/v1/places`, with ETag, `updated_after` and
//! `category`): seeded from `seed/places.json` (real public places of Huế;
//! their coordinates are approximate and say so).

use crate::sql::{Conn, params};
use axum::{
    extract::{RawQuery, State},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use cds_provincial_api::places::Place;

use crate::{ApiFailure, AppState, content::with_etag, db::DbError, form, time};

/// The demo places of Huế.
pub const DEMO_PLACES: &[u8] = include_bytes!("../seed/places.json");

/// Reads and checks a list of places: known categories, coordinates in
/// range, unique ids, plain text.
pub fn parse(json: &[u8], now: i64) -> Result<Vec<Place>, String> {
    #[derive(serde::Deserialize)]
    struct Seeded {
        #[serde(flatten)]
        place: serde_json::Value,
    }
    let seeded: Vec<Seeded> = serde_json::from_slice(json).map_err(|err| err.to_string())?;
    let wards = crate::alerts::ward_codes();
    let mut seen = std::collections::HashSet::new();
    let mut places = Vec::new();
    for Seeded { mut place } in seeded {
        if let Some(object) = place.as_object_mut() {
            object
                .entry("updated_datetime")
                .or_insert_with(|| serde_json::Value::String(time::iso(now)));
        }
        let place: Place = serde_json::from_value(place).map_err(|err| err.to_string())?;
        let id = &place.id;
        if !cds_domain::places::CATEGORIES.contains(&place.category.as_str()) {
            return Err(format!("{id}: unknown category {}", place.category));
        }
        if !wards.contains(&place.ward) {
            return Err(format!("{id}: unknown ward {}", place.ward));
        }
        if !(8.0..24.0).contains(&place.lat) || !(102.0..110.0).contains(&place.lon) {
            return Err(format!("{id}: coordinates outside Vietnam"));
        }
        if place.name.vi.trim().is_empty() || !seen.insert(place.id.clone()) {
            return Err(format!("{id}: no name, or a repeated id"));
        }
        if let Some(phone) = &place.phone
            && cds_domain::places::tel_link(phone).is_none()
        {
            return Err(format!("{id}: phone {phone:?} is not a phone number"));
        }
        places.push(place);
    }
    Ok(places)
}

/// Stores places (replacing those with the same id).
pub fn store(conn: &Conn, places: &[Place], now: i64) -> Result<(), DbError> {
    let mut statement = conn.prepare(
        "INSERT INTO places (id, category, body, updated_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET category = excluded.category, body = excluded.body,
             updated_ms = excluded.updated_ms",
    )?;
    for place in places {
        let updated = time::parse(&place.updated_datetime).unwrap_or(now);
        statement.execute(params![
            place.id,
            place.category,
            serde_json::to_string(place)?,
            updated
        ])?;
    }
    Ok(())
}

/// Seeds the demo places.
pub fn seed_demo(conn: &Conn, now: i64) -> Result<(), DbError> {
    let places = parse(DEMO_PLACES, now).map_err(DbError::Demo)?;
    store(conn, &places, now)?;
    log::info!("seeded {} places", places.len());
    Ok(())
}

/// `GET /api/v1/places`: every place, or those of `category` (repeatable).
#[utoipa::path(get, path = "/api/v1/places", tag = "places",
    params(("updated_after" = Option<String>, Query), ("category" = Option<String>, Query, description = "hospital, health_station, pharmacy, school, one_stop, market, shelter, station, tourist_site"),
           ("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = [Place]), (status = 304), (status = 400, body = [cds_provincial_api::ApiError])))]
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiFailure> {
    let pairs = form::query(raw.as_deref())?;
    let after = form::updated_after(&pairs)?;
    let categories: Vec<String> = pairs
        .into_iter()
        .filter(|(key, _)| key == "category")
        .flat_map(|(_, value)| {
            value
                .split(',')
                .map(|c| c.trim().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    if let Some(unknown) = categories
        .iter()
        .find(|c| !cds_domain::places::CATEGORIES.contains(&c.as_str()))
    {
        return Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            format!(
                "category: {:?} is not one of {}",
                unknown.chars().take(40).collect::<String>(),
                cds_domain::places::CATEGORIES.join(", ")
            ),
        ));
    }
    let bodies: Vec<(String, String)> = state
        .db
        .read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT category, body FROM places WHERE updated_ms > ?1 ORDER BY updated_ms, id",
            )?;
            let rows = statement.query_map([after], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect()
        })
        .await?;
    let mut body = b"[".to_vec();
    for (_, place) in bodies
        .iter()
        .filter(|(category, _)| categories.is_empty() || categories.contains(category))
    {
        if body.len() > 1 {
            body.push(b',');
        }
        body.extend_from_slice(place.as_bytes());
    }
    body.push(b']');
    Ok(with_etag(&headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_places_are_over_a_hundred_real_places_in_every_category() {
        let places = parse(DEMO_PLACES, 0).expect("valid demo places");
        assert!(places.len() >= 100, "{}", places.len());
        for category in cds_domain::places::CATEGORIES {
            assert!(places.iter().any(|p| p.category == *category), "{category}");
        }
        assert!(
            places.iter().all(|p| p.approximate),
            "coordinates are derived"
        );
        assert!(parse(br#"[{"id":"x","category":"casino","name":{"vi":"X","en":"X"},"address":"","ward":"19753","lat":16.4,"lon":107.5}]"#, 0).is_err());
        assert!(parse(br#"[{"id":"x","category":"market","name":{"vi":"X","en":"X"},"address":"","ward":"1","lat":16.4,"lon":107.5}]"#, 0).is_err());
    }
}
