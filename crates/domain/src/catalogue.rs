//! The service catalogue: the home screen's blocks and tiles, as data a province serves.
//!
//! A catalogue is accepted whole or not at all: [`Catalogue::parse`] refuses one that
//! is too large, does not parse, or breaks any rule in [`Catalogue::validate`], so a
//! cached good catalogue is never replaced by a partly broken one.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::lang::LocalizedText;

/// The catalogue format this build understands.
pub const SCHEMA_VERSION: u32 = 1;
/// Largest catalogue document accepted, in bytes.
pub const MAX_BYTES: usize = 256 * 1024;
pub const MAX_BLOCKS: usize = 12;
pub const MAX_TILES_PER_BLOCK: usize = 24;
pub const MAX_TITLE_CHARS: usize = 80;
pub const MAX_ID_CHARS: usize = 64;
pub const MAX_URL_CHARS: usize = 2048;

/// The home screen of one province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogue {
    pub schema: u32,
    pub province: Province,
    pub blocks: Vec<Block>,
    /// The official pages where residents pay their bills (electricity,
    /// water, …), opened in the system browser.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bills: Vec<BillPage>,
    /// Hosts (and their subdomains) whose `https` pages the app may open
    /// besides the government's own (`links::TRUSTED_HOSTS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link_hosts: Vec<String>,
}

/// An official page to pay a bill on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillPage {
    pub id: String,
    /// What is paid there (electricity, water, …).
    pub title: LocalizedText,
    /// Who runs the page.
    pub provider: LocalizedText,
    /// `https`, on one of the catalogue's `link_hosts`.
    pub url: String,
}

/// Most bill pages and link hosts a catalogue may list.
pub const MAX_BILLS: usize = 24;
pub const MAX_LINK_HOSTS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Province {
    /// The province's official code, as data: codes change with reforms.
    pub code: String,
    pub name: LocalizedText,
}

/// A group of services on the home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub id: String,
    /// Decides the block's colour; unknown kinds are shown in a neutral colour.
    pub kind: BlockKind,
    pub title: LocalizedText,
    pub tiles: Vec<Tile>,
}

/// The five kinds of block of the Hue-S model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    DigitalGovernment,
    DigitalEconomy,
    DigitalSociety,
    Awareness,
    Personal,
    #[serde(other)]
    Other,
}

impl BlockKind {
    /// A stable name for styling and tests.
    pub fn slug(self) -> &'static str {
        match self {
            BlockKind::DigitalGovernment => "digital-government",
            BlockKind::DigitalEconomy => "digital-economy",
            BlockKind::DigitalSociety => "digital-society",
            BlockKind::Awareness => "awareness",
            BlockKind::Personal => "personal",
            BlockKind::Other => "other",
        }
    }
}

/// One service on the home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tile {
    pub id: String,
    pub title: LocalizedText,
    /// Name of an icon bundled with the app; unknown names get a generic icon.
    pub icon: String,
    pub action: TileAction,
}

/// What a tile opens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TileAction {
    /// A feature built into the app, by name (see [`Feature`]).
    Feature { feature: String },
    /// A web page of the province or a partner, opened outside the app.
    Link { url: String },
}

/// Features the app knows by name. A tile naming another feature is still shown:
/// the app says plainly that this version does not have it yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    FieldReports,
    DossierLookup,
    Procedures,
    AgencyStats,
    LocalProducts,
    Traceability,
    BillPayment,
    Alerts,
    Health,
    Education,
    Tourism,
    Transport,
    NearbyServices,
    DigitalSkills,
    Guides,
    ScamWarnings,
    News,
    MyInbox,
    AssistedMode,
    Settings,
}

impl Feature {
    pub fn from_name(name: &str) -> Option<Feature> {
        Some(match name {
            "field_reports" => Feature::FieldReports,
            "dossier_lookup" => Feature::DossierLookup,
            "procedures" => Feature::Procedures,
            "agency_stats" => Feature::AgencyStats,
            "local_products" => Feature::LocalProducts,
            "traceability" => Feature::Traceability,
            "bill_payment" => Feature::BillPayment,
            "alerts" => Feature::Alerts,
            "health" => Feature::Health,
            "education" => Feature::Education,
            "tourism" => Feature::Tourism,
            "transport" => Feature::Transport,
            "nearby_services" => Feature::NearbyServices,
            "digital_skills" => Feature::DigitalSkills,
            "guides" => Feature::Guides,
            "scam_warnings" => Feature::ScamWarnings,
            "news" => Feature::News,
            "my_inbox" => Feature::MyInbox,
            "assisted_mode" => Feature::AssistedMode,
            "settings" => Feature::Settings,
            _ => return None,
        })
    }
}

/// Why a catalogue was refused. The reason is logged; the cached catalogue stays.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    #[error("catalogue is {0} bytes, more than the {MAX_BYTES} allowed")]
    TooLarge(usize),
    #[error("catalogue does not parse: {0}")]
    Parse(String),
    #[error("catalogue schema {0} is not supported (this build reads {SCHEMA_VERSION})")]
    UnsupportedSchema(u32),
    #[error("catalogue is invalid at {at}: {problem}")]
    Invalid { at: String, problem: &'static str },
}

impl Catalogue {
    /// Parses and validates a catalogue document; refuses it whole on any problem.
    pub fn parse(bytes: &[u8]) -> Result<Catalogue, CatalogueError> {
        if bytes.len() > MAX_BYTES {
            return Err(CatalogueError::TooLarge(bytes.len()));
        }
        let catalogue: Catalogue =
            serde_json::from_slice(bytes).map_err(|err| CatalogueError::Parse(err.to_string()))?;
        catalogue.validate()?;
        Ok(catalogue)
    }

    /// Checks every rule; the first broken one is reported with where it was found.
    pub fn validate(&self) -> Result<(), CatalogueError> {
        if self.schema != SCHEMA_VERSION {
            return Err(CatalogueError::UnsupportedSchema(self.schema));
        }
        check_id("province.code", &self.province.code)?;
        check_text("province.name", &self.province.name)?;
        if self.blocks.is_empty() {
            return invalid("blocks", "no blocks");
        }
        if self.blocks.len() > MAX_BLOCKS {
            return invalid("blocks", "too many blocks");
        }
        let mut block_ids = HashSet::new();
        let mut tile_ids = HashSet::new();
        for (b, block) in self.blocks.iter().enumerate() {
            let at = format!("blocks[{b}]");
            check_id(&at, &block.id)?;
            if !block_ids.insert(block.id.as_str()) {
                return invalid(&at, "duplicate block id");
            }
            check_text(&format!("{at}.title"), &block.title)?;
            if block.tiles.is_empty() {
                return invalid(&at, "block has no tiles");
            }
            if block.tiles.len() > MAX_TILES_PER_BLOCK {
                return invalid(&at, "too many tiles");
            }
            for (t, tile) in block.tiles.iter().enumerate() {
                let at = format!("{at}.tiles[{t}]");
                check_id(&at, &tile.id)?;
                if !tile_ids.insert(tile.id.as_str()) {
                    return invalid(&at, "duplicate tile id");
                }
                check_text(&format!("{at}.title"), &tile.title)?;
                check_id(&format!("{at}.icon"), &tile.icon)?;
                match &tile.action {
                    TileAction::Feature { feature } => check_id(&format!("{at}.feature"), feature)?,
                    TileAction::Link { url } => check_url(&format!("{at}.url"), url)?,
                }
            }
        }
        if self.link_hosts.len() > MAX_LINK_HOSTS {
            return invalid("link_hosts", "too many hosts");
        }
        for (h, host) in self.link_hosts.iter().enumerate() {
            let ok = !host.is_empty()
                && host.len() <= 253
                && host.contains('.')
                && !host.starts_with(['.', '-'])
                && !host.ends_with(['.', '-'])
                && host
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
            if !ok {
                return invalid(&format!("link_hosts[{h}]"), "not a lowercase host name");
            }
        }
        if self.bills.len() > MAX_BILLS {
            return invalid("bills", "too many bill pages");
        }
        let hosts = self.allowed_hosts();
        for (b, bill) in self.bills.iter().enumerate() {
            let at = format!("bills[{b}]");
            check_id(&at, &bill.id)?;
            check_text(&format!("{at}.title"), &bill.title)?;
            check_text(&format!("{at}.provider"), &bill.provider)?;
            check_url(&format!("{at}.url"), &bill.url)?;
            if !crate::links::allowed(&bill.url, &hosts) {
                return invalid(&format!("{at}.url"), "host not in link_hosts");
            }
        }
        Ok(())
    }

    /// The hosts whose `https` pages may be opened: the government's own,
    /// the map used for directions, and the catalogue's `link_hosts`.
    pub fn allowed_hosts(&self) -> Vec<&str> {
        crate::links::TRUSTED_HOSTS
            .iter()
            .chain(crate::links::MAP_HOSTS)
            .copied()
            .chain(self.link_hosts.iter().map(String::as_str))
            .collect()
    }

    /// Finds a tile by id anywhere in the catalogue.
    pub fn tile(&self, id: &str) -> Option<&Tile> {
        self.blocks
            .iter()
            .flat_map(|block| &block.tiles)
            .find(|tile| tile.id == id)
    }
}

fn invalid<T>(at: &str, problem: &'static str) -> Result<T, CatalogueError> {
    Err(CatalogueError::Invalid {
        at: at.to_owned(),
        problem,
    })
}

fn check_id(at: &str, id: &str) -> Result<(), CatalogueError> {
    if id.is_empty() {
        return invalid(at, "empty identifier");
    }
    if id.chars().count() > MAX_ID_CHARS {
        return invalid(at, "identifier too long");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    {
        return invalid(at, "identifier may hold only a-z, 0-9, '-' and '_'");
    }
    Ok(())
}

fn check_text(at: &str, text: &LocalizedText) -> Result<(), CatalogueError> {
    if text.vi.trim().is_empty() {
        return invalid(at, "Vietnamese text is empty");
    }
    for value in [&text.vi, &text.en] {
        if value.chars().count() > MAX_TITLE_CHARS {
            return invalid(at, "text too long");
        }
        if value.chars().any(char::is_control) {
            return invalid(at, "text holds control characters");
        }
    }
    Ok(())
}

fn check_url(at: &str, url: &str) -> Result<(), CatalogueError> {
    if url.len() > MAX_URL_CHARS {
        return invalid(at, "link too long");
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return invalid(at, "links must use https");
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return invalid(at, "malformed link");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLED: &[u8] = include_bytes!("../../../assets/catalogue/hue.json");

    fn bundled() -> Catalogue {
        Catalogue::parse(BUNDLED).expect("the bundled catalogue is valid")
    }

    fn refused_at(catalogue: &Catalogue) -> String {
        match catalogue.validate() {
            Err(CatalogueError::Invalid { at, .. }) => at,
            other => panic!("expected an invalid catalogue, got {other:?}"),
        }
    }

    #[test]
    fn bundled_catalogue_has_the_five_blocks_and_known_features() {
        let catalogue = bundled();
        let kinds: Vec<_> = catalogue.blocks.iter().map(|b| b.kind).collect();
        assert_eq!(
            kinds,
            [
                BlockKind::DigitalGovernment,
                BlockKind::DigitalEconomy,
                BlockKind::DigitalSociety,
                BlockKind::Awareness,
                BlockKind::Personal
            ]
        );
        for tile in catalogue.blocks.iter().flat_map(|b| &b.tiles) {
            if let TileAction::Feature { feature } = &tile.action {
                assert!(Feature::from_name(feature).is_some(), "{feature}");
            }
        }
        assert!(catalogue.tile("cai-dat").is_some());
        assert!(catalogue.tile("missing").is_none());
    }

    #[test]
    fn refuses_oversized_and_unparsable_documents() {
        let big = vec![b' '; MAX_BYTES + 1];
        assert_eq!(
            Catalogue::parse(&big),
            Err(CatalogueError::TooLarge(MAX_BYTES + 1))
        );
        assert!(matches!(
            Catalogue::parse(b"<html>login</html>"),
            Err(CatalogueError::Parse(_))
        ));
        assert!(matches!(
            Catalogue::parse(&BUNDLED[..BUNDLED.len() / 2]),
            Err(CatalogueError::Parse(_))
        ));
        assert!(matches!(
            Catalogue::parse(&[0xff, 0xfe, b'{']),
            Err(CatalogueError::Parse(_))
        ));
    }

    #[test]
    fn refuses_newer_schema() {
        let mut catalogue = bundled();
        catalogue.schema = 2;
        assert_eq!(
            catalogue.validate(),
            Err(CatalogueError::UnsupportedSchema(2))
        );
    }

    #[test]
    fn refuses_a_partly_invalid_catalogue_whole() {
        let mut c = bundled();
        c.blocks[2].tiles[1].id = c.blocks[0].tiles[0].id.clone();
        assert_eq!(refused_at(&c), "blocks[2].tiles[1]");

        let mut c = bundled();
        c.blocks[1].tiles[0].action = TileAction::Link {
            url: "http://example.org/pay".into(),
        };
        assert_eq!(refused_at(&c), "blocks[1].tiles[0].url");

        let mut c = bundled();
        c.blocks[0].title.vi = "x".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(refused_at(&c), "blocks[0].title");

        let mut c = bundled();
        c.blocks[3].tiles[0].title.en = "bad\u{7}bell".into();
        assert_eq!(refused_at(&c), "blocks[3].tiles[0].title");

        let mut c = bundled();
        c.blocks[4].tiles.clear();
        assert_eq!(refused_at(&c), "blocks[4]");

        let mut c = bundled();
        c.blocks[0].tiles[0].icon = "../../etc/passwd".into();
        assert_eq!(refused_at(&c), "blocks[0].tiles[0].icon");

        let mut c = bundled();
        c.blocks.clear();
        assert_eq!(refused_at(&c), "blocks");
    }

    #[test]
    fn unknown_block_kinds_and_features_are_accepted() {
        let text = String::from_utf8(BUNDLED.to_vec())
            .unwrap()
            .replacen("\"awareness\"", "\"smart_city\"", 1)
            .replacen("\"feature\": \"news\"", "\"feature\": \"metaverse\"", 1);
        let catalogue = Catalogue::parse(text.as_bytes()).unwrap();
        assert_eq!(catalogue.blocks[3].kind, BlockKind::Other);
        let tile = catalogue.tile("tin-tuc").unwrap();
        assert_eq!(
            tile.action,
            TileAction::Feature {
                feature: "metaverse".into()
            }
        );
        assert!(Feature::from_name("metaverse").is_none());
    }

    #[test]
    fn bill_pages_must_be_https_on_the_catalogues_hosts() {
        let catalogue = bundled();
        assert!(!catalogue.bills.is_empty());
        let hosts = catalogue.allowed_hosts();
        assert!(hosts.contains(&"cskh.cpc.vn") && hosts.contains(&"openstreetmap.org"));
        let mut other_host = catalogue.clone();
        other_host.bills[0].url = "https://pay.evil.example/".into();
        assert_eq!(refused_at(&other_host), "bills[0].url");
        let mut plain_http = catalogue.clone();
        plain_http.bills[0].url = "http://cskh.cpc.vn/".into();
        assert_eq!(refused_at(&plain_http), "bills[0].url");
        let mut bad_host = catalogue;
        bad_host.link_hosts.push("*.example".into());
        assert_eq!(refused_at(&bad_host), "link_hosts[2]");
    }
}
