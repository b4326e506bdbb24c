//! Ward lookup per point: the R-tree + point-in-polygon next to testing every
//! area in turn (the baseline), for Huế's 40 approximate wards and for a
//! synthetic set of 3,321 areas (the number of communes in Vietnam).

#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use cds_domain::{
    LocalizedText,
    geo::{Area, Areas, Point, derive},
};

const HUE: &str = include_str!("../../../assets/geo/hue-areas.geojson");

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn points(areas: &Areas, count: usize, seed: u64) -> Vec<Point> {
    let [min, max] = areas.province.bounds();
    let mut rng = Rng(seed);
    (0..count)
        .map(|_| {
            [
                min[0] + rng.next() * (max[0] - min[0]),
                min[1] + rng.next() * (max[1] - min[1]),
            ]
        })
        .collect()
}

/// Nanoseconds per point (median of 5 rounds) and how many points fell in a ward.
fn time(points: &[Point], lookup: impl Fn(Point) -> Option<usize>) -> (f64, usize) {
    let mut rounds = Vec::new();
    let mut found = 0;
    for _ in 0..5 {
        let started = Instant::now();
        found = points.iter().filter(|&&p| lookup(p).is_some()).count();
        rounds.push(started.elapsed().as_nanos() as f64 / points.len() as f64);
    }
    rounds.sort_by(f64::total_cmp);
    (rounds[2], found)
}

fn synthetic(count: usize) -> Areas {
    // Sites spread over Vietnam's extent.
    let mut rng = Rng(3321);
    let sites: Vec<Point> = (0..count)
        .map(|_| [102.2 + rng.next() * 7.2, 8.6 + rng.next() * 14.8])
        .collect();
    let outline = derive::buffered_hull(&sites, 5_000.0);
    let started = Instant::now();
    let cells = derive::voronoi_cells(&outline, &sites);
    println!(
        "(derived {count} Voronoi cells in {:.0} ms)",
        started.elapsed().as_secs_f64() * 1e3
    );
    let area = |code: String, ring: Vec<Point>| Area {
        code,
        name: LocalizedText::default(),
        approximate: true,
        polygons: vec![vec![ring]],
    };
    Areas::new(
        area("VN".into(), outline),
        cells
            .into_iter()
            .enumerate()
            .map(|(i, cell)| area(i.to_string(), cell))
            .collect(),
    )
}

fn main() {
    let hue = Areas::from_geojson(HUE).unwrap();
    let vietnam = synthetic(3321);
    println!("\nward lookup per point (random points in the bounding box, release build)\n");
    println!("| areas | points | indexed ns/point | scan ns/point | scan / indexed | in a ward |");
    println!("|-------|--------|------------------|---------------|----------------|-----------|");
    for (areas, count) in [(&hue, 200_000), (&vietnam, 20_000)] {
        let pts = points(areas, count, 42);
        for &p in pts.iter().take(2_000) {
            assert_eq!(
                areas.ward_at(p),
                areas.ward_at_by_scan(p),
                "index and scan disagree at {p:?}"
            );
        }
        let (indexed, found) = time(&pts, |p| areas.ward_at(p));
        let (scan, found_scan) = time(&pts, |p| areas.ward_at_by_scan(p));
        assert_eq!(found, found_scan);
        println!(
            "| {:>5} | {:>6} | {:>16.0} | {:>13.0} | {:>13.1}× | {:>8.1}% |",
            areas.wards.len(),
            count,
            indexed,
            scan,
            scan / indexed,
            100.0 * found as f64 / count as f64
        );
    }
    let pts = points(&hue, 20_000, 7);
    let started = Instant::now();
    let inside = pts
        .iter()
        .filter(|p| hue.locate(p[1], p[0]).is_some_and(|at| at.inside_province))
        .count();
    println!(
        "\nfull placement in Huế (ward + province + distance to the nearest boundary): {:.1} µs/point ({inside} of {} inside)",
        started.elapsed().as_secs_f64() * 1e6 / pts.len() as f64,
        pts.len()
    );
}
