//! Fuzz target: any bytes through the slip reader (decode, grey, every reader
//! of rxing) must give a result or a typed error, never a panic — the app is
//! built with `panic = "abort"`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let options = cds_scan::Options {
        budget: std::time::Duration::from_millis(200),
    };
    let _ = cds_scan::read_with(data, &options);
});
