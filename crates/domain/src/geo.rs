//! Areas (the province and its wards) as polygons read from GeoJSON, and where
//! a point falls: the ward that contains it (R-tree over bounding boxes, then
//! exact point-in-polygon), whether it is inside the province, and how far the
//! nearest boundary is.
//!
//! Coordinates are `[lon, lat]` in degrees, as in GeoJSON. Distances use a
//! local equirectangular projection around the point: exact to well under 1%
//! at the scale of a province.

use rstar::{
    RTree,
    primitives::{GeomWithData, Rectangle},
};
use serde::{Deserialize, Serialize};

use crate::LocalizedText;

/// A point `[lon, lat]`.
pub type Point = [f64; 2];
/// A closed ring (first point repeated last, or not: both are accepted).
pub type Ring = Vec<Point>;
/// An outer ring followed by its holes.
pub type Polygon = Vec<Ring>;

/// Limits on an areas document (it comes from a server).
pub const MAX_AREAS: usize = 20_000;
pub const MAX_VERTICES: usize = 4_000_000;

const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// One area: the province or a ward.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub code: String,
    pub name: LocalizedText,
    /// Drawn from centre points, not official boundaries: say so to the user.
    pub approximate: bool,
    pub polygons: Vec<Polygon>,
}

impl Area {
    /// Whether `point` lies inside (even-odd rule over every ring).
    pub fn contains(&self, point: Point) -> bool {
        self.polygons.iter().any(|polygon| {
            polygon
                .iter()
                .filter(|ring| ring_contains(ring, point))
                .count()
                % 2
                == 1
        })
    }

    /// The distance in metres from `point` to the nearest edge of this area.
    pub fn boundary_distance_m(&self, point: Point) -> f64 {
        let (kx, ky) = metres_per_degree(point[1]);
        let mut best = f64::INFINITY;
        for ring in self.polygons.iter().flatten() {
            for pair in ring.windows(2) {
                best = best.min(segment_distance(point, pair[0], pair[1], kx, ky));
            }
            if let (Some(first), Some(last)) = (ring.first(), ring.last())
                && first != last
            {
                best = best.min(segment_distance(point, *last, *first, kx, ky));
            }
        }
        best
    }

    /// The bounding box `[min, max]`.
    pub fn bounds(&self) -> [Point; 2] {
        let mut min = [f64::INFINITY; 2];
        let mut max = [f64::NEG_INFINITY; 2];
        for p in self.polygons.iter().flatten().flatten() {
            for axis in 0..2 {
                min[axis] = min[axis].min(p[axis]);
                max[axis] = max[axis].max(p[axis]);
            }
        }
        [min, max]
    }
}

/// Where a point falls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// The ward containing the point (code and name), if any.
    pub ward: Option<(String, LocalizedText)>,
    pub inside_province: bool,
    /// Metres to the nearest boundary: of the ward if in one, else of the province.
    pub boundary_distance_m: f64,
    /// The areas are approximate (derived, not official).
    pub approximate: bool,
}

/// Why an areas document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AreasError {
    #[error("not a GeoJSON FeatureCollection: {0}")]
    NotGeoJson(String),
    #[error("feature {0}: {1}")]
    BadFeature(usize, String),
    #[error("no province area")]
    NoProvince,
    #[error("too large: more than {MAX_AREAS} areas or {MAX_VERTICES} vertices")]
    TooLarge,
}

/// The province and its wards, indexed for lookups.
#[derive(Debug, Clone)]
pub struct Areas {
    pub province: Area,
    pub wards: Vec<Area>,
    index: RTree<GeomWithData<Rectangle<Point>, usize>>,
}

impl Areas {
    pub fn new(province: Area, wards: Vec<Area>) -> Areas {
        let boxes = wards
            .iter()
            .enumerate()
            .map(|(i, ward)| {
                let [min, max] = ward.bounds();
                GeomWithData::new(Rectangle::from_corners(min, max), i)
            })
            .collect();
        Areas {
            province,
            wards,
            index: RTree::bulk_load(boxes),
        }
    }

    /// Reads a GeoJSON FeatureCollection whose features carry the properties
    /// `kind` (`province` or `ward`), `code`, `name_vi`, `name_en` and
    /// optionally `approximate`, with Polygon or MultiPolygon geometry.
    pub fn from_geojson(text: &str) -> Result<Areas, AreasError> {
        let doc: GeoJson =
            serde_json::from_str(text).map_err(|err| AreasError::NotGeoJson(err.to_string()))?;
        if doc.kind != "FeatureCollection" {
            return Err(AreasError::NotGeoJson(doc.kind));
        }
        if doc.features.len() > MAX_AREAS {
            return Err(AreasError::TooLarge);
        }
        let mut vertices = 0usize;
        let mut province = None;
        let mut wards = Vec::new();
        for (i, feature) in doc.features.into_iter().enumerate() {
            let bad = |why: &str| AreasError::BadFeature(i, why.to_owned());
            let polygons = match feature.geometry {
                Geometry::Polygon { coordinates } => vec![coordinates],
                Geometry::MultiPolygon { coordinates } => coordinates,
            };
            for ring in polygons.iter().flatten() {
                vertices += ring.len();
                if ring.len() < 3 {
                    return Err(bad("a ring has fewer than 3 points"));
                }
                if !ring.iter().all(|p| valid_point(*p)) {
                    return Err(bad("a coordinate is not a longitude/latitude"));
                }
            }
            if vertices > MAX_VERTICES {
                return Err(AreasError::TooLarge);
            }
            if polygons.is_empty() {
                return Err(bad("no polygon"));
            }
            let props = feature.properties;
            if props.code.trim().is_empty() || props.name_vi.trim().is_empty() {
                return Err(bad("no code or name"));
            }
            let area = Area {
                code: props.code,
                name: LocalizedText {
                    vi: props.name_vi,
                    en: props.name_en,
                },
                approximate: props.approximate,
                polygons,
            };
            match props.kind.as_str() {
                "province" if province.is_none() => province = Some(area),
                "province" => return Err(bad("a second province")),
                "ward" => wards.push(area),
                _ => return Err(bad("kind is neither province nor ward")),
            }
        }
        let province = province.ok_or(AreasError::NoProvince)?;
        Ok(Areas::new(province, wards))
    }

    /// Writes the areas as GeoJSON (the form [`Areas::from_geojson`] reads).
    pub fn to_geojson(&self) -> String {
        let feature = |kind: &str, area: &Area| {
            serde_json::json!({
                "type": "Feature",
                "properties": {
                    "kind": kind,
                    "code": area.code,
                    "name_vi": area.name.vi,
                    "name_en": area.name.en,
                    "approximate": area.approximate,
                },
                "geometry": {"type": "MultiPolygon", "coordinates": area.polygons},
            })
        };
        let features: Vec<_> = std::iter::once(feature("province", &self.province))
            .chain(self.wards.iter().map(|ward| feature("ward", ward)))
            .collect();
        serde_json::to_string(&serde_json::json!({
            "type": "FeatureCollection",
            "features": features,
        }))
        .unwrap_or_default()
    }

    /// The ward containing `point`, by index.
    pub fn ward_at(&self, point: Point) -> Option<usize> {
        self.index
            .locate_all_at_point(point)
            .map(|candidate| candidate.data)
            .find(|&i| self.wards[i].contains(point))
    }

    /// The same answer as [`Areas::ward_at`] by testing every ward (the
    /// baseline the benchmark compares the index with).
    pub fn ward_at_by_scan(&self, point: Point) -> Option<usize> {
        self.wards.iter().position(|ward| ward.contains(point))
    }

    /// Where `(lat, lon)` falls; `None` for a point that is not a coordinate.
    pub fn locate(&self, lat: f64, lon: f64) -> Option<Placement> {
        let point = [lon, lat];
        if !valid_point(point) {
            return None;
        }
        let inside_province = self.province.contains(point);
        let ward = self.ward_at(point).map(|i| &self.wards[i]);
        let boundary_distance_m = match ward {
            Some(ward) => ward.boundary_distance_m(point),
            None => self.province.boundary_distance_m(point),
        };
        Some(Placement {
            ward: ward.map(|w| (w.code.clone(), w.name.clone())),
            inside_province,
            boundary_distance_m,
            approximate: self.province.approximate || ward.is_some_and(|w| w.approximate),
        })
    }
}

fn valid_point(p: Point) -> bool {
    p[0].is_finite()
        && p[1].is_finite()
        && (-180.0..=180.0).contains(&p[0])
        && (-90.0..=90.0).contains(&p[1])
}

/// Even-odd crossing test of one ring.
fn ring_contains(ring: &[Point], p: Point) -> bool {
    let mut inside = false;
    let n = ring.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0];
            if p[0] < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// Metres per degree of longitude and latitude at `lat`.
pub fn metres_per_degree(lat: f64) -> (f64, f64) {
    let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    (ky * lat.to_radians().cos(), ky)
}

fn segment_distance(p: Point, a: Point, b: Point, kx: f64, ky: f64) -> f64 {
    let (ax, ay) = ((a[0] - p[0]) * kx, (a[1] - p[1]) * ky);
    let (bx, by) = ((b[0] - p[0]) * kx, (b[1] - p[1]) * ky);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (x, y) = (ax + t * dx, ay + t * dy);
    (x * x + y * y).sqrt()
}

/// Great-circle distance in metres.
pub fn distance_m(a: Point, b: Point) -> f64 {
    let (lat1, lat2) = (a[1].to_radians(), b[1].to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b[0] - a[0]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

#[derive(Deserialize)]
struct GeoJson {
    #[serde(rename = "type")]
    kind: String,
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: Properties,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Properties {
    kind: String,
    code: String,
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    approximate: bool,
}

#[derive(Deserialize)]
#[serde(tag = "type")]
enum Geometry {
    Polygon { coordinates: Polygon },
    MultiPolygon { coordinates: Vec<Polygon> },
}

/// Approximate areas from centre points: Voronoi cells of the points, clipped
/// to a convex outline. For provinces whose official boundaries are not
/// published openly; the API replaces them with official ones.
pub mod derive {
    use super::{Point, metres_per_degree};

    /// The convex hull (counter-clockwise, not closed) of `points`.
    pub fn convex_hull(points: &[Point]) -> Vec<Point> {
        let mut pts: Vec<Point> = points.to_vec();
        pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        pts.dedup();
        if pts.len() < 3 {
            return pts;
        }
        let cross = |o: Point, a: Point, b: Point| {
            (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
        };
        let mut hull: Vec<Point> = Vec::with_capacity(pts.len() * 2);
        for pass in 0..2 {
            let start = hull.len();
            let iter: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
                Box::new(pts.iter())
            } else {
                Box::new(pts.iter().rev())
            };
            for &p in iter {
                while hull.len() >= start + 2
                    && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
                {
                    hull.pop();
                }
                hull.push(p);
            }
            hull.pop();
        }
        hull
    }

    /// The convex hull of `points` grown outward by `margin_m` metres
    /// (each point replaced by a 24-sided circle around it).
    pub fn buffered_hull(points: &[Point], margin_m: f64) -> Vec<Point> {
        let mut around = Vec::with_capacity(points.len() * 24);
        for p in points {
            let (kx, ky) = metres_per_degree(p[1]);
            for step in 0..24 {
                let angle = f64::from(step) * std::f64::consts::TAU / 24.0;
                around.push([
                    p[0] + margin_m * angle.cos() / kx,
                    p[1] + margin_m * angle.sin() / ky,
                ]);
            }
        }
        convex_hull(&around)
    }

    /// The Voronoi cell of every site, clipped to the convex `outline`
    /// (counter-clockwise). Bisectors are taken in a local metric projection.
    pub fn voronoi_cells(outline: &[Point], sites: &[Point]) -> Vec<Vec<Point>> {
        let lat0 = sites.iter().map(|s| s[1]).sum::<f64>() / sites.len().max(1) as f64;
        let (kx, ky) = metres_per_degree(lat0);
        let to_xy = |p: Point| [p[0] * kx, p[1] * ky];
        let from_xy = |p: Point| [p[0] / kx, p[1] / ky];
        let outline_xy: Vec<Point> = outline.iter().map(|&p| to_xy(p)).collect();
        let sites_xy: Vec<Point> = sites.iter().map(|&p| to_xy(p)).collect();
        let dist2 = |a: Point, b: Point| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
        sites_xy
            .iter()
            .enumerate()
            .map(|(i, &site)| {
                let mut others: Vec<(f64, Point)> = sites_xy
                    .iter()
                    .enumerate()
                    .filter(|&(j, other)| j != i && *other != site)
                    .map(|(_, &other)| (dist2(site, other), other))
                    .collect();
                others.sort_by(|a, b| a.0.total_cmp(&b.0));
                let mut cell = outline_xy.clone();
                for (d2, other) in others {
                    // Sites farther than twice the cell's reach cannot cut it.
                    let reach2 = cell.iter().map(|&v| dist2(site, v)).fold(0.0_f64, f64::max);
                    if d2 > 4.0 * reach2 {
                        break;
                    }
                    cell = clip(&cell, site, other);
                    if cell.is_empty() {
                        break;
                    }
                }
                cell.into_iter().map(from_xy).collect()
            })
            .collect()
    }

    /// Keeps the part of convex polygon `cell` closer to `site` than to `other`.
    fn clip(cell: &[Point], site: Point, other: Point) -> Vec<Point> {
        let normal = [other[0] - site[0], other[1] - site[1]];
        let limit = (other[0].powi(2) + other[1].powi(2) - site[0].powi(2) - site[1].powi(2)) / 2.0;
        let side = |p: Point| p[0] * normal[0] + p[1] * normal[1] - limit;
        let mut out = Vec::with_capacity(cell.len() + 1);
        for (k, &current) in cell.iter().enumerate() {
            let previous = cell[(k + cell.len() - 1) % cell.len()];
            let (sc, sp) = (side(current), side(previous));
            if (sc <= 0.0) != (sp <= 0.0) {
                let t = sp / (sp - sc);
                out.push([
                    previous[0] + t * (current[0] - previous[0]),
                    previous[1] + t * (current[1] - previous[1]),
                ]);
            }
            if sc <= 0.0 {
                out.push(current);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(code: &str, x0: f64, y0: f64, size: f64) -> Area {
        Area {
            code: code.into(),
            name: LocalizedText {
                vi: code.into(),
                en: String::new(),
            },
            approximate: false,
            polygons: vec![vec![vec![
                [x0, y0],
                [x0 + size, y0],
                [x0 + size, y0 + size],
                [x0, y0 + size],
                [x0, y0],
            ]]],
        }
    }

    fn grid() -> Areas {
        Areas::new(
            square("P", 107.0, 16.0, 1.0),
            vec![
                square("A", 107.0, 16.0, 0.5),
                square("B", 107.5, 16.0, 0.5),
                square("C", 107.0, 16.5, 0.5),
            ],
        )
    }

    #[test]
    fn finds_the_ward_and_the_province() {
        let areas = grid();
        let at = areas.locate(16.25, 107.75).unwrap();
        assert_eq!(at.ward.unwrap().0, "B");
        assert!(at.inside_province);
        // 0.25° of latitude to the nearest edge (and 0.25° of longitude, shorter).
        let (kx, _) = metres_per_degree(16.25);
        assert!((at.boundary_distance_m - 0.25 * kx).abs() < 1.0);
        let gap = areas.locate(16.75, 107.75).unwrap();
        assert_eq!(gap.ward, None, "inside the province, in no ward");
        assert!(gap.inside_province);
        let outside = areas.locate(10.77, 106.70).unwrap();
        assert!(!outside.inside_province && outside.ward.is_none());
        assert!(outside.boundary_distance_m > 500_000.0);
    }

    #[test]
    fn refuses_points_that_are_not_coordinates() {
        let areas = grid();
        for (lat, lon) in [
            (f64::NAN, 107.0),
            (16.0, f64::INFINITY),
            (91.0, 0.0),
            (0.0, -181.0),
        ] {
            assert_eq!(areas.locate(lat, lon), None);
        }
    }

    #[test]
    fn holes_are_outside() {
        let mut area = square("H", 0.0, 0.0, 4.0);
        area.polygons[0].push(vec![[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0]]);
        assert!(area.contains([0.5, 0.5]));
        assert!(!area.contains([2.0, 2.0]));
    }

    #[test]
    fn index_and_scan_agree() {
        let areas = grid();
        for i in 0..400 {
            let p = [
                106.9 + f64::from(i % 20) * 0.06,
                15.9 + f64::from(i / 20) * 0.06,
            ];
            assert_eq!(areas.ward_at(p), areas.ward_at_by_scan(p), "{p:?}");
        }
    }

    #[test]
    fn geojson_round_trips_and_bad_documents_are_refused() {
        let areas = grid();
        let text = areas.to_geojson();
        let back = Areas::from_geojson(&text).unwrap();
        assert_eq!(back.province, areas.province);
        assert_eq!(back.wards, areas.wards);
        for bad in [
            "",
            "<html>",
            r#"{"type":"Feature"}"#,
            r#"{"type":"FeatureCollection","features":[]}"#,
            r#"{"type":"FeatureCollection","features":[{"properties":{"kind":"ward","code":"1","name_vi":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0]]]}}]}"#,
            r#"{"type":"FeatureCollection","features":[{"properties":{"kind":"province","code":"1","name_vi":"x"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[500,1]]]}}]}"#,
        ] {
            assert!(Areas::from_geojson(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn voronoi_cells_tile_the_outline() {
        let sites = [[0.1, 0.1], [0.9, 0.2], [0.5, 0.8], [0.2, 0.6], [0.7, 0.5]];
        let outline = derive::buffered_hull(&sites, 5_000.0);
        let cells = derive::voronoi_cells(&outline, &sites);
        let province = Area {
            code: "P".into(),
            name: LocalizedText::default(),
            approximate: true,
            polygons: vec![vec![outline.clone()]],
        };
        let wards: Vec<Area> = cells
            .into_iter()
            .enumerate()
            .map(|(i, cell)| Area {
                code: i.to_string(),
                name: LocalizedText::default(),
                approximate: true,
                polygons: vec![vec![cell]],
            })
            .collect();
        let areas = Areas::new(province, wards);
        // Every site is in its own cell; every point of the outline is in the
        // cell of its nearest site.
        for (i, site) in sites.iter().enumerate() {
            assert_eq!(areas.ward_at(*site), Some(i));
        }
        for k in 0..900 {
            let p = [
                -0.02 + f64::from(k % 30) * 0.035,
                -0.02 + f64::from(k / 30) * 0.035,
            ];
            if !areas.province.contains(p) {
                continue;
            }
            let nearest = (0..sites.len())
                .min_by(|&a, &b| distance_m(p, sites[a]).total_cmp(&distance_m(p, sites[b])))
                .unwrap();
            let found = areas.ward_at(p);
            let d_found = found.map(|i| distance_m(p, sites[i]));
            assert!(
                found == Some(nearest)
                    || d_found.is_some_and(|d| (d - distance_m(p, sites[nearest])).abs() < 50.0),
                "{p:?}: {found:?} vs {nearest}"
            );
        }
    }
}
