//! Tile icons bundled with the UI (`assets/icons/*.svg`), chosen by name.

/// Icons shipped in `assets/icons/`; a catalogue naming another gets [`GENERIC`].
const KNOWN: &[&str] = &[
    "alert",
    "basket",
    "book",
    "bus",
    "card",
    "chart",
    "folder-search",
    "hands",
    "health",
    "inbox",
    "landmark",
    "lightbulb",
    "list",
    "megaphone",
    "news",
    "pin",
    "qr",
    "school",
    "settings",
    "shield",
];
const GENERIC: &str = "generic";

/// The URL of the icon named `name`, relative to the UI's root.
pub fn src(name: &str) -> String {
    let name = if KNOWN.contains(&name) { name } else { GENERIC };
    format!("icons/{name}.svg")
}
