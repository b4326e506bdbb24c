//! The staff console in a real browser (Debian's Chromium, headless, through
//! chromedriver) against the real gateway, beside the real app: a member of
//! staff signs in, finds the report the app filed, resolves it with an answer
//! and a photo of the fix, and the app shows it after its sync; an alert
//! published in the console reaches the app. axe-core on every console page,
//! a screenshot of each in the artifacts folder.

use std::process::Command;

use cds_e2e::{Chromium, Driver, Env, Session, accessibility_problems};

use super::{
    awareness::{go_home, press},
    categories_pulled, fill_pothole_report, fresh_gateway, requests_at, shows_the_fix,
    society::sync_now,
    state_of, test_images, visit,
};

const PASSWORD: &str = "mật khẩu thử đủ dài 2026";

/// Checks the console's page with axe-core and saves its screenshot.
fn console_visit(browser: &Session, env: &Env, name: &str) {
    let problems = accessibility_problems(browser, &env.axe);
    assert!(
        problems.is_empty(),
        "{name}: serious or critical accessibility violations: {problems:#?}"
    );
    browser.screenshot(&env.artifacts.join(format!("{name}.png")));
}

/// The page's main heading, once there.
fn heading(browser: &Session) -> String {
    browser.wait_for("main h1").text()
}

#[test]
fn staff_resolve_a_report_from_the_app_and_publish_an_alert_in_the_console() {
    let env = Env::get();
    let (work, gateway_dir, mut gateway, url) = fresh_gateway(&env, "console");
    let made = Command::new(&env.gateway)
        .args([
            "create-staff",
            "Nguyễn Thị Lan",
            "--login",
            "lan",
            "--admin",
            "--data",
        ])
        .arg(&gateway_dir)
        .env("CDS_STAFF_PASSWORD", PASSWORD)
        .output()
        .expect("create-staff runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    // A resident files a report with the app.
    let app_data = work.join("app");
    let driver = Driver::start(&[
        ("CDS_API_URL", url.as_str()),
        ("CDS_DATA_DIR", &app_data.to_string_lossy()),
        ("CDS_OPEN311_API_KEY", "cds-demo-key"),
        ("CDS_HTTP_TIMEOUT_MS", "2000"),
    ]);
    let app = driver.launch(&env.app);
    app.set_window_size(super::PHONE.0, super::PHONE.1);
    categories_pulled(&app);
    app.wait_for("[data-tile='phan-anh']").click();
    let images = test_images();
    let photo = std::fs::read(images.join("pothole_hue_synthetic.jpg")).expect("test photo");
    let marker = format!("e2e-console-{}", std::process::id());
    fill_pothole_report(&app, &[("o-ga.jpg", &photo)], &marker);
    app.wait_for("#to-review").click();
    app.wait_for("#submit-report").click();
    app.wait_until("the report delivered", || {
        if state_of(&app) == "sent" {
            return Some(());
        }
        // Found afresh at the click: the page redraws as the state moves.
        app.execute(
            "const b = document.querySelector('#send-now'); if (b) b.click(); return true;",
            &[],
        );
        None
    });
    let filed = requests_at(&url, &marker);
    assert_eq!(filed.len(), 1);
    let id = filed[0]["service_request_id"]
        .as_str()
        .expect("an id")
        .to_owned();

    // Staff sign in: every console page first sends them to the sign-in page.
    let chromium = Chromium::start();
    let browser = chromium.open(1280, 900);
    // (Chromium asks for English; `?lang=vi` chooses Vietnamese, kept in a cookie.)
    browser.navigate(&format!("{url}staff/reports/{id}?lang=vi"));
    browser.wait_for("input[name='login']");
    assert!(browser.current_url().ends_with("/staff/sign-in"));
    assert_eq!(heading(&browser), "Đăng nhập cán bộ");
    console_visit(&browser, &env, "60-console-sign-in-vi");
    browser.wait_for("input[name='login']").send_keys("lan");
    browser
        .wait_for("input[name='password']")
        .send_keys(PASSWORD);
    press(&browser, "main form button[type='submit']");
    let link = format!("main a[href='/staff/reports/{id}']");
    browser.wait_for(&link);
    console_visit(&browser, &env, "61-console-reports-vi");

    // The queue filtered to new pothole reports still lists it.
    press(&browser, "select[name='status'] option[value='received']");
    press(&browser, "select[name='category'] option[value='pothole']");
    press(&browser, "form.filters button[type='submit']");
    browser.wait_until("the filtered queue", || {
        browser
            .current_url()
            .contains("status=received")
            .then_some(())
    });
    press(&browser, &link);
    assert!(heading(&browser).contains(&id));
    assert!(browser.page_text().contains(&marker));
    console_visit(&browser, &env, "62-console-report-vi");

    // Resolved with an answer and a photo of the fix.
    let fix = work.join("fix.jpg");
    std::fs::copy(images.join("phone-nokia-4608x1976-gps.jpg"), &fix).expect("fix photo");
    let answer = "Đã vá ổ gà bằng bê tông nhựa (cán bộ phường)";
    browser
        .wait_for("#action-resolve textarea[name='note']")
        .send_keys(answer);
    browser
        .wait_for("#action-resolve input[type='file']")
        .send_keys(&fix.to_string_lossy());
    press(&browser, "#action-resolve button[type='submit']");
    browser.wait_until("resolved at the gateway", || {
        let request = requests_at(&url, &marker).into_iter().next()?;
        (request["detailed_status"] == "resolved").then_some(request)
    });
    browser.wait_for("main a[href^='/media/']");
    console_visit(&browser, &env, "63-console-report-resolved-vi");

    // The app shows the answer and the photo after its sync.
    shows_the_fix(&app, "cán bộ phường");
    assert!(
        !app.page_text().contains("Nguyễn Thị Lan"),
        "staff names are never shown to residents"
    );
    visit(&app, &env, "64-app-resolved-from-console-vi");

    // An alert published in the console.
    press(&browser, "nav a[href='/staff/alerts']");
    browser.wait_for("main a[href='/staff/alerts/new']");
    console_visit(&browser, &env, "65-console-alerts-vi");
    press(&browser, "main a[href='/staff/alerts/new']");
    browser.wait_for("select[name='areas']");
    console_visit(&browser, &env, "66-console-alert-new-vi");
    let title = format!("Ngập sâu đường Lê Lợi ({marker})");
    press(&browser, "select[name='severity'] option[value='warning']");
    press(&browser, "select[name='areas'] option[value='*']");
    browser.wait_for("input[name='title_vi']").send_keys(&title);
    browser
        .wait_for("textarea[name='body_vi']")
        .send_keys("Nước ngập 40 cm, tránh đi qua đến chiều nay.");
    press(&browser, "main form button[type='submit']");
    browser.wait_until("the alert listed", || {
        browser.page_text().contains(&title).then_some(())
    });
    let alerts: Vec<serde_json::Value> = cds_e2e::webdriver::http_client()
        .get(format!("{url}api/v1/alerts"))
        .send()
        .and_then(|r| r.json())
        .expect("the gateway lists its alerts");
    let alert_id = alerts
        .iter()
        .find(|a| a["title"]["vi"] == title.as_str())
        .and_then(|a| a["id"].as_str())
        .expect("the alert at the gateway")
        .to_owned();

    // The app shows it after its sync.
    go_home(&app);
    sync_now(&app);
    press(&app, "[data-tile='canh-bao']");
    let listed = app.wait_for(&format!("#alerts-list [data-alert='{alert_id}']"));
    assert!(listed.text().contains("Ngập sâu đường Lê Lợi"));
    visit(&app, &env, "67-app-alert-from-console-vi");

    // The dashboard and the audit log, then the console in English.
    press(&browser, "nav a[href='/staff/dashboard']");
    browser.wait_for("main svg");
    console_visit(&browser, &env, "68-console-dashboard-vi");
    press(&browser, "nav a[href='/staff/content']");
    browser.wait_for("main a[href='/staff/content/new']");
    console_visit(&browser, &env, "75-console-content-vi");
    press(&browser, "main a[href='/staff/content/new']");
    browser.wait_for("#article-form");
    console_visit(&browser, &env, "76-console-article-new-vi");
    browser.navigate(&format!("{url}staff/content"));
    press(&browser, "main tbody tr:last-child a");
    browser.wait_for("#guide-form");
    console_visit(&browser, &env, "77-console-guide-vi");
    press(&browser, "nav a[href='/staff/dossiers']");
    browser.wait_for("main a[href^='/staff/dossiers/']");
    console_visit(&browser, &env, "72-console-dossiers-vi");
    press(&browser, "main a[href^='/staff/dossiers/']");
    browser.wait_for("#dossier-change");
    console_visit(&browser, &env, "73-console-dossier-vi");
    press(&browser, "nav a[href='/staff/teams']");
    browser.wait_for("#issue-code");
    console_visit(&browser, &env, "74-console-teams-vi");
    press(&browser, "nav a[href='/staff/audit']");
    browser.wait_until("the actions in the audit log", || {
        let text = browser.page_text();
        (text.contains("report.resolve") && text.contains("alert.publish")).then_some(())
    });
    console_visit(&browser, &env, "69-console-audit-vi");
    browser.navigate(&format!("{url}staff/reports?lang=en"));
    browser.wait_until("the console in English", || {
        (heading(&browser) == "Residents' reports").then_some(())
    });
    console_visit(&browser, &env, "70-console-reports-en");
    browser.navigate(&format!("{url}staff/reports/{id}"));
    assert!(heading(&browser).starts_with("Report"));
    console_visit(&browser, &env, "71-console-report-en");

    // Signed out: the console is closed again.
    press(&browser, "form.signout button");
    browser.wait_for("input[name='login']");
    browser.navigate(&format!("{url}staff/reports"));
    browser.wait_for("input[name='login']");

    browser.quit();
    app.quit();
    gateway.stop();
    let _ = std::fs::remove_dir_all(&work);
}
