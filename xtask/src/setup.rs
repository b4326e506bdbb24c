//! Installs what is missing on a Debian machine, and only that.

use std::process::Command;

use crate::{Result, proc, root, step};

/// Which tools a command needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Build and start the app (and a virtual display when there is none).
    Run,
    /// Also the end-to-end test tools.
    Test,
}

/// Debian packages WebKitGTK and Tauri need to build and run the app (and
/// libheif, which the engine reads HEIC/HEIF and AVIF photos with), the
/// virtual display and the screenshot tool.
const PACKAGES_RUN: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libheif-dev",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libxdo-dev",
    "libssl-dev",
    "libayatana-appindicator3-dev",
    "xvfb",
    "xauth",
    "imagemagick",
];
/// WebKitWebDriver, which tauri-driver drives; a private D-Bus session and
/// `dbus-monitor`, with which the alerts test sees the desktop notification.
/// Also Debian's Chromium and chromedriver: the staff console's end-to-end test.
const PACKAGES_TEST: &[&str] = &[
    "webkit2gtk-driver",
    "dbus-daemon",
    "dbus-bin",
    "chromium",
    "chromium-driver",
    // desktop-file-validate: the package's desktop entry.
    "desktop-file-utils",
    // The gateway's suite runs a second time against PostgreSQL.
    "postgresql",
];

/// tauri-driver from crates.io (2.1.0 builds with rustc 1.95).
const TAURI_DRIVER_VERSION: &str = "2.1.0";

pub fn setup(needs: Needs) -> Result {
    step("checking tools");
    let mut packages = PACKAGES_RUN.to_vec();
    if needs == Needs::Test {
        packages.extend_from_slice(PACKAGES_TEST);
    }
    apt_install_missing(&packages)?;
    wasm_target()?;
    wasm_bindgen_cli()?;
    npm_tools()?;
    if needs == Needs::Test {
        tauri_driver()?;
        schemathesis()?;
        crate::moto::install()?;
    }
    Ok(())
}

/// WebKitWebDriver and tauri-driver alone (`cargo xtask bench app` drives
/// the release app through them).
pub fn webdriver() -> Result {
    apt_install_missing(&["webkit2gtk-driver"])?;
    tauri_driver()
}

/// schemathesis (PyPI), which fuzzes the gateway from its OpenAPI document.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// The virtual environment of the Python tools.
pub fn py_tools() -> std::path::PathBuf {
    crate::target_dir().join("py-tools")
}

fn schemathesis() -> Result {
    let venv = py_tools();
    let st = venv.join("bin/st");
    let have = proc::output(Command::new(&st).arg("--version")).unwrap_or_default();
    if have.contains(SCHEMATHESIS_VERSION) {
        return Ok(());
    }
    step(&format!(
        "installing schemathesis {SCHEMATHESIS_VERSION} from PyPI into {}",
        venv.display()
    ));
    pip_venv(&venv, &format!("schemathesis=={SCHEMATHESIS_VERSION}"))
}

/// A fresh virtual environment in `venv` with `requirement` from PyPI.
pub fn pip_venv(venv: &std::path::Path, requirement: &str) -> Result {
    // `--clear`: a venv left by another Python (moved or removed) is rebuilt.
    proc::run(
        Command::new("python3")
            .args(["-m", "venv", "--clear"])
            .arg(venv),
    )?;
    proc::run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .arg(requirement),
    )
}

pub fn apt_install_missing(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|package| {
            proc::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", package]))
                .is_none_or(|status| !status.contains("install ok installed"))
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!(
        "installing Debian packages: {}",
        missing.join(" ")
    ));
    let is_root = proc::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let sudo: &[&str] = if is_root { &[] } else { &["sudo"] };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut cmd = Command::new(all[0]);
        cmd.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        proc::run(&mut cmd)
    };
    apt(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend_from_slice(&missing);
    apt(&install).map_err(|err| {
        format!(
            "{err}\nInstall them by hand: sudo apt-get install {}",
            missing.join(" ")
        )
    })
}

fn wasm_target() -> Result {
    let installed = proc::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .unwrap_or_default();
    if installed
        .lines()
        .any(|line| line.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    step("adding the wasm32-unknown-unknown target");
    proc::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The `wasm-bindgen` version pinned in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|err| format!("cannot read Cargo.lock: {err}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

fn wasm_bindgen_cli() -> Result {
    let version = locked_wasm_bindgen_version()?;
    let have = proc::output(Command::new("wasm-bindgen").arg("--version")).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(version.as_str()) {
        return Ok(());
    }
    step(&format!(
        "installing wasm-bindgen-cli {version} (a few minutes, once)"
    ));
    // Not --locked: the registry mirror can lag one dependency behind its lock file.
    proc::run(Command::new("cargo").args([
        "install",
        "wasm-bindgen-cli",
        "--version",
        &version,
        "--force",
    ]))
}

fn tauri_driver() -> Result {
    if proc::on_path("tauri-driver") {
        return Ok(());
    }
    step(&format!("installing tauri-driver {TAURI_DRIVER_VERSION}"));
    proc::run(Command::new("cargo").args([
        "install",
        "tauri-driver",
        "--version",
        TAURI_DRIVER_VERSION,
        "--locked",
    ]))
}

/// Where `tools/package.json` installs wasm-opt (binaryen) and axe-core.
pub fn npm_tools_dir() -> std::path::PathBuf {
    root().join("tools/node_modules")
}

/// binaryen's wasm-opt (Debian's is too old for the wasm rustc emits) and
/// axe-core, from npm at the versions locked in `tools/package-lock.json`.
fn npm_tools() -> Result {
    let dir = npm_tools_dir();
    if dir.join("axe-core/axe.min.js").is_file()
        && dir.join("binaryen/bin/wasm-opt").is_file()
        && dir.join(".bin/tauri").is_file()
    {
        return Ok(());
    }
    step(
        "installing wasm-opt (binaryen), axe-core and Tauri's bundler from npm (tools/package-lock.json)",
    );
    proc::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .current_dir(root().join("tools")),
    )
}
