//! The sync engine: its events, "sync now", and data use.

use cds_ipc::{DataUseScreen, Empty, SetDataUseRequest, SyncEvent, UiError};
use tauri::{State, ipc::Channel};

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn watch_sync(
    shell: State<'_, Shell>,
    request: Empty,
    on_event: Channel<SyncEvent>,
) -> Result<Empty, UiError> {
    let Empty {} = request;
    shell.listen(on_event);
    Ok(Empty {})
}

#[tauri::command]
pub async fn sync_now(shell: State<'_, Shell>, request: Empty) -> Result<Empty, UiError> {
    let Empty {} = request;
    shell.core().await?.send_now().await.map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(Empty {})
}

#[tauri::command]
pub async fn load_data_use(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<DataUseScreen, UiError> {
    let Empty {} = request;
    let data_use = shell.core().await?.data_use().await.map_err(ui_error)?;
    Ok(DataUseScreen {
        data_use,
        network: crate::network::probe_async().await,
    })
}

#[tauri::command]
pub async fn set_data_use(
    shell: State<'_, Shell>,
    request: SetDataUseRequest,
) -> Result<DataUseScreen, UiError> {
    let data_use = shell
        .core()
        .await?
        .set_data_use(request.data_use)
        .await
        .map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(DataUseScreen {
        data_use,
        network: crate::network::probe_async().await,
    })
}
