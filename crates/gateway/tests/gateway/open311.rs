//! Open311: services, requests with photos, exactly-once, filters, tokens, OpenAPI.

use reqwest::StatusCode;

use crate::{DEMO_KEY, Fixture, PHOTO, client};

#[test]
fn services_and_their_definitions() {
    let gw = Fixture::new();
    let (status, services) = gw.get("/open311/v2/services.json");
    assert_eq!(status, StatusCode::OK);
    assert!(services.as_array().unwrap().len() >= 5);
    assert_eq!(services[0]["service_code"], "pothole");
    let (_, plain) = gw.get("/open311/v2/services");
    assert_eq!(plain, services);
    let (status, definition) = gw.get("/open311/v2/services/flooding.json");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(definition["attributes"][0]["code"], "depth_cm");
    assert_eq!(definition["attributes"][0]["datatype"], "number");
    assert_eq!(
        gw.get("/open311/v2/services/nothing.json").0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(gw.get_xml("/open311/v2/services.xml").0, StatusCode::OK);
    assert_eq!(
        gw.get_xml("/open311/v2/services/pothole.xml").0,
        StatusCode::OK
    );
    assert_eq!(
        gw.get("/open311/v2/services/pothole.yaml").0,
        StatusCode::NOT_FOUND
    );
    let (status, discovery) = gw.get("/open311/v2/discovery.json");
    assert_eq!(status, StatusCode::OK);
    assert!(
        discovery["endpoints"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/open311/v2")
    );
}

#[test]
fn a_request_with_photos_is_stored_and_served_back() {
    let gw = Fixture::new();
    let media_files = || {
        std::fs::read_dir(gw.dir.path().join("media"))
            .unwrap()
            .count()
    };
    let seeded = media_files();
    assert!(seeded >= 6, "the seed's guide illustrations");
    let second = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/test-images/phone-nokia-4608x1976-gps.jpg"
    ))
    .unwrap();
    let (status, created) = gw.post_request(
        &[
            ("api_key", DEMO_KEY),
            ("service_code", "rubbish"),
            ("lat", "16.47"),
            ("long", "107.58"),
            ("attribute[kinds][]", "household"),
            ("attribute[kinds][]", "construction"),
            ("description", "Rác <script>alert(1)</script> đổ trộm"),
        ],
        &[PHOTO, &second],
        Some("key-photos"),
    );
    assert_eq!(status, StatusCode::OK, "{created}");
    let id = created[0]["service_request_id"].as_str().unwrap();
    assert!(
        created[0].get("token").is_none(),
        "no token beside an id: {created}"
    );
    let token: String = gw
        .db()
        .query_row(
            "SELECT token FROM requests WHERE id = ?1",
            [id.parse::<i64>().unwrap()],
            |row| row.get(0),
        )
        .unwrap();
    let (status, requests) = gw.get(&format!("/open311/v2/requests/{id}.json"));
    assert_eq!(status, StatusCode::OK);
    let request = &requests[0];
    assert_eq!(request["status"], "open");
    assert_eq!(request["detailed_status"], "received");
    assert_eq!(
        request["description"], "Rác <script>alert(1)</script> đổ trộm",
        "stored as text"
    );
    assert_eq!(request["lat"], 16.47);
    let urls: Vec<&str> = request["media_urls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), 2);
    assert_eq!(request["media_url"], urls[0]);
    for (url, original) in urls.iter().zip([PHOTO, &second]) {
        let response = client().get(*url).send().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        assert_eq!(
            &response.bytes().unwrap()[..],
            original,
            "served byte-identical"
        );
    }
    let (status, answer) = gw.get(&format!("/open311/v2/tokens/{token}.json"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer[0]["service_request_id"], id);
    assert_eq!(
        gw.get("/open311/v2/tokens/nope.json").0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        gw.get("/open311/v2/requests/999999.json").0,
        StatusCode::NOT_FOUND
    );
    // The same photo again is stored once.
    gw.file("key-again", "lần hai");
    assert_eq!(
        media_files(),
        seeded + 2,
        "two photos, besides the guide illustrations of the seed"
    );
}

#[test]
fn exactly_once_per_idempotency_key_even_under_concurrent_posts() {
    let gw = Fixture::new();
    let id = gw.file("k-1", "ổ gà");
    let fields = [
        ("api_key", DEMO_KEY),
        ("service_code", "pothole"),
        ("lat", "16.4637"),
        ("long", "107.5909"),
        ("attribute[size]", "large"),
        ("description", "ổ gà"),
    ];
    // Same key, same body, even in another field order: the original.
    let mut reordered = fields;
    reordered.reverse();
    let (status, replay) = gw.post_request(&reordered, &[PHOTO], Some("k-1"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replay[0]["service_request_id"], id.as_str());
    // The key as attribute[client_request_id] is the same key.
    let mut with_attribute = fields.to_vec();
    with_attribute.push(("attribute[client_request_id]", "k-1"));
    let (status, replay) = gw.post_request(&with_attribute, &[PHOTO], None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(replay[0]["service_request_id"], id.as_str());
    // Same key, different body: 409, nothing stored.
    let mut changed = fields;
    changed[5] = ("description", "khác");
    assert_eq!(
        gw.post_request(&changed, &[PHOTO], Some("k-1")).0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        gw.post_request(&fields, &[], Some("k-1")).0,
        StatusCode::CONFLICT,
        "a photo missing is a different body"
    );
    assert_eq!(gw.count(), 1);

    // Sixteen concurrent posts with one new key: one request.
    let ids: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..16)
            .map(|_| {
                scope.spawn(|| {
                    let (status, body) = gw.post_request(&fields, &[PHOTO], Some("k-concurrent"));
                    assert!(status == StatusCode::OK, "{status}");
                    body[0]["service_request_id"].as_str().unwrap().to_owned()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    assert_eq!(gw.count(), 2);
}

#[test]
fn filters_paging_and_incremental_pulls() {
    let gw = Fixture::new();
    let ids: Vec<String> = (0..5)
        .map(|i| gw.file(&format!("f-{i}"), &format!("số {i}")))
        .collect();
    let (status, flood) = gw.post_request(
        &[
            ("api_key", DEMO_KEY),
            ("service_code", "flooding"),
            ("address_string", "Kiệt 12 Phan Đình Phùng"),
            ("attribute[depth_cm]", "40"),
        ],
        &[],
        Some("flood-1"),
    );
    assert_eq!(status, StatusCode::OK, "{flood}");
    let (_, all) = gw.get("/open311/v2/requests.json");
    assert_eq!(all.as_array().unwrap().len(), 6);
    assert_eq!(all[0]["service_code"], "flooding", "newest first");
    let (_, potholes) = gw.get("/open311/v2/requests.json?service_code=pothole");
    assert_eq!(potholes.as_array().unwrap().len(), 5);
    let (_, some) = gw.get(&format!(
        "/open311/v2/requests.json?service_request_id={},{}",
        ids[0], ids[3]
    ));
    assert_eq!(some.as_array().unwrap().len(), 2);
    let (_, page) = gw.get("/open311/v2/requests.json?page_size=4&page=2");
    assert_eq!(page.as_array().unwrap().len(), 2);
    let (_, closed) = gw.get("/open311/v2/requests.json?status=closed");
    assert!(closed.as_array().unwrap().is_empty());
    let (_, none_after) = gw.get("/open311/v2/requests.json?updated_after=2099-01-01T00:00:00Z");
    assert!(none_after.as_array().unwrap().is_empty());
    let (_, since) = gw.get("/open311/v2/requests.json?updated_after=2000-01-01&extensions=true");
    assert_eq!(
        since[0]["service_request_id"],
        ids[0].as_str(),
        "oldest change first"
    );
    assert!(since[0]["updates"].is_array());
    let (_, in_range) =
        gw.get("/open311/v2/requests.json?start_date=2000-01-01&end_date=2099-12-31");
    assert_eq!(in_range.as_array().unwrap().len(), 6);
}

#[test]
fn api_keys_are_required_and_checked() {
    let gw = Fixture::new();
    let fields = [
        ("service_code", "pothole"),
        ("lat", "16.46"),
        ("long", "107.59"),
        ("attribute[size]", "small"),
    ];
    assert_eq!(gw.post_request(&fields, &[], None).0, StatusCode::FORBIDDEN);
    let mut wrong = fields.to_vec();
    wrong.push(("api_key", "not-a-key"));
    assert_eq!(gw.post_request(&wrong, &[], None).0, StatusCode::FORBIDDEN);
    let output = crate::gateway_command(gw.dir.path())
        .args(["create-api-key", "Một ứng dụng khác"])
        .output()
        .unwrap();
    let key = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    let mut other = fields.to_vec();
    other.push(("api_key", &key));
    assert_eq!(gw.post_request(&other, &[], None).0, StatusCode::OK);
    if crate::test_server().is_none() {
        let stored = std::fs::read(gw.dir.path().join("gateway.sqlite3")).unwrap();
        assert!(
            !stored.windows(key.len()).any(|w| w == key.as_bytes()),
            "keys are stored hashed"
        );
    }
    let clear: i64 = gw
        .db()
        .query_row(
            "SELECT COUNT(*) FROM api_keys WHERE key_hash = ?1 OR name = ?1",
            [&key],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(clear, 0, "keys are stored hashed");
    let hashed: i64 = gw
        .db()
        .query_row(
            "SELECT COUNT(*) FROM api_keys WHERE name = 'Một ứng dụng khác'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(hashed, 1);
}

#[test]
fn the_committed_openapi_document_is_current() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).unwrap();
    let generated = cds_gateway::openapi_json();
    assert!(
        committed == generated,
        "crates/gateway/openapi.json is out of date: run `cargo run -p cds-gateway -- openapi > crates/gateway/openapi.json`"
    );
    let gw = Fixture::new();
    let served = client()
        .get(format!("{}/openapi.json", gw.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(served, generated);
}
