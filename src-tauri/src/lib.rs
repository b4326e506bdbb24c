//! The Tauri shell of Công Dân Số: windows, the engine's state, and the commands.
//!
//! Architecture Invariant: commands are a few lines each (request → `cds-core` →
//! response) and are all registered in [`run`], in one `invoke_handler` call.

mod commands;
mod error;
mod links;
mod network;
mod notify;
mod photos;
mod state;
mod webview;

use tauri::Manager;

/// How often the background sync runs when nothing wakes it.
const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// How long the first sync waits for the first screen.
const FIRST_SYNC_WAITS_AT_MOST: std::time::Duration = std::time::Duration::from_secs(3);

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
    // The first screen first: the first sync waits for the UI's ready mark
    // (or a few seconds), so that it does not compete with the start.
    let _ = tokio::time::timeout(FIRST_SYNC_WAITS_AT_MOST, shell.ready.notified()).await;
    let events = app.clone();
    core.run_background(
        &shell.sync_trigger,
        SYNC_EVERY,
        std::sync::Arc::new(network::probe),
        std::sync::Arc::new(move |event| {
            if let cds_ipc::SyncEvent::Finished(summary) = &event {
                log::info!("sync: {summary:?}");
                notify::after_sync(&events, summary.clone());
            }
            events.state::<state::Shell>().broadcast(&event);
        }),
    )
    .await;
}

/// Starts the app. Configuration comes from the environment (see `cds_core::Config`).
pub fn run() {
    webview::compositing_without_gpu();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            app.manage(state::Shell::new(data_dir));
            if let Some(window) = app.get_webview_window("main") {
                webview::trim(&window);
            }
            tauri::async_runtime::spawn(background_sync(app.handle().clone()));
            Ok(())
        })
        .register_asynchronous_uri_scheme_protocol(cds_ipc::PHOTO_SCHEME, photos::serve)
        .invoke_handler(tauri::generate_handler![
            commands::home::load_home,
            commands::home::refresh_home,
            commands::home::set_language,
            commands::home::set_display,
            commands::home::pin_tile,
            commands::home::tile_opened,
            commands::home::set_notifications,
            commands::home::mark_ready,
            commands::sync::watch_sync,
            commands::sync::sync_now,
            commands::sync::load_data_use,
            commands::sync::set_data_use,
            commands::areas::load_areas,
            commands::areas::locate,
            commands::reports::load_categories,
            commands::reports::load_drafts,
            commands::reports::save_draft,
            commands::reports::delete_draft,
            commands::reports::add_photo,
            commands::reports::detach_photo,
            commands::reports::submit,
            commands::reports::load_reports,
            commands::reports::load_report,
            commands::reports::cancel_report,
            commands::reports::retry_report,
            commands::reports::edit_rejected,
            commands::reports::send_feedback,
            commands::public_reports::nearby,
            commands::public_reports::follow_report,
            commands::public_reports::unfollow_report,
            commands::public_reports::load_followed,
            commands::public_reports::load_public_reports,
            commands::dossiers::lookup_dossier,
            commands::dossiers::scan_slip,
            commands::dossiers::follow_dossier,
            commands::dossiers::unfollow_dossier,
            commands::dossiers::load_followed_dossiers,
            commands::dossiers::load_procedures,
            commands::dossiers::load_dossier_stats,
            commands::inbox::load_inbox,
            commands::inbox::mark_read,
            commands::links::open_link,
            commands::awareness::load_shelf,
            commands::awareness::open_article,
            commands::teams::load_team,
            commands::teams::join_team,
            commands::teams::leave_team,
            commands::teams::record_session,
            commands::teams::retry_session,
            commands::teams::save_team_csv,
            commands::alerts::load_alerts,
            commands::alerts::load_alert_banner,
            commands::alerts::mark_alert_read,
            commands::alerts::load_alert_wards,
            commands::alerts::set_alert_wards,
            commands::places::load_places,
            commands::places::load_field_articles,
            commands::products::load_products,
            commands::products::scan_label,
            commands::products::trace_product,
            commands::device::load_device,
            commands::device::erase_device_data,
            commands::device::set_api_address,
            commands::device::restart_app,
        ])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        log::error!("the app stopped: {err}");
        std::process::exit(1);
    }
}
