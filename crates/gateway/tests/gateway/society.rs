//! Alerts published and expired by staff (wards checked, ends after starts,
//! markup kept as text), places nearby by category, OCOP products and
//! their traceability, all with ETags and `updated_after`.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{Fixture, answer, client};

fn publish(gw: &Fixture, token: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut request = client()
        .post(format!("{}/api/v1/staff/alerts", gw.url))
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    answer(request.send().unwrap())
}

fn in_hours(hours: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    cds_domain::time::iso(i64::try_from(now).unwrap() + hours * 3_600_000)
}

fn alert(areas: Value) -> Value {
    json!({
        "id": "thu-nghiem",
        "kind": "flood",
        "severity": "danger",
        "areas": areas,
        "title": {"vi": "Lũ <script>alert(1)</script>", "en": "Flood"},
        "body": {"vi": "Nước lên", "en": "Water rises"},
        "instructions": {"vi": "Di dời", "en": "Move"},
        "valid_until": in_hours(6),
    })
}

#[test]
fn staff_publish_and_expire_alerts_and_bad_ones_are_refused() {
    let gw = Fixture::new();
    let (status, before) = gw.get("/api/v1/alerts");
    assert_eq!(status, StatusCode::OK);
    let before = before.as_array().unwrap().len();
    assert!(before >= 4, "several demo alerts across wards");
    assert!(
        !gw.get("/api/v1/alerts")
            .1
            .to_string()
            .contains("mat-nuoc-da-qua"),
        "an alert already over is not served"
    );

    // Refused: no token, unknown ward, end before start, unknown severity.
    assert_eq!(
        publish(&gw, None, &alert(json!(["19753"]))).0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        publish(&gw, Some("nope"), &alert(json!(["19753"]))).0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = publish(&gw, Some(&gw.staff), &alert(json!(["19753", "00000"])));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("not a ward"), "{body}");
    let mut backwards = alert(json!(["*"]));
    backwards["valid_from"] = json!(in_hours(5));
    backwards["valid_until"] = json!(in_hours(2));
    let (status, body) = publish(&gw, Some(&gw.staff), &backwards);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("after valid_from"), "{body}");
    let mut past = alert(json!(["*"]));
    past["valid_from"] = json!(in_hours(-5));
    past["valid_until"] = json!(in_hours(-1));
    assert_eq!(
        publish(&gw, Some(&gw.staff), &past).0,
        StatusCode::BAD_REQUEST
    );
    let mut odd = alert(json!(["*"]));
    odd["severity"] = json!("apocalyptic");
    assert_eq!(
        publish(&gw, Some(&gw.staff), &odd).0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        publish(&gw, Some(&gw.staff), &json!({"kind": 1})).0,
        StatusCode::BAD_REQUEST
    );

    // Published: served with a new ETag, markup kept as text.
    let first = client()
        .get(format!("{}/api/v1/alerts", gw.url))
        .send()
        .unwrap();
    let etag = first.headers()[header::ETAG].to_str().unwrap().to_owned();
    let marker = in_hours(0);
    let (status, published) = publish(&gw, Some(&gw.staff), &alert(json!(["19753"])));
    assert_eq!(status, StatusCode::CREATED, "{published}");
    assert_eq!(published["title"]["vi"], "Lũ <script>alert(1)</script>");
    let again = client()
        .get(format!("{}/api/v1/alerts", gw.url))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK, "the list changed");
    let (_, newer) = gw.get(&format!("/api/v1/alerts?updated_after={marker}"));
    assert!(newer.to_string().contains("thu-nghiem"), "{newer}");
    let (_, none) = gw.get(&format!("/api/v1/alerts?updated_after={}", in_hours(1)));
    assert!(none.as_array().unwrap().is_empty(), "{none}");
    let (_, list) = gw.get("/api/v1/alerts");
    assert_eq!(list.as_array().unwrap().len(), before + 1);

    // Expired: gone from the list; an unknown id is 404.
    let expire = |id: &str| {
        answer(
            client()
                .post(format!("{}/api/v1/staff/alerts/{id}/expire", gw.url))
                .bearer_auth(&gw.staff)
                .send()
                .unwrap(),
        )
    };
    assert_eq!(expire("thu-nghiem").0, StatusCode::OK);
    assert_eq!(expire("khong-co").0, StatusCode::NOT_FOUND);
    let (_, list) = gw.get("/api/v1/alerts");
    assert_eq!(list.as_array().unwrap().len(), before);
}

#[test]
fn places_products_and_traces_are_served_with_etags() {
    let gw = Fixture::new();
    for path in ["/api/v1/places", "/api/v1/products"] {
        let response = client().get(format!("{}{path}", gw.url)).send().unwrap();
        let etag = response.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_owned();
        let (status, list) = answer(response);
        assert_eq!(status, StatusCode::OK);
        assert!(list.as_array().unwrap().len() >= 24, "{path}");
        let again = client()
            .get(format!("{}{path}", gw.url))
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        let (_, newer) = gw.get(&format!("{path}?updated_after=2099-01-01"));
        assert!(newer.as_array().unwrap().is_empty(), "{path}");
        assert_eq!(
            gw.get(&format!("{path}?updated_after=soon")).0,
            StatusCode::BAD_REQUEST
        );
    }
    let (_, places) = gw.get("/api/v1/places");
    assert!(
        places.as_array().unwrap().len() >= 100,
        "at least a hundred places"
    );
    let (_, shelters) = gw.get("/api/v1/places?category=shelter");
    let shelters = shelters.as_array().unwrap();
    assert!(!shelters.is_empty());
    assert!(
        shelters
            .iter()
            .all(|p| p["category"] == "shelter" && p["approximate"] == true)
    );
    assert_eq!(
        gw.get("/api/v1/places?category=casino").0,
        StatusCode::BAD_REQUEST
    );

    // A registered product: its latest batch, or the one asked for.
    let (status, trace) = gw.get("/api/v1/trace/8938520000014");
    assert_eq!(status, StatusCode::OK, "{trace}");
    assert_eq!(trace["product"]["gtin"], "8938520000014");
    let lots = trace["lots"].as_array().unwrap();
    assert!(lots.len() >= 2);
    assert!(trace["batch"]["steps"].as_array().unwrap().len() >= 4);
    let older = lots[1].as_str().unwrap();
    let (status, batch) = gw.get(&format!("/api/v1/trace/08938520000014?lot={older}"));
    assert_eq!(status, StatusCode::OK, "a GTIN-14 is the same product");
    assert_eq!(batch["batch"]["lot"], older);
    // Unknown product, unknown lot, not a GTIN.
    assert_eq!(
        gw.get("/api/v1/trace/8936036020014").0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        gw.get("/api/v1/trace/8938520000014?lot=NOPE").0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        gw.get("/api/v1/trace/8938520000015").0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        gw.get("/api/v1/trace/%3Cscript%3E").0,
        StatusCode::BAD_REQUEST
    );
}
