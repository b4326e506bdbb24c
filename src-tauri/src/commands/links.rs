//! Links opened outside the app.

use cds_ipc::{Empty, OpenLinkRequest, UiError};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn open_link(
    shell: State<'_, Shell>,
    request: OpenLinkRequest,
) -> Result<Empty, UiError> {
    let hosts = shell.core().await?.link_hosts().await.map_err(ui_error)?;
    crate::links::open(request.url, &hosts).await?;
    Ok(Empty {})
}
