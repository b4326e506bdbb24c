//! CSRF protection: every form carries the session's token in a hidden field
//! `csrf` (the sign-in form: the value of its own short-lived cookie), and a
//! post whose field does not match is refused with 403 before anything else.

use axum::extract::Request;

use super::{ConsoleError, Lang, Staff};
use crate::{AppState, form};

/// The field that carries the token.
pub const FIELD: &str = "csrf";

/// Equal in constant time (for equal lengths).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Checks a form's token against `expected`.
pub fn check(form: &form::Form, expected: &str, lang: Lang) -> Result<(), ConsoleError> {
    if same(form.get(FIELD).unwrap_or_default(), expected) {
        Ok(())
    } else {
        Err(ConsoleError::Csrf(lang))
    }
}

/// Reads a signed-in page's form (with at most `max_media` photos) and
/// checks its token.
pub async fn read(
    request: Request,
    state: &AppState,
    staff: &Staff,
    max_media: usize,
) -> Result<form::Form, ConsoleError> {
    let form = form::read(request, state, max_media)
        .await
        .map_err(|failure| ConsoleError::from_api(staff.lang, failure))?;
    check(&form, &staff.csrf, staff.lang)?;
    Ok(form)
}

#[cfg(test)]
mod tests {
    #[test]
    fn compares_whole_tokens_only() {
        assert!(super::same("abc", "abc"));
        assert!(!super::same("abc", "abd"));
        assert!(!super::same("abc", "ab"));
        assert!(!super::same("", ""));
    }
}
