//! Digital society and economy end to end: a severe alert published by the
//! province's staff reaches the home screen's banner and a system
//! notification after a sync (and leaves when expired); places listed by
//! distance from a ward chosen with the keyboard only; a product traced
//! from a photo of its label; an unknown product and a bad code said
//! plainly; a shop page on a host that is not allowed refused.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
};

use cds_e2e::{
    Driver, Env, Session,
    webdriver::{ARROW_DOWN, ENTER, TAB},
};

use super::{choose_files, dossiers::slip, fresh_gateway, staff_token, type_into, visit};

/// A private D-Bus session bus and a monitor writing every call to the
/// notification service into a file: what the app asked the desktop to show.
struct Bus {
    address: String,
    daemon: Child,
    monitor: Child,
}

impl Bus {
    fn start(log: &Path) -> Bus {
        let mut daemon = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon starts");
        let mut address = String::new();
        BufReader::new(daemon.stdout.take().expect("piped"))
            .read_line(&mut address)
            .expect("dbus-daemon prints its address");
        let address = address.trim().to_owned();
        let monitor = Command::new("dbus-monitor")
            .args([
                "--address",
                &address,
                "type='method_call',interface='org.freedesktop.Notifications'",
            ])
            .stdout(std::fs::File::create(log).expect("monitor log"))
            .spawn()
            .expect("dbus-monitor starts");
        Bus {
            address,
            daemon,
            monitor,
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        for child in [&mut self.monitor, &mut self.daemon] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A photo of a product's label: its EAN-13 barcode, a little turned and dim.
fn label_photo(gtin_without_check: &str) -> Vec<u8> {
    let paper = slip::draw(&slip::Slip {
        qr: None,
        barcode: None,
        product: Some(gtin_without_check.to_owned()),
        seed: 14,
    });
    let shot = slip::Shot {
        width: 1600,
        height: 1200,
        turn: 3.0,
        perspective: 0.01,
        fill: 0.8,
        blur: 0.3,
        light: 0.85,
        contrast: 0.9,
        noise: 1.0,
    };
    slip::photograph(&paper, &shot, 14)
}

/// Back to the previous page with the page's own button (scrolled to the
/// top first: the sticky header covers it otherwise).
fn back(session: &Session) {
    session.execute("window.scrollTo(0, 0);", &[]);
    click(session, "#back");
}

/// Clicks the element `css` matches once it is there, found afresh at the
/// moment of the click (a list redrawn when the ward names arrive leaves no
/// stale reference behind).
fn click(session: &Session, css: &str) {
    session.wait_until(&format!("{css} clicked"), || {
        let done = session.execute(
            "const e = document.querySelector(arguments[0]); if (!e) return false; e.click(); return true;",
            &[serde_json::json!(css)],
        );
        (done == true).then_some(())
    });
}

pub(super) fn sync_now(session: &Session) {
    session.execute_async(
        "const done = arguments[0];
         window.__TAURI_INTERNALS__.invoke('sync_now', { request: {} }).then(done, done);",
        &[],
    );
}

fn count(session: &Session, command: &str, request: serde_json::Value) -> u64 {
    session
        .execute_async(
            "const [command, request, done] = arguments;
             window.__TAURI_INTERNALS__.invoke(command, { request })
               .then(list => done(list.length), () => done(0));",
            &[serde_json::json!(command), request],
        )
        .as_u64()
        .unwrap_or(0)
}

fn staff_post(url: &str, token: &str, path: &str, body: &serde_json::Value) -> reqwest::StatusCode {
    cds_e2e::webdriver::http_client()
        .post(format!("{url}{path}"))
        .bearer_auth(token)
        .json(body)
        .send()
        .expect("staff request sent")
        .status()
}

#[test]
fn alerts_places_products_and_traceability_as_a_resident_uses_them() {
    let env = Env::get();
    let (work, gateway_dir, mut gateway, url) = fresh_gateway(&env, "society");
    let token = staff_token(&env, &gateway_dir, "Trung tâm Giám sát điều hành");
    let notifications = work.join("notifications.log");
    let bus = Bus::start(&notifications);
    let app_data = work.join("app");
    let driver = Driver::start(&[
        ("CDS_API_URL", url.as_str()),
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
        ("DBUS_SESSION_BUS_ADDRESS", bus.address.as_str()),
        // The private bus has no accessibility bus: GTK must not wait for one.
        ("NO_AT_BRIDGE", "1"),
        ("GTK_A11Y", "none"),
    ]);
    let session = driver.launch(&env.app);
    session.set_window_size(super::PHONE.0, super::PHONE.1);
    session.wait_until("places and products pulled at start", || {
        (count(
            &session,
            "load_places",
            serde_json::json!({"categories": [], "origin": {"kind": "none"}}),
        ) >= 100
            && count(&session, "load_products", serde_json::json!({"query": ""})) >= 24)
            .then_some(())
    });

    // 1. Alerts: I choose my ward; the demo's severe dam release is for
    // other wards, so no banner yet.
    click(&session, "[data-tile='canh-bao']");
    session.wait_for("#alerts-list");
    assert!(session.find_all("#alert-banner").is_empty());
    click(&session, "#alert-wards summary");
    click(&session, "#ward-19753");
    session.wait_until("my ward saved", || {
        let saved = session.execute_async(
            "const done = arguments[0];
             window.__TAURI_INTERNALS__.invoke('load_alert_wards', { request: {} })
               .then(r => done(r.wards), () => done([]));",
            &[],
        );
        (saved == serde_json::json!(["19753"])).then_some(())
    });
    visit(&session, &env, "30-alerts-vi");

    // The province publishes a severe flood alert for my ward; its text
    // holds markup, shown as text.
    let title = "Nước sông Hương dâng nhanh qua Phú Xuân";
    let todo = "Di dời người già, trẻ em đến điểm tránh trú <b>ngay</b>";
    let published = staff_post(
        &url,
        &token,
        "api/v1/staff/alerts",
        &serde_json::json!({
            "id": "e2e-lu-phu-xuan",
            "kind": "flood",
            "severity": "danger",
            "areas": ["19753"],
            "title": {"vi": title, "en": "The Perfume River rises fast through Phú Xuân"},
            "body": {"vi": "Mực nước vượt báo động 3.", "en": "The water is above alarm level 3."},
            "instructions": {"vi": todo, "en": "Move the elderly and children to a shelter now"},
            "shelters": true,
            "valid_until": cds_domain::time::iso(
                i64::try_from(std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis()))
                .unwrap_or(0)
                    + 6 * 3_600_000
            ),
        }),
    );
    assert_eq!(published, reqwest::StatusCode::CREATED);
    // An alert for a ward that does not exist is refused by the gateway.
    let refused = staff_post(
        &url,
        &token,
        "api/v1/staff/alerts",
        &serde_json::json!({
            "kind": "flood", "severity": "danger", "areas": ["99999"],
            "title": {"vi": "x", "en": "x"}, "body": {"vi": "x", "en": "x"},
            "valid_until": "2099-01-01T00:00:00Z"
        }),
    );
    assert_eq!(refused, reqwest::StatusCode::BAD_REQUEST);

    back(&session);
    sync_now(&session);
    let banner = session.wait_for("#alert-banner[data-alert='e2e-lu-phu-xuan']");
    let text = banner.text();
    assert!(text.contains(&format!("Cảnh báo khẩn: {title}")), "{text}");
    assert!(text.contains(todo), "markup shown as text: {text}");
    visit(&session, &env, "31-home-alert-banner-vi");
    // The same words asked of the desktop's notification service.
    session.wait_until("the notification sent to the desktop", || {
        let log = std::fs::read_to_string(&notifications).unwrap_or_default();
        (log.contains("Notify") && log.contains(&format!("Cảnh báo khẩn: {title}"))).then_some(())
    });
    // From the banner to the alert, mine first, with the way to the shelters.
    click(&session, "#alert-banner-open");
    let first = session.wait_for("#alerts-list > li");
    assert_eq!(
        first.attribute("data-alert").as_deref(),
        Some("e2e-lu-phu-xuan")
    );
    assert_eq!(first.attribute("data-mine").as_deref(), Some("true"));
    click(&session, "[data-alert='e2e-lu-phu-xuan'] [data-shelters]");
    session.wait_for("[data-page='tien-ich'] [data-category='shelter']");
    visit(&session, &env, "32-shelters-vi");
    back(&session);
    back(&session);

    // Expired by the province: gone from the banner after the next sync.
    let expired = staff_post(
        &url,
        &token,
        "api/v1/staff/alerts/e2e-lu-phu-xuan/expire",
        &serde_json::json!({}),
    );
    assert_eq!(expired, reqwest::StatusCode::OK);
    sync_now(&session);
    session.wait_until("the banner gone once the alert expired", || {
        session.find_all("#alert-banner").is_empty().then_some(())
    });

    // 2. Health places by distance from a ward, with the keyboard only.
    session.execute(
        "document.querySelector(\"[data-tile='y-te']\").focus();",
        &[],
    );
    session.keys(ENTER);
    session.wait_for("[data-page='y-te'] #places-list");
    session.wait_until("the ward chooser reached with Tab", || {
        if super::focused(&session, "id") == "places-ward" {
            return Some(());
        }
        session.keys(TAB);
        None
    });
    // Down the list of wards to Phú Xuân (each step is a choice).
    session.wait_until("Phú Xuân chosen with the arrow keys", || {
        let value = session.execute("return document.getElementById('places-ward').value;", &[]);
        if value == "19753" {
            return Some(());
        }
        session.keys(ARROW_DOWN);
        None
    });
    session.keys(ENTER);
    let distances = session.wait_until("places sorted by distance from Phú Xuân", || {
        let distances: Vec<f64> = serde_json::from_value::<Vec<String>>(session.execute(
            "return Array.from(document.querySelectorAll('#places-list > li'))
                 .map(e => e.dataset.distance);",
            &[],
        ))
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d.parse().ok())
        .collect();
        (distances.len() >= 20).then_some(distances)
    });
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    assert!(
        distances[0] < 3000.0,
        "a health place near Phú Xuân: {distances:?}"
    );
    let categories: Vec<String> = serde_json::from_value(session.execute(
        "return Array.from(document.querySelectorAll('#places-list > li')).map(e => e.dataset.category);",
        &[],
    ))
    .unwrap_or_default();
    assert!(
        categories
            .iter()
            .all(|c| ["hospital", "health_station", "pharmacy"].contains(&c.as_str())),
        "{categories:?}"
    );
    // A phone number is a tel: link; the field's articles are beside the list.
    session.wait_for("[data-place='bv-trung-uong-hue'] a[href='tel:02343822325']");
    session.wait_for("#field-articles [data-article='sot-xuat-huyet']");
    // The same places on the offline map, which also takes a point.
    click(&session, "#places-map summary");
    session.wait_for("#area-map .marker");
    visit(&session, &env, "33-places-health-vi");
    back(&session);

    // 3. A product traced from a photo of its label.
    click(&session, "[data-tile='truy-xuat']");
    session.wait_for("#trace-form");
    choose_files(
        &session,
        "#label-photo",
        &[("tem.jpg", &label_photo("893852000001"))],
    );
    let result = session.wait_for("#trace-result[data-gtin='8938520000014']");
    assert!(result.text().contains("Mè xửng Huế"), "{}", result.text());
    let steps = session.find_all("#trace-steps li");
    assert!(steps.len() >= 4, "the batch's supply chain");
    assert!(
        session
            .wait_for("#trace-certifications")
            .text()
            .contains("OCOP 4*")
    );
    session.wait_until("the product's photo shown", || {
        let width = session.execute(
            "const i = document.querySelector('#trace-result img'); return i && i.complete ? i.naturalWidth : 0;",
            &[],
        );
        (width.as_u64().unwrap_or(0) > 0).then_some(())
    });
    visit(&session, &env, "34-trace-label-vi");
    // A product the province does not know, and a code that is none.
    type_into(&session, "#trace-code", "8936036020014");
    click(&session, "#trace-lookup");
    let message = session.wait_for("#trace-message").text();
    assert!(message.contains("chưa được đăng ký"), "{message}");
    assert!(message.contains("hàng giả"), "{message}");
    visit(&session, &env, "35-trace-unknown-vi");
    type_into(&session, "#trace-code", "<script>alert(1)</script>");
    session.execute("document.getElementById('trace-code').focus();", &[]);
    session.keys(ENTER);
    session.wait_until("a bad code said plainly", || {
        session
            .wait_for("#trace-message")
            .text()
            .contains("không phải mã sản phẩm hợp lệ")
            .then_some(())
    });
    back(&session);

    // 4. OCOP products found without accents; a shop on a host that is not
    // allowed is refused, never opened.
    click(&session, "[data-tile='ocop']");
    type_into(&session, "#product-search", "me xung");
    click(&session, "[data-product='me-xung-huong-giang'] summary");
    click(&session, "[data-product='me-xung-huong-giang'] [data-shop]");
    let refusal = session.wait_for("#link-refused").text();
    assert!(refusal.contains("không mở trang này"), "{refusal}");
    visit(&session, &env, "36-ocop-link-refused-vi");
    back(&session);

    // 5. Bills: the catalogue's official pages and the e-wallet guide.
    click(&session, "[data-tile='thanh-toan']");
    session.wait_for("[data-bill='tien-dien']");
    session.wait_for("[data-article='thanh-toan-dien-nuoc']");
    visit(&session, &env, "37-bills-vi");

    session.quit();
    drop(bus);
    gateway.stop();
    let _ = std::fs::remove_dir_all(&work);
}
