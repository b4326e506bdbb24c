//! OCOP products and traceability.

use cds_ipc::{
    ErrorCode, Held, Product, ProductsRequest, SlipScan, TraceRecord, TraceRequest, UiError,
};
use tauri::State;

use crate::{error::ui_error, state::Shell};

#[tauri::command]
pub async fn load_products(
    shell: State<'_, Shell>,
    request: ProductsRequest,
) -> Result<Vec<Product>, UiError> {
    shell
        .core()
        .await?
        .products(request.query)
        .await
        .map_err(ui_error)
}

/// A raw-body command: a photo of the product's label.
#[tauri::command]
pub async fn scan_label(
    shell: State<'_, Shell>,
    request: tauri::ipc::Request<'_>,
) -> Result<SlipScan, UiError> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(UiError::new(
            ErrorCode::Protocol,
            "scan_label: the body must be the photo's bytes",
        ));
    };
    let bytes = bytes.clone();
    shell
        .core()
        .await?
        .scan_label(bytes)
        .await
        .map_err(ui_error)
}

#[tauri::command]
pub async fn trace_product(
    shell: State<'_, Shell>,
    request: TraceRequest,
) -> Result<Held<TraceRecord>, UiError> {
    shell
        .core()
        .await?
        .trace(request.code)
        .await
        .map_err(ui_error)
}
