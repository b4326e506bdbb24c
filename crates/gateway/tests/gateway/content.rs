//! Dossiers (with rate-limited guessing), alerts, articles and guides.

use reqwest::{StatusCode, header};

use crate::{Fixture, answer, client};

fn a_dossier(gw: &Fixture) -> (String, String) {
    let conn = gw.db();
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM dossiers", [], |r| r.get(0))
        .unwrap();
    assert!(count >= 300, "the demo seed has a few hundred dossiers");
    conn.query_row(
        "SELECT code, phone_last4 FROM dossiers WHERE status = 'done' LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[test]
fn a_dossier_is_found_by_code_and_phone_digits_and_guessing_is_limited() {
    let gw = Fixture::new();
    let (code, last4) = a_dossier(&gw);
    let (status, dossier) = gw.get(&format!("/api/v1/dossiers/{code}?phone_last4={last4}"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dossier["code"], code.as_str());
    assert_eq!(dossier["status"], "done");
    assert!(dossier["procedure"].as_str().unwrap().len() > 5);
    assert!(
        dossier["agency"].is_string()
            && dossier["due_date"].is_string()
            && dossier["on_time"].is_boolean()
    );
    assert_eq!(dossier["steps"].as_array().unwrap().len(), 4);

    assert_eq!(
        gw.get(&format!("/api/v1/dossiers/{code}")).0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        gw.get(&format!("/api/v1/dossiers/{code}?phone_last4=12a4"))
            .0,
        StatusCode::BAD_REQUEST
    );
    let wrong = if last4 == "0000" { "1111" } else { "0000" };
    for _ in 0..5 {
        assert_eq!(
            gw.get(&format!("/api/v1/dossiers/{code}?phone_last4={wrong}"))
                .0,
            StatusCode::NOT_FOUND
        );
    }
    let response = client()
        .get(format!(
            "{}/api/v1/dossiers/{code}?phone_last4={last4}",
            gw.url
        ))
        .send()
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "blocked even with the right digits"
    );
    let wait: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 0 && wait <= 15 * 60);
    let (_, body) = answer(response);
    assert_eq!(
        body[0]["retry_after_seconds"].as_u64(),
        Some(wait),
        "the body says how long to wait: {body}"
    );
}

#[test]
fn content_lists_have_etags_and_incremental_pulls() {
    let gw = Fixture::new();
    for path in ["/api/v1/alerts", "/api/v1/articles", "/api/v1/guides"] {
        let response = client().get(format!("{}{path}", gw.url)).send().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let etag = response.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_owned();
        let (_, list) = answer(response);
        assert!(!list.as_array().unwrap().is_empty(), "{path}");
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
    let (_, guides) = gw.get("/api/v1/guides");
    let steps = guides[0]["steps"].as_array().unwrap();
    assert!(steps.len() >= 3);
    for step in steps {
        let url = step["image_url"].as_str().unwrap();
        let image = client().get(url).send().unwrap();
        assert_eq!(image.status(), StatusCode::OK, "{url}");
        assert_eq!(image.headers()[header::CONTENT_TYPE], "image/png");
    }
}
