//! Tauri's build step, with an `allow-<command>` permission generated for every
//! command of the IPC contract (commands are denied unless a capability grants them).

fn main() {
    println!("cargo::rerun-if-changed=../app/dist");
    let manifest = tauri_build::AppManifest::new().commands(cds_ipc::COMMANDS);
    if let Err(err) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
    {
        panic!(
            "tauri build step failed (run `cargo xtask run`, which builds the UI into app/dist first): {err:#}"
        );
    }
}
