//! Fuzz target: any bytes through the photo pipeline (sniff, structure check,
//! decode under limits, EXIF, scale, encode). It must return, never panic, and
//! what it returns must be a JPEG within the size asked for.

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
