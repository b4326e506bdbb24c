//! The pipeline's tests: formats, EXIF, sizes, the budgets and colour, on
//! photos made by `samples`.

use std::io::Cursor;
use std::time::{Duration, Instant};

use super::*;
use crate::samples::{self, field};

fn jpeg_with_exif(w: u16, h: u16, fields: &[exif::Field]) -> Vec<u8> {
    let tiff = (!fields.is_empty()).then(|| samples::exif_tiff(fields));
    samples::gradient_jpeg(w, h, tiff.as_deref())
}

fn decoded_size(jpeg: &[u8]) -> (u32, u32) {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(jpeg));
    decoder.read_info().unwrap();
    let info = decoder.info().unwrap();
    (u32::from(info.width), u32::from(info.height))
}

fn rule(err: PhotoError) -> cds_domain::report::Rule {
    cds_domain::report::Invalid::from(err).rule
}

#[test]
fn sniffs_formats_and_names_heic_and_avif() {
    assert_eq!(sniff(b""), Err(PhotoError::Empty));
    assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Ok(Format::Jpeg));
    assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Ok(Format::Heif));
    assert_eq!(
        sniff(&samples::ftyp_only(b"heic", &[b"mif1", b"heic"])),
        Ok(Format::Heif)
    );
    assert_eq!(
        sniff(&samples::ftyp_only(b"avif", &[b"avif", b"mif1", b"miaf"])),
        Ok(Format::Avif)
    );
    assert_eq!(
        sniff(&samples::ftyp_only(b"mif1", &[b"mif1", b"avif"])),
        Ok(Format::Avif),
        "AVIF named in the compatible brands"
    );
    assert_eq!(
        sniff(&samples::ftyp_only(b"isom", &[b"mp41"])),
        Err(PhotoError::NotAnImage),
        "a video"
    );
    assert_eq!(sniff(b"GIF89a......"), Err(PhotoError::NotAnImage));
    assert_eq!(
        rule(PhotoError::NotSupported(Format::Avif)),
        cds_domain::report::Rule::AvifNotSupported
    );
    assert_eq!(
        rule(PhotoError::NotSupported(Format::Heif)),
        cds_domain::report::Rule::NotSupported
    );
}

#[cfg(not(feature = "heif"))]
#[test]
fn without_libheif_heic_and_avif_are_refused_by_their_names() {
    let avif = samples::ftyp_only(b"avif", &[b"avif", b"mif1"]);
    let err = process(&avif, &Settings::default()).unwrap_err();
    assert_eq!(err, PhotoError::NotSupported(Format::Avif));
    assert!(err.to_string().contains("AVIF") && !err.to_string().contains("HEIC"));
    let heic = samples::ftyp_only(b"heic", &[b"mif1", b"heic"]);
    assert_eq!(
        process(&heic, &Settings::default()),
        Err(PhotoError::NotSupported(Format::Heif))
    );
}

fn dms(d: u32, m: u32, s_num: u32, s_den: u32) -> exif::Value {
    exif::Value::Rational(vec![
        (d, 1).into(),
        (m, 1).into(),
        exif::Rational {
            num: s_num,
            denom: s_den,
        },
    ])
}

fn gps(lat: exif::Value, lat_ref: &str, lon: exif::Value, lon_ref: &str) -> Vec<exif::Field> {
    vec![
        field(exif::Tag::GPSLatitude, lat),
        field(
            exif::Tag::GPSLatitudeRef,
            exif::Value::Ascii(vec![lat_ref.as_bytes().to_vec()]),
        ),
        field(exif::Tag::GPSLongitude, lon),
        field(
            exif::Tag::GPSLongitudeRef,
            exif::Value::Ascii(vec![lon_ref.as_bytes().to_vec()]),
        ),
    ]
}

fn location_of(fields: &[exif::Field]) -> Option<(f64, f64)> {
    read_exif(&jpeg_with_exif(16, 16, fields))
        .location
        .map(|l| (l.lat, l.lon))
}

#[test]
fn exif_gps_in_every_hemisphere_and_its_edge_cases() {
    let close = |got: Option<(f64, f64)>, want: (f64, f64)| {
        let (lat, lon) = got.unwrap_or_else(|| panic!("no location, wanted {want:?}"));
        assert!(
            (lat - want.0).abs() < 1e-6 && (lon - want.1).abs() < 1e-6,
            "{lat},{lon} vs {want:?}"
        );
    };
    // Huế: north and east.
    close(
        location_of(&gps(
            dms(16, 27, 4932, 100),
            "N",
            dms(107, 35, 2724, 100),
            "E",
        )),
        (16.4637, 107.5909),
    );
    // South and west (Rio de Janeiro).
    close(
        location_of(&gps(dms(22, 54, 30, 1), "S", dms(43, 10, 21, 1), "W")),
        (-22.908_333, -43.1725),
    );
    // Zero degrees with fractional minutes.
    let zero = exif::Value::Rational(vec![(0, 1).into(), (3075, 100).into(), (0, 1).into()]);
    close(
        location_of(&gps(zero.clone(), "S", zero, "W")),
        (-0.5125, -0.5125),
    );
    // Malformed rationals (a zero denominator), an unknown reference, an
    // empty GPS block, and (0, 0): no location.
    assert_eq!(
        location_of(&gps(dms(16, 27, 1, 0), "N", dms(107, 35, 0, 1), "E")),
        None
    );
    assert_eq!(
        location_of(&gps(dms(16, 27, 0, 1), "X", dms(107, 35, 0, 1), "E")),
        None
    );
    assert_eq!(
        location_of(&gps(dms(16, 75, 0, 1), "N", dms(107, 35, 0, 1), "E")),
        None,
        "75 minutes"
    );
    assert_eq!(
        location_of(&gps(
            exif::Value::Rational(vec![]),
            "N",
            dms(107, 0, 0, 1),
            "E"
        )),
        None
    );
    assert_eq!(
        location_of(&[field(
            exif::Tag::GPSVersionID,
            exif::Value::Byte(vec![2, 2, 0, 0])
        )]),
        None
    );
    assert_eq!(
        location_of(&gps(dms(0, 0, 0, 1), "N", dms(0, 0, 0, 1), "E")),
        None
    );
    assert_eq!(
        location_of(&gps(dms(95, 0, 0, 1), "N", dms(107, 0, 0, 1), "E")),
        None,
        "beyond the pole"
    );
    assert_eq!(location_of(&[]), None);
}

fn assert_no_metadata(made: &[u8]) {
    assert!(
        exif::Reader::new()
            .read_from_container(&mut Cursor::new(made))
            .is_err(),
        "no EXIF in the output"
    );
    assert!(!made.windows(4).any(|w| w == b"Exif"));
    assert!(!made.windows(11).any(|w| w == b"ICC_PROFILE"));
}

#[test]
fn output_is_upright_small_and_without_metadata() {
    let mut fields = gps(dms(16, 27, 0, 1), "N", dms(107, 35, 0, 1), "E");
    fields.push(field(exif::Tag::Orientation, exif::Value::Short(vec![6])));
    fields.push(field(
        exif::Tag::DateTimeOriginal,
        exif::Value::Ascii(vec![b"2025:07:01 08:30:00".to_vec()]),
    ));
    let original = jpeg_with_exif(400, 100, &fields);
    let settings = Settings {
        max_edge: 200,
        ..Settings::default()
    };
    let out = process(&original, &settings).unwrap();
    assert_eq!(
        (out.width, out.height),
        (50, 200),
        "rotated upright, long edge 200"
    );
    assert_eq!(out.exif.orientation, 6);
    assert_eq!(out.exif.taken_at.as_deref(), Some("2025-07-01T08:30:00"));
    assert!(out.exif.location.is_some());
    assert!(!out.colour_managed);
    for made in [&out.jpeg, &out.thumbnail] {
        assert_no_metadata(made);
    }
    assert_eq!(decoded_size(&out.thumbnail), (50, 200));
}

#[test]
fn png_and_webp_are_read_too() {
    let (w, h) = (300u32, 200u32);
    let rgba: Vec<u8> = (0..w * h)
        .flat_map(|i| [(i % 256) as u8, 40, 200, if i % 2 == 0 { 255 } else { 0 }])
        .collect();
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(&rgba).unwrap();
    }
    let out = process(&png_bytes, &Settings::default()).unwrap();
    assert_eq!((out.width, out.height), (300, 200));
    let mut webp_bytes = Vec::new();
    image_webp::WebPEncoder::new(&mut webp_bytes)
        .encode(&rgba, w, h, image_webp::ColorType::Rgba8)
        .unwrap();
    let out = process(&webp_bytes, &Settings::default()).unwrap();
    assert_eq!((out.width, out.height), (300, 200));
    assert!(out.jpeg.starts_with(&[0xFF, 0xD8]));
}

#[test]
fn webp_exif_is_read_with_or_without_the_prefix() {
    let (w, h, rgb) = (64, 16, vec![90u8; 64 * 16 * 3]);
    let tiff = samples::exif_tiff(&samples::gps_orientation_time(16.4637, 107.5909, 6));
    for prefixed in [true, false] {
        let webp = samples::webp(w, h, &rgb, Some((&tiff, prefixed)), None);
        let facts = read_exif(&webp);
        assert_eq!(facts.orientation, 6, "prefixed: {prefixed}");
        let location = facts.location.unwrap();
        assert!((location.lat - 16.4637).abs() < 1e-3 && (location.lon - 107.5909).abs() < 1e-3);
        assert_eq!(facts.taken_at.as_deref(), Some("2025-07-01T08:30:00"));
        let out = process(&webp, &Settings::default()).unwrap();
        assert_eq!((out.width, out.height), (16, 64), "turned upright");
        assert_no_metadata(&out.jpeg);
    }
}

#[test]
fn restart_markers_are_counted_right_for_colour_and_grey() {
    for (colour, w, h) in [
        (jpeg_encoder::ColorType::Rgb, 203u16, 117u16),
        (jpeg_encoder::ColorType::Luma, 203, 117),
    ] {
        let channels = if colour == jpeg_encoder::ColorType::Rgb {
            3
        } else {
            1
        };
        let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * channels)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut jpeg = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 80);
        encoder.set_restart_interval(5);
        encoder.encode(&pixels, w, h, colour).unwrap();
        assert_eq!(check_jpeg_structure(&jpeg), Ok(()), "{colour:?}");
        assert!(process(&jpeg, &Settings::default()).is_ok(), "{colour:?}");
    }
}

#[test]
fn thin_images_reach_the_target_on_both_sides() {
    for ((w, h), want) in [
        ((1600, 1), (1600, 1)),
        ((3198, 100), (1600, 50)),
        ((1, 1600), (1, 1600)),
        ((3200, 8), (1600, 4)),
        ((6400, 3), (1600, 1)),
    ] {
        let out = process(&samples::gradient_jpeg(w, h, None), &Settings::default()).unwrap();
        assert_eq!((out.width, out.height), want, "{w}×{h}");
        assert_eq!(decoded_size(&out.jpeg), want, "{w}×{h}");
    }
}

#[test]
fn large_phone_photos_and_panoramas_are_accepted() {
    for (w, h) in [(8192u16, 6144u16), (20_000, 1_000)] {
        let jpeg = samples::gradient_jpeg(w, h, None);
        let started = Instant::now();
        let out = process(&jpeg, &Settings::default()).unwrap();
        let took = started.elapsed();
        let want = pixels::fit(u32::from(w), u32::from(h), 1600);
        assert_eq!((out.width, out.height), want);
        assert!(took < Duration::from_secs(5), "{w}×{h}: {took:?}");
    }
}

#[test]
fn a_photo_of_thousands_of_scans_is_refused_at_once() {
    let hostile = samples::many_scans_jpeg(4096, 4096, 1500);
    assert!(hostile.len() < 120_000, "{} bytes", hostile.len());
    let started = Instant::now();
    let err = process(&hostile, &Settings::default()).unwrap_err();
    assert!(matches!(err, PhotoError::TooComplex(_)), "{err}");
    assert_eq!(rule(err), cds_domain::report::Rule::TooComplex);
    assert!(started.elapsed() < Duration::from_millis(200));
    // Under the scan cap but past the block visits: refused before decoding.
    let err = process(
        &samples::many_scans_jpeg(8192, 8192, 90),
        &Settings::default(),
    );
    assert!(matches!(err, Err(PhotoError::TooComplex(_))), "{err:?}");
}

#[test]
fn a_decode_past_the_time_budget_stops_and_frees_the_worker() {
    // Within every cap (60 scans of 262,144 blocks), but slower than a
    // budget of 20 ms: the decoder is stopped at one of its reads.
    let slow = samples::many_scans_jpeg(4096, 4096, 60);
    let settings = Settings {
        time_budget: Duration::from_millis(20),
        ..Settings::default()
    };
    let started = Instant::now();
    let err = process(&slow, &settings).unwrap_err();
    let took = started.elapsed();
    assert_eq!(err, PhotoError::TooSlow { budget_ms: 20 });
    assert_eq!(rule(err), cds_domain::report::Rule::TooComplex);
    assert!(took < Duration::from_millis(500), "{took:?}");
    // With the default budget the same file is accepted (a grey square).
    let out = process(&slow, &Settings::default()).unwrap();
    assert_eq!((out.width, out.height), (1600, 1600));
}

#[test]
fn lossless_jpegs_above_8_bits_are_refused_by_name() {
    for precision in [12, 16] {
        let jpeg = samples::lossless_jpeg(64, 48, precision);
        // A valid file: the decoder reads it (as 16-bit samples).
        let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(&jpeg));
        let data = decoder.decode().unwrap();
        assert_eq!(data.len(), 64 * 48 * 2);
        let info = decoder.info().unwrap();
        assert_eq!(info.pixel_format, jpeg_decoder::PixelFormat::L16);
        let last = u16::from_ne_bytes([data[data.len() - 2], data[data.len() - 1]]);
        assert_eq!(u32::from(last), (1 << precision) - 1, "the ramp's top");
        let err = process(&jpeg, &Settings::default()).unwrap_err();
        assert!(matches!(err, PhotoError::UnsupportedJpeg(_)), "{err}");
        assert!(
            err.to_string().contains(&format!("{precision}-bit")),
            "{err}"
        );
        assert_eq!(rule(err), cds_domain::report::Rule::UnsupportedJpeg);
    }
    // 8-bit lossless is read.
    let out = process(&samples::lossless_jpeg(64, 48, 8), &Settings::default()).unwrap();
    assert_eq!((out.width, out.height), (64, 48));
}

#[test]
fn decodes_that_would_pass_the_memory_budget_are_refused_from_the_headers() {
    let too_much = |bytes: &[u8]| {
        let started = Instant::now();
        let result = process(bytes, &Settings::default());
        assert!(started.elapsed() < Duration::from_millis(200));
        match result {
            Err(err @ PhotoError::TooMuchMemory { .. }) => {
                assert_eq!(rule(err), cds_domain::report::Rule::TooManyPixels);
                true
            }
            _ => false,
        }
    };
    // 50 MP progressive CMYK: 400 MB of coefficients.
    assert!(too_much(&samples::jpeg_header_only(8192, 6144, 4, true)));
    // 50 MP progressive 4:4:4: 300 MB of coefficients.
    assert!(too_much(&samples::jpeg_header_only(8192, 6144, 3, true)));
    // 80 MP RGBA PNG: 320 MB output.
    assert!(too_much(&samples::png_header_only(
        10_000,
        8_000,
        png::ColorType::Rgba
    )));
    // 50 MP lossless WebP: an RGBA image, then the RGB output.
    assert!(too_much(&samples::webp_lossless_header_only(
        8192, 6144, false
    )));
    // But a 108 MP baseline JPEG fits at 1/4 scale: damaged, not too large.
    assert!(!too_much(&samples::jpeg_header_only(
        12_000, 9_000, 3, false
    )));
    // And a 50 MP RGB PNG fits (150 MB): damaged (cut short), not too large.
    assert!(!too_much(&samples::png_header_only(
        8192,
        6144,
        png::ColorType::Rgb
    )));
}

/// CIE L*a*b* (D65) of linear-light XYZ.
fn lab(xyz: [f64; 3]) -> [f64; 3] {
    let white = [0.950_47, 1.0, 1.088_83];
    let f = |t: f64| {
        if t > 216.0 / 24_389.0 {
            t.cbrt()
        } else {
            (24_389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (
        f(xyz[0] / white[0]),
        f(xyz[1] / white[1]),
        f(xyz[2] / white[2]),
    );
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

fn linear(v: u8) -> f64 {
    let c = f64::from(v) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn xyz(matrix: [[f64; 3]; 3], rgb: [u8; 3]) -> [f64; 3] {
    let l = rgb.map(linear);
    matrix.map(|row| row[0] * l[0] + row[1] * l[1] + row[2] * l[2])
}

const SRGB_TO_XYZ: [[f64; 3]; 3] = [
    [0.412_456_4, 0.357_576_1, 0.180_437_5],
    [0.212_672_9, 0.715_152_2, 0.072_175_0],
    [0.019_333_9, 0.119_192_0, 0.950_304_1],
];
/// Display P3 (P3 primaries, D65 white, sRGB's transfer curve).
const P3_TO_XYZ: [[f64; 3]; 3] = [
    [0.486_570_9, 0.265_667_7, 0.198_217_3],
    [0.228_974_6, 0.691_738_5, 0.079_286_9],
    [0.0, 0.045_113_4, 1.043_944_4],
];

fn delta_e(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

/// The worst and the mean ΔE (CIE76) of each patch's centre in `out`
/// against the Display P3 colours it was made from; and the same for the
/// pixels taken as sRGB without conversion (what the pipeline did before).
pub(crate) fn p3_delta_e(out: &[u8], colours: &[[u8; 3]]) -> (f64, f64, f64) {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(out));
    let pixels = decoder.decode().unwrap();
    let info = decoder.info().unwrap();
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    let patch = w / colours.len();
    let (mut worst, mut sum, mut naive) = (0f64, 0f64, 0f64);
    for (k, &colour) in colours.iter().enumerate() {
        let at = (h / 2 * w + k * patch + patch / 2) * 3;
        let got = [pixels[at], pixels[at + 1], pixels[at + 2]];
        let want = lab(xyz(P3_TO_XYZ, colour));
        let e = delta_e(lab(xyz(SRGB_TO_XYZ, got)), want);
        worst = worst.max(e);
        sum += e;
        naive += delta_e(lab(xyz(SRGB_TO_XYZ, colour)), want);
    }
    let n = colours.len() as f64;
    (worst, sum / n, naive / n)
}

#[test]
fn display_p3_photos_keep_their_colours_in_jpeg_png_and_webp() {
    let colours = samples::P3_COLOURS;
    let (w, h, rgb) = samples::patches(&colours, 96);
    let icc = samples::display_p3_icc();
    // Several APP2 chunks: the profile padded past one segment.
    let big_icc = samples::padded_icc(&icc, 150_000);
    for (name, bytes) in [
        ("JPEG", samples::jpeg_with_icc(w, h, &rgb, &icc)),
        (
            "JPEG, 3 chunks",
            samples::jpeg_with_icc(w, h, &rgb, &big_icc),
        ),
        ("PNG", samples::png_with_icc(w, h, &rgb, &icc)),
        ("WebP", samples::webp(w, h, &rgb, None, Some(&icc))),
    ] {
        let out = process(&bytes, &Settings::default()).unwrap();
        assert!(out.colour_managed, "{name}");
        assert_no_metadata(&out.jpeg);
        let (worst, mean, naive) = p3_delta_e(&out.jpeg, &colours);
        assert!(
            worst < 3.0 && mean < 1.5,
            "{name}: ΔE worst {worst:.2}, mean {mean:.2}"
        );
        assert!(naive > 4.0, "{name}: unconverted ΔE {naive:.2}");
    }
    // Without a profile the same pixels are taken as sRGB.
    let plain = samples::png_with_icc(w, h, &rgb, b"not a profile");
    let out = process(&plain, &Settings::default()).unwrap();
    assert!(!out.colour_managed);
}

#[cfg(feature = "heif")]
mod heif {
    use super::*;

    #[test]
    fn heic_is_decoded_upright_with_its_exif_and_colour() {
        // 400×100 with an EXIF orientation of 6: in HEIF the file's own
        // rotation (`irot`, which libheif applies) is the one that counts and
        // EXIF's is informative (iPhones write both, alike), so it is not
        // applied again. (libheif 1.15's encoder cannot write `irot`; the
        // rotation itself is libheif's, not tested here.)
        let (w, h, rgb) = samples::patches(&samples::P3_COLOURS[..4], 100);
        let tiff = samples::exif_tiff(&samples::gps_orientation_time(16.4637, 107.5909, 6));
        let heic = samples::heif(false, (w, h), &rgb, Some(&tiff));
        assert_eq!(sniff(&heic), Ok(Format::Heif));
        let out = process(&heic, &Settings::default()).unwrap();
        assert_eq!(out.exif.orientation, 6);
        assert_eq!((out.width, out.height), (400, 100));
        let location = out.exif.location.unwrap();
        assert!((location.lat - 16.4637).abs() < 1e-3);
        assert_no_metadata(&out.jpeg);
        // Display P3 through an ICC profile in the file: `samples::patches`
        // of `P3_COLOURS` at 64 px with `samples::display_p3_icc`, encoded
        // once by libheif 1.15 (libheif-rs 0.20 hands libheif the profile's
        // type without its terminating NUL, which libheif measures with
        // strlen: encoding it in the test passed or failed with the memory
        // after it).
        let heic = include_bytes!("../testdata/display-p3-patches.heic");
        let out = process(heic, &Settings::default()).unwrap();
        assert!(out.colour_managed);
        let (worst, mean, _) = p3_delta_e(&out.jpeg, &samples::P3_COLOURS);
        assert!(
            worst < 4.0 && mean < 2.5,
            "ΔE worst {worst:.2}, mean {mean:.2}"
        );
    }

    #[test]
    fn avif_is_decoded_too() {
        let (w, h, rgb) = samples::patches(&samples::P3_COLOURS[..2], 64);
        let avif = samples::heif(true, (w, h), &rgb, None);
        assert_eq!(sniff(&avif), Ok(Format::Avif));
        let out = process(&avif, &Settings::default()).unwrap();
        assert_eq!((out.width, out.height), (128, 64));
    }

    #[test]
    fn a_broken_heic_is_damaged() {
        let mut fake = samples::ftyp_only(b"heic", &[b"mif1", b"heic"]);
        fake.resize(4096, 0);
        assert!(matches!(
            process(&fake, &Settings::default()),
            Err(PhotoError::Damaged(_))
        ));
    }
}
