//! `cargo xtask run`: the demo gateway and the desktop app, on a virtual display
//! with a screenshot when there is no real one.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::{Result, proc, root, setup, step, target_dir, ui};

/// The app window's size on the virtual display (the window's own default size).
const SCREEN: &str = "420x860x24";
/// How long the app gets to show its home screen before the screenshot.
const SETTLE: Duration = Duration::from_secs(8);

pub fn run() -> Result {
    setup::setup(setup::Needs::Run)?;
    ui::build()?;
    build_native()?;

    let target = target_dir();
    let data = target.join("cds-run");
    demo_staff(&target.join("debug/cds-gateway"), &data.join("gateway"));
    step("starting the reference gateway (demo province: Huế)");
    // Its log (a line per request) to a file: this terminal keeps what to read.
    let log = data.join("gateway.log");
    let (mut gateway, url) = proc::start_gateway_with(
        &target.join("debug/cds-gateway"),
        &data.join("gateway"),
        &[],
        Some(&log),
    )?;
    eprintln!(
        "    gateway: {url} (database in {}, log in {})",
        data.join("gateway").display(),
        log.display()
    );
    eprintln!(
        "    staff console: {url}/staff (sign in as {DEMO_STAFF_LOGIN}, password {DEMO_STAFF_PASSWORD})"
    );

    let display = proc::virtual_display(SCREEN)?;
    step("starting the app");
    let mut app_cmd = Command::new(target.join("debug/cong-dan-so"));
    app_cmd
        .env("CDS_API_URL", &url)
        .env("CDS_OPEN311_API_KEY", "cds-demo-key")
        .env("CDS_DATA_DIR", data.join("app"));
    if let Some((_, name)) = &display {
        app_cmd.env("DISPLAY", name);
    }
    let mut app = proc::Background::spawn("cong-dan-so", &mut app_cmd)?;

    if let Some((_, name)) = &display {
        let started = Instant::now();
        while started.elapsed() < SETTLE && !app.exited() {
            std::thread::sleep(Duration::from_millis(200));
        }
        if app.exited() {
            return Err("the app exited during start-up (see its log above)".into());
        }
        let shot = data.join("home.png");
        proc::run(
            Command::new("import")
                .args(["-display", name, "-window", "root"])
                .arg(&shot)
                .stderr(Stdio::null()),
        )?;
        eprintln!("\nNo display: the app runs on the virtual display {name}.");
        eprintln!("Screenshot of the home screen: {}", shot.display());
    }
    eprintln!("Press Ctrl-C to stop the app and the gateway.");
    app.wait();
    gateway.stop();
    Ok(())
}

/// The demo administrator of the staff console (a demo on loopback only).
const DEMO_STAFF_LOGIN: &str = "admin";
const DEMO_STAFF_PASSWORD: &str = "cds-demo-staff-2026";

/// Makes the demo administrator unless the database already has it.
fn demo_staff(gateway: &std::path::Path, data: &std::path::Path) {
    let made = Command::new(gateway)
        .args([
            "create-staff",
            "Quản trị demo",
            "--login",
            DEMO_STAFF_LOGIN,
            "--admin",
            "--data",
        ])
        .arg(data)
        .env("CDS_STAFF_PASSWORD", DEMO_STAFF_PASSWORD)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !made.is_ok_and(|status| status.success()) {
        eprintln!("    (the demo staff account exists already, or could not be made)");
    }
}

/// Builds the desktop app and the gateway (debug profile, UI embedded), with
/// every other target of the workspace: `run` and `test` build with the same
/// features this way, so neither rebuilds what the other built.
pub fn build_native() -> Result {
    step("building the app, the gateway and the tests");
    proc::run(Command::new("cargo").current_dir(root()).args([
        "build",
        "--workspace",
        "--all-targets",
    ]))
}
