//! The staff console at `/staff`: server-rendered HTML pages for the
//! province's staff (sign-in, reports, alerts, articles and guides,
//! dossiers, teams, dashboard, audit log), its
//! routes, security headers and the errors its pages answer with.
//!
//! Architecture Invariant: the console is HTML forms and links only — no
//! JavaScript, no second build tool, no inline style or script (the CSP says
//! so). Every change goes through the same logic as the bearer-token staff API
//! (`staff.rs`, `alerts.rs`), so a change made here is what residents pull.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod content;
pub mod csrf;
pub mod dashboard;
pub mod dossiers;
pub mod html;
pub mod i18n;
pub mod map;
pub mod reports;
pub mod session;
pub mod teams;

use axum::{
    Router,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};

use crate::{ApiFailure, AppState, db::DbError};

pub use i18n::Lang;
pub use session::Staff;

/// Where the console lives.
pub const BASE: &str = "/staff";

/// The console's routes (merged into the gateway's router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(|| async { Redirect::to("/staff/reports") }))
        .route("/staff/console.css", get(html::stylesheet))
        .route(
            "/staff/sign-in",
            get(auth::sign_in_page).post(auth::sign_in),
        )
        .route("/staff/sign-out", post(auth::sign_out))
        .route("/staff/reports", get(reports::queue))
        .route("/staff/reports/{id}", get(reports::page))
        .route("/staff/reports/{id}/action", post(reports::action))
        .route("/staff/alerts", get(alerts::list).post(alerts::save))
        .route("/staff/alerts/new", get(alerts::new_page))
        .route("/staff/alerts/{id}", get(alerts::edit_page))
        .route("/staff/alerts/{id}/expire", post(alerts::expire))
        .route("/staff/dossiers", get(dossiers::list))
        .route(
            "/staff/dossiers/{code}",
            get(dossiers::page).post(dossiers::change),
        )
        .route("/staff/content", get(content::list).post(content::save))
        .route("/staff/content/new", get(content::new_page))
        .route("/staff/content/{id}", get(content::edit_page))
        .route("/staff/teams", get(teams::page))
        .route("/staff/teams/codes", post(teams::issue))
        .route("/staff/teams/codes/{code}/revoke", post(teams::revoke))
        .route("/staff/audit", get(audit::page))
        .route("/staff/dashboard", get(dashboard::page))
        .layer(axum::middleware::from_fn(security_headers))
}

/// Headers on every console answer: a strict CSP (no script at all, styles
/// and images from the gateway only), no framing, no caching, no sniffing;
/// and the language cookie when the address chose one (`?lang=`).
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let chosen = Lang::chosen_in_query(request.uri());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Some(lang) = chosen {
        headers.append(
            header::SET_COOKIE,
            // A preference, not a secret: no need for Secure.
            session::set_cookie(i18n::COOKIE, lang.code(), false, false),
        );
    }
    let set = |headers: &mut axum::http::HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    );
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "same-origin");
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// Loads one thing on the blocking pool; none is the console's "not found".
pub async fn load<T, F>(state: &AppState, lang: Lang, f: F) -> Result<T, ConsoleError>
where
    T: Send + 'static,
    F: FnOnce(&crate::sql::Conn) -> Result<Option<T>, DbError> + Send + 'static,
{
    state
        .db
        .call_with(move |conn| Ok(f(conn)?))
        .await?
        .ok_or(ConsoleError::NotFound(lang))
}

/// A row's first columns read into a tuple (for [`rows`]).
pub trait Columns: Sized {
    fn read(row: &crate::sql::Row) -> crate::sql::Result<Self>;
}

macro_rules! columns {
    ($($t:ident $i:tt),+) => {
        impl<$($t: crate::sql::FromValue),+> Columns for ($($t,)+) {
            fn read(row: &crate::sql::Row) -> crate::sql::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}
columns!(A 0, B 1, C 2, D 3, E 4);
columns!(A 0, B 1, C 2, D 3, E 4, F 5);

/// Every row `sql` answers with `params`, as tuples: the pages' lists.
pub fn rows<T: Columns>(
    conn: &crate::sql::Conn,
    sql: &str,
    params: impl crate::sql::Params,
) -> crate::sql::Result<Vec<T>> {
    let mut statement = conn.prepare_cached(sql)?;
    let rows = statement.query_map(params, T::read)?;
    rows.collect()
}

/// Why a console request is not answered with its page.
#[derive(Debug)]
pub enum ConsoleError {
    /// No valid session: to the sign-in page.
    SignIn,
    /// The form's CSRF token is missing or wrong.
    Csrf(Lang),
    /// The staff member's role may not do this.
    Forbidden(Lang),
    /// No such thing (or not one this staff member may see).
    NotFound(Lang),
    /// The change was refused by the shared rules; the detail is theirs.
    Refused(Lang, String),
    /// Storage or another failure of the gateway.
    Failed(ApiFailure),
}

impl From<DbError> for ConsoleError {
    fn from(err: DbError) -> ConsoleError {
        ConsoleError::Failed(ApiFailure::from(err))
    }
}

impl From<ApiFailure> for ConsoleError {
    fn from(failure: ApiFailure) -> ConsoleError {
        ConsoleError::Failed(failure)
    }
}

impl From<crate::sql::SqlError> for ConsoleError {
    fn from(err: crate::sql::SqlError) -> ConsoleError {
        ConsoleError::from(DbError::from(err))
    }
}

impl ConsoleError {
    /// A failure of the shared rules, as a console error in `lang`.
    pub fn from_api(lang: Lang, failure: ApiFailure) -> ConsoleError {
        match failure.status {
            StatusCode::NOT_FOUND => ConsoleError::NotFound(lang),
            status if status.is_client_error() => ConsoleError::Refused(lang, failure.description),
            _ => ConsoleError::Failed(failure),
        }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let (status, lang, key, detail) = match self {
            ConsoleError::SignIn => return Redirect::to("/staff/sign-in").into_response(),
            ConsoleError::Csrf(lang) => (StatusCode::FORBIDDEN, lang, "error.csrf", None),
            ConsoleError::Forbidden(lang) => (StatusCode::FORBIDDEN, lang, "error.forbidden", None),
            ConsoleError::NotFound(lang) => (StatusCode::NOT_FOUND, lang, "error.not_found", None),
            ConsoleError::Refused(lang, detail) => {
                (StatusCode::BAD_REQUEST, lang, "error.refused", Some(detail))
            }
            ConsoleError::Failed(failure) => {
                if failure.status.is_server_error() {
                    log::error!("console: {}", failure.description);
                }
                (failure.status, Lang::Vi, "error.failed", None)
            }
        };
        let body = html::error_page(lang, key, detail.as_deref());
        (status, body).into_response()
    }
}
