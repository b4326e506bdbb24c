//! Tauri's build step, with an `allow-<command>` permission generated for every
//! command of the IPC contract (commands are denied unless a capability grants them).

fn main() {
    println!("cargo::rerun-if-changed=../app/dist");
    println!("cargo::rerun-if-changed=capabilities/default.json");
    capability_grants_every_command();
    let manifest = tauri_build::AppManifest::new().commands(cds_ipc::COMMANDS);
    if let Err(err) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        panic!(
            "tauri build step failed (run `cargo xtask run`, which builds the UI into app/dist first): {err:#}"
        );
    }
}

/// The capability must grant exactly the contract's commands: a command added
/// to `cds_ipc::COMMANDS` and not granted would be refused at run time.
fn capability_grants_every_command() {
    let text = std::fs::read_to_string("capabilities/default.json")
        .unwrap_or_else(|err| panic!("capabilities/default.json: {err}"));
    let mut granted: Vec<String> = text
        .split('"')
        .filter(|part| part.starts_with("allow-"))
        .map(str::to_owned)
        .collect();
    let mut expected: Vec<String> = cds_ipc::COMMANDS
        .iter()
        .map(|name| format!("allow-{}", name.replace('_', "-")))
        .collect();
    granted.sort();
    expected.sort();
    assert!(
        granted == expected,
        "capabilities/default.json grants {granted:?}, but the IPC contract has {expected:?}"
    );
}
