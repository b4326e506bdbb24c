//! User settings stored on the device (language, and later text size and data use).

use cds_domain::Lang;
use rusqlite::{Connection, OptionalExtension, params};

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

pub fn set_language(conn: &mut Connection, language: Lang) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![LANGUAGE, language.code()],
    )?;
    Ok(())
}
