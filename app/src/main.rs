//! Entry point of the Công Dân Số user interface (Leptos, client-side rendered).

mod alerts;
mod app;
mod awareness;
mod bills;
mod device;
mod dossiers;
mod home;
mod i18n;
mod icons;
mod inbox;
mod ipc;
mod map;
mod nav;
mod pages;
mod places;
mod products;
mod reports;
mod settings;
mod state;
mod teams;
mod tile_page;

fn main() {
    std::panic::set_hook(Box::new(show_panic));
    leptos::mount::mount_to_body(app::App);
}

/// A bug must never leave a blank screen: say so in both languages, with the detail.
fn show_panic(info: &std::panic::PanicHookInfo<'_>) {
    let detail = info.to_string();
    web_sys::console::error_1(&detail.clone().into());
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    let Ok(panel) = document.create_element("div") else {
        return;
    };
    let _ = panel.set_attribute("role", "alert");
    let _ = panel.set_attribute("class", "error-panel");
    let text = cds_domain::Lang::ALL
        .iter()
        .map(|&lang| i18n::text(lang, i18n::Key::ErrorInternal))
        .collect::<Vec<_>>()
        .join("\n\n");
    panel.set_text_content(Some(&format!("{text}\n\n{detail}")));
    let _ = body.prepend_with_node_1(&panel);
}
