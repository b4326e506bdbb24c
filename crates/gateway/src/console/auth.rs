//! Staff accounts and signing in and out: passwords hashed with Argon2id
//! (PHC strings, at least 12 characters), one generic answer for a wrong name
//! or password, wrong passwords limited per sign-in name and per address,
//! a new session id at every sign-in, sign-out ending the session server-side.

use std::{fmt::Write as _, net::SocketAddr, sync::LazyLock};

use crate::sql::{Conn, Optional, params};
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};

use super::{ConsoleError, Lang, audit, csrf, html, html::esc, session};
use crate::{
    AppState, form,
    limits::{self, Limit},
    time,
};

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// Longest password accepted.
pub const MAX_PASSWORD: usize = 128;
/// Wrong passwords for one sign-in name within [`WINDOW_MS`] before it is held.
pub const MAX_FAILURES_PER_LOGIN: u32 = 5;
/// Wrong passwords from one address within [`WINDOW_MS`] before it is held.
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// How long a wrong password counts.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// The sign-in form's own CSRF cookie.
const SIGN_IN_COOKIE: &str = "cds_sign_in";

/// Why a staff account cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the password must have at least {MIN_PASSWORD} characters")]
    PasswordTooShort,
    #[error("the password may have at most {MAX_PASSWORD} characters")]
    PasswordTooLong,
    #[error("the sign-in name must be 1 to 64 of a-z, 0-9, . _ -")]
    BadLogin,
    #[error("an agency's staff need the agency's name")]
    NoAgency,
    #[error("the sign-in name {0} is taken")]
    LoginTaken(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("database: {0}")]
    Db(#[from] crate::sql::SqlError),
}

/// Hashes a password with Argon2id (default parameters: 19 MiB, 2 passes).
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|err| AccountError::Hash(err.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|err| AccountError::Hash(err.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| AccountError::Hash(err.to_string()))
}

/// Whether `password` matches the PHC string `hash`.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash no password matches, checked when the name is unknown so that a
/// wrong name takes as long as a wrong password.
static DECOY: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password, never valid").unwrap_or_default());

/// Makes a console account (`agency` none: an administrator); its bearer
/// token for the API is `token`. Returns the staff id.
pub fn create_account(
    conn: &Conn,
    name: &str,
    login: &str,
    password: &str,
    agency: Option<&str>,
    token: &str,
) -> Result<i64, AccountError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD {
        return Err(AccountError::PasswordTooShort);
    }
    if chars > MAX_PASSWORD {
        return Err(AccountError::PasswordTooLong);
    }
    let login_ok = !login.is_empty()
        && login.len() <= 64
        && login.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
        });
    if !login_ok {
        return Err(AccountError::BadLogin);
    }
    if agency.is_some_and(|a| a.trim().is_empty()) {
        return Err(AccountError::NoAgency);
    }
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM staff WHERE login = ?1)",
        [login],
        |row| row.get(0),
    )?;
    if taken {
        return Err(AccountError::LoginTaken(login.to_owned()));
    }
    let hash = hash_password(password)?;
    let id = crate::auth::register_staff(conn, name, token)?;
    conn.execute(
        "UPDATE staff SET login = ?2, password_hash = ?3, role = ?4, agency = ?5 WHERE id = ?1",
        params![
            id,
            login,
            hash,
            if agency.is_some() { "agency" } else { "admin" },
            agency.map(str::trim).unwrap_or_default()
        ],
    )?;
    Ok(id)
}

/// Wrong passwords per sign-in name (any case) and per address.
const PER_LOGIN: Limit = Limit {
    scope: "staff_login",
    max: MAX_FAILURES_PER_LOGIN,
    window_ms: WINDOW_MS,
};
const PER_ADDRESS: Limit = Limit {
    scope: "staff_address",
    max: MAX_FAILURES_PER_ADDRESS,
    window_ms: WINDOW_MS,
};

fn sign_in_form(lang: Lang, token: &str, message: Option<&str>) -> String {
    let mut body = String::new();
    if let Some(message) = message {
        let _ = write!(
            body,
            "<p class=\"detail\" role=\"alert\">{}</p>",
            esc(message)
        );
    }
    let _ = write!(
        body,
        "<form class=\"action\" method=\"post\" action=\"/staff/sign-in\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{token}\">\
         <label>{login}<input name=\"login\" autocomplete=\"username\" required></label>\
         <label>{password}<input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">{submit}</button></form>",
        token = esc(token),
        login = esc(lang.t("sign_in.login")),
        password = esc(lang.t("sign_in.password")),
        submit = esc(lang.t("sign_in.submit")),
    );
    body
}

/// The sign-in page with a fresh form token (in its cookie and its field).
fn sign_in_response(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    message: Option<&str>,
) -> Result<Response, ConsoleError> {
    let token = session::secret()?;
    let page = html::page(
        lang,
        None,
        "",
        lang.t("sign_in.title"),
        &sign_in_form(lang, &token, message),
    );
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        session::set_cookie(SIGN_IN_COOKIE, &token, session::secure(state), false),
    );
    Ok(response)
}

/// `GET /staff/sign-in`
pub async fn sign_in_page(
    State(state): State<AppState>,
    lang: Lang,
) -> Result<Response, ConsoleError> {
    sign_in_response(&state, lang, StatusCode::OK, None)
}

/// `POST /staff/sign-in`: name and password; a new session on success.
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    lang: Lang,
    request: Request,
) -> Result<Response, ConsoleError> {
    let address =
        crate::ops::client_ip(&state.trusted_proxies, peer.ip(), request.headers()).to_string();
    let expected = session::cookie(request.headers(), SIGN_IN_COOKIE).unwrap_or_default();
    let previous = session::cookie(request.headers(), session::COOKIE);
    let form = form::read(request, &state, 0)
        .await
        .map_err(|failure| ConsoleError::from_api(lang, failure))?;
    csrf::check(&form, &expected, lang)?;
    let login = form.get("login").unwrap_or_default().trim().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    let now = time::now_ms();
    let (folded, from) = (login.to_lowercase(), address.clone());
    let held = state
        .db
        .call(move |conn| limits::held(conn, &[(PER_LOGIN, &folded), (PER_ADDRESS, &from)], now))
        .await?;
    if let Some(wait) = held {
        let mut response = sign_in_response(
            &state,
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            Some(lang.t("sign_in.held")),
        )?;
        if let Ok(value) = wait.to_string().parse() {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }
    let typed = login.clone();
    let account: Option<(i64, String, String)> = state
        .db
        .call(move |conn| {
            conn.query_row(
                "SELECT id, name, password_hash FROM staff WHERE login = ?1 AND password_hash IS NOT NULL",
                [typed],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
        })
        .await?;
    let hash = account
        .as_ref()
        .map_or_else(|| DECOY.clone(), |(_, _, hash)| hash.clone());
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let signed_in = account.filter(|_| matches);
    let Some((staff_id, name, _)) = signed_in else {
        let detail = format!("{login} from {address}");
        let folded = login.to_lowercase();
        state
            .db
            .call(move |conn| {
                let tx = conn.transaction()?;
                limits::failed(&tx, &[(PER_LOGIN, &folded), (PER_ADDRESS, &address)], now)?;
                audit::record(&tx, None, "", "sign_in_failed", "", &detail, now)?;
                tx.commit()
            })
            .await?;
        return sign_in_response(
            &state,
            lang,
            StatusCode::UNAUTHORIZED,
            Some(lang.t("sign_in.wrong")),
        );
    };
    let folded = login.to_lowercase();
    state
        .db
        .call(move |conn| limits::forget(conn, PER_LOGIN, &folded))
        .await?;
    let id = state
        .db
        .call_with(move |conn| {
            if let Some(previous) = previous {
                session::end(conn, &previous).map_err(crate::db::DbError::from)?;
            }
            let id = session::start(conn, staff_id, now)?;
            audit::record(conn, Some(staff_id), &name, "sign_in", "", &address, now)
                .map_err(crate::db::DbError::from)?;
            Ok(id)
        })
        .await
        .map_err(ConsoleError::Failed)?;
    let secure = session::secure(&state);
    let mut response = Redirect::to("/staff/reports").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        session::set_cookie(session::COOKIE, &id, secure, false),
    );
    headers.append(
        header::SET_COOKIE,
        session::set_cookie(SIGN_IN_COOKIE, "", secure, true),
    );
    Ok(response)
}

/// `POST /staff/sign-out`: ends the session on the server and clears the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    staff: super::Staff,
    request: Request,
) -> Result<Response, ConsoleError> {
    let id = session::cookie(request.headers(), session::COOKIE).unwrap_or_default();
    csrf::read(request, &state, &staff, 0).await?;
    let now = time::now_ms();
    state
        .db
        .call(move |conn| {
            session::end(conn, &id)?;
            audit::record(conn, Some(staff.id), &staff.name, "sign_out", "", "", now)
        })
        .await?;
    let mut response = Redirect::to("/staff/sign-in").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response.headers_mut().append(
        header::SET_COOKIE,
        session::set_cookie(session::COOKIE, "", session::secure(&state), true),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_and_verified() {
        let hash = hash_password("một mật khẩu dài").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("một mật khẩu dài", &hash));
        assert!(!verify_password("một mật khẩu dàI", &hash));
        assert!(!verify_password("x", "not a hash"));
    }
}
