//! The languages the app speaks and text that a province supplies in each of them.

use serde::{Deserialize, Serialize};

/// A user-interface language. Vietnamese first: it is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The BCP 47 tag, as used in `<html lang>` and in stored settings.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    /// Parses a stored or requested language tag; `None` for anything else.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// Text supplied by the province (catalogue titles, later alerts and articles)
/// in Vietnamese and, where the province provides it, English.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LocalizedText {
    pub vi: String,
    #[serde(default)]
    pub en: String,
}

impl LocalizedText {
    /// The text in `lang`, falling back to Vietnamese where no translation was given.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En if !self.en.trim().is_empty() => &self.en,
            _ => &self.vi,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_falls_back_to_vietnamese() {
        let text = LocalizedText {
            vi: "Phản ánh".into(),
            en: " ".into(),
        };
        assert_eq!(text.get(Lang::En), "Phản ánh");
        let text = LocalizedText {
            vi: "Phản ánh".into(),
            en: "Report".into(),
        };
        assert_eq!(text.get(Lang::En), "Report");
        assert_eq!(text.get(Lang::Vi), "Phản ánh");
    }

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::default(), Lang::Vi);
    }
}
