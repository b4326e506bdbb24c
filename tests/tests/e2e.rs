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

fn html_lang(session: &Session) -> String {
    session
        .execute("return document.documentElement.lang;", &[])
        .as_str()
        .unwrap_or_default()
        .to_owned()
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

    // 2. A tile of a feature not built yet says so plainly.
    session.wait_for("[data-tile='phan-anh']").click();
    let notice = session.wait_for("[data-not-built]").text();
    assert!(notice.contains("chưa có trong phiên bản này"), "{notice}");
    assert!(notice.contains("Phản ánh hiện trường"), "{notice}");
    visit(&session, &env, "02-not-built-vi");
    session.wait_for("#back").click();

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
    session.quit();
    let _ = std::fs::remove_dir_all(&work);
}
