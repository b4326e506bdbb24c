//! Community digital technology teams: membership, sessions, the team view.

use cds_ipc::{
    AssistedSession, ById, Empty, JoinTeamRequest, OutboxState, SaveCsvRequest, SavedFile,
    SessionSummary, TeamMember, TeamView, UiError,
};
use tauri::{Manager, State};

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_team(shell: State<'_, Shell>, request: Empty) -> Result<TeamView, UiError> {
    let Empty {} = request;
    let core = shell.core().await?;
    Ok(TeamView {
        member: core.team().await.map_err(ui_error)?,
        sessions: core.sessions().await.map_err(ui_error)?,
        stats: core.team_stats().await.map_err(ui_error)?,
    })
}

#[tauri::command]
pub async fn join_team(
    shell: State<'_, Shell>,
    request: JoinTeamRequest,
) -> Result<TeamMember, UiError> {
    let core = shell.core().await?;
    let member = core.join_team(request.code).await.map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(member)
}

#[tauri::command]
pub async fn leave_team(shell: State<'_, Shell>, request: Empty) -> Result<Empty, UiError> {
    let Empty {} = request;
    shell.core().await?.leave_team().await.map_err(ui_error)?;
    Ok(Empty {})
}

#[tauri::command]
pub async fn record_session(
    shell: State<'_, Shell>,
    request: AssistedSession,
) -> Result<SessionSummary, UiError> {
    let summary = shell
        .core()
        .await?
        .record_session(request)
        .await
        .map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(summary)
}

#[tauri::command]
pub async fn retry_session(shell: State<'_, Shell>, request: ById) -> Result<OutboxState, UiError> {
    let state = shell
        .core()
        .await?
        .retry_session(request.id)
        .await
        .map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(state)
}

#[tauri::command]
pub async fn save_team_csv(
    app: tauri::AppHandle,
    shell: State<'_, Shell>,
    request: SaveCsvRequest,
) -> Result<SavedFile, UiError> {
    let core = shell.core().await?;
    let dir = app
        .path()
        .download_dir()
        .unwrap_or_else(|_| core.config().data_dir.join("exports"));
    let path = core
        .write_export(dir, request.file_name, request.csv)
        .await
        .map_err(ui_error)?;
    Ok(SavedFile {
        path: path.display().to_string(),
    })
}
