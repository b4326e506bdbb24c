//! Places nearby and the province's articles of a field.

use cds_ipc::{Article, FieldRequest, Near, Place, PlacesQuery, UiError};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_places(
    shell: State<'_, Shell>,
    request: PlacesQuery,
) -> Result<Vec<Near<Place>>, UiError> {
    shell.core().await?.places(request).await.map_err(ui_error)
}

#[tauri::command]
pub async fn load_field_articles(
    shell: State<'_, Shell>,
    request: FieldRequest,
) -> Result<Vec<Article>, UiError> {
    shell
        .core()
        .await?
        .field_articles(request.field)
        .await
        .map_err(ui_error)
}
