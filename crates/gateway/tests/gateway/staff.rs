//! Staff answers with history; residents' ratings and reopening.

use reqwest::{
    StatusCode,
    blocking::multipart::{Form, Part},
};
use serde_json::{Value, json};

use crate::{DEMO_KEY, Fixture, PHOTO, answer, client};

fn staff_update(
    gw: &Fixture,
    id: &str,
    token: Option<&str>,
    fields: &[(&str, &str)],
    photo: bool,
) -> (StatusCode, Value) {
    let mut form = Form::new();
    for (name, value) in fields {
        form = form.text((*name).to_owned(), (*value).to_owned());
    }
    if photo {
        form = form.part("media", Part::bytes(PHOTO.to_vec()).file_name("fix.jpg"));
    }
    let mut request = client()
        .post(format!("{}/api/v1/staff/requests/{id}/updates", gw.url))
        .multipart(form);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    answer(request.send().unwrap())
}

fn feedback(gw: &Fixture, id: &str, body: Value) -> (StatusCode, Value) {
    answer(
        client()
            .post(format!(
                "{}/api/v1/requests/{id}/feedback?api_key={DEMO_KEY}",
                gw.url
            ))
            .json(&body)
            .send()
            .unwrap(),
    )
}

#[test]
fn staff_move_a_request_through_its_states_with_a_public_history() {
    let gw = Fixture::new();
    let id = gw.file("resident-key", "ổ gà");
    let staff = gw.staff.clone();
    assert_eq!(
        staff_update(&gw, &id, None, &[("detailed_status", "assigned")], false).0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff_update(
            &gw,
            &id,
            Some("wrong"),
            &[("detailed_status", "assigned")],
            false
        )
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        staff_update(
            &gw,
            &id,
            Some(&staff),
            &[("detailed_status", "fixed?")],
            false
        )
        .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        staff_update(
            &gw,
            &id,
            Some(&staff),
            &[("detailed_status", "rejected")],
            false
        )
        .0,
        StatusCode::BAD_REQUEST,
        "a rejection needs a reason"
    );
    assert_eq!(
        staff_update(
            &gw,
            "999",
            Some(&staff),
            &[("detailed_status", "assigned")],
            false
        )
        .0,
        StatusCode::NOT_FOUND
    );

    let (_, before) = gw.get(&format!("/open311/v2/requests/{id}.json"));
    let (status, assigned) = staff_update(
        &gw,
        &id,
        Some(&staff),
        &[
            ("detailed_status", "assigned"),
            ("agency", "Ban Quản lý dự án đầu tư xây dựng"),
            ("expected_datetime", "2026-12-01"),
        ],
        false,
    );
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(
        assigned["agency_responsible"],
        "Ban Quản lý dự án đầu tư xây dựng"
    );
    assert_eq!(assigned["expected_datetime"], "2026-12-01T00:00:00Z");
    assert!(assigned["updated_datetime"].as_str() >= before[0]["updated_datetime"].as_str());
    staff_update(
        &gw,
        &id,
        Some(&staff),
        &[("detailed_status", "in_progress")],
        false,
    );
    let (status, resolved) = staff_update(
        &gw,
        &id,
        Some(&staff),
        &[
            ("detailed_status", "resolved"),
            ("note", "Đã vá ổ gà bằng bê tông nhựa."),
        ],
        true,
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(resolved["status"], "closed");
    assert_eq!(resolved["status_notes"], "Đã vá ổ gà bằng bê tông nhựa.");
    assert_eq!(
        resolved["media_urls"].as_array().unwrap().len(),
        2,
        "the fix photo is listed"
    );
    let updates = resolved["updates"].as_array().unwrap();
    let states: Vec<&str> = updates
        .iter()
        .map(|u| u["detailed_status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["received", "assigned", "in_progress", "resolved"]);
    assert!(updates[3]["media_url"].is_string());
    assert!(
        updates
            .windows(2)
            .all(|w| w[0]["updated_datetime"].as_str() <= w[1]["updated_datetime"].as_str())
    );
    let (_, plain) = gw.get(&format!("/open311/v2/requests/{id}.json"));
    assert!(
        plain[0].get("updates").is_none(),
        "history only with extensions=true"
    );

    // Duplicates must name another existing request.
    let other = gw.file("other-key", "cái khác");
    assert_eq!(
        staff_update(
            &gw,
            &other,
            Some(&staff),
            &[("detailed_status", "duplicate")],
            false
        )
        .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        staff_update(
            &gw,
            &other,
            Some(&staff),
            &[("detailed_status", "duplicate"), ("duplicate_of", &other)],
            false
        )
        .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        staff_update(
            &gw,
            &other,
            Some(&staff),
            &[("detailed_status", "duplicate"), ("duplicate_of", &id)],
            false
        )
        .0,
        StatusCode::OK
    );
}

#[test]
fn the_resident_rates_or_reopens_their_own_request() {
    let gw = Fixture::new();
    let id = gw.file("my-key", "đèn hỏng");
    let rate = json!({"client_request_id": "my-key", "action": "rate", "rating": 5, "fixed": true});
    assert_eq!(
        feedback(&gw, &id, rate.clone()).0,
        StatusCode::BAD_REQUEST,
        "not resolved yet"
    );
    staff_update(
        &gw,
        &id,
        Some(&gw.staff.clone()),
        &[("detailed_status", "resolved"), ("note", "Đã thay bóng")],
        false,
    );
    let stranger =
        json!({"client_request_id": "someone-else", "action": "rate", "rating": 1, "fixed": false});
    assert_eq!(feedback(&gw, &id, stranger).0, StatusCode::FORBIDDEN);
    assert_eq!(
        feedback(
            &gw,
            &id,
            json!({"client_request_id": "my-key", "action": "rate", "rating": 9, "fixed": true})
        )
        .0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        feedback(&gw, &id, json!({"nonsense": true})).0,
        StatusCode::BAD_REQUEST
    );
    let (status, rated) = feedback(&gw, &id, rate);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rated["rating"], 5);
    let (status, reopened) = feedback(
        &gw,
        &id,
        json!({"client_request_id": "my-key", "action": "reopen", "reason": "Đèn lại tắt sau hai ngày"}),
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reopened["detailed_status"], "reopened");
    assert_eq!(reopened["status"], "open");
    let last = reopened["updates"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["by"], "resident");
    assert_eq!(last["note"], "Đèn lại tắt sau hai ngày");
}
