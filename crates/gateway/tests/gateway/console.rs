//! The staff console at `/staff` over real HTTP: sign-in and sessions, CSRF,
//! roles, the wrong-password limit, escaping, uploads, and what each action
//! does to the Open311 answer residents pull.

use std::{cell::RefCell, collections::BTreeMap};

use reqwest::{
    StatusCode,
    blocking::{
        Client,
        multipart::{Form, Part},
    },
    header::HeaderMap,
};
use serde_json::Value;

use crate::{Fixture, PHOTO};

const PASSWORD: &str = "mật khẩu đủ dài 2026";

/// Makes a console account with the gateway's own command.
fn account(gw: &Fixture, name: &str, login: &str, agency: Option<&str>) {
    let mut command = crate::gateway_command(gw.dir.path());
    command
        .args(["create-staff", name, "--login", login])
        .env("CDS_STAFF_PASSWORD", PASSWORD);
    match agency {
        Some(agency) => command.args(["--agency", agency]),
        None => command.arg("--admin"),
    };
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A browser without JavaScript: cookies kept by hand, redirects not followed.
struct Browser {
    http: Client,
    url: String,
    cookies: RefCell<BTreeMap<String, String>>,
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get("location")
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default()
    }

    /// The value of the first hidden `csrf` field.
    fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a csrf field")
            + 19;
        self.body[at..at + 64].to_owned()
    }
}

impl Browser {
    fn new(gw: &Fixture) -> Browser {
        Browser {
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            url: gw.url.clone(),
            cookies: RefCell::default(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&self, response: reqwest::blocking::Response) -> Page {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.borrow_mut().remove(name);
            } else {
                self.cookies
                    .borrow_mut()
                    .insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().unwrap();
        assert!(!status.is_server_error(), "{status}: {body}");
        Page {
            status,
            headers,
            body,
        }
    }

    fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .send()
            .unwrap();
        self.keep(response)
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .form(fields)
            .send()
            .unwrap();
        self.keep(response)
    }

    fn post_multipart(&self, path: &str, fields: &[(&str, &str)], file: &[u8]) -> Page {
        let mut form = Form::new();
        for (name, value) in fields {
            form = form.text((*name).to_owned(), (*value).to_owned());
        }
        form = form.part(
            "media",
            Part::bytes(file.to_vec())
                .file_name("fix.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .unwrap();
        self.keep(response)
    }

    fn sign_in(&self, login: &str, password: &str) -> Page {
        let csrf = self.get("/staff/sign-in").csrf();
        self.post(
            "/staff/sign-in",
            &[("csrf", &csrf), ("login", login), ("password", password)],
        )
    }

    /// Signs in and checks that it worked.
    fn signed_in(gw: &Fixture, login: &str) -> Browser {
        let browser = Browser::new(gw);
        let page = browser.sign_in(login, PASSWORD);
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location(), "/staff/reports");
        browser
    }

    /// Runs a report action with a valid token.
    fn act(&self, id: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(&format!("/staff/reports/{id}")).csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(&format!("/staff/reports/{id}/action"), &all)
    }
}

/// The request as residents pull it (with its history).
fn public(gw: &Fixture, id: &str) -> Value {
    let (status, body) = gw.get(&format!("/open311/v2/requests/{id}.json?extensions=true"));
    assert_eq!(status, StatusCode::OK);
    body[0].clone()
}

#[test]
fn every_page_without_a_session_goes_to_sign_in_and_sessions_are_safe_cookies() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    let id = gw.file("k-no-session", "ổ gà");
    let anonymous = Browser::new(&gw);
    for path in [
        "/staff",
        "/staff/reports",
        &format!("/staff/reports/{id}"),
        "/staff/alerts",
        "/staff/alerts/new",
        "/staff/audit",
        "/staff/dashboard",
    ] {
        let page = anonymous.get(path);
        assert!(page.status.is_redirection(), "{path}: {}", page.status);
        assert!(page.location().ends_with("/staff/sign-in") || page.location() == "/staff/reports");
    }
    let page = anonymous.post(
        &format!("/staff/reports/{id}/action"),
        &[("action", "in_progress")],
    );
    assert_eq!(page.location(), "/staff/sign-in");
    assert_eq!(public(&gw, &id)["detailed_status"], "received");

    // The sign-in page: a strict CSP without script, a form token in its own cookie.
    let page = anonymous.get("/staff/sign-in");
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("script-src"));
    assert!(!page.body.contains("<script"));
    assert_eq!(page.headers["x-frame-options"], "DENY");

    // A cookie planted before sign-in is never the session afterwards.
    anonymous
        .cookies
        .borrow_mut()
        .insert("cds_staff".into(), "planted".into());
    let csrf = anonymous.get("/staff/sign-in").csrf();
    let signed = anonymous.post(
        "/staff/sign-in",
        &[("csrf", &csrf), ("login", "admin"), ("password", PASSWORD)],
    );
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let set_cookie: Vec<&str> = signed
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let session = set_cookie
        .iter()
        .find(|c| c.starts_with("cds_staff="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    assert!(session.contains("Path=/staff"));
    assert!(!session.contains("Secure"), "http here: no Secure flag");
    let value = anonymous.cookies.borrow()["cds_staff"].clone();
    assert_ne!(value, "planted");
    assert_eq!(value.len(), 64);
    // Stored hashed: the cookie's value is nowhere in the database.
    let stored: Vec<String> = gw
        .db()
        .prepare("SELECT id_hash || csrf FROM staff_sessions")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert!(!stored[0].contains(&value));
    assert_eq!(anonymous.get("/staff/reports").status, StatusCode::OK);

    // Sign-out ends the session on the server: the old cookie is dead.
    let csrf = anonymous.get("/staff/reports").csrf();
    let out = anonymous.post("/staff/sign-out", &[("csrf", &csrf)]);
    assert_eq!(out.location(), "/staff/sign-in");
    anonymous
        .cookies
        .borrow_mut()
        .insert("cds_staff".into(), value);
    assert_eq!(anonymous.get("/staff/reports").location(), "/staff/sign-in");

    // An idle session ends.
    let browser = Browser::signed_in(&gw, "admin");
    gw.db()
        .execute(
            "UPDATE staff_sessions SET seen_ms = seen_ms - 31 * 60 * 1000",
            [],
        )
        .unwrap();
    assert_eq!(browser.get("/staff/reports").location(), "/staff/sign-in");
    // And one past its absolute limit, however busy.
    let browser = Browser::signed_in(&gw, "admin");
    gw.db()
        .execute(
            "UPDATE staff_sessions SET created_ms = created_ms - 13 * 3600 * 1000",
            [],
        )
        .unwrap();
    assert_eq!(browser.get("/staff/reports").location(), "/staff/sign-in");
}

#[test]
fn wrong_names_and_passwords_get_one_answer_and_are_limited() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    let browser = Browser::new(&gw);
    let wrong_password = browser.sign_in("admin", "not the password at all");
    let wrong_name = browser.sign_in("nobody", PASSWORD);
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_name.status, StatusCode::UNAUTHORIZED);
    let message = |page: &Page| {
        let at = page.body.find("role=\"alert\">").unwrap();
        page.body[at..at + 80].to_owned()
    };
    assert_eq!(message(&wrong_password), message(&wrong_name));
    // Without the form's token, even the right password is refused.
    let page = browser.post(
        "/staff/sign-in",
        &[("login", "admin"), ("password", PASSWORD)],
    );
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    // Five wrong passwords for a name hold it, the right one included.
    for _ in 0..4 {
        assert_eq!(
            browser.sign_in("admin", "still not it, sorry").status,
            StatusCode::UNAUTHORIZED
        );
    }
    let held = browser.sign_in("admin", PASSWORD);
    assert_eq!(held.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(held.headers.contains_key("retry-after"));
    assert!(!browser.cookies.borrow().contains_key("cds_staff"));
    // The failures are in the audit log.
    let failures: i64 = gw
        .db()
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'sign_in_failed'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(failures, 6);
}

#[test]
fn passwords_shorter_than_twelve_characters_are_refused() {
    let gw = Fixture::new();
    let output = crate::gateway_command(gw.dir.path())
        .args(["create-staff", "Ngắn", "--login", "short", "--admin"])
        .env("CDS_STAFF_PASSWORD", "11 chars ok")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let hash: Option<String> = gw
        .db()
        .query_row(
            "SELECT password_hash FROM staff WHERE login = 'short'",
            [],
            |row| row.get(0),
        )
        .ok();
    assert!(hash.is_none());
    account(&gw, "Dài", "long", None);
    let hash: String = gw
        .db()
        .query_row(
            "SELECT password_hash FROM staff WHERE login = 'long'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
}

#[test]
fn forms_without_the_session_token_are_refused() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    let id = gw.file("k-csrf", "ổ gà");
    let browser = Browser::signed_in(&gw, "admin");
    let path = format!("/staff/reports/{id}/action");
    for fields in [
        vec![("action", "in_progress")],
        vec![
            ("action", "in_progress"),
            ("csrf", "0".repeat(64).leak() as &str),
        ],
    ] {
        assert_eq!(browser.post(&path, &fields).status, StatusCode::FORBIDDEN);
    }
    // Another session's token is not this one's.
    let other = Browser::signed_in(&gw, "admin");
    let foreign = other.get("/staff/reports").csrf();
    assert_eq!(
        browser
            .post(&path, &[("action", "in_progress"), ("csrf", &foreign)])
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        browser.post("/staff/alerts", &[("kind", "flood")]).status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(public(&gw, &id)["detailed_status"], "received");
    assert_eq!(
        browser.act(&id, &[("action", "in_progress")]).status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(public(&gw, &id)["detailed_status"], "in_progress");
}

#[test]
fn an_agency_sees_its_own_work_and_only_admins_assign_or_read_the_audit() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    account(&gw, "Cán bộ phường", "ward", Some("UBND phường Phú Xuân"));
    account(&gw, "Cán bộ điện lực", "power", Some("Điện lực Huế"));
    let ours = gw.file("k-ours", "ổ gà phường");
    let theirs = gw.file("k-theirs", "đèn đường hỏng");
    let admin = Browser::signed_in(&gw, "admin");
    for (id, agency) in [(&ours, "UBND phường Phú Xuân"), (&theirs, "Điện lực Huế")] {
        let page = admin.act(id, &[("action", "assign"), ("agency", agency)]);
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    }
    let ward = Browser::signed_in(&gw, "ward");
    let queue = ward.get("/staff/reports");
    assert!(queue.body.contains(&format!("/staff/reports/{ours}\"")));
    assert!(!queue.body.contains(&format!("/staff/reports/{theirs}\"")));
    assert_eq!(
        ward.get(&format!("/staff/reports/{theirs}")).status,
        StatusCode::NOT_FOUND
    );
    // An action on another agency's report is refused as if it did not exist.
    let csrf = ward.get("/staff/reports").csrf();
    let page = ward.post(
        &format!("/staff/reports/{theirs}/action"),
        &[("csrf", &csrf), ("action", "in_progress")],
    );
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert_eq!(public(&gw, &theirs)["detailed_status"], "assigned");
    // Assigning and the audit log are an administrator's.
    let page = ward.act(&ours, &[("action", "assign"), ("agency", "Điện lực Huế")]);
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(ward.get("/staff/audit").status, StatusCode::FORBIDDEN);
    assert!(!queue.body.contains("/staff/audit"));
    assert_eq!(
        ward.act(&ours, &[("action", "in_progress")]).status,
        StatusCode::SEE_OTHER
    );
    // "Handled by me" lists what this member changed.
    let mine = ward.get("/staff/reports?mine=1");
    assert!(mine.body.contains(&format!("/staff/reports/{ours}\"")));
    assert!(!mine.body.contains(&format!("/staff/reports/{theirs}\"")));
    let untouched = gw.file("k-untouched", "rác thải");
    assert!(
        admin
            .get("/staff/reports")
            .body
            .contains(&format!("/staff/reports/{untouched}\""))
    );
    let admin_mine = admin.get("/staff/reports?mine=1");
    assert!(
        admin_mine
            .body
            .contains(&format!("/staff/reports/{theirs}\""))
    );
    assert!(
        !admin_mine
            .body
            .contains(&format!("/staff/reports/{untouched}\""))
    );
    let audit = admin.get("/staff/audit");
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("report.assign") && audit.body.contains("report.in_progress"));
    assert!(audit.body.contains("Cán bộ phường"));
}

#[test]
fn report_text_is_shown_as_text_never_as_markup() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    let hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let id = gw.file("k-hostile", hostile);
    let admin = Browser::signed_in(&gw, "admin");
    for path in ["/staff/reports".to_owned(), format!("/staff/reports/{id}")] {
        let page = admin.get(&path);
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("<script>"), "{path}");
        assert!(!page.body.contains("<img src=x"), "{path}");
        assert!(
            page.body
                .contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt;")
        );
    }
    let page = admin.act(
        &id,
        &[
            ("action", "reject"),
            ("note", "<b>không</b> thuộc thẩm quyền"),
        ],
    );
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = admin.get(&format!("/staff/reports/{id}"));
    assert!(page.body.contains("&lt;b&gt;không&lt;/b&gt;"));
}

#[test]
fn each_action_reaches_the_open311_answer_without_staff_names() {
    let gw = Fixture::new();
    account(&gw, "Chị Lan", "admin", None);
    let id = gw.file("k-actions", "cống bị tắc");
    let other = gw.file("k-other", "cống bị tắc, lần hai");
    let admin = Browser::signed_in(&gw, "admin");

    let page = admin.act(&id, &[("action", "expected"), ("expected", "2030-05-01")]);
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let request = public(&gw, &id);
    assert_eq!(request["detailed_status"], "received");
    assert!(
        request["expected_datetime"]
            .as_str()
            .unwrap()
            .starts_with("2030-05-01T10:00:00")
    );

    admin.act(
        &id,
        &[
            ("action", "assign"),
            ("agency", "Công ty Môi trường"),
            ("note", "Đã chuyển"),
        ],
    );
    let request = public(&gw, &id);
    assert_eq!(request["detailed_status"], "assigned");
    assert_eq!(request["agency_responsible"], "Công ty Môi trường");

    admin.act(&id, &[("action", "in_progress"), ("note", "Đội đang đến")]);
    assert_eq!(public(&gw, &id)["detailed_status"], "in_progress");

    // Not an image: refused, nothing changes.
    let csrf = admin.get(&format!("/staff/reports/{id}")).csrf();
    let refused = admin.post_multipart(
        &format!("/staff/reports/{id}/action"),
        &[
            ("csrf", &csrf),
            ("action", "resolve"),
            ("note", "Đã thông cống"),
        ],
        b"<html>not a photo</html>",
    );
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(public(&gw, &id)["detailed_status"], "in_progress");

    let done = admin.post_multipart(
        &format!("/staff/reports/{id}/action"),
        &[
            ("csrf", &csrf),
            ("action", "resolve"),
            ("note", "Đã thông cống"),
        ],
        PHOTO,
    );
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let request = public(&gw, &id);
    assert_eq!(request["detailed_status"], "resolved");
    assert_eq!(request["status_notes"], "Đã thông cống");
    assert_eq!(request["media_urls"].as_array().unwrap().len(), 2);
    let updates = request["updates"].as_array().unwrap();
    let last = updates.last().unwrap();
    assert!(last["media_url"].is_string());
    for update in updates {
        assert!(
            ["system", "staff", "resident"].contains(&update["by"].as_str().unwrap()),
            "{update}"
        );
    }
    assert!(!request.to_string().contains("Chị Lan"));
    // The console's history says who.
    let page = admin.get(&format!("/staff/reports/{id}"));
    assert!(page.body.contains("staff:Chị Lan"));

    let page = admin.act(&other, &[("action", "reject")]);
    assert_eq!(
        page.status,
        StatusCode::BAD_REQUEST,
        "a rejection needs a reason"
    );
    admin.act(&other, &[("action", "duplicate"), ("duplicate_of", &id)]);
    assert_eq!(public(&gw, &other)["detailed_status"], "duplicate");
    admin.act(&other, &[("action", "reject"), ("note", "Trùng")]);
    let request = public(&gw, &other);
    assert_eq!(request["detailed_status"], "rejected");
    assert_eq!(request["status_notes"], "Trùng");

    // The queue's filters and counts.
    let resolved = admin.get("/staff/reports?status=resolved");
    assert!(resolved.body.contains(&format!("/staff/reports/{id}\"")));
    assert!(!resolved.body.contains(&format!("/staff/reports/{other}\"")));
    let open = admin.get("/staff/reports?status=open&category=pothole&age=1");
    assert!(!open.body.contains(&format!("/staff/reports/{id}\"")));
    let english = admin.get("/staff/reports?lang=en");
    assert!(english.body.contains("Counts by status"));
    assert!(english.body.contains("<html lang=\"en\">"));
    // The choice is kept in a cookie for the next pages.
    assert!(
        admin
            .get("/staff/alerts")
            .body
            .contains("<html lang=\"en\">")
    );
    assert!(
        admin
            .get("/staff/alerts?lang=vi")
            .body
            .contains("<html lang=\"vi\">")
    );
}

#[test]
fn overdue_reports_are_found_by_their_filter() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    let late = gw.file("k-late", "cây đổ");
    let fine = gw.file("k-fine", "cây nghiêng");
    let admin = Browser::signed_in(&gw, "admin");
    admin.act(&late, &[("action", "expected"), ("expected", "2020-01-01")]);
    admin.act(&fine, &[("action", "expected"), ("expected", "2099-01-01")]);
    // The map of open reports: the wards and a dot per open report shown.
    let all = admin.get("/staff/reports?status=open");
    assert!(all.body.contains("<svg class=\"map\""));
    assert_eq!(all.body.matches("<circle").count(), 2);
    let page = admin.get("/staff/reports?overdue=1");
    assert_eq!(page.body.matches("<circle").count(), 1);
    assert!(page.body.contains(&format!("/staff/reports/{late}\"")));
    assert!(!page.body.contains(&format!("/staff/reports/{fine}\"")));
}

#[test]
fn alerts_published_edited_and_expired_in_the_console_reach_the_api() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    let admin = Browser::signed_in(&gw, "admin");
    let csrf = admin.get("/staff/alerts/new").csrf();
    let publish = |title: &str, id: Option<&str>| {
        let mut fields = vec![
            ("csrf", csrf.as_str()),
            ("kind", "flood"),
            ("severity", "danger"),
            ("areas", "*"),
            ("title_vi", title),
            ("title_en", "Flood on Lê Lợi street"),
            ("body_vi", "Nước ngập 40 cm, tránh đi qua."),
            ("body_en", ""),
            ("instructions_vi", ""),
            ("instructions_en", ""),
            ("valid_from", ""),
            ("valid_until", "2099-01-01T00:00"),
        ];
        if let Some(id) = id {
            fields.push(("id", id));
        }
        admin.post("/staff/alerts", &fields)
    };
    let page = publish("Ngập đường Lê Lợi", None);
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "31 days at most");
    let until = cds_gateway::time::iso(cds_gateway::time::now_ms() + 2 * 86_400_000);
    let until_local: String = until.chars().take(16).collect();
    let fields = |title: &'static str, id: Option<String>| {
        let mut fields = vec![
            ("csrf".to_owned(), csrf.clone()),
            ("kind".into(), "flood".into()),
            ("severity".into(), "danger".into()),
            ("areas".into(), "*".into()),
            ("title_vi".into(), title.into()),
            ("body_vi".into(), "Nước ngập 40 cm, tránh đi qua.".into()),
            ("valid_until".into(), until_local.clone()),
        ];
        fields.extend(id.map(|id| ("id".to_owned(), id)));
        fields
    };
    let post = |fields: Vec<(String, String)>| {
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        admin.post("/staff/alerts", &borrowed)
    };
    let page = post(fields("Ngập đường <Lê Lợi>", None));
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (_, alerts) = gw.get("/api/v1/alerts");
    let alert = alerts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"]["vi"] == "Ngập đường <Lê Lợi>")
        .unwrap()
        .clone();
    let id = alert["id"].as_str().unwrap().to_owned();
    assert_eq!(alert["severity"], "danger");
    let list = admin.get("/staff/alerts");
    assert!(list.body.contains("Ngập đường &lt;Lê Lợi&gt;"));
    // Edited: a new version under the same id.
    let edit = admin.get(&format!("/staff/alerts/{id}"));
    assert_eq!(edit.status, StatusCode::OK);
    let page = post(fields("Ngập sâu đường Lê Lợi", Some(id.clone())));
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let (_, alerts) = gw.get("/api/v1/alerts");
    let versions: Vec<&Value> = alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["id"] == id.as_str())
        .collect();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0]["title"]["vi"], "Ngập sâu đường Lê Lợi");
    // Expired: gone from the residents' list.
    let page = admin.post(&format!("/staff/alerts/{id}/expire"), &[("csrf", &csrf)]);
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let (_, alerts) = gw.get("/api/v1/alerts");
    assert!(
        !alerts
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    );
    let audit = admin.get("/staff/audit");
    assert!(audit.body.contains("alert.publish") && audit.body.contains("alert.expire"));
}

#[test]
fn the_dashboard_counts_reports_and_dossiers() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    let id = gw.file("k-dash", "ổ gà");
    let admin = Browser::signed_in(&gw, "admin");
    admin.act(&id, &[("action", "expected"), ("expected", "2099-01-01")]);
    admin.act(&id, &[("action", "resolve"), ("note", "Đã vá")]);
    let page = admin.get("/staff/dashboard");
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg"));
    assert!(
        page.body.contains("100%"),
        "resolved before its expected date"
    );
    assert!(page.body.contains("UBND"), "dossiers per agency");
}

#[test]
fn dossiers_change_through_the_console_and_agencies_see_only_theirs() {
    let gw = Fixture::new();
    let (code, last4, agency): (String, String, String) = gw
        .db()
        .query_row(
            "SELECT code, phone_last4, agency FROM dossiers WHERE status = 'processing' ORDER BY code LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    account(&gw, "Cán bộ một cửa", "desk", Some(&agency));
    account(&gw, "Cán bộ nơi khác", "elsewhere", Some("Cơ quan khác"));
    let desk = Browser::signed_in(&gw, "desk");
    let list = desk.get("/staff/dossiers");
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Cơ quan khác"));
    let found = desk.get(&format!("/staff/dossiers?code={}", code.to_lowercase()));
    assert_eq!(found.location(), format!("/staff/dossiers/{code}"));
    let page = desk.get(&format!("/staff/dossiers/{code}"));
    assert_eq!(page.status, StatusCode::OK);
    let elsewhere = Browser::signed_in(&gw, "elsewhere");
    assert_eq!(
        elsewhere.get(&format!("/staff/dossiers/{code}")).status,
        StatusCode::NOT_FOUND
    );
    let csrf = page.csrf();
    let path = format!("/staff/dossiers/{code}");
    // A supplement request needs a note; without the token nothing is read.
    assert_eq!(
        desk.post(&path, &[("status", "supplement_requested")])
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        desk.post(
            &path,
            &[("csrf", &csrf), ("status", "supplement_requested")]
        )
        .status,
        StatusCode::BAD_REQUEST
    );
    let changed = desk.post(
        &path,
        &[
            ("csrf", &csrf),
            ("status", "supplement_requested"),
            ("step", "Bổ sung giấy tờ"),
            ("unit", ""),
            ("note", "Cần bản sao <b>sổ đỏ</b>"),
        ],
    );
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    let (status, dossier) = gw.get(&format!("/api/v1/dossiers/{code}?phone_last4={last4}"));
    assert_eq!(status, StatusCode::OK);
    assert_eq!(dossier["status"], "supplement_requested");
    assert_eq!(dossier["note"], "Cần bản sao <b>sổ đỏ</b>");
    assert_eq!(
        dossier["steps"].as_array().unwrap().last().unwrap()["name"],
        "Bổ sung giấy tờ"
    );
    let page = desk.get(&path);
    assert!(page.body.contains("staff:Cán bộ một cửa"));
    assert!(page.body.contains("&lt;b&gt;sổ đỏ&lt;/b&gt;"));
}

#[test]
fn administrators_issue_and_revoke_team_codes_and_read_the_counts() {
    let gw = Fixture::new();
    account(&gw, "Quản trị viên", "admin", None);
    account(&gw, "Cán bộ phường", "ward", Some("UBND phường Phú Xuân"));
    let ward = Browser::signed_in(&gw, "ward");
    assert_eq!(ward.get("/staff/teams").status, StatusCode::FORBIDDEN);
    let admin = Browser::signed_in(&gw, "admin");
    let page = admin.get("/staff/teams");
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let issued = admin.post(
        "/staff/teams/codes",
        &[
            ("csrf", &csrf),
            ("team_name", "Tổ CNS Phú Xuân"),
            ("ward", "19753"),
            ("valid_days", "30"),
        ],
    );
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    let code: String = gw
        .db()
        .query_row(
            "SELECT code FROM team_codes ORDER BY created_ms DESC LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let page = admin.get("/staff/teams");
    assert!(page.body.contains("Tổ CNS Phú Xuân"));
    // A member joins with it through the API.
    let join = |code: &str| {
        crate::client()
            .post(format!("{}/api/v1/teams/join", gw.url))
            .json(&serde_json::json!({ "code": code }))
            .send()
            .unwrap()
            .status()
    };
    assert!(join(&code).is_success());
    let revoked = admin.post(
        &format!("/staff/teams/codes/{code}/revoke"),
        &[("csrf", &csrf)],
    );
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert!(!join(&code).is_success(), "a revoked code lets no one join");
    let revoked_ms: Option<i64> = gw
        .db()
        .query_row(
            "SELECT revoked_ms FROM team_codes WHERE code = ?1",
            [&code],
            |row| row.get(0),
        )
        .unwrap();
    assert!(revoked_ms.is_some());
    let audit = admin.get("/staff/audit");
    assert!(audit.body.contains("team.issue") && audit.body.contains("team.revoke"));
}

#[test]
fn articles_and_guides_written_in_the_console_reach_the_api() {
    let gw = Fixture::new();
    account(&gw, "Biên tập viên", "editor", None);
    let editor = Browser::signed_in(&gw, "editor");
    let csrf = editor.get("/staff/content/new").csrf();
    let written = editor.post(
        "/staff/content",
        &[
            ("csrf", &csrf),
            ("topic", "scam"),
            ("title_vi", "Cảnh giác cuộc gọi <giả danh> công an"),
            ("title_en", ""),
            ("summary_vi", "Không chuyển tiền theo điện thoại."),
            ("body_vi", "Công an không gọi điện yêu cầu chuyển tiền."),
            ("published", "2026-11-29"),
            ("guide", ""),
        ],
    );
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.body);
    let (_, articles) = gw.get("/api/v1/articles");
    let article = articles
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["title"]["vi"] == "Cảnh giác cuộc gọi <giả danh> công an")
        .expect("the new article is served")
        .clone();
    assert_eq!(article["topic"], "scam");
    let list = editor.get("/staff/content");
    assert!(
        list.body
            .contains("Cảnh giác cuộc gọi &lt;giả danh&gt; công an")
    );

    // A guide: a new step with a picture; a file that is not an image is refused.
    let (_, guides) = gw.get("/api/v1/guides");
    let guide = guides[0].clone();
    let id = guide["id"].as_str().unwrap();
    let steps = guide["steps"].as_array().unwrap().len();
    let page = editor.get(&format!("/staff/content/{id}"));
    assert_eq!(page.status, StatusCode::OK);
    let mut fields: Vec<(String, String)> = vec![
        ("csrf".into(), page.csrf()),
        ("id".into(), id.into()),
        (
            "title_vi".into(),
            guide["title"]["vi"].as_str().unwrap().into(),
        ),
        (
            "summary_vi".into(),
            guide["summary"]["vi"].as_str().unwrap().into(),
        ),
        (
            "new_text_vi".into(),
            "Bước thêm: kiểm tra lại thông tin".into(),
        ),
        ("new_caption_vi".into(), "Màn hình xác nhận".into()),
        ("picture_for".into(), String::new()),
    ];
    for (n, step) in guide["steps"].as_array().unwrap().iter().enumerate() {
        fields.push((
            format!("step{n}_text_vi"),
            step["text"]["vi"].as_str().unwrap().into(),
        ));
    }
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = editor.post_multipart(
        "/staff/content",
        &borrowed,
        b"#!/bin/sh\necho not a picture",
    );
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let saved = editor.post_multipart("/staff/content", &borrowed, PHOTO);
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let (_, guides) = gw.get("/api/v1/guides");
    let changed = guides
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == id)
        .unwrap();
    let new_steps = changed["steps"].as_array().unwrap();
    assert_eq!(new_steps.len(), steps + 1);
    let last = new_steps.last().unwrap();
    assert_eq!(last["text"]["vi"], "Bước thêm: kiểm tra lại thông tin");
    let picture = last["image_url"].as_str().unwrap();
    let bytes = crate::client()
        .get(picture)
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    assert_eq!(&bytes[..], PHOTO);
    assert_ne!(changed["updated_datetime"], guide["updated_datetime"]);
}
