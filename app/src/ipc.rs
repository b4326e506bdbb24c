//! The one door from the UI to native code: typed calls of the shell's commands.
//!
//! Architecture Invariant: no other module talks to Tauri. Requests and responses
//! are the types of `cds-ipc`; a failure is always a `UiError`, never a panic.

use cds_ipc::{Command, ErrorCode, REQUEST_ARG, UiError};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Tauri 2's IPC entry point, present in every webview the shell opens.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;
}

/// Calls command `C` with `request`.
pub async fn call<C: Command>(request: &C::Request) -> Result<C::Response, UiError> {
    let args = serde_json::to_string(&serde_json::json!({ REQUEST_ARG: request }))
        .map_err(|err| UiError::new(ErrorCode::Protocol, err.to_string()))?;
    let args = js_sys::JSON::parse(&args).map_err(|err| protocol(C::NAME, &err))?;
    match tauri_invoke(C::NAME, args).await {
        Ok(value) => from_js(&value).map_err(|err| {
            UiError::new(
                ErrorCode::Protocol,
                format!("{}: bad response: {err}", C::NAME),
            )
        }),
        // A command's error is a serialized `UiError`; anything else (the shell
        // missing, a denied permission) is a protocol error with its text.
        Err(err) => Err(from_js::<UiError>(&err).unwrap_or_else(|_| protocol(C::NAME, &err))),
    }
}

fn from_js<T: DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| "not JSON".to_owned())?;
    serde_json::from_str(&text).map_err(|err| err.to_string())
}

fn protocol(command: &str, err: &JsValue) -> UiError {
    let text = err
        .as_string()
        .or_else(|| {
            js_sys::JSON::stringify(err)
                .ok()
                .and_then(|t| t.as_string())
        })
        .unwrap_or_default();
    UiError::new(ErrorCode::Protocol, format!("{command}: {text}"))
}
