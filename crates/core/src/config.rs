//! Where the app keeps its data and which provincial API it talks to.
//!
//! Each value comes from the environment if set, else from the settings stored
//! on the device, else from a default. The data folder itself comes from the
//! environment or the platform (the settings live inside it).

use std::{path::PathBuf, time::Duration};

use url::Url;

/// The demo gateway started by `cargo xtask run`.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8787/";
const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(8);

/// A configuration value: its environment variable and its stored settings key.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    pub env: &'static str,
    pub key: &'static str,
}

pub const DATA_DIR: &str = "CDS_DATA_DIR";
pub const API_URL: Setting = Setting {
    env: "CDS_API_URL",
    key: "api_url",
};
pub const OPEN311_URL: Setting = Setting {
    env: "CDS_OPEN311_URL",
    key: "open311_url",
};
pub const OPEN311_API_KEY: Setting = Setting {
    env: "CDS_OPEN311_API_KEY",
    key: "open311_api_key",
};
pub const HTTP_TIMEOUT_MS: Setting = Setting {
    env: "CDS_HTTP_TIMEOUT_MS",
    key: "http_timeout_ms",
};

/// First wait after a failed send; doubles with every failure (with jitter).
pub const RETRY_BASE_MS: Setting = Setting {
    env: "CDS_RETRY_BASE_MS",
    key: "retry_base_ms",
};
const DEFAULT_RETRY_BASE_MS: i64 = 5_000;

/// Whether the Open311 server honours the `Idempotency-Key` header: `auto`
/// (ask its discovery document), `honoured` or `ignored`. Where it does not,
/// a report whose send may have reached it is looked for before it is resent.
pub const OPEN311_IDEMPOTENCY: Setting = Setting {
    env: "CDS_OPEN311_IDEMPOTENCY",
    key: "open311_idempotency",
};

/// Every configuration value (a province's or an installer's, never the
/// resident's: erasing the resident's data keeps them).
pub const ALL: &[Setting] = &[
    API_URL,
    OPEN311_URL,
    OPEN311_API_KEY,
    HTTP_TIMEOUT_MS,
    RETRY_BASE_MS,
    OPEN311_IDEMPOTENCY,
    PHOTO_MAX_EDGE,
];

/// What the app knows of the server's idempotency keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Idempotency {
    /// As the server's discovery document says.
    #[default]
    Auto,
    Honoured,
    Ignored,
}

/// Long edge of an uploaded photo, in pixels.
pub const PHOTO_MAX_EDGE: Setting = Setting {
    env: "CDS_PHOTO_MAX_EDGE",
    key: "photo_max_edge",
};
const DEFAULT_PHOTO_MAX_EDGE: u32 = 1600;

#[derive(Debug, Clone)]
pub struct Config {
    /// Holds the database (and, later, photos).
    pub data_dir: PathBuf,
    /// Root of the provincial API; always ends with `/`.
    pub api_url: Url,
    /// Base of the Open311 API; provinces often run it on another system.
    pub open311_url: Url,
    pub open311_api_key: Option<String>,
    /// Upper bound of one request to the API, connection included.
    pub request_timeout: Duration,
    /// First wait after a failed send, in milliseconds.
    pub retry_base_ms: i64,
    /// Long edge of an uploaded photo, in pixels (320–4096).
    pub photo_max_edge: u32,
    pub open311_idempotency: Idempotency,
}

impl Config {
    /// The data folder: `CDS_DATA_DIR` if set, else the platform's app-data folder.
    pub fn data_dir(default: PathBuf, env: impl Fn(&str) -> Option<String>) -> PathBuf {
        env(DATA_DIR)
            .filter(|value| !value.trim().is_empty())
            .map_or(default, PathBuf::from)
    }

    /// Resolves every other value through `lookup` (environment, then stored
    /// settings), falling back to the defaults.
    pub fn resolve(
        data_dir: PathBuf,
        lookup: impl Fn(Setting) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let get = |setting: Setting| lookup(setting).filter(|value| !value.trim().is_empty());
        let api_url = parse_base(
            API_URL,
            &get(API_URL).unwrap_or_else(|| DEFAULT_API_URL.into()),
        )?;
        let open311_url = match get(OPEN311_URL) {
            Some(value) => parse_base(OPEN311_URL, &value)?,
            None => api_url
                .join(&format!("{}/", cds_provincial_api::OPEN311_PREFIX))
                .map_err(|err| ConfigError(format!("{}: {err}", API_URL.env)))?,
        };
        let request_timeout = match get(HTTP_TIMEOUT_MS) {
            None => DEFAULT_HTTP_TIMEOUT,
            Some(value) => value
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|ms| (100..=120_000).contains(ms))
                .map(Duration::from_millis)
                .ok_or_else(|| {
                    ConfigError(format!(
                        "{}: not a number of milliseconds from 100 to 120000: {value}",
                        HTTP_TIMEOUT_MS.env
                    ))
                })?,
        };
        let retry_base_ms = match get(RETRY_BASE_MS) {
            None => DEFAULT_RETRY_BASE_MS,
            Some(value) => value
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|ms| (10..=3_600_000).contains(ms))
                .ok_or_else(|| {
                    ConfigError(format!(
                        "{}: not a number of milliseconds from 10 to 3600000: {value}",
                        RETRY_BASE_MS.env
                    ))
                })?,
        };
        let photo_max_edge = match get(PHOTO_MAX_EDGE) {
            None => DEFAULT_PHOTO_MAX_EDGE,
            Some(value) => value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|px| (320..=4096).contains(px))
                .ok_or_else(|| {
                    ConfigError(format!(
                        "{}: not a number of pixels from 320 to 4096: {value}",
                        PHOTO_MAX_EDGE.env
                    ))
                })?,
        };
        let open311_idempotency = match get(OPEN311_IDEMPOTENCY).as_deref().map(str::trim) {
            None | Some("auto") => Idempotency::Auto,
            Some("honoured") => Idempotency::Honoured,
            Some("ignored") => Idempotency::Ignored,
            Some(other) => {
                return Err(ConfigError(format!(
                    "{}: auto, honoured or ignored, not {other}",
                    OPEN311_IDEMPOTENCY.env
                )));
            }
        };
        Ok(Config {
            open311_idempotency,
            data_dir,
            photo_max_edge,
            api_url,
            open311_url,
            open311_api_key: get(OPEN311_API_KEY),
            request_timeout,
            retry_base_ms,
        })
    }
}

/// An http(s) base address, ending with `/`; the error names `setting`.
pub fn parse_base(setting: Setting, value: &str) -> Result<Url, ConfigError> {
    let name = setting.env;
    let mut url =
        Url::parse(value.trim()).map_err(|err| ConfigError(format!("{name}: {err}: {value}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError(format!(
            "{name}: not an http(s) address: {value}"
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// A configuration value that cannot be used; the message names it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(Setting) -> Option<String> {
        move |setting| {
            pairs
                .iter()
                .find(|(key, _)| *key == setting.env)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn defaults_to_the_local_demo_gateway() {
        let config = Config::resolve("/data".into(), lookup(&[])).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/data"));
        assert_eq!(config.api_url.as_str(), DEFAULT_API_URL);
        assert_eq!(
            config.open311_url.as_str(),
            "http://127.0.0.1:8787/open311/v2/"
        );
        assert_eq!(config.open311_api_key, None);
        assert_eq!(config.request_timeout, DEFAULT_HTTP_TIMEOUT);
    }

    #[test]
    fn values_are_normalised() {
        let config = Config::resolve(
            "/data".into(),
            lookup(&[
                ("CDS_API_URL", " https://api.example.vn/hue"),
                ("CDS_OPEN311_URL", "https://311.example.vn/v2"),
                ("CDS_OPEN311_API_KEY", "k"),
                ("CDS_HTTP_TIMEOUT_MS", "1500"),
            ]),
        )
        .unwrap();
        assert_eq!(config.api_url.as_str(), "https://api.example.vn/hue/");
        assert_eq!(config.open311_url.as_str(), "https://311.example.vn/v2/");
        assert_eq!(config.open311_api_key.as_deref(), Some("k"));
        assert_eq!(config.request_timeout, Duration::from_millis(1500));
    }

    #[test]
    fn data_dir_comes_from_the_environment_or_the_platform() {
        let env = |name: &str| (name == DATA_DIR).then(|| "/tmp/x".to_owned());
        assert_eq!(Config::data_dir("/p".into(), env), PathBuf::from("/tmp/x"));
        assert_eq!(Config::data_dir("/p".into(), |_| None), PathBuf::from("/p"));
        let blank = |_: &str| Some("  ".to_owned());
        assert_eq!(Config::data_dir("/p".into(), blank), PathBuf::from("/p"));
    }

    #[test]
    fn refuses_values_it_cannot_use_and_names_them() {
        for (name, bad) in [
            ("CDS_API_URL", "ftp://x/"),
            ("CDS_API_URL", "not a url"),
            ("CDS_API_URL", "file:///etc/passwd"),
            ("CDS_OPEN311_URL", "javascript:alert(1)"),
            ("CDS_HTTP_TIMEOUT_MS", "0"),
            ("CDS_HTTP_TIMEOUT_MS", "soon"),
        ] {
            let err = Config::resolve("/d".into(), move |setting| {
                (setting.env == name).then(|| bad.to_owned())
            })
            .unwrap_err();
            assert!(err.0.contains(name), "{err}");
        }
    }
}
