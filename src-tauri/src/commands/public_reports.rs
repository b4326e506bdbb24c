//! The province's open reports: nearby ones, the map, following one.

use cds_ipc::{ById, Empty, Followed, NearbyRequest, PublicReport, UiError};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn nearby(
    shell: State<'_, Shell>,
    request: NearbyRequest,
) -> Result<Vec<PublicReport>, UiError> {
    shell
        .core()
        .await?
        .nearby(
            request.lat,
            request.lon,
            request.radius_m,
            request.service_code,
        )
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn follow_report(shell: State<'_, Shell>, request: ById) -> Result<Empty, UiError> {
    shell
        .core()
        .await?
        .follow(request.id)
        .await
        .map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(Empty {})
}

#[tauri::command]
pub async fn unfollow_report(shell: State<'_, Shell>, request: ById) -> Result<Empty, UiError> {
    shell
        .core()
        .await?
        .unfollow(request.id)
        .await
        .map_err(ui_error)?;
    Ok(Empty {})
}

#[tauri::command]
pub async fn load_followed(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Vec<Followed>, UiError> {
    let Empty {} = request;
    shell.core().await?.followed().await.map_err(ui_error)
}

#[tauri::command]
pub async fn load_public_reports(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Vec<PublicReport>, UiError> {
    let Empty {} = request;
    shell.core().await?.public_reports().await.map_err(ui_error)
}
