//! `cargo xtask bench scan`: reading dossier codes from generated phone photos
//! of slips (turned up to 15° and by quarter turns, perspective, blur, dim
//! uneven light, noise, 2–12 MP, QR codes and Code 128; see
//! `tests/slip/mod.rs`) — the share read right and the time a photo — next to
//! the same reader on the clean, straight slip images in the same run.
//!
//! Ten photos of slips without a code check that nothing is found in them.
//! `CDS_SCAN_BENCH_PHOTOS` sets the number of photos with a code (default 40).

#![allow(clippy::print_stdout)]

#[path = "../tests/slip/mod.rs"]
mod slip;

use std::time::Instant;

use cds_scan::{ScanError, read};

/// What happened to one photo.
struct Outcome {
    megapixels: f64,
    kind: &'static str,
    right: bool,
    misread: bool,
    ms: f64,
    pass: Option<cds_scan::Pass>,
    why: Option<ScanError>,
}

const CLEAN_QR: &str = "clean slip, QR code (link)";
const CLEAN_CODE_128: &str = "clean slip, Code 128";

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank]
}

fn row(label: &str, outcomes: &[&Outcome]) {
    let mut times: Vec<f64> = outcomes.iter().map(|o| o.ms).collect();
    times.sort_by(f64::total_cmp);
    let right = outcomes.iter().filter(|o| o.right).count();
    let misread = outcomes.iter().filter(|o| o.misread).count();
    let share = 100.0 * right as f64 / outcomes.len().max(1) as f64;
    let read_right = format!("{right} ({share:.1} %)");
    println!(
        "| {label:<46} | {:>6} | {read_right:>16} | {misread:>7} | {:>6.1} | {:>6.1} | {:>6.1} |",
        outcomes.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times.last().copied().unwrap_or(f64::NAN),
    );
}

fn main() {
    let count: u64 = std::env::var("CDS_SCAN_BENCH_PHOTOS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(40);

    // Baseline: the clean, straight slip images (the printed slip itself).
    const RUNS: usize = 20;
    let code = "H46.23-261129-0001";
    let mut baselines = Vec::new();
    for (kind, qr, barcode) in [
        (CLEAN_QR, Some(slip::lookup_url(code)), None),
        (CLEAN_CODE_128, None, Some(code.to_owned())),
    ] {
        let paper = slip::draw(&slip::Slip {
            qr,
            barcode,
            product: None,
            seed: 1,
        });
        let image = slip::clean_jpeg(&paper);
        let megapixels = (paper.width * paper.height) as f64 / 1e6;
        for _ in 0..RUNS {
            let started = Instant::now();
            let result = read(&image);
            let ms = started.elapsed().as_secs_f64() * 1e3;
            let right = matches!(&result, Ok(scan) if scan.dossier_code == code);
            baselines.push(Outcome {
                megapixels,
                kind,
                right,
                misread: result.is_ok() && !right,
                ms,
                pass: result.as_ref().ok().map(|scan| scan.pass),
                why: result.err(),
            });
        }
    }

    eprintln!("generating {count} phone photos of slips…");
    let mut outcomes = Vec::new();
    for seed in 0..count {
        let (code, slip, shot) = slip::sample(seed);
        let photo = slip::photograph(&slip::draw(&slip), &shot, seed);
        let kind = match (&slip.qr, &slip.barcode) {
            (Some(_), Some(_)) => "QR code (link) and Code 128",
            (Some(text), None) if text.contains("://") => "QR code (link)",
            (Some(_), None) => "QR code (code)",
            _ => "Code 128 only",
        };
        let started = Instant::now();
        let result = read(&photo);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let right = matches!(&result, Ok(scan) if scan.dossier_code == code);
        outcomes.push(Outcome {
            megapixels: (shot.width * shot.height) as f64 / 1e6,
            kind,
            right,
            misread: result.is_ok() && !right,
            ms,
            pass: result.as_ref().ok().map(|scan| scan.pass),
            why: result.err(),
        });
        if !right {
            eprintln!(
                "  photo {seed}: {}×{}, turned {:.1}°, blur {:.2}, light {:.2}, contrast {:.2}: {:?}",
                shot.width,
                shot.height,
                shot.turn,
                shot.blur,
                shot.light,
                shot.contrast,
                outcomes.last().and_then(|o| o.why.clone())
            );
        }
    }

    // Slips without a code: the right answer is "no code", after the whole
    // search (the slowest case).
    const EMPTY: u64 = 10;
    let mut empty = Vec::new();
    for seed in count..count + EMPTY {
        let (_, mut slip, shot) = slip::sample(seed);
        (slip.qr, slip.barcode) = (None, None);
        let photo = slip::photograph(&slip::draw(&slip), &shot, seed);
        let started = Instant::now();
        let result = read(&photo);
        let ms = started.elapsed().as_secs_f64() * 1e3;
        let right = result == Err(ScanError::NoCode);
        empty.push(Outcome {
            megapixels: (shot.width * shot.height) as f64 / 1e6,
            kind: "no code",
            right,
            misread: !right,
            ms,
            pass: None,
            why: result.err(),
        });
    }

    println!(
        "\nreading dossier codes from slip photos (release build; default budget 1.5 s; {count} phone photos, 2–12 MP, turned up to 15° and by quarter turns, perspective, blur, dim light, noise; JPEG quality 85)\n"
    );
    println!(
        "| {:<46} | photos | read right       | misread | p50 ms | p95 ms | max ms |",
        "images"
    );
    println!(
        "|{}|--------|------------------|---------|--------|--------|--------|",
        "-".repeat(48)
    );
    for kind in [CLEAN_QR, CLEAN_CODE_128] {
        let set: Vec<&Outcome> = baselines.iter().filter(|o| o.kind == kind).collect();
        let mp = set.first().map_or(0.0, |o| o.megapixels);
        row(&format!("baseline: {kind}, {mp:.1} MP"), &set);
    }
    let all: Vec<&Outcome> = outcomes.iter().collect();
    row("phone photos, all", &all);
    for kind in [
        "QR code (code)",
        "QR code (link)",
        "QR code (link) and Code 128",
        "Code 128 only",
    ] {
        let set: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind == kind).collect();
        row(&format!("  {kind}"), &set);
    }
    for (label, lo, hi) in [
        ("  2–4 MP", 0.0, 4.5),
        ("  5–8 MP", 4.5, 9.0),
        ("  12 MP", 9.0, 99.0),
    ] {
        let set: Vec<&Outcome> = outcomes
            .iter()
            .filter(|o| o.megapixels >= lo && o.megapixels < hi)
            .collect();
        row(label, &set);
    }
    let set: Vec<&Outcome> = empty.iter().collect();
    row("slips without a code (right: \"no code\")", &set);
    let mut at: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for pass in outcomes.iter().filter_map(|o| o.pass) {
        let turned = if pass.turned == 0.0 { "" } else { ", turned" };
        *at.entry(format!("{} px{turned}", pass.long_edge))
            .or_default() += 1;
    }
    println!(
        "\nfound at: {}",
        at.iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    let mut clean: Vec<f64> = baselines.iter().map(|o| o.ms).collect();
    clean.sort_by(f64::total_cmp);
    let mut photos: Vec<f64> = outcomes.iter().map(|o| o.ms).collect();
    photos.sort_by(f64::total_cmp);
    println!(
        "ratio phone photo / clean slip: {:.1}× at p50",
        percentile(&photos, 0.5) / percentile(&clean, 0.5)
    );
}
