//! The console's language (`?lang=`, then the `cds_lang` cookie, then
//! `Accept-Language`; Vietnamese first) and its strings from
//! `locales/console/{vi,en}.json`.

use std::{collections::HashMap, sync::LazyLock};

use axum::{extract::FromRequestParts, http::request::Parts};

const VI: &str = include_str!("../../../../locales/console/vi.json");
const EN: &str = include_str!("../../../../locales/console/en.json");

/// The cookie that keeps the chosen language.
pub const COOKIE: &str = "cds_lang";

fn table(json: &str) -> HashMap<String, String> {
    serde_json::from_str(json).unwrap_or_else(|err| {
        log::error!("console locale file is not a JSON object of strings: {err}");
        HashMap::new()
    })
}

static TABLES: LazyLock<[HashMap<String, String>; 2]> = LazyLock::new(|| [table(VI), table(EN)]);

/// A language of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
            Some("vi") => Some(Lang::Vi),
            Some("en") => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// The string `key` in this language (the Vietnamese one if missing,
    /// then the key itself; a test keeps both files complete).
    pub fn t(self, key: &str) -> &'static str {
        let [vi, en] = &*TABLES;
        let found = match self {
            Lang::Vi => vi.get(key),
            Lang::En => en.get(key).or_else(|| vi.get(key)),
        };
        match found {
            Some(text) => text.as_str(),
            None => {
                log::warn!("console: no string {key:?}");
                ""
            }
        }
    }

    /// [`Lang::t`] with `{name}` replaced by `value` (not escaped: escape the result).
    pub fn fill(self, key: &str, name: &str, value: &str) -> String {
        self.t(key).replace(&format!("{{{name}}}"), value)
    }

    /// The language a request asks for.
    pub fn of(parts: &Parts) -> Lang {
        Lang::chosen_in_query(&parts.uri)
            .or_else(|| {
                super::session::cookie(&parts.headers, COOKIE).and_then(|v| Lang::parse(&v))
            })
            .or_else(|| {
                let accept = parts
                    .headers
                    .get(axum::http::header::ACCEPT_LANGUAGE)?
                    .to_str()
                    .ok()?;
                accept.split(',').find_map(Lang::parse)
            })
            .unwrap_or_default()
    }

    /// The language the address chose by `?lang=` (kept in a cookie).
    pub fn chosen_in_query(uri: &axum::http::Uri) -> Option<Lang> {
        uri.query()?
            .split('&')
            .find_map(|pair| pair.strip_prefix("lang="))
            .and_then(Lang::parse)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Lang, Self::Rejection> {
        Ok(Lang::of(parts))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(json: &str) -> BTreeSet<String> {
        table(json).into_keys().collect()
    }

    /// Both files have the same keys, every key is used by the console's
    /// code, and every key the code asks for exists.
    #[test]
    fn the_locale_files_match_the_code() {
        let vi = keys(VI);
        assert!(!vi.is_empty());
        assert_eq!(vi, keys(EN), "locales/console: vi.json and en.json differ");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/console");
        let mut code = String::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            code += &std::fs::read_to_string(entry.unwrap().path()).unwrap();
        }
        for key in &vi {
            assert!(
                code.contains(&format!("\"{key}\"")),
                "locales/console: {key} is not used"
            );
        }
        for (at, _) in code.match_indices("t(\"") {
            let rest = &code[at + 3..];
            let key = &rest[..rest.find('"').unwrap()];
            if key.contains('.') {
                assert!(vi.contains(key), "locales/console: {key} is missing");
            }
        }
    }

    #[test]
    fn the_language_comes_from_the_query_the_cookie_or_the_browser() {
        let parts = |uri: &str, headers: &[(&str, &str)]| {
            let mut request = axum::http::Request::builder().uri(uri);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.body(()).unwrap().into_parts().0
        };
        assert_eq!(Lang::of(&parts("/staff", &[])), Lang::Vi);
        assert_eq!(Lang::of(&parts("/staff?lang=en", &[])), Lang::En);
        assert_eq!(
            Lang::of(&parts("/staff", &[("cookie", "cds_lang=en")])),
            Lang::En
        );
        assert_eq!(
            Lang::of(&parts("/staff", &[("accept-language", "en-GB,en;q=0.8")])),
            Lang::En
        );
        assert_eq!(
            Lang::of(&parts("/staff?lang=vi", &[("accept-language", "en")])),
            Lang::Vi
        );
    }
}
