//! Builds the UI into `app/dist`: wasm32 build, split into chunks, wasm-bindgen,
//! wasm-opt, static files.
//!
//! This is the whole bundler: no trunk, no downloads. The shell embeds `app/dist`.
//! The split is the one cargo-leptos does for `--split`: `wasm_split_cli_support`
//! reads the linked wasm (with the linker's relocations, see `app/build.rs`)
//! and moves the code only a `#[lazy]` function reaches (`app/src/pages.rs`)
//! into chunk modules, which `__wasm_split.js` fetches on the first call; the
//! main module then goes through wasm-bindgen, and every module through wasm-opt.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

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
    let main_wasm = wasm.with_file_name("cds-app_split.wasm");
    let chunks = split(&wasm, &main_wasm, &dist)?;
    proc::run(
        Command::new("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--no-typescript",
                // The chunks link to the main module's own exports by name.
                "--keep-lld-exports",
                "--no-demangle",
                "--out-name",
                "cds_app",
                "--out-dir",
            ])
            .arg(&dist)
            .arg(&main_wasm),
    )?;
    let main = dist.join("cds_app_bg.wasm");
    let modules: Vec<&PathBuf> = std::iter::once(&main).chain(&chunks).collect();
    let before: u64 = modules.iter().map(|module| file_size(module)).sum();
    for module in &modules {
        proc::run(
            Command::new("node")
                .arg(setup::npm_tools_dir().join("binaryen/bin/wasm-opt"))
                .arg("-Oz")
                .args(WASM_FEATURES)
                .arg(module)
                .arg("-o")
                .arg(module),
        )?;
    }
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
        "    UI wasm after wasm-opt: main module {} KiB, {} chunks {} KiB ({} KiB before)",
        file_size(&main) / 1024,
        chunks.len(),
        chunks.iter().map(|chunk| file_size(chunk)).sum::<u64>() / 1024,
        before / 1024
    );
    Ok(())
}

/// Splits the linked wasm at its `#[lazy]` functions: the main module to
/// `main_out` (for wasm-bindgen), the chunks and their loader
/// `__wasm_split.js` into `dist`. Returns the chunks' paths.
fn split(wasm: &Path, main_out: &Path, dist: &Path) -> Result<Vec<PathBuf>> {
    let input = fs::read(wasm).map_err(|err| format!("cannot read {}: {err}", wasm.display()))?;
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = dist;
    options.main_out_path = main_out;
    options.main_module = "./cds_app.js";
    options.link_name = "./__wasm_split.js";
    let split = wasm_split_cli_support::transform(options)
        .map_err(|err| format!("cannot split {}: {err:#}", wasm.display()))?;
    Ok(split.split_modules)
}

fn copy(from: &Path, to: &Path) -> Result {
    fs::copy(from, to)
        .map(|_| ())
        .map_err(|err| format!("cannot copy {} to {}: {err}", from.display(), to.display()))
}

fn file_size(path: &Path) -> u64 {
    fs::metadata(path).map_or(0, |meta| meta.len())
}
