//! `samples hostile DIR` writes the generated hostile photos (committed under
//! `assets/test-images/hostile/`); `samples large DIR` writes large photos
//! for `cargo xtask bench photos` (a 50 MP baseline and a 50 MP progressive,
//! a 108 MP and a 20,000 × 1,000 px JPEG, a Display P3 JPEG, and a 12 MP HEIC
//! with the `heif` feature). Run
//! with `--features samples` (and `heif`).

#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};

use cds_imaging::samples;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|err| format!("{}: {err}", path.display()))?;
    println!("{} ({} bytes)", path.display(), bytes.len());
    Ok(())
}

fn hostile(dir: &Path) -> Result<(), String> {
    // Thousands of scans: decoders walked every block of every scan (93 KB
    // took 4.7 s, 930 KB a minute, before the scan cap).
    write(
        dir,
        "progressive-1500-scans.jpg",
        &samples::many_scans_jpeg(4096, 4096, 1500),
    )?;
    // Lossless JPEGs of 12 and 16 bits (they came out as a sawtooth).
    write(
        dir,
        "lossless-12-bit.jpg",
        &samples::lossless_jpeg(128, 96, 12),
    )?;
    write(
        dir,
        "lossless-16-bit.jpg",
        &samples::lossless_jpeg(128, 96, 16),
    )?;
    // Headers that promise more than the memory budget.
    write(
        dir,
        "progressive-cmyk-50mp-header.jpg",
        &samples::jpeg_header_only(8192, 6144, 4, true),
    )?;
    write(
        dir,
        "rgba-80mp-header.png",
        &samples::png_header_only(10_000, 8_000, png::ColorType::Rgba),
    )?;
    write(
        dir,
        "lossless-50mp-header.webp",
        &samples::webp_lossless_header_only(8192, 6144, false),
    )
}

fn large(dir: &Path) -> Result<(), String> {
    let gps = samples::exif_tiff(&samples::gps_orientation_time(16.4637, 107.5909, 1));
    write(
        dir,
        "phone-50mp-8192x6144.jpg",
        &samples::gradient_jpeg(8192, 6144, Some(&gps)),
    )?;
    write(
        dir,
        "phone-108mp-12000x9000.jpg",
        &samples::gradient_jpeg(12_000, 9_000, Some(&gps)),
    )?;
    write(
        dir,
        "phone-50mp-8192x6144-progressive.jpg",
        &samples::progressive_gradient_jpeg(8192, 6144),
    )?;
    write(
        dir,
        "panorama-20000x1000.jpg",
        &samples::gradient_jpeg(20_000, 1_000, None),
    )?;
    let (w, h, rgb) = samples::patches(&samples::P3_COLOURS, 400);
    write(
        dir,
        "display-p3-3200x400.jpg",
        &samples::jpeg_with_icc(w, h, &rgb, &samples::display_p3_icc()),
    )?;
    #[cfg(feature = "heif")]
    {
        let (w, h) = (4032u32, 3024u32);
        let rgb: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [(x * 255 / w) as u8, (y * 255 / h) as u8, 128]
            })
            .collect();
        write(
            dir,
            "phone-12mp-4032x3024.heic",
            &samples::heif(false, (w, h), &rgb, Some(&gps)),
        )?;
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, dir] = &args[..] else {
        return Err("usage: samples hostile|large DIR".into());
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    match kind.as_str() {
        "hostile" => hostile(&dir),
        "large" => large(&dir),
        other => Err(format!("{other}: hostile or large")),
    }
}
