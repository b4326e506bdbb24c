//! The commands the UI calls. Each is request → `cds-core` → response; the
//! contract (names and types) is `cds-ipc`.

use cds_domain::HomeScreen;
use cds_ipc::{
    AreasView, ById, Category, DataUseScreen, DetachPhotoRequest, EditRejectedRequest, Empty,
    ErrorCode, FeedbackRequest, Followed, LoadHomeRequest, LoadReportsRequest, NearbyRequest,
    OutboxState, PhotoAdded, Placement, Point, PublicReport, Receipt, RefreshHomeRequest,
    ReportDetail, ReportPage, SaveDraftRequest, SetDataUseRequest, SetLanguageRequest,
    SetLanguageResponse, StoredDraft, SyncEvent, UiError,
};
use tauri::{State, ipc::Channel};

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_home(
    shell: State<'_, Shell>,
    request: LoadHomeRequest,
) -> Result<HomeScreen, UiError> {
    let LoadHomeRequest {} = request;
    shell.core().await?.load_home().await.map_err(ui_error)
}

#[tauri::command]
pub async fn refresh_home(
    shell: State<'_, Shell>,
    request: RefreshHomeRequest,
) -> Result<HomeScreen, UiError> {
    let RefreshHomeRequest {} = request;
    let home = shell.core().await?.refresh_home().await.map_err(ui_error)?;
    // The API answers again after it did not: the network is back, deliver
    // what waits. (At start the background sync is running anyway.)
    let offline = home.connectivity == cds_domain::Connectivity::Offline;
    let was_offline = shell
        .api_was_offline
        .swap(offline, std::sync::atomic::Ordering::SeqCst);
    if was_offline && !offline {
        shell.sync_trigger.notify_one();
    }
    Ok(home)
}

#[tauri::command]
pub async fn set_language(
    shell: State<'_, Shell>,
    request: SetLanguageRequest,
) -> Result<SetLanguageResponse, UiError> {
    let language = shell
        .core()
        .await?
        .set_language(request.language)
        .await
        .map_err(ui_error)?;
    Ok(SetLanguageResponse { language })
}

#[tauri::command]
pub async fn watch_sync(
    shell: State<'_, Shell>,
    request: Empty,
    on_event: Channel<SyncEvent>,
) -> Result<Empty, UiError> {
    let Empty {} = request;
    shell.listen(on_event);
    Ok(Empty {})
}

#[tauri::command]
pub async fn sync_now(shell: State<'_, Shell>, request: Empty) -> Result<Empty, UiError> {
    let Empty {} = request;
    shell.core().await?.send_now().await.map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(Empty {})
}

#[tauri::command]
pub async fn load_data_use(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<DataUseScreen, UiError> {
    let Empty {} = request;
    let data_use = shell.core().await?.data_use().await.map_err(ui_error)?;
    Ok(DataUseScreen {
        data_use,
        network: crate::network::probe_async().await,
    })
}

#[tauri::command]
pub async fn set_data_use(
    shell: State<'_, Shell>,
    request: SetDataUseRequest,
) -> Result<DataUseScreen, UiError> {
    let data_use = shell
        .core()
        .await?
        .set_data_use(request.data_use)
        .await
        .map_err(ui_error)?;
    shell.sync_trigger.notify_one();
    Ok(DataUseScreen {
        data_use,
        network: crate::network::probe_async().await,
    })
}

#[tauri::command]
pub async fn load_categories(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Vec<Category>, UiError> {
    let Empty {} = request;
    shell.core().await?.categories().await.map_err(ui_error)
}

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
