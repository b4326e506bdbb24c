//! `cds_scan::read` on slips drawn and photographed by `slip`: clean codes,
//! links, other sites' links, product barcodes, photos without a code, files
//! that are not photos or are cut short, a 12 MP photo against the time
//! budget, and a set of distorted phone photos of which most must be read and
//! none misread.

mod slip;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use cds_scan::{Format, Found, ScanError, read};
use slip::{Grey, Rng, Shot, Slip};

/// One heavy test at a time: timings are measured on a quiet machine (the
/// tests of this binary would otherwise share its cores).
static HEAVY: Mutex<()> = Mutex::new(());

fn heavy() -> std::sync::MutexGuard<'static, ()> {
    HEAVY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn slip(qr: Option<&str>, barcode: Option<&str>) -> Slip {
    Slip {
        qr: qr.map(str::to_owned),
        barcode: barcode.map(str::to_owned),
        product: None,
        seed: 7,
    }
}

fn clean(slip: &Slip) -> Vec<u8> {
    slip::clean_jpeg(&slip::draw(slip))
}

const CODE: &str = "H46.23-261129-0001";

#[test]
fn a_clean_qr_code_gives_its_dossier_code() {
    let _heavy = heavy();
    let scan = read(&clean(&slip(Some(CODE), None))).unwrap();
    assert_eq!(scan.dossier_code, CODE);
    assert_eq!(
        scan.codes,
        vec![Found {
            format: Format::Qr,
            text: CODE.into()
        }]
    );
}

#[test]
fn a_clean_code_128_gives_its_dossier_code() {
    let _heavy = heavy();
    let scan = read(&clean(&slip(None, Some(CODE)))).unwrap();
    assert_eq!(scan.dossier_code, CODE);
    assert_eq!(scan.codes[0].format, Format::Code128);
}

#[test]
fn a_lookup_link_gives_the_code_it_carries() {
    let _heavy = heavy();
    let url = slip::lookup_url("h46.23-261129-0001");
    let scan = read(&clean(&slip(Some(&url), None))).unwrap();
    assert_eq!(scan.dossier_code, CODE, "normalised");
    assert_eq!(scan.codes[0].text, url, "the link itself is kept as read");
}

#[test]
fn a_link_to_another_site_is_reported_and_never_opened() {
    let _heavy = heavy();
    let url = "https://zalo.me/g/phuongthuan-hue";
    // No network here: a reader that opened links would fail or hang.
    let err = read(&clean(&slip(Some(url), None))).unwrap_err();
    assert_eq!(
        err,
        ScanError::NoDossierCode {
            found: vec![Found {
                format: Format::Qr,
                text: url.into()
            }]
        }
    );
}

#[test]
fn a_product_barcode_is_no_dossier_code() {
    let _heavy = heavy();
    let slip = Slip {
        product: Some("893504950001".into()),
        ..slip(None, None)
    };
    let err = read(&clean(&slip)).unwrap_err();
    assert_eq!(
        err,
        ScanError::NoDossierCode {
            found: vec![Found {
                format: Format::Ean13,
                text: "8935049500018".into()
            }]
        }
    );
}

#[test]
fn the_code_is_read_from_png_and_webp_too() {
    let _heavy = heavy();
    let paper = slip::draw(&slip(Some(CODE), None));
    let rgba: Vec<u8> = paper.pixels.iter().flat_map(|&l| [l, l, l, 255]).collect();
    let (w, h) = (paper.width as u32, paper.height as u32);
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&rgba).unwrap();
    }
    assert_eq!(read(&png_bytes).unwrap().dossier_code, CODE);
    let mut webp_bytes = Vec::new();
    image_webp::WebPEncoder::new(&mut webp_bytes)
        .encode(&rgba, w, h, image_webp::ColorType::Rgba8)
        .unwrap();
    assert_eq!(read(&webp_bytes).unwrap().dossier_code, CODE);
}

#[test]
fn a_photo_without_a_code_has_no_code() {
    let _heavy = heavy();
    // A slip without codes, photographed as residents do; and a bare table.
    for seed in 0..3 {
        let (_, mut slip, shot) = slip::sample(seed * 4 + 2);
        slip.qr = None;
        slip.barcode = None;
        let photo = slip::photograph(&slip::draw(&slip), &shot, seed);
        assert_eq!(read(&photo), Err(ScanError::NoCode), "seed {seed}");
    }
    let blank = Grey {
        width: 10,
        height: 10,
        pixels: vec![255; 100],
    };
    let photo = slip::photograph(
        &blank,
        &Shot {
            fill: 0.01,
            ..Shot::clean(1600, 1200)
        },
        1,
    );
    assert_eq!(read(&photo), Err(ScanError::NoCode));
}

#[test]
fn files_that_are_not_photos_are_refused_as_such() {
    for bytes in [
        &b""[..],
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj",
        b"H46.23-261129-0001",
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
    ] {
        assert_eq!(read(bytes), Err(ScanError::NotAnImage), "{bytes:?}");
    }
}

#[test]
fn a_cut_or_damaged_photo_is_unreadable() {
    let _heavy = heavy();
    let (_, slip, shot) = slip::sample(1);
    let photo = slip::photograph(&slip::draw(&slip), &shot, 1);
    for cut in [photo.len() / 2, photo.len() - 100, 40, 3] {
        assert!(
            matches!(read(&photo[..cut]), Err(ScanError::Unreadable(_))),
            "cut at {cut}"
        );
    }
    let mut png_cut = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_cut, 64, 64);
        encoder.set_color(png::ColorType::Grayscale);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&[128; 64 * 64]).unwrap();
    }
    png_cut.truncate(png_cut.len() - 20);
    assert!(matches!(read(&png_cut), Err(ScanError::Unreadable(_))));
}

#[test]
fn files_and_images_beyond_the_limits_are_too_large() {
    let mut huge = vec![0u8; cds_scan::MAX_INPUT_BYTES + 1];
    huge[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    assert_eq!(read(&huge), Err(ScanError::TooLarge));
    // A 12,001-pixel-wide JPEG (small as a file).
    let wide = slip::jpeg(
        &vec![200; 12_001 * 8],
        12_001,
        8,
        jpeg_encoder::ColorType::Luma,
    );
    assert_eq!(read(&wide), Err(ScanError::TooLarge));
    // A PNG whose header claims 10,000 × 10,000 (100 MP) and holds nothing.
    let mut claim = Vec::new();
    {
        let encoder = png::Encoder::new(&mut claim, 10_000, 10_000);
        let _header_only = encoder.write_header().unwrap();
    }
    assert_eq!(read(&claim), Err(ScanError::TooLarge));
}

#[test]
fn a_jpeg_built_to_take_minutes_is_refused_at_once() {
    // 1,500 progressive scans of one small image: jpeg-decoder alone walks
    // every block for every scan (seconds, then minutes for a larger file).
    // Found by the `scan` fuzz target; the photo pipeline's check refuses it.
    let crafted = include_bytes!("../../../assets/test-images/hostile/progressive-1500-scans.jpg");
    let _quiet = heavy();
    let started = Instant::now();
    assert!(
        matches!(read(crafted), Err(ScanError::TooComplex(_))),
        "refused as too complex"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_12_mp_photo_is_read_within_the_budget() {
    let _heavy = heavy();
    let mut rng = Rng::new(12);
    let code = slip::dossier_code(&mut rng);
    // A Code 128 alone, turned: found only once the image is turned straight.
    let slip = Slip {
        qr: None,
        barcode: Some(code.clone()),
        product: None,
        seed: 12,
    };
    let shot = Shot {
        turn: 8.0,
        perspective: 0.04,
        fill: 0.7,
        blur: 1.0,
        light: 0.5,
        contrast: 0.7,
        noise: 3.0,
        ..Shot::clean(4000, 3000)
    };
    let photo = slip::photograph(&slip::draw(&slip), &shot, 12);
    let started = Instant::now();
    let scan = read(&photo).unwrap();
    let took = started.elapsed();
    assert_eq!(scan.dossier_code, code);
    println!("12 MP photo read in {took:?} ({:?})", scan.pass);
    // The default budget is 1.5 s; the UI promises an answer within 2 s.
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn a_fruitless_search_stops_at_its_budget() {
    let _heavy = heavy();
    // A dim, textured 12 MP photo of a slip without a code: every step runs.
    let (_, mut slip, mut shot) = slip::sample(3);
    (slip.qr, slip.barcode) = (None, None);
    (shot.width, shot.height) = (4000, 3000);
    let photo = slip::photograph(&slip::draw(&slip), &shot, 3);
    let options = cds_scan::Options {
        budget: Duration::from_millis(150),
    };
    let started = Instant::now();
    assert_eq!(
        cds_scan::read_with(&photo, &options),
        Err(ScanError::NoCode)
    );
    let took = started.elapsed();
    println!("fruitless search of a 12 MP photo, budget 150 ms: {took:?}");
    // The decode and the smallest size always run; nothing starts after the
    // budget, and no step is started that would not end within it.
    assert!(took < Duration::from_millis(600), "{took:?}");
}

/// Distorted phone photos (see `slip::sample`): turned up to 15° and by
/// quarter turns, perspective, blur, dim light, 2–12 MP, QR codes and Code
/// 128. At least 10 of 12 are read, and never a wrong code.
#[test]
fn most_distorted_slips_are_read_and_none_misread() {
    let _heavy = heavy();
    let mut read_right = 0;
    let mut failures = Vec::new();
    for seed in 0..12 {
        let (code, slip, shot) = slip::sample(seed);
        let photo = slip::photograph(&slip::draw(&slip), &shot, seed);
        match read(&photo) {
            Ok(scan) => {
                assert_eq!(scan.dossier_code, code, "seed {seed}: misread");
                read_right += 1;
            }
            Err(err) => failures.push((seed, err)),
        }
    }
    assert!(read_right >= 10, "read {read_right} of 12: {failures:?}");
}
