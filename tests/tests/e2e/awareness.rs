//! The awareness block and community teams end to end: a member joins with a
//! code made by the gateway's staff command; with the gateway stopped, an
//! assisted session runs through a guide's steps and is saved; with the
//! gateway back it arrives exactly once and is counted in the team view (and
//! saved as CSV); a guide is read offline with its pictures; a scam warning is
//! opened and copied to share; an alert's guide is opened from the alert.

use std::path::Path;

use cds_e2e::{Driver, Env, Gateway, Session};

use super::{fresh_gateway, type_into, visit};

/// The team's home ward (Phú Xuân).
const WARD: &str = "19753";

/// A member code made by the gateway's command, as printed.
pub(super) fn team_code(env: &Env, gateway_dir: &Path) -> String {
    let output = std::process::Command::new(&env.gateway)
        .args([
            "create-team-code",
            "Tổ CNS phường Phú Xuân",
            WARD,
            "30",
            "--data",
        ])
        .arg(gateway_dir)
        .output()
        .expect("create-team-code runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .split('\t')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn sessions_at_gateway(gateway_dir: &Path) -> i64 {
    rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3"))
        .expect("gateway db")
        .query_row("SELECT COUNT(*) FROM assisted_sessions", [], |r| r.get(0))
        .expect("count")
}

/// Ticks a checkbox or radio button as a click on it would (the control
/// may still be moving into view as its stage renders).
fn tick(session: &Session, css: &str) {
    session.wait_for(css);
    session.wait_until(&format!("{css} ticked"), || {
        let checked = session.execute(
            "const e = document.querySelector(arguments[0]);
             if (!e) return false;
             if (!e.checked) e.click();
             return e.checked;",
            &[serde_json::json!(css)],
        );
        (checked == true).then_some(())
    });
}

/// Clicks `css` once it is in the middle of the window (clear of the sticky
/// top bar while the page settles).
pub(super) fn press(session: &Session, css: &str) {
    let element = session.wait_for(css);
    session.execute(
        "document.querySelector(arguments[0]).scrollIntoView({block: 'center'}); return true;",
        &[serde_json::json!(css)],
    );
    element.click();
}

/// Waits until the sync at start has brought `at_least` guides to the device.
pub(super) fn guides_pulled(session: &Session, at_least: u64) {
    session.wait_until("the guides pulled at start", || {
        let count = session.execute_async(
            "const done = arguments[0];
             window.__TAURI_INTERNALS__.invoke('load_shelf', { request: { shelf: 'guides', query: '' } })
               .then(page => done(page.items.length), () => done(0));",
            &[],
        );
        (count.as_u64().unwrap_or(0) >= at_least).then_some(())
    });
}

pub(super) fn go_home(session: &Session) {
    for _ in 0..6 {
        if !session.find_all("[data-tile='ho-tro']").is_empty() {
            return;
        }
        press(session, "#back");
    }
    session.wait_for("[data-tile='ho-tro']");
}

#[test]
fn a_team_member_helps_a_resident_offline_and_the_session_is_counted_once() {
    let env = Env::get();
    let (work, gateway_dir, mut gateway, url) = fresh_gateway(&env, "team");
    let listen = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let code = team_code(&env, &gateway_dir);
    assert_eq!(code.len(), 9, "{code}");

    let app_data = work.join("app");
    let driver = Driver::start(&[
        ("CDS_API_URL", url.as_str()),
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
    ]);
    let session = driver.launch(&env.app);
    session.set_window_size(super::PHONE.0, super::PHONE.1);
    // The sync at start brings the guides and their pictures to the device.
    guides_pulled(&session, 6);

    // Join: a mistyped code is said plainly; the real one is accepted.
    press(&session, "[data-tile='ho-tro']");
    session.wait_for("#team-join-form");
    visit(&session, &env, "30-team-join-vi");
    type_into(&session, "#team-code", "ABCD-12");
    press(&session, "#team-join");
    session.wait_until("a mistyped code refused", || {
        let text = session.wait_for("#team-join-error").text();
        text.contains("8 chữ và số").then_some(())
    });
    type_into(&session, "#team-code", &code.to_lowercase());
    press(&session, "#team-join");
    let team = session.wait_for("#team").text();
    assert!(team.contains("Tổ CNS phường Phú Xuân"), "{team}");
    visit(&session, &env, "31-team-vi");

    // The gateway goes down; the member helps a resident install VNeID.
    gateway.stop();
    press(&session, "#assist-start");
    session.wait_for("[data-task='vneid_level2']");
    visit(&session, &env, "32-assist-task-vi");
    press(&session, "[data-task='vneid_level2']");
    let consent = session.wait_for("#consent-text").text();
    assert!(consent.contains("không ghi tên"), "{consent}");
    assert_eq!(
        session
            .wait_for("#consent-next")
            .attribute("disabled")
            .as_deref(),
        Some("true"),
        "no start without the resident's consent"
    );
    visit(&session, &env, "33-assist-consent-vi");
    tick(&session, "#consent");
    press(&session, "#consent-next");
    session.wait_for("#assist-steps");
    for step in ["#step-0", "#step-1", "#step-2"] {
        tick(&session, step);
    }
    let done = session.wait_for("#steps-done").text();
    assert!(done.contains("Đã xong 3 /"), "{done}");
    visit(&session, &env, "34-assist-steps-vi");
    press(&session, "#steps-next");
    tick(&session, "#outcome-partly");
    // Without a reason, saving is refused and nothing is saved.
    press(&session, "#session-save");
    session.wait_until("a reason asked for", || {
        let text = session.wait_for("#assist-error").text();
        text.contains("lý do").then_some(())
    });
    type_into(&session, "#reason", "needs_office_visit");
    let ward = session.execute("return document.querySelector('#ward').value;", &[]);
    assert_eq!(ward, WARD, "the team's ward is the default");
    visit(&session, &env, "35-assist-finish-vi");
    press(&session, "#session-save");
    let saved = session.wait_for("#session-saved");
    let id = saved.attribute("data-session").unwrap_or_default();
    assert!(!id.is_empty());
    visit(&session, &env, "36-assist-saved-vi");
    // A field report for the resident, marked as filed with the team's help.
    press(&session, "#assist-report");
    let notice = session.wait_for("#report-assisted").text();
    assert!(notice.contains("thay cho một người dân"), "{notice}");
    visit(&session, &env, "36b-report-for-resident-vi");
    press(&session, "#back");
    session.wait_for("#assist-tasks");
    press(&session, "#back");
    session.wait_for(&format!("li[data-session='{id}'][data-state='waiting']"));
    assert_eq!(sessions_at_gateway(&gateway_dir), 0);

    // The gateway is back: the session arrives once and is counted.
    let gateway = Gateway::start_on(&env.gateway, &gateway_dir, &listen);
    press(&session, "#sessions-send");
    session.wait_for(&format!("li[data-session='{id}'][data-state='sent']"));
    assert_eq!(sessions_at_gateway(&gateway_dir), 1);
    session.wait_until("the session counted in the team view", || {
        session
            .find_all("#stats-week[data-total='1']")
            .first()
            .map(|_| ())
    });
    // Another sync sends nothing again.
    session.execute_async(
        "const done = arguments[0];
         window.__TAURI_INTERNALS__.invoke('sync_now', { request: {} }).then(() => done(true), () => done(false));",
        &[],
    );
    visit(&session, &env, "37-team-stats-vi");
    press(&session, "#team-csv");
    let saved = session.wait_until("the CSV saved", || {
        let text = session.wait_for("#team-csv-saved").text();
        text.strip_prefix("Đã lưu: ").map(str::to_owned)
    });
    let csv = std::fs::read_to_string(&saved).expect("the CSV file");
    assert!(csv.contains("Xong một phần"), "{csv}");
    assert!(csv.contains("VNeID"), "{csv}");
    let _ = std::fs::remove_file(&saved);
    assert_eq!(sessions_at_gateway(&gateway_dir), 1, "exactly once");
    drop(gateway);

    // Offline again: a guide is read step by step, with its pictures.
    go_home(&session);
    press(&session, "[data-tile='huong-dan']");
    press(&session, "[data-article='tra-cuu-ho-so']");
    let of = session.wait_for("#guide-step-of").text();
    assert!(of.contains("Bước 1 /"), "{of}");
    session.wait_until("the step's picture shown offline", || {
        let loaded = session.execute(
            "const i = document.querySelector('.guide__image'); return !!i && i.complete && i.naturalWidth > 0;",
            &[],
        );
        (loaded == true).then_some(())
    });
    visit(&session, &env, "38-guide-vi");
    press(&session, "#guide-next");
    session.wait_until("step 2", || {
        session
            .wait_for("#guide-step-of")
            .text()
            .contains("Bước 2 /")
            .then_some(())
    });

    // A scam warning: new, opened, copied to share.
    go_home(&session);
    press(&session, "[data-tile='lua-dao']");
    session.wait_for("#shelf-list .badge--new");
    visit(&session, &env, "39-scams-vi");
    type_into(&session, "#shelf-search", "cong an vneid");
    session.wait_until("accent-insensitive search", || {
        (session.find_all("#shelf-list li").len() == 1).then_some(())
    });
    press(&session, "#shelf-list button");
    let article = session.wait_for("#article").text();
    assert!(article.contains("VNeID"), "{article}");
    press(&session, "#article-share");
    session.wait_until("copied, or the text shown to copy", || {
        let said = session.wait_for("#article-copied").text();
        (!said.is_empty()).then_some(())
    });
    visit(&session, &env, "40-scam-article-vi");

    // An alert that points to a guide opens it (offline too).
    go_home(&session);
    press(&session, "[data-tile='canh-bao']");
    press(&session, "[data-guide='nhan-biet-lua-dao']");
    let of = session.wait_for("#guide-step-of").text();
    assert!(of.contains("Bước 1 /"), "{of}");
    session.quit();
}
