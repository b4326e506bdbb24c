//! The map of open reports below the queue's table: the approximate ward areas
//! (`areas::served`) drawn as SVG with a dot per open report shown by the
//! queue's filters. The table above it is its list alternative.

use std::fmt::Write as _;

use cds_domain::geo::Point;

use super::{Lang, html::esc};
use crate::areas;

/// The map's width in SVG units (its height follows the province's shape).
const WIDTH: f64 = 480.0;

/// The SVG map of `points` (latitude, longitude of open reports).
pub fn open_reports(lang: Lang, points: &[(f64, f64)]) -> String {
    let Some(areas) = areas::served() else {
        return String::new();
    };
    let [min, max] = areas.province.bounds();
    // Longitude is shortened by the cosine of the latitude, as on the ground.
    let squeeze = ((min[1] + max[1]) / 2.0).to_radians().cos();
    let scale = WIDTH / ((max[0] - min[0]) * squeeze).max(1e-9);
    let height = ((max[1] - min[1]) * scale).ceil();
    let at = |p: Point| ((p[0] - min[0]) * squeeze * scale, (max[1] - p[1]) * scale);
    let label = lang.fill("map.label", "count", &points.len().to_string());
    let mut svg = format!(
        "<svg class=\"map\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" \
         aria-label=\"{label}\"><title>{label}</title>",
        label = esc(&label)
    );
    for ward in &areas.wards {
        for polygon in &ward.polygons {
            let mut path = String::new();
            for ring in polygon {
                for (i, point) in ring.iter().enumerate() {
                    let (x, y) = at(*point);
                    let _ = write!(path, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
                }
                path.push('Z');
            }
            let _ = write!(
                svg,
                "<path d=\"{path}\" fill=\"#eef5f8\" stroke=\"#0b4f6c\" stroke-width=\"0.8\"></path>"
            );
        }
    }
    for (lat, lon) in points {
        let (x, y) = at([*lon, *lat]);
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"#b00020\" stroke=\"#fff\" stroke-width=\"1.5\"></circle>"
        );
    }
    svg.push_str("</svg>");
    format!(
        "<h2>{}</h2>{svg}<p>{}</p>",
        esc(lang.t("map.title")),
        esc(lang.t("map.approximate"))
    )
}
