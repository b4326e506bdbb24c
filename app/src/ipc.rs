//! The one door from the UI to native code: typed calls of the shell's commands.
//!
//! Architecture Invariant: no other module talks to Tauri. Requests and responses
//! are the types of `cds-ipc`; a failure is always a `UiError`, never a panic.

use std::{cell::RefCell, collections::BTreeMap};

use cds_ipc::{Command, EVENTS_ARG, ErrorCode, REQUEST_ARG, Streaming, UiError};
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// Tauri 2's IPC entry point, present in every webview the shell opens.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    /// `invoke` with options (headers), for the one raw-body command.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = invoke, catch)]
    async fn tauri_invoke_raw(
        cmd: &str,
        body: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue>;

    /// Registers a JS callback with Tauri and returns its id; a channel is
    /// this id sent as `"__CHANNEL__:<id>"`.
    #[wasm_bindgen(js_namespace = ["window", "__TAURI_INTERNALS__"], js_name = transformCallback, catch)]
    fn tauri_transform_callback(callback: &JsValue, once: bool) -> Result<f64, JsValue>;
}

/// One message of a Tauri channel: `{index, message}`, or `{index, end}` at the end.
#[derive(serde::Deserialize)]
struct ChannelMessage<T> {
    index: u64,
    message: Option<T>,
}

/// Calls streaming command `S` with `request`; `on_event` receives its events in
/// order for as long as the page lives. Events that do not decode are logged
/// and skipped, never fatal.
pub async fn listen<S: Streaming + 'static>(
    request: &S::Request,
    on_event: impl Fn(S::Event) + 'static,
) -> Result<S::Response, UiError> {
    // Tauri may deliver out of order; messages wait here until their turn.
    let pending: RefCell<(u64, BTreeMap<u64, S::Event>)> = RefCell::new((0, BTreeMap::new()));
    let callback = Closure::<dyn Fn(JsValue)>::new(move |value: JsValue| {
        let message = match from_js::<ChannelMessage<S::Event>>(&value) {
            Ok(message) => message,
            Err(err) => {
                web_sys::console::warn_1(&format!("{}: bad event: {err}", S::NAME).into());
                return;
            }
        };
        let mut ready = Vec::new();
        {
            let mut pending = pending.borrow_mut();
            let (next, waiting) = &mut *pending;
            if let Some(event) = message.message {
                waiting.insert(message.index, event);
            }
            while let Some(event) = waiting.remove(next) {
                ready.push(event);
                *next += 1;
            }
        }
        for event in ready {
            on_event(event);
        }
    });
    let id = tauri_transform_callback(callback.as_ref(), false)
        .map_err(|err| protocol(S::NAME, &err))?;
    // The subscription lasts as long as the page: the closure must too.
    callback.forget();
    let args = serde_json::json!({
        REQUEST_ARG: request,
        EVENTS_ARG: format!("__CHANNEL__:{id}"),
    });
    invoke::<S>(&args).await
}

/// Calls command `C` with `request`.
pub async fn call<C: Command>(request: &C::Request) -> Result<C::Response, UiError> {
    invoke::<C>(&serde_json::json!({ REQUEST_ARG: request })).await
}

async fn invoke<C: Command>(args: &serde_json::Value) -> Result<C::Response, UiError> {
    let args = serde_json::to_string(args)
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

/// Calls a raw-body command: `bytes` as the body, not JSON; `headers` beside.
async fn call_raw<C: Command>(
    bytes: js_sys::Uint8Array,
    headers: &[(&str, &str)],
) -> Result<C::Response, UiError> {
    let head = js_sys::Object::new();
    for (name, value) in headers {
        let _ = js_sys::Reflect::set(&head, &(*name).into(), &(*value).into());
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"headers".into(), &head);
    match tauri_invoke_raw(C::NAME, bytes.into(), options.into()).await {
        Ok(value) => from_js(&value).map_err(|err| {
            UiError::new(
                ErrorCode::Protocol,
                format!("{}: bad response: {err}", C::NAME),
            )
        }),
        Err(err) => Err(from_js::<UiError>(&err).unwrap_or_else(|_| protocol(C::NAME, &err))),
    }
}

/// Adds a photo (the file's bytes, sent raw, not as JSON) to a draft.
pub async fn add_photo(
    draft_id: &str,
    bytes: js_sys::Uint8Array,
) -> Result<cds_ipc::PhotoAdded, UiError> {
    call_raw::<cds_ipc::AddPhoto>(bytes, &[(cds_ipc::DRAFT_ID_HEADER, draft_id)]).await
}

/// The files chosen in the `<input type=file>` that fired `ev` (the input
/// is cleared, so that choosing the same file again fires again).
pub fn chosen_files(ev: &leptos::ev::Event) -> Vec<web_sys::File> {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = input
        .files()
        .map(|files| (0..files.length()).filter_map(|i| files.get(i)).collect())
        .unwrap_or_default();
    input.set_value("");
    files
}

/// A chosen file's bytes; `None` when the web view cannot read it.
pub async fn file_bytes(file: &web_sys::File) -> Option<js_sys::Uint8Array> {
    wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .ok()
        .map(|buffer| js_sys::Uint8Array::new(&buffer))
}

/// Reads the dossier code from a photo of a slip (the file's bytes, raw).
pub async fn scan_slip(bytes: js_sys::Uint8Array) -> Result<cds_ipc::SlipScan, UiError> {
    call_raw::<cds_ipc::ScanSlip>(bytes, &[]).await
}

/// Reads a product's code from a photo of its label (the file's bytes, raw).
pub async fn scan_label(bytes: js_sys::Uint8Array) -> Result<cds_ipc::SlipScan, UiError> {
    call_raw::<cds_ipc::ScanLabel>(bytes, &[]).await
}

/// The address of a photo served by the shell's `cds-photo` scheme.
pub fn photo_src(path: &str) -> String {
    format!("{}://localhost/{path}", cds_ipc::PHOTO_SCHEME)
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
