//! Field reports: categories, drafts and photos, submitting, my reports.

use cds_ipc::{
    ById, Category, DetachPhotoRequest, EditRejectedRequest, Empty, ErrorCode, FeedbackRequest,
    LoadReportsRequest, OutboxState, PhotoAdded, Receipt, ReportDetail, ReportPage,
    SaveDraftRequest, StoredDraft, UiError,
};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_categories(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Vec<Category>, UiError> {
    let Empty {} = request;
    shell.core().await?.categories().await.map_err(ui_error)
}

#[tauri::command]
pub async fn load_drafts(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Vec<StoredDraft>, UiError> {
    let Empty {} = request;
    shell.core().await?.drafts().await.map_err(ui_error)
}

#[tauri::command]
pub async fn save_draft(
    shell: State<'_, Shell>,
    request: SaveDraftRequest,
) -> Result<StoredDraft, UiError> {
    shell
        .core()
        .await?
        .save_draft(request.id, request.draft)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn delete_draft(shell: State<'_, Shell>, request: ById) -> Result<Empty, UiError> {
    shell
        .core()
        .await?
        .delete_draft(request.id)
        .await
        .map_err(ui_error)?;
    Ok(Empty {})
}

/// The one raw-body command: the photo's bytes, the draft id in a header.
#[tauri::command]
pub async fn add_photo(
    shell: State<'_, Shell>,
    request: tauri::ipc::Request<'_>,
) -> Result<PhotoAdded, UiError> {
    let draft_id = request
        .headers()
        .get(cds_ipc::DRAFT_ID_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(|| UiError::new(ErrorCode::Protocol, "add_photo: no draft id header"))?;
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(UiError::new(
            ErrorCode::Protocol,
            "add_photo: the body must be the photo's bytes",
        ));
    };
    let bytes = bytes.clone();
    shell
        .core()
        .await?
        .add_photo(draft_id, bytes)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn detach_photo(
    shell: State<'_, Shell>,
    request: DetachPhotoRequest,
) -> Result<StoredDraft, UiError> {
    shell
        .core()
        .await?
        .detach_photo(request.draft_id, request.position as usize)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn submit(shell: State<'_, Shell>, request: ById) -> Result<Receipt, UiError> {
    let receipt = shell
        .core()
        .await?
        .submit(request.id)
        .await
        .map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(receipt)
}

#[tauri::command]
pub async fn load_reports(
    shell: State<'_, Shell>,
    request: LoadReportsRequest,
) -> Result<ReportPage, UiError> {
    shell
        .core()
        .await?
        .reports(request.after, request.limit)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn load_report(shell: State<'_, Shell>, request: ById) -> Result<ReportDetail, UiError> {
    shell
        .core()
        .await?
        .report(request.id)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn cancel_report(shell: State<'_, Shell>, request: ById) -> Result<OutboxState, UiError> {
    shell
        .core()
        .await?
        .cancel(request.id)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn retry_report(shell: State<'_, Shell>, request: ById) -> Result<OutboxState, UiError> {
    let state = shell
        .core()
        .await?
        .retry(request.id)
        .await
        .map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(state)
}

#[tauri::command]
pub async fn edit_rejected(
    shell: State<'_, Shell>,
    request: EditRejectedRequest,
) -> Result<Receipt, UiError> {
    let receipt = shell
        .core()
        .await?
        .edit_rejected(request.id, request.draft)
        .await
        .map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(receipt)
}

#[tauri::command]
pub async fn send_feedback(
    shell: State<'_, Shell>,
    request: FeedbackRequest,
) -> Result<ReportDetail, UiError> {
    shell
        .core()
        .await?
        .feedback(request.report_id, request.action)
        .await
        .map_err(ui_error)
}
