//! The engine as Tauri state: opened on first use, off the main thread.

use std::path::PathBuf;

use cds_core::{Config, Core};
use cds_ipc::UiError;
use tokio::sync::OnceCell;

use crate::error::ui_error;

pub struct Shell {
    config: Result<Config, UiError>,
    core: OnceCell<Core>,
}

impl Shell {
    /// `data_dir` is the platform's app-data folder; `CDS_*` variables override.
    pub fn new(data_dir: PathBuf) -> Shell {
        let config = Config::from_env(data_dir, |name| std::env::var(name).ok())
            .map_err(|err| ui_error(err.into()));
        if let Err(err) = &config {
            log::error!("{}", err.message);
        }
        Shell {
            config,
            core: OnceCell::new(),
        }
    }

    /// The engine, opening its database on first use. A failure is not kept:
    /// the next call (the user's "try again") opens again.
    pub async fn core(&self) -> Result<&Core, UiError> {
        let config = self.config.clone()?;
        self.core
            .get_or_try_init(|| async {
                Core::open(config).await.map_err(|err| {
                    log::error!("{err}");
                    ui_error(err)
                })
            })
            .await
    }
}
