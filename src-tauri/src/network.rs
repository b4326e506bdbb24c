//! What kind of network the platform says the device is on, for "photos only
//! on Wi-Fi". Linux asks NetworkManager over D-Bus (through `busctl`); where
//! nothing can tell, the answer is `Network::Unknown`, which holds nothing back.

use cds_domain::sync::Network;

/// Asks the platform. Blocking (it may start a process): call it off async threads.
pub fn probe() -> Network {
    #[cfg(target_os = "linux")]
    {
        let output = std::process::Command::new("busctl")
            .args([
                "--system",
                "--timeout=1",
                "get-property",
                "org.freedesktop.NetworkManager",
                "/org/freedesktop/NetworkManager",
                "org.freedesktop.NetworkManager",
                "Metered",
            ])
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output();
        match output {
            Ok(output) if output.status.success() => {
                from_networkmanager(&String::from_utf8_lossy(&output.stdout))
            }
            _ => Network::Unknown,
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        Network::Unknown
    }
}

/// [`probe`] on the blocking pool.
pub async fn probe_async() -> Network {
    tauri::async_runtime::spawn_blocking(probe)
        .await
        .unwrap_or_default()
}

/// Reads `busctl`'s answer (`u 4`): NetworkManager's `NMMetered` values are
/// 0 unknown, 1 yes, 2 no, 3 guessed yes, 4 guessed no.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn from_networkmanager(answer: &str) -> Network {
    match answer.trim().strip_prefix("u ").map(str::trim) {
        Some("1" | "3") => Network::Metered,
        Some("2" | "4") => Network::Unmetered,
        _ => Network::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_networkmanager_metered_values() {
        assert_eq!(from_networkmanager("u 1\n"), Network::Metered);
        assert_eq!(from_networkmanager("u 3"), Network::Metered);
        assert_eq!(from_networkmanager("u 2"), Network::Unmetered);
        assert_eq!(from_networkmanager("u 4\n"), Network::Unmetered);
        assert_eq!(from_networkmanager("u 0"), Network::Unknown);
        assert_eq!(from_networkmanager(""), Network::Unknown);
        assert_eq!(from_networkmanager("s \"yes\""), Network::Unknown);
    }
}
