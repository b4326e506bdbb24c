//! The province's areas (province outline and wards) as GeoJSON, with ETag.
//!
//! No openly licensed polygons of Huế's 2025 wards exist, so the demo serves
//! areas derived from the 40 ward centre points (`assets/geo/hue-wards.csv`,
//! CC-BY-4.0): the province outline is the convex hull of the centres grown by
//! [`OUTLINE_MARGIN_M`], and each ward is the Voronoi cell of its centre inside
//! it. Every area is marked `approximate`; a province serves official ones.

use axum::{http::HeaderMap, response::Response};
use cds_domain::{
    LocalizedText,
    geo::{Area, Areas, Point, derive},
};

/// The ward centres the demo areas are derived from.
pub const WARD_CENTRES_CSV: &str = include_str!("../../../assets/geo/hue-wards.csv");
/// The derived areas, as committed (`cds-gateway derive-areas` writes them).
pub const BUNDLED_GEOJSON: &str = include_str!("../../../assets/geo/hue-areas.geojson");
/// How far the approximate outline reaches beyond the outermost ward centres.
pub const OUTLINE_MARGIN_M: f64 = 9_000.0;

/// Derives approximate areas from a CSV of ward centres with the columns
/// `id,name.local,name.en,name.slug,code.id,geo.lat,geo.lon`.
pub fn derive_from_csv(csv: &str) -> Result<Areas, String> {
    let mut wards = Vec::new();
    for (n, line) in csv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let [_, name_vi, name_en, _, code, lat, lon] = cells[..] else {
            return Err(format!("line {}: expected 7 columns", n + 1));
        };
        let parse = |v: &str| {
            v.parse::<f64>()
                .map_err(|err| format!("line {}: {v}: {err}", n + 1))
        };
        wards.push((code, name_vi, name_en, [parse(lon)?, parse(lat)?]));
    }
    if wards.len() < 2 {
        return Err("fewer than two ward centres".into());
    }
    let centres: Vec<Point> = wards.iter().map(|w| w.3).collect();
    let outline = round(derive::buffered_hull(&centres, OUTLINE_MARGIN_M));
    let cells = derive::voronoi_cells(&outline, &centres);
    let ring = |mut points: Vec<Point>| {
        points = round(points);
        if let Some(first) = points.first().copied() {
            points.push(first);
        }
        vec![vec![points]]
    };
    let province = Area {
        code: "46".into(),
        name: LocalizedText {
            vi: "Thành phố Huế".into(),
            en: "Huế City".into(),
        },
        approximate: true,
        polygons: ring(outline.clone()),
    };
    let wards = wards
        .iter()
        .zip(cells)
        .map(|((code, vi, en, _), cell)| Area {
            code: (*code).to_owned(),
            name: LocalizedText {
                vi: (*vi).to_owned(),
                en: (*en).to_owned(),
            },
            approximate: true,
            polygons: ring(cell),
        })
        .collect();
    Ok(Areas::new(province, wards))
}

static AREAS: std::sync::LazyLock<Option<Areas>> =
    std::sync::LazyLock::new(|| Areas::from_geojson(BUNDLED_GEOJSON).ok());

/// The served areas, parsed once.
pub fn served() -> Option<&'static Areas> {
    AREAS.as_ref()
}

/// The ward (code and name) of the served areas that `(lat, lon)` falls in.
pub fn ward_at(lat: f64, lon: f64) -> Option<(String, LocalizedText)> {
    AREAS.as_ref()?.locate(lat, lon)?.ward
}

/// The wards of the served areas: code and name, in the file's order.
pub fn wards() -> Vec<(String, LocalizedText)> {
    AREAS
        .as_ref()
        .map(|areas| {
            areas
                .wards
                .iter()
                .map(|w| (w.code.clone(), w.name.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Six decimals (about 0.1 m): a smaller file, and the same bytes on every machine.
fn round(points: Vec<Point>) -> Vec<Point> {
    points
        .into_iter()
        .map(|p| p.map(|v| (v * 1e6).round() / 1e6))
        .collect()
}

/// `GET /api/v1/areas`: the province outline and its wards as GeoJSON.
#[utoipa::path(get, path = "/api/v1/areas", tag = "content",
    params(("If-None-Match" = Option<String>, Header)),
    responses((status = 200, description = "GeoJSON FeatureCollection: one feature of kind `province`, one per `ward`; properties code, name_vi, name_en, approximate"), (status = 304)))]
pub async fn get_areas(headers: HeaderMap) -> Response {
    crate::content::with_etag(&headers, BUNDLED_GEOJSON.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_areas_are_derived_from_the_committed_centres() {
        let derived = derive_from_csv(WARD_CENTRES_CSV).unwrap().to_geojson();
        assert!(
            derived == BUNDLED_GEOJSON.trim_end(),
            "assets/geo/hue-areas.geojson is stale: run `cargo run -p cds-gateway -- derive-areas > assets/geo/hue-areas.geojson`"
        );
    }

    #[test]
    fn every_centre_is_in_its_own_ward_and_places_are_where_they_are() {
        let areas = Areas::from_geojson(BUNDLED_GEOJSON).unwrap();
        assert_eq!(areas.wards.len(), 40);
        for ward in &areas.wards {
            let centre = WARD_CENTRES_CSV
                .lines()
                .find(|line| line.split(',').nth(4) == Some(ward.code.as_str()))
                .unwrap();
            let cells: Vec<f64> = centre
                .split(',')
                .skip(5)
                .map(|v| v.parse().unwrap())
                .collect();
            let placed = areas.locate(cells[0], cells[1]).unwrap();
            assert!(placed.inside_province);
            assert_eq!(placed.ward.unwrap().0, ward.code);
        }
        // The Imperial City lies in Phú Xuân; Đà Nẵng and Hà Nội are outside.
        let citadel = areas.locate(16.4698, 107.5786).unwrap();
        assert_eq!(citadel.ward.unwrap().1.vi, "Phú Xuân");
        assert!(citadel.approximate);
        for (lat, lon) in [(16.0544, 108.2022), (21.0285, 105.8542)] {
            let outside = areas.locate(lat, lon).unwrap();
            assert!(!outside.inside_province && outside.ward.is_none());
        }
    }
}
