//! The photo pipeline on real phone photos and hostile files, and the report's
//! location: EXIF offered, points outside the province refused, areas pulled.

use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

use cds_core::{Error, imaging::samples};
use cds_domain::report::{Field, LocationSource, ReportDraft, Rule};

use crate::{closed_port, gateway, open, outbox::complete_draft};

fn image(name: &str) -> Vec<u8> {
    std::fs::read(images().join(name)).unwrap()
}

fn images() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/test-images")
}

fn decoded_size(jpeg: &[u8]) -> (u16, u16) {
    let mut decoder = jpeg_decoder::Decoder::new(std::io::Cursor::new(jpeg));
    decoder.read_info().unwrap();
    let info = decoder.info().unwrap();
    (info.width, info.height)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_photos_become_small_private_jpegs() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let draft = core.save_draft(None, ReportDraft::default()).await.unwrap();
    for (name, size, (lat, lon)) in [
        (
            "phone-iphone-3264x2448-gps.jpg",
            (1600, 1200),
            (40.44697, -3.72475),
        ),
        (
            "phone-nokia-4608x1976-gps.jpg",
            (1600, 686),
            (60.14671, 24.90677),
        ),
    ] {
        let original = image(name);
        let added = core
            .add_photo(draft.id.clone(), original.clone())
            .await
            .unwrap();
        let stored = core.photo_dir().read(&added.hash).unwrap();
        assert_eq!(decoded_size(&stored), size, "{name}");
        assert_eq!(
            (added.width, added.height),
            (u32::from(size.0), u32::from(size.1))
        );
        assert!(
            stored.len() < original.len() / 3,
            "{name}: {} bytes",
            stored.len()
        );
        assert!(
            exif::Reader::new()
                .read_from_container(&mut std::io::Cursor::new(&stored))
                .is_err(),
            "{name}: metadata left in the stored photo"
        );
        let thumb = std::fs::read(core.photo_dir().thumb_path(&added.hash)).unwrap();
        let (tw, th) = decoded_size(&thumb);
        assert_eq!(tw.max(th), 320, "{name}");
        let exif = added.exif_location.unwrap();
        assert!(
            (exif.lat - lat).abs() < 1e-4 && (exif.lon - lon).abs() < 1e-4,
            "{name}: {exif:?}"
        );
        assert_eq!(exif.source, LocationSource::PhotoExif);
        assert!(added.taken_at.is_some(), "{name}");
        // Far from Huế: offered, not used.
        assert!(!added.used_exif_location, "{name}");
    }
    assert_eq!(core.draft(draft.id.clone()).await.unwrap().photos.len(), 2);
    assert_eq!(core.draft(draft.id).await.unwrap().draft.location, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_taken_in_hue_gives_the_draft_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let draft = core.save_draft(None, ReportDraft::default()).await.unwrap();
    let added = core
        .add_photo(draft.id.clone(), image("pothole_hue_synthetic.jpg"))
        .await
        .unwrap();
    assert!(added.used_exif_location);
    let location = added.draft.draft.location.unwrap();
    assert_eq!(location.source, LocationSource::PhotoExif);
    assert!((location.lat - 16.4637).abs() < 1e-3 && (location.lon - 107.5909).abs() < 1e-3);
    let placed = core.locate(location.lat, location.lon).await.unwrap();
    assert!(placed.inside_province && placed.approximate);
    assert!(placed.ward.is_some());
    assert!(placed.boundary_distance_m > 0.0);
    // A draft that has a location keeps it: a later photo's is only offered.
    let mut pinned = added.draft.draft.clone();
    pinned.location = Some(cds_domain::report::Location {
        lat: 16.47,
        lon: 107.60,
        accuracy_m: Some(5.0),
        source: LocationSource::Pin,
    });
    core.save_draft(Some(draft.id.clone()), pinned.clone())
        .await
        .unwrap();
    let second = core
        .add_photo(draft.id.clone(), image("phone-iphone-3264x2448-gps.jpg"))
        .await
        .unwrap();
    assert!(!second.used_exif_location && second.exif_location.is_some());
    assert_eq!(second.draft.draft.location, pinned.location);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_file_is_refused_quickly_and_nothing_is_added() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let draft = core.save_draft(None, ReportDraft::default()).await.unwrap();
    let mut files: Vec<_> = std::fs::read_dir(images().join("hostile"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 19, "the hostile set is missing");
    let mut heic = samples::ftyp_only(b"heic", &[b"mif1", b"heic"]);
    heic.resize(4096, 0);
    let mut avif = samples::ftyp_only(b"avif", &[b"avif", b"mif1", b"miaf"]);
    avif.resize(4096, 0);
    let mut inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|path| (path.display().to_string(), std::fs::read(path).unwrap()))
        .collect();
    inputs.push(("a broken HEIC photo".into(), heic));
    inputs.push(("a broken AVIF photo".into(), avif));
    inputs.push(("a GIF".into(), b"GIF89a\x01\0\x01\0\0\0\0;".to_vec()));
    for (name, bytes) in inputs {
        let started = Instant::now();
        let result = core.add_photo(draft.id.clone(), bytes).await;
        let took = started.elapsed();
        let Err(Error::Invalid(invalid)) = result else {
            panic!("{name}: not refused: {result:?}");
        };
        assert_eq!(invalid.field, Field::Photos, "{name}");
        assert!(
            matches!(
                invalid.rule,
                Rule::Empty
                    | Rule::NotSupported
                    | Rule::AvifNotSupported
                    | Rule::NotAnImage
                    | Rule::Damaged
                    | Rule::TooManyPixels
                    | Rule::TooComplex
                    | Rule::UnsupportedJpeg
            ),
            "{name}: {invalid:?}"
        );
        // With libheif a broken file is damaged; without, named by format.
        let (heic_rule, avif_rule) = if cfg!(feature = "heif") {
            (Rule::Damaged, Rule::Damaged)
        } else {
            (Rule::NotSupported, Rule::AvifNotSupported)
        };
        let expected = [
            ("HEIC", heic_rule),
            ("AVIF", avif_rule),
            ("scans", Rule::TooComplex),
            ("lossless-1", Rule::UnsupportedJpeg),
            ("header", Rule::TooManyPixels),
        ];
        for (part, rule) in expected {
            if name.contains(part) {
                assert_eq!(invalid.rule, rule, "{name}");
            }
        }
        assert!(took < Duration::from_secs(1), "{name}: {took:?}");
    }
    assert!(core.draft(draft.id).await.unwrap().photos.is_empty());
    assert!(
        core.photo_dir().files().unwrap().is_empty(),
        "no file left behind"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_outside_the_province_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let mut draft = complete_draft("ổ gà ở Đà Nẵng");
    draft.location.as_mut().unwrap().lat = 16.0544;
    draft.location.as_mut().unwrap().lon = 108.2022;
    let saved = core.save_draft(None, draft.clone()).await.unwrap();
    let refused = core.submit(saved.id.clone()).await.unwrap_err();
    let Error::Invalid(invalid) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(
        (invalid.field, invalid.rule),
        (Field::Location, Rule::OutsideProvince)
    );
    assert!(core.outbox().await.unwrap().is_empty(), "nothing queued");
    draft.location = complete_draft("").location;
    core.save_draft(Some(saved.id.clone()), draft)
        .await
        .unwrap();
    core.submit(saved.id).await.unwrap();
    for (lat, lon) in [(f64::NAN, 107.0), (16.0, f64::INFINITY), (100.0, 0.0)] {
        assert!(matches!(
            core.locate(lat, lon).await,
            Err(Error::Invalid(_))
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn areas_come_from_the_api_and_bad_ones_are_refused() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open(app_dir.path(), &url).await.unwrap();
    let bundled = core.areas().await.unwrap();
    let pulled = core.pull_content().await.unwrap();
    assert!(pulled.changed.contains(&cds_core::content::Kind::Areas));
    let from_api = core.areas().await.unwrap();
    assert_eq!(from_api.wards.len(), bundled.wards.len());
    let citadel = core.locate(16.4698, 107.5786).await.unwrap();
    assert_eq!(citadel.ward.unwrap().1.vi, "Phú Xuân");

    // A server answering rubbish for the areas leaves the stored ones in place.
    let hostile = crate::serve(axum::Router::new().route(
        "/api/v1/areas",
        axum::routing::get(|| async { r#"{"type":"FeatureCollection","features":[]}"# }),
    ))
    .await;
    drop(core);
    let core = open(app_dir.path(), &hostile).await.unwrap();
    let _ = core.pull_content().await.unwrap();
    assert_eq!(core.areas().await.unwrap().wards.len(), 40);
}

/// Adds `bytes` to a new draft of a fresh engine: the answer and how long it
/// took.
async fn add_one(bytes: Vec<u8>) -> (Result<cds_domain::report::PhotoAdded, Error>, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let draft = core.save_draft(None, ReportDraft::default()).await.unwrap();
    let started = Instant::now();
    let added = core.add_photo(draft.id, bytes).await;
    (added, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_of_108_mp_and_panoramas_of_20000_px_are_accepted() {
    let gps = samples::exif_tiff(&samples::gps_orientation_time(16.4637, 107.5909, 1));
    for ((w, h), want) in [
        ((12_000, 9_000), (1600, 1200)),
        ((8192, 6144), (1600, 1200)),
        ((20_000, 1_000), (1600, 80)),
    ] {
        let jpeg = samples::gradient_jpeg(w, h, Some(&gps));
        let (added, took) = add_one(jpeg).await;
        let added = added.unwrap_or_else(|err| panic!("{w}×{h}: {err:?}"));
        assert_eq!((added.width, added.height), want, "{w}×{h}");
        assert!(added.used_exif_location, "{w}×{h}: taken in Huế");
        assert!(took < Duration::from_secs(10), "{w}×{h}: {took:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webp_with_the_exif_prefix_gives_its_place_and_orientation() {
    let tiff = samples::exif_tiff(&samples::gps_orientation_time(16.4637, 107.5909, 8));
    let (w, h, rgb) = samples::patches(&samples::P3_COLOURS[..4], 50);
    let webp = samples::webp(w, h, &rgb, Some((&tiff, true)), None);
    let (added, _) = add_one(webp).await;
    let added = added.unwrap();
    assert!(added.used_exif_location);
    assert_eq!((added.width, added.height), (50, 200), "turned upright");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_p3_photo_is_stored_in_srgb() {
    let (w, h, rgb) = samples::patches(&samples::P3_COLOURS, 80);
    let jpeg = samples::jpeg_with_icc(w, h, &rgb, &samples::display_p3_icc());
    let dir = tempfile::tempdir().unwrap();
    let core = open(dir.path(), &closed_port()).await.unwrap();
    let draft = core.save_draft(None, ReportDraft::default()).await.unwrap();
    let added = core.add_photo(draft.id, jpeg).await.unwrap();
    let stored = core.photo_dir().read(&added.hash).unwrap();
    assert!(!stored.windows(11).any(|w| w == b"ICC_PROFILE"));
    // P3's red (200, 60, 50) is redder than sRGB's same numbers.
    let mut decoder = jpeg_decoder::Decoder::new(std::io::Cursor::new(&stored));
    let pixels = decoder.decode().unwrap();
    let at = (40 * usize::try_from(w).unwrap() + 40) * 3;
    let red = &pixels[at..at + 3];
    assert!(red[0] >= 210 && red[1] <= 50, "{red:?}");
}

#[cfg(feature = "heif")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heic_and_avif_photos_are_read_on_the_desktop() {
    let gps = samples::exif_tiff(&samples::gps_orientation_time(16.4637, 107.5909, 1));
    let (w, h, rgb) = samples::patches(&samples::P3_COLOURS[..4], 100);
    for avif in [false, true] {
        let photo = samples::heif(avif, (w, h), &rgb, Some(&gps));
        let (added, _) = add_one(photo).await;
        let added = added.unwrap_or_else(|err| panic!("AVIF {avif}: {err:?}"));
        assert_eq!((added.width, added.height), (400, 100));
        assert!(added.used_exif_location, "AVIF {avif}");
    }
}
