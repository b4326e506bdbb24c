//! Whole flows with the keyboard alone, as a resident who cannot use a mouse
//! or a touch screen: filing a report, looking up a dossier, reading an alert
//! and the guide it points to. Every action is a key press (Tab, Enter,
//! Space, arrows, Escape, typed text); the script only reads the page to know
//! where focus is. Focus follows each step (the review, the dossier found,
//! each guide step), and changes of state are announced in live regions.

use cds_e2e::{
    Env, Session,
    webdriver::{ARROW_DOWN, ENTER, TAB},
};

use super::{PHONE, fresh_gateway, requests_at, state_of, visit};

/// Enough Tab presses to go round the longest screen (the home screen's
/// tiles and pin buttons) more than once.
const MAX_TABS: usize = 160;
const ESCAPE: &str = "\u{E00C}";

fn focused_matches(session: &Session, css: &str) -> bool {
    session.execute(
        "const e = document.activeElement; return !!e && e !== document.body && e.matches(arguments[0]);",
        &[serde_json::json!(css)],
    ) == true
}

/// Presses Tab until the element matching `css` has focus (waits for it to
/// be on the page first).
fn tab_to(session: &Session, css: &str) {
    session.wait_for(css);
    for _ in 0..MAX_TABS {
        if focused_matches(session, css) {
            return;
        }
        session.keys(TAB);
    }
    panic!("{css} not reached with {MAX_TABS} presses of Tab");
}

/// Tabs to `css` and presses Enter there.
fn activate(session: &Session, css: &str) {
    tab_to(session, css);
    session.keys(ENTER);
}

/// The value of a form control.
fn value(session: &Session, css: &str) -> String {
    session
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.value : '';",
            &[serde_json::json!(css)],
        )
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Down a focused list until `wanted` accepts its value (bounded).
fn arrow_until(session: &Session, css: &str, wanted: impl Fn(&str) -> bool) {
    tab_to(session, css);
    session.wait_until(&format!("{css} chosen with the arrow keys"), || {
        if wanted(&value(session, css)) {
            return Some(());
        }
        session.keys(ARROW_DOWN);
        None
    });
}

/// Escape until the home screen shows (bounded by the pages opened).
fn escape_home(session: &Session) {
    session.wait_until("home again with Escape", || {
        if !session.find_all("[data-tile='phan-anh']").is_empty() {
            return Some(());
        }
        session.keys(ESCAPE);
        None
    });
}

/// `css` is, or is inside, a live region that screen readers announce.
fn announced(session: &Session, css: &str) -> bool {
    session.execute(
        "const e = document.querySelector(arguments[0]);
         return !!e && !!e.closest('[role=status], [role=alert], [aria-live=polite], [aria-live=assertive]');",
        &[serde_json::json!(css)],
    ) == true
}

fn text(session: &Session, css: &str) -> String {
    session.wait_for(css).text()
}

#[test]
fn a_report_a_dossier_an_alert_and_a_guide_with_the_keyboard_alone() {
    let env = Env::get();
    let (work, gateway_dir, _gateway, url) = fresh_gateway(&env, "keyboard");
    let db = rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3")).expect("gateway db");
    let (code, digits) = super::dossiers::processing_dossier(&db);
    drop(db);
    let app_data = work.join("app");
    let driver = super::reporting_driver(&url, &app_data);
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    super::categories_pulled(&session);

    // 1. A report: category, ward from the list (not the map), text, the
    // category's question, review, submit; sent once, announced.
    activate(&session, "[data-tile='phan-anh']");
    session.wait_for("[data-page='reports']");
    activate(&session, "#new-report");
    activate(&session, "[data-category='pothole']");
    session.wait_for("[data-category='pothole'][aria-pressed='true']");
    arrow_until(&session, "#ward-select", |ward| !ward.is_empty());
    session.wait_until("the ward's centre as the report's place", || {
        session
            .find_all("#location-summary")
            .first()
            .and_then(|s| s.attribute("data-ward"))
            .filter(|w| !w.is_empty())
    });
    let marker = format!("kb-{}", std::process::id());
    tab_to(&session, "#description");
    session.keys(&format!("O ga sau tren duong Le Loi ({marker})"));
    let size_is_a_list = session.execute(
        "return document.getElementById('attr-size').tagName === 'SELECT';",
        &[],
    ) == true;
    if size_is_a_list {
        arrow_until(&session, "#attr-size", |v| v == "large");
    } else {
        tab_to(&session, "#attr-size");
        session.keys("large");
    }
    activate(&session, "#to-review");
    session.wait_until("focus on the review", || {
        focused_matches(&session, "#review-heading").then_some(())
    });
    visit(&session, &env, "80-keyboard-review-vi");
    activate(&session, "#submit-report");
    let receipt = text(&session, "#receipt-code");
    assert_eq!(receipt.len(), 9, "{receipt}");
    assert!(
        announced(&session, "#report-announce"),
        "the report's state is announced"
    );
    // The province's server is up: the background sync sends it.
    session.wait_until("sent", || (state_of(&session) == "sent").then_some(()));
    let status = text(&session, "#report-status");
    session.wait_until("the new state in the live region", || {
        let said = session
            .execute(
                "return document.getElementById('report-announce').textContent;",
                &[],
            )
            .as_str()
            .unwrap_or_default()
            .to_owned();
        said.starts_with(&status).then_some(())
    });
    assert_eq!(requests_at(&url, &marker).len(), 1, "sent exactly once");
    visit(&session, &env, "81-keyboard-sent-vi");
    escape_home(&session);

    // 2. A dossier: code and digits typed, Enter submits, focus on the answer.
    activate(&session, "[data-tile='tra-cuu-ho-so']");
    tab_to(&session, "#dossier-code");
    session.keys(&code);
    tab_to(&session, "#dossier-phone");
    session.keys(&digits);
    session.keys(ENTER);
    session.wait_until("focus on the dossier found", || {
        focused_matches(&session, "#dossier-result-heading").then_some(())
    });
    assert_eq!(text(&session, "#dossier-status"), "Đang giải quyết");
    visit(&session, &env, "82-keyboard-dossier-vi");
    escape_home(&session);

    // 3. An alert read and marked read; its guide followed to the end.
    activate(&session, "[data-tile='canh-bao']");
    session.wait_for("#alerts-list");
    let alert = "[data-alert='cat-dien-vy-da']";
    session.wait_for(&format!("{alert}[data-unread='true']"));
    activate(&session, &format!("{alert} [data-read]"));
    session.wait_for(&format!("{alert}[data-unread='false']"));
    activate(&session, "[data-guide='nhan-biet-lua-dao']");
    let of = text(&session, "#guide-step-of");
    assert!(announced(&session, "#guide-step-of"));
    let total: usize = of
        .rsplit('/')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("steps in {of}"));
    assert!(of.contains("Bước 1 /"), "{of}");
    for step in 2..=total {
        activate(&session, "#guide-next");
        session.wait_until(&format!("step {step}, focus on its text"), || {
            (text(&session, "#guide-step-of").contains(&format!("Bước {step} /"))
                && focused_matches(&session, "#guide-step-text"))
            .then_some(())
        });
    }
    visit(&session, &env, "83-keyboard-guide-end-vi");
    activate(&session, "#guide-done");
    session.wait_for("#alerts-list");
    escape_home(&session);
    session.quit();
    let _ = std::fs::remove_dir_all(&work);
}
