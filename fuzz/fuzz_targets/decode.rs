//! Fuzz target: any bytes through the photo pipeline (sniff, structure check
//! with its segment, scan and work caps, decode under the memory and time
//! budgets, EXIF (WebP's with or without its prefix), scale, colour profile to
//! sRGB, encode). It must return, never panic, and what it returns must be a
//! JPEG within the size asked for. (HEIF/AVIF go to libheif only with the
//! `heif` feature, which this target leaves off: it fuzzes our code.)

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let settings = cds_imaging::Settings {
        max_edge: 256,
        ..cds_imaging::Settings::default()
    };
    if let Ok(out) = cds_imaging::process(data, &settings) {
        assert!(out.jpeg.starts_with(&[0xFF, 0xD8]));
        assert!(out.width.max(out.height) <= 256);
    }
    let _ = cds_imaging::read_exif(data);
});
