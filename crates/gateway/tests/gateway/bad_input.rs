//! Hostile and malformed input: each gets a 4xx with an Open311 error, no
//! request produces a server error, and nothing is stored.

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use reqwest::StatusCode;

use crate::{DEMO_KEY, Fixture, PHOTO, answer, client};

/// Sends raw bytes and returns the status line (a real client cannot send these).
fn raw(gw: &Fixture, request: &[u8], close_write: bool) -> String {
    let addr = gw.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    if close_write {
        stream.shutdown(std::net::Shutdown::Write).unwrap();
    }
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8_lossy(&response)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

fn base<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("api_key", DEMO_KEY),
        ("service_code", "pothole"),
        ("lat", "16.46"),
        ("long", "107.59"),
        ("attribute[size]", "small"),
    ]
}

#[test]
fn malformed_and_hostile_requests_are_refused_and_change_nothing() {
    let gw = Fixture::new();
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut fields = base();
        for (name, value) in extra {
            fields.retain(|(n, _)| n != name);
            fields.push((name, value));
        }
        fields
    };
    let long_description = "x".repeat(4001);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, StatusCode);
    let cases: Vec<Case<'_>> = vec![
        (
            "latitude out of range",
            with(&[("lat", "91")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "longitude NaN",
            with(&[("long", "NaN")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "latitude infinite",
            with(&[("lat", "1e999")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "latitude without longitude",
            with(&[("long", "")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "unknown service",
            with(&[("service_code", "teleport")]),
            StatusCode::NOT_FOUND,
        ),
        (
            "SQL in the service code",
            with(&[("service_code", "pothole' OR '1'='1")]),
            StatusCode::NOT_FOUND,
        ),
        (
            "missing required attribute",
            base()
                .into_iter()
                .filter(|(n, _)| *n != "attribute[size]")
                .collect(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "value not in the list",
            with(&[("attribute[size]", "enormous")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "undefined attribute",
            with(&[("attribute[colour]", "red")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "number that is not",
            with(&[("attribute[depth_cm]", "deep")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "control characters",
            with(&[("address_string", "12\u{0}Lê Lợi")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "bad e-mail",
            with(&[("email", "not-an-email")]),
            StatusCode::BAD_REQUEST,
        ),
        (
            "no location at all",
            vec![
                ("api_key", DEMO_KEY),
                ("service_code", "pothole"),
                ("attribute[size]", "small"),
            ],
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (name, fields, expected) in &cases {
        assert_eq!(gw.post_request(fields, &[], None).0, *expected, "{name}");
    }
    let mut long = base();
    long.push(("description", &long_description));
    assert_eq!(
        gw.post_request(&long, &[], None).0,
        StatusCode::BAD_REQUEST,
        "oversized description"
    );

    // Photos that are not photos, too many photos, hostile JPEGs.
    assert_eq!(
        gw.post_request(&base(), &[b"<html>not an image</html>"], None)
            .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        gw.post_request(&base(), &[PHOTO; 6], None).0,
        StatusCode::BAD_REQUEST
    );
    let hostile = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../assets/test-images/hostile"
    ))
    .unwrap();
    let mut refused = 0;
    for entry in hostile {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let (status, _) = gw.post_request(&base(), &[&bytes], None);
        assert!(
            status.is_client_error() || status == StatusCode::OK,
            "{status}"
        );
        if status.is_client_error() {
            refused += 1;
        }
    }
    assert!(
        refused >= 5,
        "the plainly broken JPEGs are refused ({refused})"
    );
    let created_by_hostile = gw.count();

    // Invalid UTF-8 and a form that is not one.
    let response = client()
        .post(format!("{}/open311/v2/requests.json", gw.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("api_key={DEMO_KEY}&service_code=pothole&lat=16&long=107&attribute%5Bsize%5D=small&description=%FF%FE"))
        .send()
        .unwrap();
    assert_eq!(answer(response).0, StatusCode::BAD_REQUEST, "invalid UTF-8");
    let response = client()
        .post(format!("{}/open311/v2/requests.json", gw.url))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body(
            "--XYZ\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\ncds-demo-key\r\n--XY",
        )
        .send()
        .unwrap();
    assert_eq!(
        answer(response).0,
        StatusCode::BAD_REQUEST,
        "truncated multipart"
    );
    let response = client()
        .post(format!("{}/open311/v2/requests.json", gw.url))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(answer(response).0, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // A declared body over the limit is refused before it is sent.
    let status = raw(&gw, b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 900000000\r\n\r\n", false);
    assert!(status.contains("413"), "{status}");
    // A body cut short.
    let status = raw(&gw, b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n--x\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\ncds", true);
    assert!(status.contains("400") || status.is_empty(), "{status}");

    // Path tricks.
    for path in [
        "/media/..%2F..%2Fgateway.sqlite3",
        "/media/../gateway.sqlite3",
        "/open311/v2/requests/..%2F1.json",
        "/open311/v2/services/%00.json",
    ] {
        let (status, _) = gw.get(path);
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
            "{path}: {status}"
        );
    }
    // Bad query parameters.
    for query in [
        "status=maybe",
        "page_size=0",
        "page_size=100000",
        "start_date=yesterday",
        "service_request_id=1,x",
    ] {
        assert_eq!(
            gw.get(&format!("/open311/v2/requests.json?{query}")).0,
            StatusCode::BAD_REQUEST,
            "{query}"
        );
    }
    assert_eq!(
        answer(
            client()
                .delete(format!("{}/open311/v2/services.json", gw.url))
                .send()
                .unwrap()
        )
        .0,
        StatusCode::METHOD_NOT_ALLOWED
    );

    assert_eq!(gw.count(), created_by_hostile, "nothing refused was stored");

    // SQL and HTML in text are data.
    let mut sql = base();
    sql.push((
        "description",
        "'; DROP TABLE requests; -- <img src=x onerror=alert(1)>",
    ));
    let (status, created) = gw.post_request(&sql, &[], None);
    assert_eq!(status, StatusCode::OK);
    let id = created[0]["service_request_id"].as_str().unwrap();
    let (_, stored) = gw.get(&format!("/open311/v2/requests/{id}.json"));
    assert_eq!(
        stored[0]["description"],
        "'; DROP TABLE requests; -- <img src=x onerror=alert(1)>"
    );
    assert_eq!(gw.count(), created_by_hostile + 1);
}
