//! The one inbox.

use cds_ipc::{Empty, Inbox, MarkReadRequest, UiError, Unread};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_inbox(shell: State<'_, Shell>, request: Empty) -> Result<Inbox, UiError> {
    let Empty {} = request;
    shell.core().await?.inbox().await.map_err(ui_error)
}

#[tauri::command]
pub async fn mark_read(
    shell: State<'_, Shell>,
    request: MarkReadRequest,
) -> Result<Unread, UiError> {
    let unread = shell
        .core()
        .await?
        .mark_read(request.kind, request.id)
        .await
        .map_err(ui_error)?;
    Ok(Unread { unread })
}
