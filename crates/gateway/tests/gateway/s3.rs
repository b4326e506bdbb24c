//! Photos in an S3-compatible object store (`--media s3://bucket/prefix`):
//! written there before the record, served from there, and a store that
//! does not answer is a 503 with `Retry-After` that stores nothing.
//! `cargo xtask test` runs these against moto's server (`--ignored s3::`,
//! with `AWS_ENDPOINT` and credentials in the environment).

use reqwest::{StatusCode, header};

use crate::{DEMO_KEY, Fixture, PHOTO, client};

/// moto's address, as xtask gives it.
fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT")
        .expect("AWS_ENDPOINT: an S3-compatible server (cargo xtask test starts moto)")
}

fn make_bucket(name: &str) {
    let response = client()
        .put(format!("{}/{name}", endpoint()))
        .send()
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

#[test]
#[ignore = "needs an S3-compatible server: cargo xtask test starts moto"]
fn photos_live_in_the_object_store_and_its_absence_is_a_503_that_stores_nothing() {
    make_bucket("cds-photos");
    let gw = Fixture::with(&["--media", "s3://cds-photos/hue"], &[]);
    assert_eq!(gw.get("/ready").0, StatusCode::OK);
    let id = gw.file("s3-photo", "Ổ gà, ảnh lưu trong kho đối tượng");
    let (status, request) = gw.get(&format!("/open311/v2/requests/{id}.json"));
    assert_eq!(status, StatusCode::OK);
    let url = request[0]["media_url"].as_str().unwrap().to_owned();
    let hash = url.rsplit('/').next().unwrap().to_owned();
    // Served back by the gateway, and there in the bucket under the prefix.
    let served = client().get(&url).send().unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().unwrap().as_ref(), PHOTO);
    let bucket =
        cds_gateway::media_store::MediaStore::open(Some("s3://cds-photos/hue"), gw.dir.path())
            .unwrap();
    assert_eq!(bucket.read(&hash).unwrap().as_deref(), Some(PHOTO));
    assert!(
        !gw.dir.path().join("media").join(&hash).exists(),
        "not in the local folder"
    );

    // The same records with a bucket that does not exist: not ready, and a
    // report with a photo is refused with Retry-After, nothing stored.
    let (_broken, broken_url) =
        crate::start_gateway_with(gw.dir.path(), &["--media", "s3://no-such-bucket/hue"], &[]);
    let ready = client().get(format!("{broken_url}/ready")).send().unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let fields = [
        ("api_key", DEMO_KEY),
        ("service_code", "pothole"),
        ("lat", "16.4637"),
        ("long", "107.5909"),
        ("attribute[size]", "large"),
        ("description", "Kho ảnh không trả lời"),
    ];
    let response = crate::post_form(
        &broken_url,
        "requests.json",
        &fields,
        &[PHOTO],
        Some("s3-down"),
    )
    .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(gw.stored_with_key("s3-down"), 0);
    // Sent again to the gateway whose store answers: stored once.
    let response =
        crate::post_form(&gw.url, "requests.json", &fields, &[PHOTO], Some("s3-down")).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}
