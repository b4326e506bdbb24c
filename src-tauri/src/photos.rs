//! The `cds-photo://` scheme: the UI shows stored photos, thumbnails and the
//! photos the province sent (a photo of the fix) without any of them passing
//! through IPC as JSON. Paths: `local/<hash>`, `thumb/<hash>`,
//! `remote/<report id>/<index>`, `guide/<guide id>/<step>`, `product/<product id>`.

use tauri::{
    Manager,
    http::{Response, StatusCode, header},
};

use crate::state::Shell;

/// Serves one request of the scheme (off the main thread).
pub fn serve<R: tauri::Runtime>(
    ctx: tauri::UriSchemeContext<'_, R>,
    request: tauri::http::Request<Vec<u8>>,
    responder: tauri::UriSchemeResponder,
) {
    let app = ctx.app_handle().clone();
    let path = request.uri().path().trim_start_matches('/').to_owned();
    tauri::async_runtime::spawn(async move {
        let shell = app.state::<Shell>();
        let bytes = match shell.core().await {
            Ok(core) => {
                let parts: Vec<&str> = path.split('/').collect();
                match parts[..] {
                    ["local", hash] => core.photo(hash.to_owned(), false).await.ok(),
                    ["thumb", hash] => core.photo(hash.to_owned(), true).await.ok(),
                    ["remote", report, index] => match index.parse() {
                        Ok(index) => core.remote_photo(report.to_owned(), index).await.ok(),
                        Err(_) => None,
                    },
                    ["guide", guide, step] => match step.parse() {
                        Ok(step) => core.guide_image(guide.to_owned(), step).await.ok(),
                        Err(_) => None,
                    },
                    ["product", id] => core.product_photo((*id).to_owned()).await.ok(),
                    _ => None,
                }
            }
            Err(_) => None,
        };
        let response = match bytes {
            Some(bytes) => Response::builder()
                .header(header::CONTENT_TYPE, mime(&bytes))
                .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
                .body(bytes),
            None => Response::builder()
                .status(StatusCode::NOT_FOUND)
                .body(Vec::new()),
        };
        match response {
            Ok(response) => responder.respond(response),
            Err(err) => log::error!("photo response: {err}"),
        }
    });
}

/// The type of an image the engine hands over (JPEG, PNG or WebP: all it keeps).
fn mime(bytes: &[u8]) -> &'static str {
    if bytes.starts_with(b"\x89PNG") {
        "image/png"
    } else if bytes.get(8..12) == Some(b"WEBP") {
        "image/webp"
    } else {
        "image/jpeg"
    }
}
