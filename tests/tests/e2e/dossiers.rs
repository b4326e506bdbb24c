//! Digital government end to end: a slip photo read on the device, a dossier
//! looked up and followed, changed by the province's staff, announced in the
//! inbox after a sync, opened and read; procedures found without accents;
//! the on-time statistics.

use cds_e2e::{Driver, Env};

use super::{choose_files, fresh_gateway, staff_token, type_into, visit};

#[path = "../../../crates/scan/tests/slip/mod.rs"]
pub(super) mod slip;

/// A phone photo of the dossier's slip: a QR code with the office's link
/// and a Code 128 barcode, turned, at an angle, a little blurred and dim.
fn slip_photo(code: &str) -> Vec<u8> {
    let paper = slip::draw(&slip::Slip {
        qr: Some(slip::lookup_url(code)),
        barcode: Some(code.to_owned()),
        product: None,
        seed: 7,
    });
    let shot = slip::Shot {
        width: 2592,
        height: 1944,
        turn: 8.0,
        perspective: 0.03,
        fill: 0.75,
        blur: 0.6,
        light: 0.7,
        contrast: 0.8,
        noise: 2.0,
    };
    slip::photograph(&paper, &shot, 7)
}

/// The code and phone digits of a seeded dossier being processed.
pub(super) fn processing_dossier(db: &rusqlite::Connection) -> (String, String) {
    db.query_row(
        "SELECT code, phone_last4 FROM dossiers WHERE status = 'processing' LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .expect("a dossier in progress")
}

/// The value of an input.
fn value_of(session: &cds_e2e::Session, css: &str) -> String {
    session
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.value : null;",
            &[serde_json::json!(css)],
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn a_dossier_read_from_its_slip_is_followed_to_a_change_in_the_inbox() {
    let env = Env::get();
    let (work, gateway_dir, mut gateway, url) = fresh_gateway(&env, "dossier");

    // A dossier being processed, due in ten days.
    let db = rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3")).expect("gateway db");
    let (code, digits) = processing_dossier(&db);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
    db.execute(
        "UPDATE dossiers SET due_ms = ?2 WHERE code = ?1",
        rusqlite::params![code, now + 10 * 86_400_000],
    )
    .expect("due date set");
    drop(db);

    let app_data = work.join("app");
    let driver = Driver::start(&[
        ("CDS_API_URL", url.as_str()),
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
    ]);
    let session = driver.launch(&env.app);
    session.set_window_size(super::PHONE.0, super::PHONE.1);
    // The sync at start brings the procedures and statistics to the device.
    session.wait_until("the procedures pulled at start", || {
        let count = session.execute_async(
            "const done = arguments[0];
             window.__TAURI_INTERNALS__.invoke('load_procedures', { request: { query: '' } })
               .then(list => done(list.length), () => done(0));",
            &[],
        );
        (count.as_u64().unwrap_or(0) >= 60).then_some(())
    });

    // The slip photographed: the code is read on the device.
    session.wait_for("[data-tile='tra-cuu-ho-so']").click();
    session.wait_for("#dossier-form");
    let images = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/test-images");
    let pothole = std::fs::read(images.join("pothole_hue_synthetic.jpg")).expect("test photo");
    choose_files(&session, "#slip-photo", &[("o-ga.jpg", &pothole)]);
    session.wait_until("a photo without a code said plainly", || {
        let text = session.wait_for("#slip-status").text();
        text.contains("Không thấy mã").then_some(())
    });
    choose_files(
        &session,
        "#slip-photo",
        &[("giay-hen.jpg", &slip_photo(&code))],
    );
    session.wait_until("the code read from the slip", || {
        (value_of(&session, "#dossier-code") == code).then_some(())
    });
    visit(&session, &env, "20-dossier-slip-read-vi");

    // Wrong digits: said kindly; the right ones: the dossier in plain words.
    let wrong = if digits == "0000" { "1111" } else { "0000" };
    type_into(&session, "#dossier-phone", wrong);
    session.wait_for("#dossier-lookup").click();
    let message = session.wait_for("#dossier-message").text();
    assert!(message.contains("Không tìm thấy hồ sơ"), "{message}");
    type_into(&session, "#dossier-phone", &digits);
    session.wait_for("#dossier-lookup").click();
    session.wait_for("#dossier-result");
    assert_eq!(
        session.wait_for("#dossier-status").text(),
        "Đang giải quyết"
    );
    let due = session.wait_for("#dossier-due").text();
    assert!(due.contains("Còn"), "{due}");
    visit(&session, &env, "21-dossier-result-vi");
    session.wait_for("#dossier-follow").click();
    session.wait_until("followed", || {
        session
            .find_all("#dossier-follow[aria-pressed='true']")
            .first()
            .map(|_| ())
    });

    // The one-stop office asks for a document.
    let token = staff_token(&env, &gateway_dir, "Bộ phận Một cửa");
    let note = "Bổ sung bản sao căn cước có chứng thực";
    let status = cds_e2e::webdriver::http_client()
        .post(format!("{url}api/v1/staff/dossiers/{code}"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "status": "supplement_requested",
            "note": note,
            "step": { "name": "Yêu cầu bổ sung hồ sơ", "unit": "Bộ phận Một cửa" }
        }))
        .send()
        .expect("staff update sent")
        .status();
    assert!(status.is_success(), "staff update: {status}");

    // After a sync: the inbox's tile counts it, the inbox shows it unread
    // with the words of the notification.
    session.wait_for("#back").click();
    session.execute_async(
        "const done = arguments[0];
         window.__TAURI_INTERNALS__.invoke('sync_now', { request: {} }).then(done, done);",
        &[],
    );
    session.wait_for("#inbox-badge");
    // Where residents start: the home screen says what is new.
    let news = session.wait_for("#inbox-news").text();
    assert!(news.contains("cập nhật mới"), "{news}");
    visit(&session, &env, "22-home-news-vi");
    session.wait_for("[data-tile='hop-thu']").click();
    let item = format!("[data-kind='dossier'][data-id='{code}']");
    let line = session
        .wait_for(&format!("{item}[data-unread='true']"))
        .text();
    assert!(line.contains("Cần bổ sung giấy tờ"), "{line}");
    assert!(line.contains(note), "{line}");
    visit(&session, &env, "23-inbox-unread-vi");
    session.wait_for(&format!("{item} button")).click();
    let shown = session.wait_for("#dossier-note").text();
    assert!(shown.contains(note), "{shown}");
    let steps = session.wait_for("#dossier-steps").text();
    assert!(steps.contains("Yêu cầu bổ sung hồ sơ"), "{steps}");
    visit(&session, &env, "24-dossier-supplement-vi");
    session.wait_for("#back").click();
    session.wait_for(&format!("{item}[data-unread='false']"));
    session.wait_until("nothing unread left for it", || {
        session.find_all("#inbox-badge").is_empty().then_some(())
    });

    // Procedures, found without accents.
    session.wait_for("#back").click();
    session.wait_for("[data-tile='thu-tuc']").click();
    // The page is drawn after the click: wait for its field before typing.
    session.wait_for("#procedure-search");
    type_into(&session, "#procedure-search", "chung thuc");
    session.wait_until("procedures of chứng thực", || {
        // Read in one go: the list is redrawn as the search narrows it.
        let names: Vec<String> = serde_json::from_value(session.execute(
            "return Array.from(document.querySelectorAll('[data-procedure] summary'))
                 .map(e => e.textContent);",
            &[],
        ))
        .unwrap_or_default();
        (!names.is_empty() && names[0].to_lowercase().contains("chứng thực")).then_some(names)
    });
    visit(&session, &env, "25-procedures-vi");

    // The on-time statistics: a chart and the same figures in a table.
    session.wait_for("#back").click();
    session.wait_for("[data-tile='dung-han']").click();
    session.wait_for("#stats-chart");
    assert!(!session.find_all("#stats-table tbody tr").is_empty());
    visit(&session, &env, "26-stats-vi");

    session.quit();
    gateway.stop();
    let _ = std::fs::remove_dir_all(&work);
}
