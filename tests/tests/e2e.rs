//! The real app in its real webview (tauri-driver + WebKitWebDriver) against the
//! real gateway process: the home screen in Vietnamese, then English, then offline
//! from the device's cache after a restart; screenshots and axe-core on every screen.

use cds_e2e::{Driver, Env, Gateway, Session, accessibility_problems};

const PHONE: (u32, u32) = (390, 844);
const DESKTOP: (u32, u32) = (1280, 800);

const BLOCKS: [&str; 5] = [
    "digital-government",
    "digital-economy",
    "digital-society",
    "awareness",
    "personal",
];
const TITLES_VI: [&str; 5] = [
    "Chính quyền số",
    "Kinh tế số",
    "Xã hội số",
    "Nâng cao nhận thức",
    "Cá nhân",
];
const TITLES_EN: [&str; 5] = [
    "Digital government",
    "Digital economy",
    "Digital society",
    "Awareness",
    "Personal",
];

/// Saves phone and desktop screenshots of the current screen and checks it with axe.
fn visit(session: &Session, env: &Env, name: &str) {
    let problems = accessibility_problems(session, &env.axe);
    assert!(
        problems.is_empty(),
        "{name}: serious or critical accessibility violations: {problems:#?}"
    );
    for (size, (width, height)) in [("phone", PHONE), ("desktop", DESKTOP)] {
        session.set_window_size(width, height);
        session.screenshot(&env.artifacts.join(format!("{name}-{size}.png")));
    }
    session.set_window_size(PHONE.0, PHONE.1);
}

fn block_titles(session: &Session) -> Vec<String> {
    BLOCKS
        .iter()
        .map(|kind| {
            session
                .wait_for(&format!("section[data-block='{kind}'] h3"))
                .text()
        })
        .collect()
}

/// A property of the element that has keyboard focus (waits for it to settle).
fn focused(session: &Session, property: &str) -> String {
    session.wait_until(&format!("a focused element with {property}"), || {
        let value = session.execute(
            &format!("const e = document.activeElement; return e && e !== document.body ? String(e.{property}) : null;"),
            &[],
        );
        value.as_str().map(str::to_owned)
    })
}

fn html_lang(session: &Session) -> String {
    session
        .execute("return document.documentElement.lang;", &[])
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The accessibility check is only worth something if it can fail: a button
/// without a name (a critical violation) must be reported.
fn accessibility_check_can_fail(session: &Session, env: &Env) {
    session.execute(
        "const b = document.createElement('button'); b.id = 'unnamed';
         document.querySelector('main').appendChild(b); return true;",
        &[],
    );
    let problems = accessibility_problems(session, &env.axe);
    assert!(
        problems.iter().any(|p| p.id == "button-name"),
        "axe-core missed a button without a name: {problems:#?}"
    );
    session.execute(
        "document.getElementById('unnamed').remove(); return true;",
        &[],
    );
}

/// The capability grants the app's commands only; the CSP forbids inline scripts.
fn only_the_apps_own_commands_and_scripts_run(session: &Session) {
    let invoke = |command: &str| {
        session.execute_async(
            "const [cmd, done] = arguments;
             window.__TAURI_INTERNALS__.invoke(cmd, { request: {} })
               .then(() => done('allowed'), e => done('refused: ' + JSON.stringify(e)));",
            &[serde_json::json!(command)],
        )
    };
    assert_eq!(invoke("load_home"), "allowed");
    for command in [
        "plugin:app|version",
        "plugin:window|set_title",
        "not_a_command",
    ] {
        let outcome = invoke(command);
        assert!(
            outcome.as_str().is_some_and(|o| o.starts_with("refused")),
            "{command}: {outcome}"
        );
    }
    let inline_ran = session.execute_async(
        "const done = arguments[0];
         const s = document.createElement('script');
         s.textContent = 'window.__inlineRan = true;';
         document.head.appendChild(s);
         setTimeout(() => done(window.__inlineRan === true), 200);",
        &[],
    );
    assert_eq!(inline_ran, false, "an inline script ran despite the CSP");
}

/// The sync engine's events reach the page through a Tauri channel: a page
/// subscribes, asks for a sync, and receives `started` then `finished`.
fn sync_events_reach_the_page(session: &Session) {
    let kinds = session.execute_async(
        "const done = arguments[0];
         const kinds = [];
         const id = window.__TAURI_INTERNALS__.transformCallback(m => {
           if (m.message) kinds.push(m.message.kind);
           if (m.message && m.message.kind === 'finished' && kinds.includes('started')) done(kinds);
         });
         window.__TAURI_INTERNALS__
           .invoke('watch_sync', { request: {}, onEvent: '__CHANNEL__:' + id })
           .then(() => window.__TAURI_INTERNALS__.invoke('sync_now', { request: {} }))
           .catch(e => done('refused: ' + JSON.stringify(e)));",
        &[],
    );
    let kinds: Vec<String> =
        serde_json::from_value(kinds.clone()).unwrap_or_else(|_| panic!("no sync events: {kinds}"));
    assert!(
        kinds.contains(&"started".to_owned())
            && kinds.last().map(String::as_str) == Some("finished"),
        "{kinds:?}"
    );
}

#[test]
fn home_screen_in_both_languages_and_offline_from_cache() {
    let env = Env::get();
    let work = std::env::temp_dir().join(format!("cds-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let mut gateway = Gateway::start(&env.gateway, &work.join("gateway"));
    let app_data = work.join("app");
    let driver = Driver::start(&[
        ("CDS_API_URL", gateway.url.as_str()),
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
    ]);

    // 1. First start, gateway up: the five blocks in Vietnamese, catalogue fetched.
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    assert_eq!(block_titles(&session), TITLES_VI);
    session.wait_until("the catalogue fetched from the gateway", || {
        session
            .find_all("#connection-status")
            .is_empty()
            .then_some(())
    });
    assert_eq!(html_lang(&session), "vi");
    assert!(
        app_data.join("cong-dan-so.sqlite3").is_file(),
        "the app keeps its database in CDS_DATA_DIR"
    );
    visit(&session, &env, "01-home-vi");
    accessibility_check_can_fail(&session, &env);
    only_the_apps_own_commands_and_scripts_run(&session);
    sync_events_reach_the_page(&session);

    // 2. A tile of a feature not built yet says so plainly.
    session.wait_for("[data-tile='phan-anh']").click();
    let notice = session.wait_for("[data-not-built]").text();
    assert!(notice.contains("chưa có trong phiên bản này"), "{notice}");
    assert!(notice.contains("Phản ánh hiện trường"), "{notice}");
    assert_eq!(
        focused(&session, "tagName"),
        "H1",
        "focus moves to the new page"
    );
    visit(&session, &env, "02-not-built-vi");
    session.wait_for("#back").click();
    session.wait_until("focus back on the tile that was opened", || {
        (focused(&session, "dataset.tile") == "phan-anh").then_some(())
    });

    // 3. Switch to English.
    session.wait_for("#lang-toggle").click();
    session.wait_until("English block titles", || {
        (block_titles(&session) == TITLES_EN).then_some(())
    });
    assert_eq!(html_lang(&session), "en");
    visit(&session, &env, "03-home-en");

    // 4. The settings tile shows the language choice, in English.
    session.wait_for("[data-tile='cai-dat']").click();
    let checked = session.wait_for("input[name='language'][value='en']");
    assert_eq!(checked.attribute("checked").as_deref(), Some("true"));
    // "Photos only on Wi-Fi": this machine cannot tell the network kind, and says so.
    let wifi_only = session.wait_for("#photos-wifi-only");
    assert_ne!(wifi_only.attribute("checked").as_deref(), Some("true"));
    let hint = session.wait_for("[data-network]");
    assert_eq!(hint.attribute("data-network").as_deref(), Some("Unknown"));
    assert!(hint.text().contains("does not say"), "{}", hint.text());
    wifi_only.click();
    visit(&session, &env, "04-settings-en");
    session.wait_for("#back").click();
    session.quit();

    // 5. Gateway stopped, app restarted: cached blocks, offline notice, English kept.
    gateway.stop();
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    assert_eq!(block_titles(&session), TITLES_EN);
    let status = session.wait_for("#connection-status[data-status='offline']");
    let text = status.text();
    assert!(text.contains("You are offline"), "{text}");
    assert!(text.contains("saved on this device"), "{text}");
    assert!(text.contains("List saved at"), "{text}");
    assert_eq!(html_lang(&session), "en");
    visit(&session, &env, "05-home-offline-en");
    session.wait_for("[data-tile='cai-dat']").click();
    session.wait_until("the Wi-Fi choice kept after a restart", || {
        session
            .find_all("#photos-wifi-only")
            .first()
            .and_then(|input| input.attribute("checked"))
            .filter(|checked| checked == "true")
    });
    session.wait_for("#back").click();
    session.quit();
    let _ = std::fs::remove_dir_all(&work);
}

/// A gateway that accepts connections and never answers must not hold up the
/// home screen: the bundled blocks show at once, then the offline notice.
#[test]
fn a_silent_gateway_never_blocks_start_up() {
    let env = Env::get();
    let work = std::env::temp_dir().join(format!("cds-e2e-silent-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", silent.local_addr().unwrap());
    let driver = Driver::start(&[
        ("CDS_API_URL", url.as_str()),
        ("CDS_DATA_DIR", &work.to_string_lossy()),
        ("CDS_HTTP_TIMEOUT_MS", "4000"),
    ]);
    let started = std::time::Instant::now();
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    assert_eq!(block_titles(&session), TITLES_VI);
    let status = session.wait_for("#connection-status");
    assert_eq!(status.attribute("data-status").as_deref(), Some("checking"));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "the home screen waited for the gateway"
    );
    visit(&session, &env, "06-home-checking-vi");
    let offline = session.wait_for("#connection-status[data-status='offline']");
    assert!(
        offline.text().contains("danh sách dịch vụ mặc định"),
        "{}",
        offline.text()
    );
    visit(&session, &env, "07-home-offline-bundled-vi");
    session.quit();
    drop(silent);
    let _ = std::fs::remove_dir_all(&work);
}
