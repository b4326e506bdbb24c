//! `cargo xtask package`: the Debian package, built by Tauri's bundler (the
//! `@tauri-apps/cli` binary from npm, pinned in `tools/package-lock.json`)
//! from a release build, with a desktop entry written from `locales/`
//! (`package.*` keys, Vietnamese first, English as `[en]`); and the install
//! test `cargo xtask test` runs with it: `dpkg -i`, the installed app reaches
//! its home screen under WebDriver, `dpkg -r` leaves nothing behind.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{Result, proc, root, setup, step, target_dir, ui};

/// The Debian package's name (Tauri's `productName`).
pub const PACKAGE: &str = "cong-dan-so";

/// What the package installs that must be there, then gone after `dpkg -r`.
const INSTALLED: &[&str] = &[
    "/usr/bin/cong-dan-so",
    "/usr/share/applications/cong-dan-so.desktop",
    "/usr/share/icons/hicolor/32x32/apps/cong-dan-so.png",
    "/usr/share/icons/hicolor/128x128/apps/cong-dan-so.png",
    "/usr/share/icons/hicolor/256x256/apps/cong-dan-so.png",
];

pub fn package() -> Result {
    setup::setup(setup::Needs::Run)?;
    ui::build()?;
    let deb = build()?;
    eprintln!("\nthe package: {}", deb.display());
    Ok(())
}

/// Builds the release app and its `.deb` (the UI in `app/dist` must be
/// built); returns the `.deb`'s path.
pub fn build() -> Result<PathBuf> {
    let template = desktop_template()?;
    step("building the release app and its .deb (Tauri's bundler)");
    let config = format!(
        r#"{{"bundle":{{"linux":{{"deb":{{"desktopTemplate":{}}}}}}}}}"#,
        json_string(&template.to_string_lossy())
    );
    let bundle_dir = target_dir().join("release/bundle/deb");
    if bundle_dir.exists() {
        fs::remove_dir_all(&bundle_dir)
            .map_err(|err| format!("cannot clear {}: {err}", bundle_dir.display()))?;
    }
    proc::run(
        Command::new(setup::npm_tools_dir().join(".bin/tauri"))
            .current_dir(root().join("src-tauri"))
            .args(["build", "--bundles", "deb", "--ci", "--config", &config])
            .env("CARGO_TARGET_DIR", target_dir()),
    )?;
    let deb = fs::read_dir(&bundle_dir)
        .map_err(|err| format!("no bundle folder {}: {err}", bundle_dir.display()))?
        .filter_map(std::result::Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "deb"))
        .ok_or_else(|| format!("the bundler left no .deb in {}", bundle_dir.display()))?;
    let bytes = fs::metadata(&deb).map_or(0, |m| m.len());
    #[allow(clippy::cast_precision_loss)]
    let mib = bytes as f64 / (1024.0 * 1024.0);
    eprintln!("    {}: {mib:.1} MiB", deb.display());
    Ok(deb)
}

/// A JSON string literal of `text`.
fn json_string(text: &str) -> String {
    let mut out = String::from('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `package.*` texts of one language.
fn texts(lang: &str) -> Result<serde_json::Map<String, serde_json::Value>> {
    let path = root().join(format!("locales/{lang}.json"));
    let text = fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    let all: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(all
        .into_iter()
        .filter(|(key, _)| key.starts_with("package."))
        .collect())
}

/// The desktop entry's template (Tauri fills `{{exec}}`, `{{icon}}`,
/// `{{categories}}`), its texts from `locales/`; written under `target/`.
fn desktop_template() -> Result<PathBuf> {
    let (vi, en) = (texts("vi")?, texts("en")?);
    let get = |table: &serde_json::Map<String, serde_json::Value>, key: &str| -> Result<String> {
        table
            .get(&format!("package.{key}"))
            .and_then(serde_json::Value::as_str)
            .map(|text| text.replace(['\n', '\r'], " "))
            .ok_or_else(|| format!("locales: package.{key} is missing"))
    };
    let mut entry = String::from("[Desktop Entry]\nType=Application\nVersion=1.0\n");
    for (field, key) in [
        ("Name", "name"),
        ("GenericName", "generic_name"),
        ("Comment", "comment"),
        ("Keywords", "keywords"),
    ] {
        entry.push_str(&format!("{field}={}\n", get(&vi, key)?));
        entry.push_str(&format!("{field}[vi]={}\n", get(&vi, key)?));
        entry.push_str(&format!("{field}[en]={}\n", get(&en, key)?));
    }
    entry.push_str(
        "Exec={{exec}}\nIcon={{icon}}\nStartupWMClass={{exec}}\nTerminal=false\nCategories={{categories}}\n",
    );
    let dir = target_dir().join("packaging");
    fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let path = dir.join("cong-dan-so.desktop.hbs");
    fs::write(&path, entry).map_err(|err| format!("{}: {err}", path.display()))?;
    Ok(path)
}

fn is_root() -> bool {
    proc::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

/// Installs `deb`, runs the e2e test of the installed app with `e2e`, then
/// removes the package whatever happened, and checks that nothing is left.
pub fn install_test(deb: &Path, e2e: &mut Command) -> Result {
    step("the .deb: dpkg -i, the installed app reaches its home screen, dpkg -r");
    if !is_root() {
        eprintln!("    skipped: installing a package needs root (CI runs as root)");
        return Ok(());
    }
    proc::run(Command::new("dpkg").arg("-i").arg(deb))?;
    let tested = check_installed().and_then(|()| proc::run(e2e));
    let removed = proc::run(Command::new("dpkg").args(["-r", PACKAGE]));
    tested?;
    removed?;
    let left: Vec<&&str> = INSTALLED
        .iter()
        .filter(|path| Path::new(path).exists())
        .collect();
    if !left.is_empty() {
        return Err(format!("dpkg -r left files behind: {left:?}"));
    }
    let status = proc::output(Command::new("dpkg-query").args(["-W", "-f=${Status}", PACKAGE]))
        .unwrap_or_default();
    if status.contains("installed") && !status.contains("not-installed") {
        return Err(format!("{PACKAGE} still installed after dpkg -r: {status}"));
    }
    eprintln!("    installed, started, removed: nothing left");
    Ok(())
}

/// The files and the package's declared dependencies are there, and the
/// desktop entry is valid.
fn check_installed() -> Result {
    let missing: Vec<&&str> = INSTALLED
        .iter()
        .filter(|path| !Path::new(path).exists())
        .collect();
    if !missing.is_empty() {
        return Err(format!("the package did not install {missing:?}"));
    }
    let depends = proc::output(Command::new("dpkg-query").args(["-W", "-f=${Depends}", PACKAGE]))
        .unwrap_or_default();
    for needed in ["libwebkit2gtk-4.1-0", "libgtk-3-0", "libheif1"] {
        if !depends.contains(needed) {
            return Err(format!("the package does not declare {needed}: {depends}"));
        }
    }
    proc::run(
        Command::new("desktop-file-validate").arg("/usr/share/applications/cong-dan-so.desktop"),
    )
}
