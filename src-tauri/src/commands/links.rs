//! Links opened outside the app.

use cds_ipc::{Empty, OpenLinkRequest, UiError};

#[tauri::command]
pub async fn open_link(request: OpenLinkRequest) -> Result<Empty, UiError> {
    crate::links::open(request.url).await?;
    Ok(Empty {})
}
