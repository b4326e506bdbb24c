//! The procedure catalogue, on-time statistics checked against the gateway's
//! own database (opened read-only), and staff changes to a dossier as the
//! resident and the history see them.

use std::collections::{BTreeMap, HashSet};

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::{Fixture, answer, client};

/// The gateway's database, beside the running gateway (only read here).
fn read_only(gw: &Fixture) -> cds_gateway::sql::Conn {
    gw.db()
}

fn now_ms() -> i64 {
    cds_gateway::time::now_ms()
}

/// `GET path` with its ETag.
fn get_with_etag(gw: &Fixture, path: &str) -> (Value, String) {
    let response = client().get(format!("{}{path}", gw.url)).send().unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let etag = response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    let (_, body) = answer(response);
    let again = client()
        .get(format!("{}{path}", gw.url))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
    (body, etag)
}

fn post_update(gw: &Fixture, code: &str, token: Option<&str>, body: &str) -> (StatusCode, Value) {
    let mut request = client()
        .post(format!("{}/api/v1/staff/dossiers/{code}", gw.url))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    answer(request.send().unwrap())
}

/// A dossier in progress: its code and phone digits.
fn an_open_dossier(gw: &Fixture) -> (String, String) {
    read_only(gw)
        .query_row(
            "SELECT code, phone_last4 FROM dossiers WHERE status = 'processing' ORDER BY code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

fn lookup(gw: &Fixture, code: &str, last4: &str) -> Value {
    let (status, dossier) = gw.get(&format!("/api/v1/dossiers/{code}?phone_last4={last4}"));
    assert_eq!(status, StatusCode::OK, "{dossier}");
    dossier
}

#[test]
fn the_procedure_catalogue_is_bilingual_with_https_links_and_an_etag() {
    let gw = Fixture::new();
    let (list, _) = get_with_etag(&gw, "/api/v1/procedures");
    let list = list.as_array().unwrap();
    assert!(list.len() >= 60, "{} procedures", list.len());
    let mut ids = HashSet::new();
    let mut levels: BTreeMap<String, usize> = BTreeMap::new();
    for procedure in list {
        let id = procedure["id"].as_str().unwrap();
        assert!(ids.insert(id.to_owned()), "{id} twice");
        let texts = [
            "name",
            "field",
            "agency",
            "where_to_submit",
            "fee",
            "processing_time",
        ]
        .map(|key| &procedure[key]);
        let documents = procedure["documents"].as_array().unwrap();
        assert!(!documents.is_empty(), "{id}: no documents");
        for text in texts.iter().copied().chain(documents) {
            for lang in ["vi", "en"] {
                assert!(
                    !text[lang].as_str().unwrap_or_default().trim().is_empty(),
                    "{id}: a text without {lang}: {procedure}"
                );
            }
        }
        let url = procedure["online_url"].as_str().unwrap();
        assert!(url.starts_with("https://") && url.len() > 8, "{id}: {url}");
        assert!(
            cds_gateway::time::parse(procedure["updated_datetime"].as_str().unwrap()).is_some()
        );
        if let Some(days) = procedure.get("processing_days") {
            assert!(days.as_u64().unwrap() >= 1, "{id}");
        }
        *levels
            .entry(procedure["level"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(levels.keys().collect::<Vec<_>>(), ["province", "ward"]);
    assert!(levels.values().all(|n| *n >= 20), "{levels:?}");

    // Every seeded dossier names a procedure of the catalogue, at its level.
    let level_of: BTreeMap<&str, &str> = list
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["level"].as_str().unwrap()))
        .collect();
    let conn = read_only(&gw);
    let mut rows = conn
        .prepare("SELECT code, procedure_id, level FROM dossiers")
        .unwrap();
    let rows = rows
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .unwrap();
    let mut seen = 0;
    for row in rows {
        let (code, procedure, level) = row.unwrap();
        let procedure = procedure.unwrap_or_else(|| panic!("{code}: no procedure"));
        assert_eq!(
            level_of.get(procedure.as_str()),
            Some(&level.as_str()),
            "{code}"
        );
        seen += 1;
    }
    assert!(seen >= 300, "{seen} dossiers");
}

/// Per agency: (level, resolved, on time, pending, overdue before `t0`,
/// overdue before `t1`), counted in Rust from every row.
type Expected = BTreeMap<String, (String, u64, u64, u64, u64, u64)>;

fn expected(gw: &Fixture, from: i64, t0: i64, t1: i64) -> Expected {
    let conn = read_only(gw);
    let mut rows = conn
        .prepare("SELECT agency, level, due_ms, finished_ms FROM dossiers")
        .unwrap();
    let rows = rows
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
            ))
        })
        .unwrap();
    let mut out = Expected::new();
    for row in rows {
        let (agency, level, due, finished) = row.unwrap();
        let counted = finished.is_none_or(|f| f >= from && f <= t1);
        if !counted {
            continue;
        }
        let entry = out.entry(agency).or_insert((level, 0, 0, 0, 0, 0));
        match finished {
            Some(f) => {
                entry.1 += 1;
                entry.2 += u64::from(f <= due);
            }
            None => {
                entry.3 += 1;
                entry.4 += u64::from(due < t0);
                entry.5 += u64::from(due < t1);
            }
        }
    }
    out
}

fn stats(gw: &Fixture) -> (Value, Expected) {
    let t0 = now_ms();
    let (stats, _) = get_with_etag(gw, "/api/v1/dossier-stats");
    let t1 = now_ms();
    let from = cds_gateway::time::parse(stats["from_date"].as_str().unwrap()).unwrap();
    let to = cds_gateway::time::parse(stats["to_date"].as_str().unwrap()).unwrap();
    assert!(
        to - from >= 365 * 86_400_000 && to <= t1,
        "the last 12 months: {stats}"
    );
    (stats, expected(gw, from, t0, t1))
}

fn check(stats: &Value, expected: &Expected) {
    let agencies = stats["agencies"].as_array().unwrap();
    assert_eq!(
        agencies
            .iter()
            .map(|a| a["agency"].as_str().unwrap())
            .collect::<HashSet<_>>(),
        expected.keys().map(String::as_str).collect::<HashSet<_>>(),
        "the agencies with dossiers in the period, and only those"
    );
    for agency in agencies {
        let name = agency["agency"].as_str().unwrap();
        let (level, resolved, on_time, pending, overdue_t0, overdue_t1) = &expected[name];
        let count = |key: &str| agency[key].as_u64().unwrap();
        assert_eq!(agency["level"].as_str(), Some(level.as_str()), "{name}");
        assert_eq!(
            (
                count("resolved"),
                count("resolved_on_time"),
                count("pending")
            ),
            (*resolved, *on_time, *pending),
            "{name}"
        );
        assert!(
            (*overdue_t0..=*overdue_t1).contains(&count("pending_overdue")),
            "{name}: {agency}"
        );
    }
}

#[test]
fn on_time_statistics_agree_with_the_dossiers_and_follow_staff_changes() {
    let gw = Fixture::new();
    let (before, expected_before) = stats(&gw);
    check(&before, &expected_before);
    let agencies = before["agencies"].as_array().unwrap();
    assert!(agencies.len() >= 10, "{before}");
    let sum = |key: &str| -> u64 { agencies.iter().map(|a| a[key].as_u64().unwrap()).sum() };
    assert!(sum("resolved") >= 300 && sum("resolved_on_time") < sum("resolved"));
    assert!(sum("pending") > 0 && sum("pending_overdue") < sum("pending"));
    for level in ["ward", "province"] {
        assert!(agencies.iter().any(|a| a["level"] == level), "{level}");
    }

    // A staff member finishes an open dossier: one fewer pending, one more resolved.
    let (code, _) = an_open_dossier(&gw);
    let agency: String = read_only(&gw)
        .query_row(
            "SELECT agency FROM dossiers WHERE code = ?1",
            [&code],
            |r| r.get(0),
        )
        .unwrap();
    let (status, _) = post_update(&gw, &code, Some(&gw.staff), r#"{"status": "done"}"#);
    assert_eq!(status, StatusCode::OK);
    let (after, expected_after) = stats(&gw);
    check(&after, &expected_after);
    let of = |stats: &Value, key: &str| {
        stats["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["agency"] == agency.as_str())
            .unwrap()[key]
            .as_u64()
            .unwrap()
    };
    assert_eq!(of(&after, "resolved"), of(&before, "resolved") + 1);
    assert_eq!(of(&after, "pending") + 1, of(&before, "pending"));
}

#[test]
fn staff_change_a_dossier_and_the_resident_sees_it_with_its_history() {
    let gw = Fixture::new();
    let (code, last4) = an_open_dossier(&gw);
    let before = lookup(&gw, &code, &last4);
    assert!(matches!(
        before["level"].as_str(),
        Some("ward" | "province")
    ));
    assert!(before["procedure_id"].is_string(), "{before}");
    let updated_before =
        cds_gateway::time::parse(before["updated_datetime"].as_str().unwrap()).unwrap();
    let steps_before = before["steps"].as_array().unwrap().len();
    let row = |gw: &Fixture| -> (String, i64, i64) {
        read_only(gw)
            .query_row(
                "SELECT status, updated_ms, (SELECT COUNT(*) FROM dossier_history) FROM dossiers WHERE code = ?1",
                [&code],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap()
    };
    let untouched = row(&gw);

    let supplement = json!({
        "status": "supplement_requested",
        "note": "Đề nghị bổ sung bản sao Giấy chứng nhận quyền sử dụng đất.",
        "step": {"name": "Chờ bổ sung hồ sơ", "unit": ""},
    })
    .to_string();
    // Without a valid staff token: 401, whatever the body, and nothing changes.
    for token in [None, Some("not-a-token"), Some("")] {
        let response = client()
            .post(format!("{}/api/v1/staff/dossiers/{code}", gw.url))
            .header(
                header::AUTHORIZATION,
                token.map_or(String::new(), |t| format!("Bearer {t}")),
            )
            .body(supplement.clone())
            .send()
            .unwrap();
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(answer(response).0, StatusCode::UNAUTHORIZED, "{token:?}");
        assert_eq!(
            post_update(&gw, &code, token, "not json").0,
            StatusCode::UNAUTHORIZED
        );
    }
    let staff = Some(gw.staff.as_str());
    let long_name = "x".repeat(201);
    for body in [
        json!({"status": "approved"}).to_string(),
        json!({"status": ""}).to_string(),
        json!({"status": "done", "note": "n".repeat(2001)}).to_string(),
        json!({"status": "processing", "step": {"name": long_name, "unit": ""}}).to_string(),
        json!({"status": "processing", "step": {"name": " ", "unit": ""}}).to_string(),
        json!({"status": "supplement_requested"}).to_string(),
        json!({"status": "processing", "note": "a\u{0}b"}).to_string(),
        json!({"note": "no status"}).to_string(),
        "not json".to_owned(),
    ] {
        assert_eq!(
            post_update(&gw, &code, staff, &body).0,
            StatusCode::BAD_REQUEST,
            "{body}"
        );
    }
    for unknown in ["H46.99-000000-9999", "a%20b"] {
        assert_eq!(
            post_update(&gw, unknown, staff, &supplement).0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(row(&gw), untouched, "nothing changed");

    // Supplement requested, with a new step (code typed in lower case).
    let (status, answered) = post_update(&gw, &code.to_lowercase(), staff, &supplement);
    assert_eq!(status, StatusCode::OK, "{answered}");
    let seen = lookup(&gw, &code, &last4);
    assert_eq!(answered, seen, "the answer is the resident's view");
    assert_eq!(seen["status"], "supplement_requested");
    assert_eq!(
        seen["note"],
        "Đề nghị bổ sung bản sao Giấy chứng nhận quyền sử dụng đất."
    );
    let steps = seen["steps"].as_array().unwrap();
    assert_eq!(steps.len(), steps_before + 1);
    let new = steps.last().unwrap();
    assert_eq!(new["name"], "Chờ bổ sung hồ sơ");
    assert_eq!(new["unit"], seen["agency"], "an empty unit is the agency");
    assert!(new["finished_date"].is_null());
    assert!(
        steps[..steps.len() - 1]
            .iter()
            .all(|s| s["finished_date"].is_string()),
        "the open step was finished: {seen}"
    );
    let updated = cds_gateway::time::parse(seen["updated_datetime"].as_str().unwrap()).unwrap();
    assert!(updated > updated_before);
    assert_eq!(new["started_date"], seen["updated_datetime"]);
    assert!(seen["finished_date"].is_null());

    // Done: finished, every step closed, the note cleared.
    let (status, done) = post_update(
        &gw,
        &code,
        staff,
        r#"{"status": "done", "step": {"name": "Trả kết quả", "unit": "Bộ phận Một cửa"}}"#,
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(done["status"], "done");
    assert!(done["note"].is_null(), "{done}");
    assert_eq!(done["finished_date"], done["updated_datetime"]);
    let steps = done["steps"].as_array().unwrap();
    assert_eq!(steps.last().unwrap()["unit"], "Bộ phận Một cửa");
    assert!(steps.iter().all(|s| s["finished_date"].is_string()));
    let finished = cds_gateway::time::parse(done["finished_date"].as_str().unwrap()).unwrap();
    let due = cds_gateway::time::parse(done["due_date"].as_str().unwrap()).unwrap();
    assert_eq!(done["on_time"], finished <= due);
    assert_eq!(lookup(&gw, &code, &last4), done);

    // Every change is in the history, by whom and when.
    let conn = read_only(&gw);
    let history: Vec<(i64, String, Option<String>, String, String)> = conn
        .prepare("SELECT at_ms, status, step, note, actor FROM dossier_history WHERE code = ?1 ORDER BY id")
        .unwrap()
        .query_map([&code], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .collect::<cds_gateway::sql::Result<_>>()
        .unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    assert_eq!(
        (history[0].0 / 1000 * 1000, history[1].0 / 1000 * 1000),
        (updated, finished),
        "each row at its change (the API's dates are to the second)"
    );
    assert!(history[0].0 < history[1].0);
    assert_eq!(
        history
            .iter()
            .map(|h| (h.1.as_str(), h.2.as_deref(), h.3.as_str(), h.4.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                "supplement_requested",
                Some("Chờ bổ sung hồ sơ"),
                "Đề nghị bổ sung bản sao Giấy chứng nhận quyền sử dụng đất.",
                "staff:Cán bộ thử"
            ),
            ("done", Some("Trả kết quả"), "", "staff:Cán bộ thử"),
        ]
    );
}

#[test]
fn a_followers_pull_is_a_304_only_with_the_right_digits() {
    let gw = Fixture::new();
    let (code, last4) = an_open_dossier(&gw);
    let path = format!("/api/v1/dossiers/{code}?phone_last4={last4}");
    let (_, etag) = get_with_etag(&gw, &path);
    // The ETag is no way around the digits: a wrong guess is still a 404.
    let wrong = if last4 == "0000" { "1111" } else { "0000" };
    let guess = client()
        .get(format!(
            "{}/api/v1/dossiers/{code}?phone_last4={wrong}",
            gw.url
        ))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .unwrap();
    assert_eq!(guess.status(), StatusCode::NOT_FOUND);
    // A staff change moves the ETag: the next pull brings the dossier.
    let (status, _) = post_update(
        &gw,
        &code,
        Some(gw.staff.as_str()),
        r#"{"status":"supplement_requested","note":"Bổ sung bản sao"}"#,
    );
    assert_eq!(status, StatusCode::OK);
    let changed = client()
        .get(format!("{}{path}", gw.url))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
}
