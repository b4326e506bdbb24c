//! The personal block end to end: tiles pinned with the keyboard alone come
//! first on the home screen in the order pinned, stay pinned after a restart
//! and are unpinned again; the tiles opened last show as recently used; the
//! home screen with both groups still fits at 200% text; a kind of
//! notification turned off in settings with the keyboard stays off after a
//! restart. The provincial API address is checked before it is kept and
//! used after a restart; "delete my data" names the unsent draft first and
//! erases it only when confirmed.

use cds_e2e::{
    Driver, Env, Session,
    webdriver::{ENTER, TAB},
};

use super::{
    PHONE,
    access::{fits_the_window, wait_for_root},
    awareness::press,
    fresh_gateway, type_into, visit,
};

/// The tile ids of a home-screen group (`pinned`, `recent`), in order.
fn group(session: &Session, kind: &str) -> Vec<String> {
    let ids = session.execute(
        "return [...document.querySelectorAll(`[data-group='${arguments[0]}'] [data-shortcut]`)]
           .map(t => t.dataset.shortcut);",
        &[serde_json::json!(kind)],
    );
    serde_json::from_value(ids.clone()).unwrap_or_else(|_| panic!("{kind}: {ids}"))
}

fn wait_for_group(session: &Session, kind: &str, expected: &[&str]) {
    session.wait_until(&format!("the {kind} group to be {expected:?}"), || {
        (group(session, kind) == expected).then_some(())
    });
}

/// Puts keyboard focus on a tile's pin button by tabbing from its tile, and
/// presses `key` (Enter or Space) there.
fn pin_with_key(session: &Session, tile: &str, key: &str) {
    let css = format!("[data-tile='{tile}']");
    session.wait_for(&css);
    session.execute(
        "const t = document.querySelector(arguments[0]);
         t.scrollIntoView({block: 'center'}); t.focus(); return true;",
        &[serde_json::json!(css)],
    );
    session.keys(TAB);
    let focused = session.execute(
        "const e = document.activeElement; return e && e.dataset.pin || null;",
        &[],
    );
    assert_eq!(focused, tile, "Tab from a tile reaches its pin button");
    session.keys(key);
}

fn pressed(session: &Session, tile: &str) -> String {
    session
        .wait_for(&format!("[data-pin='{tile}']"))
        .attribute("aria-pressed")
        .unwrap_or_default()
}

fn wait_pressed(session: &Session, tile: &str, value: &str) {
    session.wait_until(&format!("{tile}'s pin aria-pressed={value}"), || {
        (pressed(session, tile) == value).then_some(())
    });
}

#[test]
fn tiles_are_pinned_with_the_keyboard_kept_after_restart_and_recent_ones_shown() {
    let env = Env::get();
    let (work, _gateway_dir, _gateway, url) = fresh_gateway(&env, "personal");
    let app_data = work.join("app");
    let driver = Driver::start(&[
        ("CDS_API_URL", url.as_str()),
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
    ]);
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    session.wait_for("[data-tile='cai-dat']");
    assert!(
        group(&session, "pinned").is_empty(),
        "nothing pinned at first"
    );
    assert_eq!(pressed(&session, "canh-bao"), "false");
    let label = session
        .wait_for("[data-pin='canh-bao']")
        .attribute("aria-label")
        .unwrap_or_default();
    assert!(
        label.contains("Cảnh báo"),
        "the pin names its service: {label}"
    );

    // Pinned with Enter, then with Space: first on the home screen, in that order.
    pin_with_key(&session, "canh-bao", ENTER);
    wait_for_group(&session, "pinned", &["canh-bao"]);
    wait_pressed(&session, "canh-bao", "true");
    pin_with_key(&session, "cai-dat", " ");
    wait_for_group(&session, "pinned", &["canh-bao", "cai-dat"]);
    wait_pressed(&session, "cai-dat", "true");
    let focused = session.execute(
        "const e = document.activeElement; return e && e.dataset.pin || null;",
        &[],
    );
    assert_eq!(focused, "cai-dat", "focus stays on the pin button");
    let first = session.execute(
        "return document.querySelector('.blocks > section').dataset.group || null;",
        &[],
    );
    assert_eq!(first, "pinned", "the pinned group comes first");
    visit(&session, &env, "70-personal-pinned-vi");
    // A pinned tile opens its page like its tile in the block.
    press(&session, "[data-group='pinned'] [data-shortcut='cai-dat']");
    session.wait_for("[data-page='cai-dat']");
    press(&session, "#back");
    session.wait_for("[data-tile='cai-dat']");

    // Urgent warnings' notifications turned off with the keyboard (Space on
    // the focused checkbox).
    press(&session, "[data-tile='cai-dat']");
    let alerts = "input[name='notify'][value='alerts']";
    session.wait_for(alerts);
    session.execute(
        "document.querySelector(arguments[0]).focus(); return true;",
        &[serde_json::json!(alerts)],
    );
    session.keys(" ");
    session.wait_until("alerts' notifications off", || {
        let checked = session.execute(
            "return document.querySelector(arguments[0]).checked;",
            &[serde_json::json!(alerts)],
        );
        (checked == false).then_some(())
    });
    visit(&session, &env, "73-personal-notifications-vi");
    press(&session, "#back");
    session.wait_for("[data-tile='cai-dat']");
    session.quit();

    // Kept on the device: still pinned, in order, after a restart.
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    session.wait_for("[data-tile='cai-dat']");
    wait_for_group(&session, "pinned", &["canh-bao", "cai-dat"]);
    wait_pressed(&session, "canh-bao", "true");
    wait_for_group(&session, "recent", &["cai-dat"]);
    press(&session, "[data-tile='cai-dat']");
    // The first page after a start comes with the pages' chunk, a moment later.
    session.wait_for(alerts);
    let notify = session.execute(
        "return [...document.querySelectorAll(\"input[name='notify']\")].map(i => i.value + '=' + i.checked);",
        &[],
    );
    assert_eq!(
        notify,
        serde_json::json!(["reports=true", "dossiers=true", "alerts=false"]),
        "the notification choices are kept"
    );
    press(&session, "#back");
    session.wait_for("[data-tile='cai-dat']");

    // Unpinned with the keyboard.
    pin_with_key(&session, "canh-bao", ENTER);
    wait_for_group(&session, "pinned", &["cai-dat"]);
    wait_pressed(&session, "canh-bao", "false");

    // Two tiles opened: recently used, newest first.
    for tile in ["tin-tuc", "thu-tuc"] {
        press(&session, &format!("[data-tile='{tile}']"));
        session.wait_for(&format!("[data-page='{tile}']"));
        press(&session, "#back");
        session.wait_for("[data-tile='cai-dat']");
    }
    wait_for_group(&session, "recent", &["thu-tuc", "tin-tuc", "cai-dat"]);
    visit(&session, &env, "71-personal-recent-vi");

    // Both groups at 200% text on a phone.
    press(&session, "[data-tile='cai-dat']");
    press(&session, "input[name='text-size'][value='200']");
    wait_for_root(&session, "data-text-size", "200");
    press(&session, "#back");
    session.wait_for("[data-tile='cai-dat']");
    wait_for_group(&session, "recent", &["cai-dat", "thu-tuc", "tin-tuc"]);
    fits_the_window(&session, "home with pinned and recent tiles");
    visit(&session, &env, "72-personal-200-vi");
    session.quit();
    let _ = std::fs::remove_dir_all(&work);
}

fn drafts(session: &Session) -> u64 {
    session
        .execute_async(
            "const done = arguments[0];
             window.__TAURI_INTERNALS__.invoke('load_drafts', { request: {} })
               .then(list => done(list.length), () => done(-1));",
            &[],
        )
        .as_u64()
        .unwrap_or(u64::MAX)
}

fn open_settings(session: &Session) {
    // The home screen's connection check first: its outcome's line (offline,
    // with a retry button) is taller than the "checking" one and moves the
    // tiles down, so a press during the change can land beside the tile.
    session.wait_until("the home screen's connection check done", || {
        (!session.find_all("[data-tile='cai-dat']").is_empty()
            && session
                .find_all("#connection-status[data-status='checking']")
                .is_empty())
        .then_some(())
    });
    press(session, "[data-tile='cai-dat']");
    session.wait_for("#api-settings");
}

#[test]
fn an_api_address_is_checked_then_used_and_my_data_erased_once_named() {
    let env = Env::get();
    let (work, _gateway_dir, _gateway, url) = fresh_gateway(&env, "device");
    let app_data = work.join("app");
    // No address from the environment: the settings choose it.
    let driver = Driver::start(&[
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
    ]);
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    open_settings(&session);
    assert_eq!(
        session.wait_for("#api-in-force").text(),
        "http://127.0.0.1:8787/"
    );
    type_into(&session, "#api-address", "ftp://tinh.example/");
    press(&session, "#api-save");
    session.wait_until("a wrong address refused in plain words", || {
        let said = session.wait_for("#api-address-error").text();
        said.contains("không phải địa chỉ web").then_some(())
    });
    assert_eq!(
        session
            .wait_for("#api-address")
            .attribute("aria-invalid")
            .as_deref(),
        Some("true")
    );
    type_into(&session, "#api-address", url.trim_end_matches('/'));
    press(&session, "#api-save");
    session.wait_until("the gateway's address kept", || {
        let said = session.wait_for("#api-status").text();
        said.contains("Đã lưu").then_some(())
    });
    session.wait_for("#api-restart-now");
    visit(&session, &env, "74-settings-api-vi");
    session.quit();

    // Started again: the new address is in force.
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    session.wait_until("online at the chosen address", || {
        (!session.find_all("[data-tile='cai-dat']").is_empty()
            && session.find_all("#connection-status").is_empty())
        .then_some(())
    });
    // A draft that has not been sent (the categories come from the gateway).
    press(&session, "[data-tile='phan-anh']");
    press(&session, "#new-report");
    press(&session, "[data-category='pothole']");
    type_into(&session, "#description", "Cột điện nghiêng trước chợ");
    session.wait_until("the draft saved", || (drafts(&session) == 1).then_some(()));
    for _ in 0..2 {
        press(&session, "#back");
    }
    open_settings(&session);
    assert_eq!(session.wait_for("#api-in-force").text(), url);
    assert!(session.find_all("#api-restart").is_empty());

    // What would go is named first; "do not delete" keeps it all.
    press(&session, "#erase-start");
    session.wait_until("focus on what would go", || {
        (super::focused(&session, "id") == "erase-confirm").then_some(())
    });
    let drafts_named = session.wait_for("#erase-drafts").text();
    assert!(drafts_named.contains("Cột điện nghiêng"), "{drafts_named}");
    session.wait_for("#erase-warning");
    visit(&session, &env, "75-settings-erase-vi");
    press(&session, "#erase-no");
    assert_eq!(drafts(&session), 1);
    press(&session, "#erase-start");
    press(&session, "#erase-yes");
    session.wait_until("erased, and said", || {
        let said = session.wait_for("#erase-status").text();
        said.contains("Đã xoá").then_some(())
    });
    assert_eq!(drafts(&session), 0);
    visit(&session, &env, "76-settings-erased-vi");
    // The address is the installer's choice, not the resident's data: kept.
    assert_eq!(session.wait_for("#api-in-force").text(), url);
    session.quit();
    let _ = std::fs::remove_dir_all(&work);
}
