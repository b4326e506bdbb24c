//! The awareness block: shelves and articles.

use cds_ipc::{Article, ById, ShelfPage, ShelfRequest, UiError};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_shelf(
    shell: State<'_, Shell>,
    request: ShelfRequest,
) -> Result<ShelfPage, UiError> {
    shell
        .core()
        .await?
        .shelf(request.shelf, request.query)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn open_article(shell: State<'_, Shell>, request: ById) -> Result<Article, UiError> {
    shell
        .core()
        .await?
        .open_article(request.id)
        .await
        .map_err(ui_error)
}
