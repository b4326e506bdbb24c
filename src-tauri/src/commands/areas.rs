//! The province's areas: the offline map and where a point falls.

use cds_ipc::{AreasView, Empty, Placement, Point, UiError};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_areas(shell: State<'_, Shell>, request: Empty) -> Result<AreasView, UiError> {
    let Empty {} = request;
    let areas = shell.core().await?.areas().await.map_err(ui_error)?;
    Ok(AreasView {
        province: areas.province.clone(),
        wards: areas.wards.clone(),
    })
}

#[tauri::command]
pub async fn locate(shell: State<'_, Shell>, request: Point) -> Result<Placement, UiError> {
    shell
        .core()
        .await?
        .locate(request.lat, request.lon)
        .await
        .map_err(ui_error)
}
