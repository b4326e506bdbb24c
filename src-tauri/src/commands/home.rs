//! The home screen: the catalogue from the device, its refresh, the language
//! and the display; pinned and recently opened tiles; notifications per kind.

use cds_domain::{Display, HomeScreen, Personal};
use cds_ipc::{
    LoadHomeRequest, PinTileRequest, RefreshHomeRequest, SetDisplayRequest, SetLanguageRequest,
    SetLanguageResponse, SetNotificationsRequest, TileOpenedRequest, UiError,
};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_home(
    shell: State<'_, Shell>,
    request: LoadHomeRequest,
) -> Result<HomeScreen, UiError> {
    let LoadHomeRequest {} = request;
    shell.ui_started();
    let home = shell.core().await?.load_home().await.map_err(ui_error)?;
    shell.home_answered();
    Ok(home)
}

#[tauri::command]
pub async fn refresh_home(
    shell: State<'_, Shell>,
    request: RefreshHomeRequest,
) -> Result<HomeScreen, UiError> {
    let RefreshHomeRequest {} = request;
    let home = shell.core().await?.refresh_home().await.map_err(ui_error)?;
    // The API answers again after it did not: the network is back, deliver
    // what waits. (At start the background sync is running anyway.)
    let offline = home.connectivity == cds_domain::Connectivity::Offline;
    let was_offline = shell
        .api_was_offline
        .swap(offline, std::sync::atomic::Ordering::SeqCst);
    if was_offline && !offline {
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
pub async fn set_display(
    shell: State<'_, Shell>,
    request: SetDisplayRequest,
) -> Result<Display, UiError> {
    shell
        .core()
        .await?
        .set_display(request.display)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn pin_tile(
    shell: State<'_, Shell>,
    request: PinTileRequest,
) -> Result<Personal, UiError> {
    shell
        .core()
        .await?
        .pin_tile(request.tile, request.pinned)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn tile_opened(
    shell: State<'_, Shell>,
    request: TileOpenedRequest,
) -> Result<Personal, UiError> {
    shell
        .core()
        .await?
        .tile_opened(request.tile)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub fn mark_ready(shell: State<'_, Shell>, request: cds_ipc::Empty) -> cds_ipc::Empty {
    let cds_ipc::Empty {} = request;
    shell.mark_ready();
    cds_ipc::Empty {}
}

#[tauri::command]
pub async fn set_notifications(
    shell: State<'_, Shell>,
    request: SetNotificationsRequest,
) -> Result<cds_domain::sync::Notifications, UiError> {
    shell
        .core()
        .await?
        .set_notifications(request.notifications)
        .await
        .map_err(ui_error)
}
