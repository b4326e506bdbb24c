//! Opens a trusted `https` page in the system browser (never inside the
//! app), or a `tel:` link in the phone application, off the async threads:
//! the platform's opener is a process.

use cds_ipc::{ErrorCode, UiError};

#[cfg(target_os = "macos")]
const OPENER: &[&str] = &["open"];
#[cfg(target_os = "windows")]
const OPENER: &[&str] = &["explorer"];
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const OPENER: &[&str] = &["xdg-open"];

/// Opens `url` if it is an `https` page of one of `hosts` (the catalogue's
/// allow-list with the government's own) or a `tel:` link to a phone
/// number; refuses anything else.
pub async fn open(url: String, hosts: &[String]) -> Result<(), UiError> {
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    if !cds_domain::links::opens(&url, &hosts) {
        return Err(UiError::new(ErrorCode::LinkNotAllowed, url));
    }
    tauri::async_runtime::spawn_blocking(move || {
        let (program, args) = OPENER.split_first().unwrap_or((&"xdg-open", &[]));
        std::process::Command::new(program)
            .args(args)
            .arg(&url)
            .spawn()
            .map(drop)
            .map_err(|err| UiError::new(ErrorCode::Internal, format!("{program}: {err}")))
    })
    .await
    .map_err(|err| UiError::new(ErrorCode::Internal, err.to_string()))?
}
