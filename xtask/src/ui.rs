//! Builds the UI into `app/dist`: wasm32 build, wasm-bindgen, wasm-opt, static files.
//!
//! This is the whole bundler: no trunk, no downloads. The shell embeds `app/dist`.

use std::{fs, path::Path, process::Command};

use crate::{Result, proc, root, setup, step, target_dir};

/// wasm features rustc 1.95 emits by default, which the optimiser must accept.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

pub fn build() -> Result {
    step("building the UI (wasm32, profile wasm-release)");
    let root = root();
    proc::run(Command::new("cargo").current_dir(&root).args([
        "build",
        "--package",
        "cds-app",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/cds-app.wasm");
    let dist = root.join("app/dist");
    if dist.exists() {
        fs::remove_dir_all(&dist)
            .map_err(|err| format!("cannot clear {}: {err}", dist.display()))?;
    }
    fs::create_dir_all(dist.join("icons"))
        .map_err(|err| format!("cannot create app/dist: {err}"))?;
    proc::run(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                "cds_app",
                "--out-dir",
            ])
            .arg(&dist)
            .arg(&wasm),
    )?;
    let bindgen_wasm = dist.join("cds_app_bg.wasm");
    let before = file_size(&bindgen_wasm);
    proc::run(
        Command::new("node")
            .arg(setup::npm_tools_dir().join("binaryen/bin/wasm-opt"))
            .arg("-Oz")
            .args(WASM_FEATURES)
            .arg(&bindgen_wasm)
            .arg("-o")
            .arg(&bindgen_wasm),
    )?;
    for file in ["index.html", "boot.js", "style.css"] {
        copy(&root.join("app").join(file), &dist.join(file))?;
    }
    let icons = root.join("assets/icons");
    for entry in fs::read_dir(&icons).map_err(|err| format!("{}: {err}", icons.display()))? {
        let path = entry.map_err(|err| err.to_string())?.path();
        if let Some(name) = path.file_name() {
            copy(&path, &dist.join("icons").join(name))?;
        }
    }
    eprintln!(
        "    UI wasm: {} KiB after wasm-opt ({} KiB before)",
        file_size(&bindgen_wasm) / 1024,
        before / 1024
    );
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|err| format!("cannot copy {} to {}: {err}", from.display(), to.display()))
}

fn file_size(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |meta| meta.len())
}
