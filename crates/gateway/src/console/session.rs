//! Staff sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure
//! when the gateway is served over https), only its SHA-256 stored, with an
//! idle and an absolute expiry; the [`Staff`] extractor every signed-in page
//! takes (no valid session: a redirect to the sign-in page).

use crate::sql::{Conn, Optional, params};
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, header, request::Parts},
};
use sha2::{Digest, Sha256};

use super::{ConsoleError, Lang};
use crate::{
    ApiFailure, AppState, auth,
    db::{DbError, hex},
    time,
};

/// The session cookie's name.
pub const COOKIE: &str = "cds_staff";
/// A session unused this long ends.
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in, used or not.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;

/// What a staff member may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Sees and does everything, reads the audit log.
    Admin,
    /// Sees the work of this agency.
    Agency(String),
}

impl Role {
    pub fn from_row(role: &str, agency: String) -> Role {
        if role == "admin" {
            Role::Admin
        } else {
            Role::Agency(agency)
        }
    }
}

/// The signed-in staff member of a request.
#[derive(Debug, Clone)]
pub struct Staff {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The forms' CSRF token of this session.
    pub csrf: String,
    pub lang: Lang,
}

impl Staff {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The agency whose work this member is limited to (none: an admin).
    pub fn agency(&self) -> Option<&str> {
        match &self.role {
            Role::Admin => None,
            Role::Agency(agency) => Some(agency),
        }
    }

    /// The actor written in histories: `staff:<name>`, as the API writes it.
    pub fn actor(&self) -> String {
        format!("staff:{}", self.name)
    }

    /// Refuses a member who is not an administrator.
    pub fn admin_only(&self) -> Result<(), ConsoleError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ConsoleError::Forbidden(self.lang))
        }
    }
}

/// The value of cookie `name` in a request's headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, path `/staff`, Secure when `secure`.
pub fn set_cookie(name: &str, value: &str, secure: bool, clear: bool) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/staff; HttpOnly; SameSite=Strict");
    if secure {
        text.push_str("; Secure");
    }
    if clear {
        text.push_str("; Max-Age=0");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Whether cookies get `Secure`: the gateway is served over https.
pub fn secure(state: &AppState) -> bool {
    state.public_url.starts_with("https://")
}

fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// A new random secret (32 bytes as hex).
pub fn secret() -> Result<String, ApiFailure> {
    auth::new_secret()
        .map_err(|err| ApiFailure::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, err))
}

/// Starts a session for `staff_id`: a new random id (never one the browser
/// brought: the id changes at every sign-in) and CSRF token. Returns the id.
pub fn start(conn: &Conn, staff_id: i64, now: i64) -> Result<String, ApiFailure> {
    let id = secret()?;
    let csrf = secret()?;
    conn.execute(
        "DELETE FROM staff_sessions WHERE seen_ms < ?1 OR created_ms < ?2",
        params![now - IDLE_MS, now - ABSOLUTE_MS],
    )
    .map_err(DbError::from)?;
    conn.execute(
        "INSERT INTO staff_sessions (id_hash, staff_id, csrf, created_ms, seen_ms) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![digest(&id), staff_id, csrf, now],
    )
    .map_err(DbError::from)?;
    Ok(id)
}

/// Ends the session whose cookie value is `id` (server-side: the id is dead).
pub fn end(conn: &Conn, id: &str) -> crate::sql::Result<()> {
    conn.execute(
        "DELETE FROM staff_sessions WHERE id_hash = ?1",
        [digest(id)],
    )?;
    Ok(())
}

/// The staff member of a live session (and marks it used), or none.
pub fn find(conn: &Conn, id: &str, now: i64, lang: Lang) -> crate::sql::Result<Option<Staff>> {
    let hash = digest(id);
    let row = conn
        .query_row(
            "SELECT s.id, s.name, s.role, s.agency, x.csrf, x.created_ms, x.seen_ms
             FROM staff_sessions x JOIN staff s ON s.id = x.staff_id WHERE x.id_hash = ?1",
            [&hash],
            |row| {
                Ok((
                    Staff {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        role: Role::from_row(&row.get::<_, String>(2)?, row.get(3)?),
                        csrf: row.get(4)?,
                        lang,
                    },
                    row.get::<_, i64>(5)?,
                    row.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((staff, created, seen)) = row else {
        return Ok(None);
    };
    if now - seen > IDLE_MS || now - created > ABSOLUTE_MS {
        conn.execute("DELETE FROM staff_sessions WHERE id_hash = ?1", [&hash])?;
        return Ok(None);
    }
    conn.execute(
        "UPDATE staff_sessions SET seen_ms = ?2 WHERE id_hash = ?1",
        params![hash, now],
    )?;
    Ok(Some(staff))
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Staff, ConsoleError> {
        let lang = Lang::of(parts);
        let id = cookie(&parts.headers, COOKIE).ok_or(ConsoleError::SignIn)?;
        let now = time::now_ms();
        state
            .db
            .call(move |conn| find(conn, &id, now, lang))
            .await?
            .ok_or(ConsoleError::SignIn)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cookies_are_http_only_strict_and_secure_over_https() {
        let plain = super::set_cookie("cds_staff", "abc", false, false);
        assert_eq!(
            plain.to_str().unwrap(),
            "cds_staff=abc; Path=/staff; HttpOnly; SameSite=Strict"
        );
        let secure = super::set_cookie("cds_staff", "", true, true);
        assert!(secure.to_str().unwrap().ends_with("; Secure; Max-Age=0"));
    }
}
