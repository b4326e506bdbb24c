//! What the home screen shows: the catalogue, where it came from, and whether the
//! province's API could be reached; the display choices applied from the start
//! (text size, contrast); the resident's pinned and recently opened tiles.

use serde::{Deserialize, Serialize};

use crate::{Catalogue, Lang};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeScreen {
    pub language: Lang,
    pub catalogue: Catalogue,
    pub source: CatalogueSource,
    pub connectivity: Connectivity,
    /// Text size and contrast, applied before the first page shows.
    #[serde(default)]
    pub display: Display,
    /// Pinned and recently opened tiles, by id.
    #[serde(default)]
    pub personal: Personal,
    /// Which kinds of change raise a system notification.
    #[serde(default)]
    pub notifications: crate::sync::Notifications,
}

/// The resident's own shortcuts: tiles pinned (in the order they were
/// pinned) and the last tiles opened (newest first), by tile id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Personal {
    #[serde(default)]
    pub pinned: Vec<String>,
    #[serde(default)]
    pub recent: Vec<String>,
}

impl Personal {
    /// How many recently opened tiles are kept.
    pub const RECENT: usize = 4;

    pub fn is_pinned(&self, tile: &str) -> bool {
        self.pinned.iter().any(|id| id == tile)
    }

    /// Pins a tile at the end of the pinned ones, or unpins it; pinning a
    /// pinned tile keeps its place.
    pub fn set_pinned(&mut self, tile: &str, pinned: bool) {
        if !pinned {
            self.pinned.retain(|id| id != tile);
        } else if !self.is_pinned(tile) {
            self.pinned.push(tile.to_owned());
        }
    }

    /// Records that a tile was opened: first in the recent list, once, and
    /// at most [`Personal::RECENT`] kept.
    pub fn opened(&mut self, tile: &str) {
        self.recent.retain(|id| id != tile);
        self.recent.insert(0, tile.to_owned());
        self.recent.truncate(Self::RECENT);
    }

    /// Only the tiles the catalogue still has (a tile the province removed
    /// is forgotten, not shown).
    pub fn within(mut self, catalogue: &Catalogue) -> Personal {
        self.pinned.retain(|id| catalogue.tile(id).is_some());
        self.recent.retain(|id| catalogue.tile(id).is_some());
        self
    }
}

/// Where the catalogue on screen came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CatalogueSource {
    /// Stored on the device from the province's API; `fetched_at_ms` is Unix time.
    Cache { fetched_at_ms: i64 },
    /// The default shipped inside the app: the API has never been reached.
    Bundled,
}

/// The outcome of the last attempt to reach the province's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connectivity {
    /// Not tried yet in this run of the app.
    Checking,
    /// Reached, and the catalogue on screen is the latest.
    Online,
    /// Not reachable (no network, server down, timeout).
    Offline,
    /// Reached, but its answer was refused (logged); the stored catalogue stays.
    ServerProblem,
}

/// How the app is drawn for the resident's eyes: text size and contrast.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Display {
    pub text_size: TextSize,
    pub contrast: Contrast,
}

/// Text size in percent of the normal size, one of [`TextSize::STEPS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct TextSize(u16);

impl TextSize {
    /// The sizes offered, in percent: normal up to double.
    pub const STEPS: [u16; 5] = [100, 125, 150, 175, 200];
    pub const NORMAL: TextSize = TextSize(100);

    /// The size for `percent`, if it is one of [`TextSize::STEPS`].
    pub fn new(percent: u16) -> Option<TextSize> {
        Self::STEPS.contains(&percent).then_some(TextSize(percent))
    }

    /// The offered sizes, smallest first.
    pub fn all() -> impl Iterator<Item = TextSize> {
        Self::STEPS.into_iter().map(TextSize)
    }

    pub fn percent(self) -> u16 {
        self.0
    }
}

impl Default for TextSize {
    fn default() -> Self {
        Self::NORMAL
    }
}

impl TryFrom<u16> for TextSize {
    type Error = String;

    fn try_from(percent: u16) -> Result<Self, Self::Error> {
        TextSize::new(percent).ok_or_else(|| format!("text size {percent}% is not offered"))
    }
}

impl From<TextSize> for u16 {
    fn from(size: TextSize) -> u16 {
        size.0
    }
}

/// The high-contrast theme: off, on, or as the system asks (`prefers-contrast: more`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contrast {
    #[default]
    System,
    Off,
    On,
}

impl Contrast {
    pub const ALL: [Contrast; 3] = [Contrast::System, Contrast::Off, Contrast::On];

    pub fn code(self) -> &'static str {
        match self {
            Contrast::System => "system",
            Contrast::Off => "off",
            Contrast::On => "on",
        }
    }

    pub fn from_code(code: &str) -> Option<Contrast> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_offered_text_sizes_are_accepted() {
        assert_eq!(TextSize::new(200).map(TextSize::percent), Some(200));
        assert_eq!(TextSize::new(90), None);
        assert_eq!(TextSize::new(210), None);
        assert_eq!(TextSize::new(130), None);
        assert_eq!(TextSize::all().count(), 5);
        assert_eq!(TextSize::default().percent(), 100);
    }

    #[test]
    fn pinned_tiles_keep_the_order_they_were_pinned() {
        let mut personal = Personal::default();
        personal.set_pinned("b", true);
        personal.set_pinned("a", true);
        personal.set_pinned("c", true);
        personal.set_pinned("b", true);
        assert_eq!(personal.pinned, ["b", "a", "c"]);
        assert!(personal.is_pinned("a"));
        personal.set_pinned("a", false);
        personal.set_pinned("x", false);
        assert_eq!(personal.pinned, ["b", "c"]);
        assert!(!personal.is_pinned("a"));
        personal.set_pinned("a", true);
        assert_eq!(personal.pinned, ["b", "c", "a"], "pinned again: last");
    }

    #[test]
    fn recent_tiles_are_newest_first_once_and_at_most_four() {
        let mut personal = Personal::default();
        for tile in ["a", "b", "c", "b", "d", "e"] {
            personal.opened(tile);
        }
        assert_eq!(personal.recent, ["e", "d", "b", "c"]);
        personal.opened("c");
        assert_eq!(personal.recent, ["c", "e", "d", "b"]);
        assert_eq!(personal.pinned, Vec::<String>::new());
    }

    #[test]
    fn a_home_screen_without_personal_tiles_reads_as_none() {
        let json = serde_json::json!({"pinned": ["a"]});
        let personal: Personal = serde_json::from_value(json).unwrap();
        assert_eq!(personal.pinned, ["a"]);
        assert!(personal.recent.is_empty());
    }

    #[test]
    fn display_travels_as_plain_json() {
        let display = Display {
            text_size: TextSize::new(175).unwrap(),
            contrast: Contrast::On,
        };
        let json = serde_json::to_value(display).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"text_size": 175, "contrast": "on"})
        );
        assert_eq!(serde_json::from_value::<Display>(json).unwrap(), display);
        assert!(
            serde_json::from_value::<Display>(
                serde_json::json!({"text_size": 300, "contrast": "on"})
            )
            .is_err()
        );
        for contrast in Contrast::ALL {
            assert_eq!(Contrast::from_code(contrast.code()), Some(contrast));
        }
    }
}
