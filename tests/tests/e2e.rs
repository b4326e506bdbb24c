//! The real app in its real webview (tauri-driver + WebKitWebDriver) against the
//! real gateway process: the home screen in Vietnamese, then English, then offline
//! from the device's cache after a restart; screenshots and axe-core on every screen,
//! in both themes (high contrast with AAA contrast for text).

use std::path::{Path, PathBuf};

use cds_e2e::{Driver, Env, Gateway, Session, accessibility_problems};

#[path = "e2e/access.rs"]
mod access;
#[path = "e2e/awareness.rs"]
mod awareness;
#[path = "e2e/console.rs"]
mod console;
#[path = "e2e/dossiers.rs"]
mod dossiers;
#[path = "e2e/keyboard.rs"]
mod keyboard;
#[path = "e2e/package.rs"]
mod package;
#[path = "e2e/personal.rs"]
mod personal;
#[path = "e2e/society.rs"]
mod society;
#[path = "e2e/tour.rs"]
mod tour;

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

/// Saves phone and desktop screenshots of the current screen and checks it
/// with axe-core in both themes: as shown, then in high contrast (with AAA
/// contrast for text), switched on the page's root for the check alone.
fn visit(session: &Session, env: &Env, name: &str) {
    let problems = accessibility_problems(session, &env.axe);
    assert!(
        problems.is_empty(),
        "{name}: serious or critical accessibility violations: {problems:#?}"
    );
    let theme = session.execute(
        "const r = document.documentElement; const was = r.getAttribute('data-contrast');
         r.setAttribute('data-contrast', 'on'); return was;",
        &[],
    );
    let problems = accessibility_problems(session, &env.axe);
    let aaa = access::aaa_contrast_problems(session);
    session.execute(
        "const r = document.documentElement; const was = arguments[0];
         if (was === null) r.removeAttribute('data-contrast'); else r.setAttribute('data-contrast', was);
         return true;",
        &[theme],
    );
    assert!(
        problems.is_empty(),
        "{name} in high contrast: serious or critical accessibility violations: {problems:#?}"
    );
    assert_eq!(
        aaa,
        serde_json::json!([]),
        "{name} in high contrast: text below AAA contrast"
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

/// A tile the province added for a service this version does not know.
const UNKNOWN_TILE: &str = "thu-nghiem";

/// Adds [`UNKNOWN_TILE`] to the personal block of the gateway's catalogue
/// (every tile of the demo catalogue opens a built service).
fn add_unknown_tile(gateway_dir: &Path) {
    let db = rusqlite::Connection::open(gateway_dir.join("gateway.sqlite3")).expect("gateway db");
    let body: Vec<u8> = db
        .query_row("SELECT body FROM catalogue WHERE id = 1", [], |r| r.get(0))
        .expect("the demo catalogue");
    let mut catalogue: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    let tiles = catalogue["blocks"][4]["tiles"]
        .as_array_mut()
        .expect("the personal block's tiles");
    tiles.push(serde_json::json!({
        "id": UNKNOWN_TILE,
        "title": {"vi": "Dịch vụ thử nghiệm", "en": "Trial service"},
        "icon": "generic",
        "action": {"type": "feature", "feature": "future_service"}
    }));
    db.execute(
        "UPDATE catalogue SET body = ?1, etag = 'e2e-unknown-tile' WHERE id = 1",
        [serde_json::to_vec(&catalogue).expect("JSON")],
    )
    .expect("catalogue updated");
}

#[test]
fn home_screen_in_both_languages_and_offline_from_cache() {
    let env = Env::get();
    let work = std::env::temp_dir().join(format!("cds-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let mut gateway = Gateway::start(&env.gateway, &work.join("gateway"));
    add_unknown_tile(&work.join("gateway"));
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

    // 2. A tile of a service this version does not know says so plainly.
    session
        .wait_for(&format!("[data-tile='{UNKNOWN_TILE}']"))
        .click();
    let notice = session.wait_for("[data-not-built]").text();
    assert!(notice.contains("chưa hỗ trợ"), "{notice}");
    assert!(notice.contains("Dịch vụ thử nghiệm"), "{notice}");
    assert_eq!(
        focused(&session, "tagName"),
        "H1",
        "focus moves to the new page"
    );
    visit(&session, &env, "02-not-built-vi");
    session.wait_for("#back").click();
    session.wait_until("focus back on the tile that was opened", || {
        (focused(&session, "dataset.tile") == UNKNOWN_TILE).then_some(())
    });
    // Escape and the mouse's back button go back the same way.
    for (how, script) in [
        (
            "Escape",
            "document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}))",
        ),
        (
            "the mouse's back button",
            "document.querySelector('h1').dispatchEvent(new MouseEvent('mouseup', {button: 3, bubbles: true}))",
        ),
    ] {
        session
            .wait_for(&format!("[data-tile='{UNKNOWN_TILE}']"))
            .click();
        session.wait_for("[data-not-built]");
        session.execute(script, &[]);
        session.wait_until(&format!("{how}: home again, focus on the tile"), || {
            (session.find_all("[data-not-built]").is_empty()
                && focused(&session, "dataset.tile") == UNKNOWN_TILE)
                .then_some(())
        });
    }

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
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "the home screen waited for the gateway"
    );
    // A check that takes more than a second says so (before its timeout).
    let status = session.wait_for("#connection-status");
    assert_eq!(status.attribute("data-status").as_deref(), Some("checking"));
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

/// Sets a form control's value as typing would, and tells the page.
fn type_into(session: &Session, css: &str, value: &str) {
    let done = session.execute(
        "const [css, value] = arguments;
         const el = document.querySelector(css);
         if (!el) return false;
         el.value = value;
         el.dispatchEvent(new Event('input', { bubbles: true }));
         el.dispatchEvent(new Event('change', { bubbles: true }));
         return true;",
        &[serde_json::json!(css), serde_json::json!(value)],
    );
    assert_eq!(done, true, "{css} not found");
}

/// Picks files in `<input type=file>` as the file chooser would (WebDriver has
/// no portable file chooser for a webview): real bytes, real `change` event.
fn choose_files(session: &Session, css: &str, files: &[(&str, &[u8])]) {
    use base64_lite::encode;
    let count = files.len();
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|(name, bytes)| serde_json::json!({ "name": name, "data": encode(bytes) }))
        .collect();
    let done = session.execute(
        "const [css, files] = arguments;
         const input = document.querySelector(css);
         const dt = new DataTransfer();
         for (const f of files) {
           const bin = atob(f.data);
           const bytes = new Uint8Array(bin.length);
           for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
           dt.items.add(new File([bytes], f.name, { type: 'image/jpeg' }));
         }
         input.files = dt.files;
         const chosen = input.files.length;
         input.dispatchEvent(new Event('change', { bubbles: true }));
         return chosen;",
        &[serde_json::json!(css), serde_json::Value::Array(files)],
    );
    assert_eq!(done, serde_json::json!(count), "files not chosen: {done}");
}

/// A minimal base64 encoder (no dependency for one test helper).
mod base64_lite {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

/// The repository's test photos.
fn test_images() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/test-images")
}

/// Waits (bounded) until the first start has pulled the report categories.
fn categories_pulled(session: &Session) {
    session.wait_until("the categories pulled at start", || {
        let count = session.execute_async(
            "const done = arguments[0];
             window.__TAURI_INTERNALS__.invoke('load_categories', { request: {} })
               .then(list => done(list.length), () => done(0));",
            &[],
        );
        (count.as_u64().unwrap_or(0) > 0).then_some(())
    });
}

/// From the reports page, fills a new pothole report as a resident would:
/// the category, `photos` (the first taken in Huế: its position becomes the
/// report's ward), a description holding `marker`, the size.
fn fill_pothole_report(session: &Session, photos: &[(&str, &[u8])], marker: &str) {
    session.wait_for("#new-report").click();
    session.wait_for("[data-category='pothole']").click();
    session.wait_until("the category chosen", || {
        session
            .find_all("[data-category='pothole'][aria-pressed='true']")
            .first()
            .map(|_| ())
    });
    choose_files(session, "#photo-input", photos);
    session.wait_until("the photos added", || {
        (session.find_all(".photo-item").len() == photos.len()).then_some(())
    });
    let ward = session.wait_until("a ward from the photo's position", || {
        session
            .find_all("#location-summary")
            .first()
            .and_then(|s| s.attribute("data-ward"))
            .filter(|w| !w.is_empty())
    });
    assert!(!ward.is_empty());
    type_into(
        session,
        "#description",
        &format!("Ổ gà lớn giữa đường, nguy hiểm ({marker})"),
    );
    session.wait_until("the counter counts", || {
        let text = session.wait_for("#description-count").text();
        (!text.starts_with("0/")).then_some(())
    });
    type_into(session, "#attr-size", "large");
}

/// Waits (refreshing the report's page) until the app shows its report
/// resolved, with an answer holding `answer` and the photo of the fix.
fn shows_the_fix(session: &Session, answer: &str) {
    session.wait_until("resolved in the app", || {
        if state_of(session) == "resolved" {
            return Some(());
        }
        if let Some(button) = session.find_all("#refresh-report").first() {
            button.click();
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        None
    });
    let shown = session.wait_for("#agency-answer").text();
    assert!(shown.contains(answer), "{shown}");
    session.wait_until("the photo of the fix shown", || {
        let loaded = session.execute(
            "const img = document.querySelector('img.agency-photo');
             return !!img && img.complete && img.naturalWidth > 0;",
            &[],
        );
        (loaded == true).then_some(())
    });
}

/// The gateway's requests whose description contains `marker`.
fn requests_at(gateway_url: &str, marker: &str) -> Vec<serde_json::Value> {
    let list: Vec<serde_json::Value> = cds_e2e::webdriver::http_client()
        .get(format!(
            "{gateway_url}open311/v2/requests.json?page_size=200&extensions=true&status=open,closed"
        ))
        .send()
        .and_then(|r| r.json())
        .expect("the gateway lists its requests");
    list.into_iter()
        .filter(|r| {
            r["description"]
                .as_str()
                .is_some_and(|d| d.contains(marker))
        })
        .collect()
}

/// tauri-driver for an app that files reports at the gateway at `url`
/// (the demo app key, quick retries), its data in `app_data`.
fn reporting_driver(url: &str, app_data: &Path) -> Driver {
    Driver::start(&[
        ("CDS_API_URL", url),
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
        ("CDS_OPEN311_API_KEY", "cds-demo-key"),
        ("CDS_RETRY_BASE_MS", "100"),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
    ])
}

fn state_of(session: &Session) -> String {
    session
        .find_all("#report-status")
        .first()
        .and_then(|badge| badge.attribute("data-state"))
        .unwrap_or_default()
}

/// A fresh work folder named for the test, with the gateway's data folder
/// in it and the gateway started there; its URL with a trailing `/`.
fn fresh_gateway(env: &Env, name: &str) -> (PathBuf, PathBuf, Gateway, String) {
    let work = std::env::temp_dir().join(format!("cds-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let gateway_dir = work.join("gateway");
    let gateway = Gateway::start(&env.gateway, &gateway_dir);
    let url = format!("{}/", gateway.url.trim_end_matches('/'));
    (work, gateway_dir, gateway, url)
}

/// A new staff token of the gateway in `gateway_dir` (its command prints it).
fn staff_token(env: &Env, gateway_dir: &Path, name: &str) -> String {
    let output = std::process::Command::new(&env.gateway)
        .args(["create-staff", name, "--data"])
        .arg(gateway_dir)
        .output()
        .expect("create-staff runs");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// The feature residents use most, end to end: a report with two photos filed
/// while the province's server is down gets its receipt at once; when the
/// server is back it arrives exactly once with both photos; staff resolve it
/// with an answer and a photo of the fix; the app shows it; the resident rates it.
#[test]
fn a_report_filed_offline_is_delivered_once_and_followed_to_the_fix() {
    let env = Env::get();
    let (work, gateway_dir, mut gateway, url) = fresh_gateway(&env, "report");
    let listen = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let app_data = work.join("app");
    let driver = reporting_driver(&url, &app_data);
    let session = driver.launch(&env.app);
    session.set_window_size(PHONE.0, PHONE.1);
    // The first start, online, brings the categories and areas to the device.
    categories_pulled(&session);

    // The province's server goes down.
    gateway.stop();
    session.wait_for("[data-tile='phan-anh']").click();
    session.wait_for("[data-page='reports']");
    visit(&session, &env, "10-reports-vi");
    let images = test_images();
    let hue = std::fs::read(images.join("pothole_hue_synthetic.jpg")).unwrap();
    let phone = std::fs::read(images.join("phone-iphone-3264x2448-gps.jpg")).unwrap();
    let marker = format!("e2e-{}", std::process::id());
    fill_pothole_report(
        &session,
        &[("o-ga.jpg", &hue), ("dien-thoai.jpg", &phone)],
        &marker,
    );
    visit(&session, &env, "11-new-report-vi");
    session.wait_for("#to-review").click();
    session.wait_for("#review-heading");
    assert_eq!(session.wait_for("#review-photos").text(), "2");
    visit(&session, &env, "12-review-vi");
    session.wait_for("#submit-report").click();

    // The receipt at once, the report queued on the device.
    let code = session.wait_for("#receipt-code").text();
    assert_eq!(code.len(), 9, "receipt code {code}");
    session.wait_until("queued while the server is down", || {
        let state = state_of(&session);
        (state == "queued").then_some(())
    });
    session.wait_until("the offline explanation", || {
        session
            .find_all("#report-state-text")
            .first()
            .map(|t| t.text())
            .filter(|t| t.contains("tự gửi khi có mạng") || t.contains("đang chờ gửi"))
    });
    visit(&session, &env, "13-receipt-offline-vi");

    // The server is back: the report arrives exactly once, with both photos.
    let mut gateway = Gateway::start_on(&env.gateway, &gateway_dir, &listen);
    session.wait_until("delivered after 'send now'", || {
        if state_of(&session) == "sent" {
            return Some(());
        }
        if let Some(button) = session.find_all("#send-now").first() {
            button.click();
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        None
    });
    let at_gateway = requests_at(&url, &marker);
    assert_eq!(at_gateway.len(), 1, "exactly once: {at_gateway:#?}");
    let request = &at_gateway[0];
    let media = request["media_urls"].as_array().expect("media urls");
    assert_eq!(media.len(), 2, "both photos: {request:#}");
    for m in media {
        let bytes = cds_e2e::webdriver::http_client()
            .get(m.as_str().unwrap())
            .send()
            .and_then(|r| r.bytes())
            .unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8]), "a JPEG");
        assert!(
            !bytes.windows(4).any(|w| w == b"Exif"),
            "no metadata left in the sent photo"
        );
    }
    visit(&session, &env, "14-receipt-sent-vi");

    // Staff resolve it with an answer and a photo of the fix.
    let server_id = request["service_request_id"].as_str().unwrap().to_owned();
    let token = staff_token(&env, &gateway_dir, "Đội duy tu");
    let fix = std::fs::read(images.join("phone-nokia-4608x1976-gps.jpg")).unwrap();
    let form = reqwest::blocking::multipart::Form::new()
        .text("detailed_status", "resolved")
        .text("note", "Đã vá ổ gà bằng bê tông nhựa.")
        .part(
            "media",
            reqwest::blocking::multipart::Part::bytes(fix).file_name("fix.jpg"),
        );
    let status = cds_e2e::webdriver::http_client()
        .post(format!("{url}api/v1/staff/requests/{server_id}/updates"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .unwrap()
        .status();
    assert!(status.is_success(), "staff update: {status}");

    // The app shows it resolved, with the answer and the photo of the fix.
    shows_the_fix(&session, "Đã vá ổ gà");
    visit(&session, &env, "15-resolved-vi");

    // The resident confirms it is fixed and rates it.
    session.wait_for("#rating-5").click();
    session.wait_for("#confirm-fixed").click();
    let rated = session.wait_for("#my-rating").text();
    assert!(rated.contains("5/5"), "{rated}");
    let after = requests_at(&url, &marker);
    assert_eq!(after[0]["rating"], 5, "{:#}", after[0]);
    visit(&session, &env, "16-rated-vi");

    // The map of open reports, offline-capable, with the same reports as a list.
    session.wait_for("#back").click();
    session.wait_for("#reports-map").click();
    session.wait_for("#area-map");
    assert!(
        session.find_all("#area-map path.ward").len() >= 40,
        "the wards are drawn"
    );
    session.wait_for("#public-reports");
    visit(&session, &env, "17-reports-map-vi");

    session.quit();
    gateway.stop();
    let _ = std::fs::remove_dir_all(&work);
}
