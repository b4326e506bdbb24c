//! Digital government: dossiers, slip photos, procedures, on-time statistics.

use cds_ipc::{
    ByCode, Dossier, DossierStats, Empty, ErrorCode, Held, LookupDossierRequest, Procedure,
    ProceduresRequest, SlipScan, UiError,
};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn lookup_dossier(
    shell: State<'_, Shell>,
    request: LookupDossierRequest,
) -> Result<Held<Dossier>, UiError> {
    shell
        .core()
        .await?
        .lookup_dossier(request.code, request.phone_last4)
        .await
        .map_err(ui_error)
}

/// The second raw-body command: a photo of the slip.
#[tauri::command]
pub async fn scan_slip(
    shell: State<'_, Shell>,
    request: tauri::ipc::Request<'_>,
) -> Result<SlipScan, UiError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(UiError::new(
            ErrorCode::Protocol,
            "scan_slip: the body must be the photo's bytes",
        ));
    };
    let bytes = bytes.clone();
    shell.core().await?.scan_slip(bytes).await.map_err(ui_error)
}

#[tauri::command]
pub async fn follow_dossier(shell: State<'_, Shell>, request: ByCode) -> Result<Empty, UiError> {
    shell
        .core()
        .await?
        .follow_dossier(request.code)
        .await
        .map_err(ui_error)?;
    Ok(Empty {})
}

#[tauri::command]
pub async fn unfollow_dossier(shell: State<'_, Shell>, request: ByCode) -> Result<Empty, UiError> {
    shell
        .core()
        .await?
        .unfollow_dossier(request.code)
        .await
        .map_err(ui_error)?;
    Ok(Empty {})
}

#[tauri::command]
pub async fn load_followed_dossiers(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Vec<Held<Dossier>>, UiError> {
    let Empty {} = request;
    shell
        .core()
        .await?
        .followed_dossiers()
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn load_procedures(
    shell: State<'_, Shell>,
    request: ProceduresRequest,
) -> Result<Vec<Procedure>, UiError> {
    shell
        .core()
        .await?
        .procedures(request.query)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn load_dossier_stats(
    shell: State<'_, Shell>,
    request: Empty,
) -> Result<Option<DossierStats>, UiError> {
    let Empty {} = request;
    shell.core().await?.dossier_stats().await.map_err(ui_error)
}
