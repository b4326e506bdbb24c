//! This device's own data: erase it, choose the API address, start again.

use cds_domain::device::ApiAddress;
use cds_ipc::{DeviceScreen, Empty, EraseDeviceDataRequest, SetApiAddressRequest, UiError};
use tauri::State;

use crate::{error::ui_error, state::Shell};

async fn screen(core: &cds_core::Core) -> Result<DeviceScreen, UiError> {
    Ok(DeviceScreen {
        erase: core.erase_preview().await.map_err(ui_error)?,
        address: core.api_address().await.map_err(ui_error)?,
    })
}

#[tauri::command]
pub async fn load_device(shell: State<'_, Shell>, request: Empty) -> Result<DeviceScreen, UiError> {
    let Empty {} = request;
    screen(shell.core().await?).await
}

#[tauri::command]
pub async fn erase_device_data(
    shell: State<'_, Shell>,
    request: EraseDeviceDataRequest,
) -> Result<DeviceScreen, UiError> {
    let core = shell.core().await?;
    core.erase_device_data(request.seen)
        .await
        .map_err(ui_error)?;
    screen(core).await
}

#[tauri::command]
pub async fn set_api_address(
    shell: State<'_, Shell>,
    request: SetApiAddressRequest,
) -> Result<ApiAddress, UiError> {
    shell
        .core()
        .await?
        .set_api_address(request.address)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub fn restart_app(app: tauri::AppHandle, request: Empty) -> Result<Empty, UiError> {
    let Empty {} = request;
    app.restart()
}
