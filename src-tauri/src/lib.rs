//! The Tauri shell of Công Dân Số: windows, the engine's state, and the commands.
//!
//! Architecture Invariant: commands are a few lines each (request → `cds-core` →
//! response) and are all registered in [`run`], in one `invoke_handler` call.

mod commands;
mod error;
mod network;
mod notify;
mod photos;
mod state;

use tauri::Manager;

/// How often the background sync runs when nothing wakes it.
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// Delivers the outbox and pulls what changed, at start, on a timer and when
/// woken (`Shell::sync_trigger`), for as long as the app runs.
async fn background_sync(app: tauri::AppHandle) {
    let shell = app.state::<state::Shell>();
    // The engine may fail to open (a locked or damaged database): try again,
    // more slowly each time, so that a later fix starts the sync too.
    let mut wait = std::time::Duration::from_secs(5);
    let core = loop {
        match shell.core().await {
            Ok(core) => break core,
            Err(err) => {
                log::error!("no background sync yet: {}", err.message);
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(SYNC_EVERY);
            }
        }
    };
    let events = app.clone();
    core.run_background(
        &shell.sync_trigger,
        SYNC_EVERY,
        std::sync::Arc::new(network::probe),
        std::sync::Arc::new(move |event| {
            if let cds_ipc::SyncEvent::Finished(summary) = &event {
                log::info!("sync: {summary:?}");
                if !summary.changed_reports.is_empty() {
                    notify::changed_reports(&events, summary.changed_reports.clone());
                }
            }
            events.state::<state::Shell>().broadcast(&event);
        }),
    )
    .await;
}

/// Starts the app. Configuration comes from the environment (see `cds_core::Config`).
pub fn run() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            app.manage(state::Shell::new(data_dir));
            tauri::async_runtime::spawn(background_sync(app.handle().clone()));
            Ok(())
        })
        .register_asynchronous_uri_scheme_protocol(cds_ipc::PHOTO_SCHEME, photos::serve)
        .invoke_handler(tauri::generate_handler![
            commands::load_home,
            commands::refresh_home,
            commands::set_language,
            commands::watch_sync,
            commands::sync_now,
            commands::load_data_use,
            commands::set_data_use,
            commands::load_categories,
            commands::load_areas,
            commands::locate,
            commands::nearby,
            commands::load_drafts,
            commands::save_draft,
            commands::delete_draft,
            commands::add_photo,
            commands::detach_photo,
            commands::submit,
            commands::load_reports,
            commands::load_report,
            commands::cancel_report,
            commands::retry_report,
            commands::edit_rejected,
            commands::send_feedback,
            commands::follow_report,
            commands::unfollow_report,
            commands::load_followed,
            commands::load_public_reports,
        ])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        log::error!("the app stopped: {err}");
        std::process::exit(1);
    }
}
