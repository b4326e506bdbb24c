//! The engine as Tauri state: opened on first use, off the main thread.

use std::path::PathBuf;

use cds_core::Core;
use cds_ipc::UiError;
use tokio::sync::OnceCell;

use crate::error::ui_error;

pub struct Shell {
    /// The platform's app-data folder; `CDS_DATA_DIR` overrides it.
    default_data_dir: PathBuf,
    core: OnceCell<Core>,
    /// Wakes the background sync (the network is back, the user asks).
    pub sync_trigger: tokio::sync::Notify,
}

impl Shell {
    pub fn new(default_data_dir: PathBuf) -> Shell {
        Shell {
            default_data_dir,
            core: OnceCell::new(),
            sync_trigger: tokio::sync::Notify::new(),
        }
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
