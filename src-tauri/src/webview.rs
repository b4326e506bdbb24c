//! WebKit features the app does not use, turned off before the first page
//! loads: memory caches sized for one document, not a browser's history; no
//! back-forward page cache (one page, routed inside); no WebGL (the map is
//! SVG); no audio or video elements.

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
