//! The commands the UI calls. Each is request → `cds-core` → response; the
//! contract (names and types) is `cds-ipc`.

use cds_domain::HomeScreen;
use cds_ipc::{
    DataUseScreen, Empty, LoadHomeRequest, RefreshHomeRequest, SetDataUseRequest,
    SetLanguageRequest, SetLanguageResponse, SyncEvent, UiError,
};
use tauri::{State, ipc::Channel};

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_home(
    shell: State<'_, Shell>,
    request: LoadHomeRequest,
) -> Result<HomeScreen, UiError> {
    let LoadHomeRequest {} = request;
    shell.core().await?.load_home().await.map_err(ui_error)
}

#[tauri::command]
pub async fn refresh_home(
    shell: State<'_, Shell>,
    request: RefreshHomeRequest,
) -> Result<HomeScreen, UiError> {
    let RefreshHomeRequest {} = request;
    let home = shell.core().await?.refresh_home().await.map_err(ui_error)?;
    // The API answers: a good moment to deliver what waits (the network may be back).
    if home.connectivity == cds_domain::Connectivity::Online {
        shell.sync_trigger.notify_one();
    }
    Ok(home)
}

#[tauri::command]
pub async fn set_language(
    shell: State<'_, Shell>,
    request: SetLanguageRequest,
) -> Result<SetLanguageResponse, UiError> {
    let language = shell
        .core()
        .await?
        .set_language(request.language)
        .await
        .map_err(ui_error)?;
    Ok(SetLanguageResponse { language })
}

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
