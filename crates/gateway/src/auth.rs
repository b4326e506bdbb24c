//! Credentials: API keys of registered apps and staff tokens, stored as SHA-256
//! hashes only (the secrets are random, so a plain hash is enough).

use crate::sql::{Conn, Optional, params};
use sha2::{Digest, Sha256};

use crate::{db::hex, time};

fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A new random secret: 32 bytes as hex.
pub fn new_secret() -> Result<String, String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| format!("no randomness: {err}"))?;
    Ok(hex(&bytes))
}

pub fn register_api_key(conn: &Conn, name: &str, key: &str) -> crate::sql::Result<i64> {
    conn.query_row(
        "INSERT INTO api_keys (name, key_hash, created_ms) VALUES (?1, ?2, ?3) RETURNING id",
        params![name, digest(key), time::now_ms()],
        |row| row.get(0),
    )
}

pub fn register_staff(conn: &Conn, name: &str, token: &str) -> crate::sql::Result<i64> {
    conn.query_row(
        "INSERT INTO staff (name, token_hash, created_ms) VALUES (?1, ?2, ?3) RETURNING id",
        params![name, digest(token), time::now_ms()],
        |row| row.get(0),
    )
}

/// The id of the app whose key this is.
pub fn api_key(conn: &Conn, key: &str) -> crate::sql::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM api_keys WHERE key_hash = ?1",
        [digest(key)],
        |row| row.get(0),
    )
    .optional()
}

/// The name of the staff member whose token this is.
pub fn staff(conn: &Conn, token: &str) -> crate::sql::Result<Option<String>> {
    conn.query_row(
        "SELECT name FROM staff WHERE token_hash = ?1",
        [digest(token)],
        |row| row.get(0),
    )
    .optional()
}
