//! Community teams: member codes from the staff endpoint and the command
//! line, joining, sessions stored exactly once, the counts, and every way a
//! code or a session is refused with nothing changed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{Fixture, answer, client};

fn post(gw: &Fixture, path: &str, bearer: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut request = client().post(format!("{}{path}", gw.url)).json(body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    answer(request.send().unwrap())
}

fn get(gw: &Fixture, path: &str, bearer: &str) -> (StatusCode, Value) {
    answer(
        client()
            .get(format!("{}{path}", gw.url))
            .bearer_auth(bearer)
            .send()
            .unwrap(),
    )
}

fn count(gw: &Fixture, table: &str) -> i64 {
    gw.db()
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn new_code(gw: &Fixture, team: &str) -> String {
    let (status, code) = post(
        gw,
        "/api/v1/staff/team-codes",
        Some(&gw.staff),
        &json!({"team_name": team, "ward": "19753", "valid_days": 30}),
    );
    assert_eq!(status, StatusCode::CREATED, "{code}");
    code["code"].as_str().unwrap().to_owned()
}

fn join(gw: &Fixture, code: &str) -> (StatusCode, Value) {
    post(gw, "/api/v1/teams/join", None, &json!({ "code": code }))
}

pub fn session(id: &str) -> Value {
    json!({
        "id": id,
        "task": "vneid_level2",
        "guide_id": "cai-dat-vneid",
        "ward": "19753",
        "consent": true,
        "steps_total": 9,
        "steps_done": [0, 1, 2],
        "outcome": "partly",
        "reason": "needs_office_visit",
        "note": "",
        "started_at": "2026-11-29T08:00:00Z",
        "finished_at": cds_domain::time::iso(now_ms()),
    })
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

#[test]
fn codes_are_issued_by_staff_only_and_refused_when_mistyped_unknown_expired_or_revoked() {
    let gw = Fixture::new();
    let body = json!({"team_name": "Tổ CNS phường Phú Xuân", "ward": "19753", "valid_days": 30});
    for token in [None, Some("not-a-staff-token")] {
        let (status, _) = post(&gw, "/api/v1/staff/team-codes", token, &body);
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(count(&gw, "team_codes"), 0, "nothing changed");
    let (status, _) = post(
        &gw,
        "/api/v1/staff/team-codes",
        Some(&gw.staff),
        &json!({"team_name": "Tổ", "ward": "19753", "valid_days": 0}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let code = new_code(&gw, "Tổ CNS phường Phú Xuân");
    assert_eq!(code.len(), 9, "{code}: shown as ACDE-7KQR");
    let (status, member) = join(&gw, &code.to_lowercase().replace('-', " "));
    assert_eq!(status, StatusCode::CREATED, "{member}");
    assert_eq!(member["team_name"], "Tổ CNS phường Phú Xuân");
    assert_eq!(member["ward"], "19753");
    assert_eq!(member["token"].as_str().unwrap().len(), 64);

    assert_eq!(join(&gw, "ACDE-7KQ").0, StatusCode::BAD_REQUEST);
    assert_eq!(join(&gw, "ACDE-7KQ0").0, StatusCode::BAD_REQUEST);
    let unknown = if code == "ACDE-7KQR" {
        "ACDE-7KQT"
    } else {
        "ACDE-7KQR"
    };
    assert_eq!(join(&gw, unknown).0, StatusCode::NOT_FOUND);

    // The command line makes codes too.
    let output = crate::gateway_command(gw.dir.path())
        .args(["create-team-code", "Tổ CNS xã Phú Vang", "19900", "7"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let line = String::from_utf8(output.stdout).unwrap();
    let cli_code = line.split('\t').next().unwrap().to_owned();
    assert_eq!(join(&gw, &cli_code).0, StatusCode::CREATED);

    // Expired.
    let expiring = new_code(&gw, "Tổ CNS phường Phú Xuân");
    gw.db()
        .execute(
            "UPDATE team_codes SET expires_ms = 1 WHERE code = ?1",
            [expiring.replace('-', "")],
        )
        .unwrap();
    let (status, body) = join(&gw, &expiring);
    assert_eq!(status, StatusCode::GONE);
    assert!(body[0]["description"].as_str().unwrap().contains("expired"));

    // Revoked: no new member, and the members who joined with it can
    // deliver nothing more.
    let members = count(&gw, "team_members");
    let revoke = |code: &str, token: &str| {
        client()
            .delete(format!("{}/api/v1/staff/team-codes/{code}", gw.url))
            .bearer_auth(token)
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(revoke(&code, "nope"), StatusCode::UNAUTHORIZED);
    assert_eq!(revoke("ACDE-7KQ0", &gw.staff), StatusCode::NOT_FOUND);
    assert_eq!(revoke(&code, &gw.staff), StatusCode::NO_CONTENT);
    let (status, body) = join(&gw, &code);
    assert_eq!(status, StatusCode::GONE);
    assert!(body[0]["description"].as_str().unwrap().contains("revoked"));
    assert_eq!(count(&gw, "team_members"), members);
    let token = member["token"].as_str().unwrap();
    let (status, _) = post(
        &gw,
        "/api/v1/assisted-sessions",
        Some(token),
        &session("s-after"),
    );
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(count(&gw, "assisted_sessions"), 0);
}

#[test]
fn a_session_is_stored_once_and_counted_for_the_member_and_the_team() {
    let gw = Fixture::new();
    let code = new_code(&gw, "Tổ CNS phường Thuận Hóa");
    let me = join(&gw, &code).1["token"].as_str().unwrap().to_owned();
    let other = join(&gw, &code).1["token"].as_str().unwrap().to_owned();

    // Without a credential, or with a wrong one: refused, nothing stored.
    assert_eq!(
        post(&gw, "/api/v1/assisted-sessions", None, &session("s-1")).0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(
            &gw,
            "/api/v1/assisted-sessions",
            Some("nope"),
            &session("s-1")
        )
        .0,
        StatusCode::UNAUTHORIZED
    );
    // Bad sessions: refused with a reason, nothing stored.
    let mut no_consent = session("s-bad");
    no_consent["consent"] = json!(false);
    let mut long_note = session("s-bad");
    long_note["note"] = json!("x".repeat(501));
    let mut no_reason = session("s-bad");
    no_reason["reason"] = Value::Null;
    let mut unknown_task = session("s-bad");
    unknown_task["task"] = json!("hack_the_planet");
    let mut bad_reason = session("s-bad");
    bad_reason["reason"] = json!("x".repeat(5000));
    let mut contact_id = session("s-bad");
    contact_id["contact"] = json!({"name": "", "phone": "0123456789012345678"});
    for bad in [
        no_consent,
        long_note,
        no_reason,
        unknown_task,
        bad_reason,
        contact_id,
    ] {
        let (status, body) = post(&gw, "/api/v1/assisted-sessions", Some(&me), &bad);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(body[0]["description"].as_str().unwrap().len() > 5);
    }
    assert_eq!(count(&gw, "assisted_sessions"), 0);

    let (status, receipt) = post(&gw, "/api/v1/assisted-sessions", Some(&me), &session("s-1"));
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    assert_eq!(receipt["id"], "s-1");
    // A replay is answered with the original receipt, never stored twice.
    let (status, again) = post(&gw, "/api/v1/assisted-sessions", Some(&me), &session("s-1"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, receipt);
    // The same id with other content (tampered), or from another member: 409.
    let mut tampered = session("s-1");
    tampered["outcome"] = json!("done");
    assert_eq!(
        post(&gw, "/api/v1/assisted-sessions", Some(&me), &tampered).0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        post(
            &gw,
            "/api/v1/assisted-sessions",
            Some(&other),
            &session("s-1")
        )
        .0,
        StatusCode::CONFLICT
    );
    assert_eq!(count(&gw, "assisted_sessions"), 1);

    let mut done = session("s-2");
    done["outcome"] = json!("done");
    done["reason"] = Value::Null;
    assert_eq!(
        post(&gw, "/api/v1/assisted-sessions", Some(&other), &done).0,
        StatusCode::CREATED
    );

    let (status, stats) = get(&gw, "/api/v1/teams/me/stats", &me);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(stats["team_name"], "Tổ CNS phường Thuận Hóa");
    let total = |period: &str, scope: &str| -> u64 {
        stats["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["period"] == period && r["scope"] == scope)
            .map(|r| r["count"].as_u64().unwrap())
            .sum()
    };
    assert_eq!(total("week", "team"), 2);
    assert_eq!(total("month", "team"), 2);
    assert_eq!(total("week", "me"), 1);
    assert_eq!(
        get(&gw, "/api/v1/teams/me/stats", "nope").0,
        StatusCode::UNAUTHORIZED
    );

    let (status, rows) = get(&gw, "/api/v1/staff/team-stats", &gw.staff);
    assert_eq!(status, StatusCode::OK);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r["ward"] == "19753" && r["task"] == "vneid_level2")
    );
    assert_eq!(
        get(&gw, "/api/v1/staff/team-stats", &me).0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&gw, "/api/v1/staff/team-stats?since=soon", &gw.staff).0,
        StatusCode::BAD_REQUEST
    );
}
