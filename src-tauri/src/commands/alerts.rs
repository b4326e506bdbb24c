//! Alerts and warnings: the list, the home screen's banner, read marks,
//! the wards chosen for alerts.

use cds_ipc::{Alert, AlertWards, ById, Empty, Listed, UiError};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_alerts(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Vec<Listed<Alert>>, UiError> {
    let Empty {} = request;
    shell.core().await?.alerts().await.map_err(ui_error)
}

#[tauri::command]
pub async fn load_alert_banner(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Option<Alert>, UiError> {
    let Empty {} = request;
    shell.core().await?.alert_banner().await.map_err(ui_error)
}

#[tauri::command]
pub async fn mark_alert_read(shell: State<'_, Shell>, request: ById) -> Result<Empty, UiError> {
    shell
        .core()
        .await?
        .mark_alert_read(request.id)
        .await
        .map_err(ui_error)?;
    Ok(Empty {})
}

#[tauri::command]
pub async fn load_alert_wards(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<AlertWards, UiError> {
    let Empty {} = request;
    let wards = shell.core().await?.alert_wards().await.map_err(ui_error)?;
    Ok(AlertWards { wards })
}

#[tauri::command]
pub async fn set_alert_wards(
    shell: State<'_, Shell>,
    request: AlertWards,
) -> Result<AlertWards, UiError> {
    let wards = shell
        .core()
        .await?
        .set_alert_wards(request.wards)
        .await
        .map_err(ui_error)?;
    Ok(AlertWards { wards })
}
