//! User settings stored on the device: language, data use, text size and
//! contrast, pinned and recently opened tiles, notifications per kind (and
//! which of a sync's changes they let through).

use std::collections::HashMap;

use cds_domain::{
    Contrast, Display, Lang, Personal, TextSize,
    sync::{DataUse, Notifications, SyncSummary, ToNotify},
};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Core, Error};

const LANGUAGE: &str = "language";

/// The chosen language; Vietnamese until the user picks another.
pub fn language(conn: &Connection) -> rusqlite::Result<Lang> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [LANGUAGE],
            |row| row.get(0),
        )
        .optional()?;
    Ok(stored
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or_default())
}

const PHOTOS_WIFI_ONLY: &str = "photos_wifi_only";

/// The user's data-use choices; photos go on any network until asked otherwise.
pub fn data_use(conn: &Connection) -> rusqlite::Result<DataUse> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [PHOTOS_WIFI_ONLY],
            |row| row.get(0),
        )
        .optional()?;
    Ok(DataUse {
        photos_wifi_only: stored.as_deref() == Some("1"),
    })
}

pub fn set_data_use(conn: &Connection, data_use: DataUse) -> rusqlite::Result<()> {
    set(
        conn,
        PHOTOS_WIFI_ONLY,
        if data_use.photos_wifi_only { "1" } else { "0" },
    )
}

pub fn set_language(conn: &mut Connection, language: Lang) -> rusqlite::Result<()> {
    set(conn, LANGUAGE, language.code())
}

const TEXT_SIZE: &str = "text_size";
const CONTRAST: &str = "contrast";

/// The display choices; normal text and the system's contrast until asked
/// otherwise (a stored value this version does not know counts as unset).
pub fn display(conn: &Connection) -> rusqlite::Result<Display> {
    let get = |key: &str| -> rusqlite::Result<Option<String>> {
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()
    };
    Ok(Display {
        text_size: get(TEXT_SIZE)?
            .and_then(|value| value.parse().ok())
            .and_then(TextSize::new)
            .unwrap_or_default(),
        contrast: get(CONTRAST)?
            .as_deref()
            .and_then(Contrast::from_code)
            .unwrap_or_default(),
    })
}

pub fn set_display(conn: &mut Connection, display: Display) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    set(&tx, TEXT_SIZE, &display.text_size.percent().to_string())?;
    set(&tx, CONTRAST, display.contrast.code())?;
    tx.commit()
}

const PINNED: &str = "pinned_tiles";
const RECENT: &str = "recent_tiles";

/// Pinned and recently opened tiles (stored as JSON lists of tile ids; a
/// value this version cannot read counts as none).
pub fn personal(conn: &Connection) -> rusqlite::Result<Personal> {
    let list = |key: &str| -> rusqlite::Result<Vec<String>> { stored_json(conn, key) };
    Ok(Personal {
        pinned: list(PINNED)?,
        recent: list(RECENT)?,
    })
}

/// Changes the pinned and recent tiles in one transaction.
fn change_personal(
    conn: &mut Connection,
    change: impl FnOnce(&mut Personal),
) -> rusqlite::Result<Personal> {
    let tx = conn.transaction()?;
    let mut stored = personal(&tx)?;
    change(&mut stored);
    let json = |list: &[String]| serde_json::to_string(list).unwrap_or_else(|_| "[]".into());
    set(&tx, PINNED, &json(&stored.pinned))?;
    set(&tx, RECENT, &json(&stored.recent))?;
    tx.commit()?;
    Ok(stored)
}

const NOTIFICATIONS: &str = "notifications";

/// Which kinds of change are notified; all until turned off (a stored value
/// this version cannot read counts as all).
pub fn notifications(conn: &Connection) -> rusqlite::Result<Notifications> {
    stored_json(conn, NOTIFICATIONS)
}

/// A setting stored as JSON; the default when missing or unreadable.
fn stored_json<T: serde::de::DeserializeOwned + Default>(
    conn: &Connection,
    key: &str,
) -> rusqlite::Result<T> {
    let stored: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()?;
    Ok(stored
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Every stored setting, by key (configuration overrides among them).
pub fn all(conn: &Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut statement = conn.prepare("SELECT key, value FROM settings")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

/// Stores a setting (used for configuration a province or a tester sets).
pub fn set(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

impl Core {
    /// Remembers the user's language.
    pub async fn set_language(&self, language: Lang) -> Result<Lang, Error> {
        self.store
            .call(move |conn| set_language(conn, language))
            .await?;
        Ok(language)
    }

    /// The user's data-use choices.
    pub async fn data_use(&self) -> Result<DataUse, Error> {
        self.store.call(|conn| data_use(conn)).await
    }

    pub async fn set_data_use(&self, data_use: DataUse) -> Result<DataUse, Error> {
        self.store
            .call(move |conn| set_data_use(conn, data_use))
            .await?;
        Ok(data_use)
    }

    /// Remembers the text size and contrast.
    pub async fn set_display(&self, display: Display) -> Result<Display, Error> {
        self.store
            .call(move |conn| set_display(conn, display))
            .await?;
        Ok(display)
    }

    /// A tile of the current catalogue, or `NotFound`.
    async fn known_tile(&self, tile: &str) -> Result<(), Error> {
        let tile = tile.to_owned();
        let known = self
            .store
            .call(move |conn| Ok(crate::catalogue::current(conn)?.0.tile(&tile).is_some()))
            .await?;
        if known { Ok(()) } else { Err(Error::NotFound) }
    }

    /// Pins a tile (after those already pinned) or unpins it.
    pub async fn pin_tile(&self, tile: String, pinned: bool) -> Result<Personal, Error> {
        self.known_tile(&tile).await?;
        self.store
            .call(move |conn| change_personal(conn, |p| p.set_pinned(&tile, pinned)))
            .await
    }

    /// Records that a tile was opened (the recent list: newest first, four).
    pub async fn tile_opened(&self, tile: String) -> Result<Personal, Error> {
        self.known_tile(&tile).await?;
        self.store
            .call(move |conn| change_personal(conn, |p| p.opened(&tile)))
            .await
    }

    /// Remembers which kinds of change are notified.
    pub async fn set_notifications(&self, choice: Notifications) -> Result<Notifications, Error> {
        let json = serde_json::to_string(&choice).unwrap_or_default();
        self.store
            .call(move |conn| set(conn, NOTIFICATIONS, &json))
            .await?;
        Ok(choice)
    }

    /// The changes of a sync to raise as system notifications: those of the
    /// kinds the resident keeps on.
    pub async fn to_notify(&self, summary: &SyncSummary) -> Result<ToNotify, Error> {
        let choice = self.store.call(|conn| notifications(conn)).await?;
        Ok(choice.to_notify(summary))
    }
}
