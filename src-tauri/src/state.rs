//! The engine as Tauri state (opened on first use, off the main thread), the
//! background sync's trigger, and the UI's subscriptions to sync events.

use std::path::PathBuf;

use cds_core::Core;
use cds_ipc::{SyncEvent, UiError};
use tauri::ipc::Channel;
use tokio::sync::OnceCell;

use crate::error::ui_error;

pub struct Shell {
    /// The platform's app-data folder; `CDS_DATA_DIR` overrides it.
    default_data_dir: PathBuf,
    core: OnceCell<Core>,
    /// Wakes the background sync (the network is back, the user asks).
    pub sync_trigger: tokio::sync::Notify,
    /// The last catalogue refresh found the API unreachable.
    pub api_was_offline: std::sync::atomic::AtomicBool,
    /// The UI's subscriptions to sync events (one per page load).
    listeners: std::sync::Mutex<Vec<Channel<SyncEvent>>>,
    /// The first screen was marked interactive (see [`Shell::mark_ready`]).
    marked: std::sync::atomic::AtomicBool,
    /// Told once the first screen is interactive (the first sync waits).
    pub ready: tokio::sync::Notify,
    /// Unix ms of the start's steps: the shell set up, the UI's first
    /// command (its wasm loaded and running).
    setup_ms: u128,
    first_command_ms: std::sync::OnceLock<u128>,
    /// Unix ms when the first home screen was answered (the engine opened
    /// and the home read from the device).
    home_answered_ms: std::sync::OnceLock<u128>,
}

fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Shell {
    pub fn new(default_data_dir: PathBuf) -> Shell {
        Shell {
            default_data_dir,
            core: OnceCell::new(),
            sync_trigger: tokio::sync::Notify::new(),
            api_was_offline: std::sync::atomic::AtomicBool::new(false),
            listeners: std::sync::Mutex::new(Vec::new()),
            marked: std::sync::atomic::AtomicBool::new(false),
            ready: tokio::sync::Notify::new(),
            setup_ms: unix_ms(),
            first_command_ms: std::sync::OnceLock::new(),
            home_answered_ms: std::sync::OnceLock::new(),
        }
    }

    /// The UI's first command arrived (its wasm is loaded and running).
    pub fn ui_started(&self) {
        self.first_command_ms.get_or_init(unix_ms);
    }

    /// The first home screen is answered (the UI draws it next).
    pub fn home_answered(&self) {
        self.home_answered_ms.get_or_init(unix_ms);
    }

    /// The home screen's tiles are painted. The first time: wakes the
    /// first sync, and when `CDS_READY_FILE` names a file, writes there the
    /// Unix times in milliseconds of the shell set up, the UI's first
    /// command, the first home screen answered and this mark, on one line (how `cargo xtask bench app`
    /// times start-up and its steps); else nothing.
    pub fn mark_ready(&self) {
        if self.marked.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        // `notify_one` keeps the permit if the sync is not waiting yet.
        self.ready.notify_one();
        let Some(path) = std::env::var_os("CDS_READY_FILE") else {
            return;
        };
        let line = format!(
            "{} {} {} {}",
            self.setup_ms,
            self.first_command_ms.get().copied().unwrap_or(0),
            self.home_answered_ms.get().copied().unwrap_or(0),
            unix_ms()
        );
        if let Err(err) = std::fs::write(&path, line) {
            log::warn!(
                "cannot write the ready mark to {}: {err}",
                path.to_string_lossy()
            );
        }
    }

    /// Subscribes the page to sync events. The app has one window, so a new
    /// subscription means its page was loaded again: it replaces the old one
    /// (a channel to a reloaded page may still accept messages nobody reads).
    pub fn listen(&self, channel: Channel<SyncEvent>) {
        *self
            .listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = vec![channel];
    }

    /// Sends `event` to every subscriber; one whose page has gone is dropped.
    pub fn broadcast(&self, event: &SyncEvent) {
        self.listeners
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|channel| channel.send(event.clone()).is_ok());
    }

    /// The engine, opening its database on first use. A failure is not kept:
    /// the next call (the user's "try again") opens again.
    pub async fn core(&self) -> Result<&Core, UiError> {
        self.core
            .get_or_try_init(|| async {
                Core::open(self.default_data_dir.clone(), |name| {
                    std::env::var(name).ok()
                })
                .await
                .map_err(|err| {
                    log::error!("{err}");
                    ui_error(err)
                })
            })
            .await
    }
}
