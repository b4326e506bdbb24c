//! `cargo xtask`: the two commands of the README (`run`, `test`) and their parts.
//!
//! Each command installs only what is missing (Debian packages, the wasm target,
//! the wasm-bindgen CLI at the version in Cargo.lock, tauri-driver, axe-core),
//! builds what it needs, and cleans up the processes it started.

// A command-line tool: its reports go to standard output.
#![allow(clippy::print_stdout)]

mod bench;
mod bench_app;
#[cfg(test)]
mod codemap;
mod moto;
mod package;
mod postgres;
mod proc;
mod run;
mod setup;
mod test;
mod ui;

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  run        set up what is missing, build, start the demo gateway and the app
  test       set up what is missing, then fmt, clippy, every test, end-to-end tests
  bench      run the benchmarks (or one: bench outbox)
  package    build the release app's Debian package (target/release/bundle/deb)
  setup      only install what is missing (add --e2e for the test tools)
  build-ui   only build the UI into app/dist";

/// An xtask failure: a message for the person at the terminal.
pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(),
        Some("test") => test::test(),
        Some("setup") => setup::setup(if args.iter().any(|a| a == "--e2e") {
            setup::Needs::Test
        } else {
            setup::Needs::Run
        }),
        Some("build-ui") => ui::build(),
        Some("package") => package::package(),
        Some("bench") => bench::bench(args.get(1).map(String::as_str)),
        Some("-h" | "--help" | "help") | None => {
            eprintln!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("\nxtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// The shared target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

/// Prints a step heading.
pub fn step(title: &str) {
    eprintln!("\n==> {title}");
}
