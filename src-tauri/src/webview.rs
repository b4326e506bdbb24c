//! WebKit features the app does not use, turned off before the first page
//! loads: memory caches sized for one document, not a browser's history; no
//! back-forward page cache (one page, routed inside); no WebGL (the map is
//! SVG); no audio or video elements; no accelerated compositing on a machine
//! without a GPU.

/// WebKit's switch for drawing without accelerated compositing.
#[cfg(target_os = "linux")]
const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Accelerated compositing draws the page through OpenGL. Without a GPU (no
/// DRM render node) Mesa emulates OpenGL on the CPU (llvmpipe): about 70 MiB
/// more across the app's processes and about 100 ms more to the first screen
/// (measured: `cargo xtask bench app`), for nothing the app draws — no WebGL,
/// no 3D, no video. There WebKit draws without it; with a GPU its default
/// stands, and a value the user set wins.
///
/// Call first in `run`, before any thread starts: it may set an environment
/// variable, which WebKit reads when it creates the webview.
pub fn compositing_without_gpu() {
    #[cfg(target_os = "linux")]
    {
        if std::env::var_os(NO_COMPOSITING).is_some() || has_render_node() {
            return;
        }
        // SAFETY: no other thread exists yet (the caller's contract), so
        // nothing reads the environment while it changes.
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var(NO_COMPOSITING, "1");
        }
    }
}

/// Whether the machine has a GPU that renders: a `/dev/dri/renderD*` node.
#[cfg(target_os = "linux")]
fn has_render_node() -> bool {
    std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
        entries
            .flatten()
            .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Applies the settings to the main window's webview (Linux: WebKitGTK).
pub fn trim(window: &tauri::WebviewWindow) {
    let applied = window.with_webview(|webview| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};
            let view = webview.inner();
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = view.settings() {
                settings.set_enable_page_cache(false);
                settings.set_enable_webgl(false);
                settings.set_enable_media(false);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = webview;
    });
    if let Err(err) = applied {
        log::warn!("webview settings not applied: {err}");
    }
}
