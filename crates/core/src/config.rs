//! Where the app keeps its data and which provincial API it talks to.

use std::{path::PathBuf, time::Duration};

use url::Url;

/// The demo gateway started by `cargo xtask run`.
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8787/";

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
}

impl Config {
    /// Builds the configuration from the platform's data folder and the
    /// environment (`CDS_DATA_DIR`, `CDS_API_URL`, `CDS_OPEN311_URL`,
    /// `CDS_OPEN311_API_KEY`), which overrides the defaults.
    pub fn from_env(
        default_data_dir: PathBuf,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let var = |name: &str| env(name).filter(|value| !value.trim().is_empty());
        let data_dir = var("CDS_DATA_DIR").map_or(default_data_dir, PathBuf::from);
        let api_url = parse_base(
            "CDS_API_URL",
            &var("CDS_API_URL").unwrap_or(DEFAULT_API_URL.into()),
        )?;
        let open311_url = match var("CDS_OPEN311_URL") {
            Some(value) => parse_base("CDS_OPEN311_URL", &value)?,
            None => api_url
                .join(&format!("{}/", cds_provincial_api::OPEN311_PREFIX))
                .map_err(|err| ConfigError(format!("CDS_API_URL: {err}")))?,
        };
        Ok(Config {
            data_dir,
            api_url,
            open311_url,
            open311_api_key: var("CDS_OPEN311_API_KEY"),
            request_timeout: Duration::from_secs(8),
        })
    }
}

fn parse_base(name: &str, value: &str) -> Result<Url, ConfigError> {
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

#[derive(Debug, Clone, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn defaults_to_the_local_demo_gateway() {
        let config = Config::from_env("/data".into(), env_of(&[])).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/data"));
        assert_eq!(config.api_url.as_str(), DEFAULT_API_URL);
        assert_eq!(
            config.open311_url.as_str(),
            "http://127.0.0.1:8787/open311/v2/"
        );
        assert_eq!(config.open311_api_key, None);
    }

    #[test]
    fn environment_overrides() {
        let config = Config::from_env(
            "/data".into(),
            env_of(&[
                ("CDS_DATA_DIR", "/tmp/x"),
                ("CDS_API_URL", "https://api.example.vn/hue"),
                ("CDS_OPEN311_URL", "https://311.example.vn/v2"),
                ("CDS_OPEN311_API_KEY", "k"),
            ]),
        )
        .unwrap();
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.api_url.as_str(), "https://api.example.vn/hue/");
        assert_eq!(config.open311_url.as_str(), "https://311.example.vn/v2/");
        assert_eq!(config.open311_api_key.as_deref(), Some("k"));
    }

    #[test]
    fn refuses_addresses_that_are_not_http() {
        for bad in ["ftp://x/", "not a url", "file:///etc/passwd"] {
            let err = Config::from_env("/d".into(), move |name| {
                (name == "CDS_API_URL").then(|| bad.to_owned())
            })
            .unwrap_err();
            assert!(err.0.contains("CDS_API_URL"), "{err}");
        }
    }
}
