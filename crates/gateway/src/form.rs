//! Reading request bodies and query strings by hand, so that every malformed
//! input becomes a clear Open311 error (never an extractor's plain-text reply).

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request},
    http::{StatusCode, header},
};

use crate::ApiFailure;

/// Most fields a form may have.
const MAX_FIELDS: usize = 200;
/// Longest text field, in bytes.
const MAX_FIELD_BYTES: usize = 16 * 1024;

/// A submitted form: text fields in order, and files named `media`.
#[derive(Debug, Default)]
pub struct Form {
    pub fields: Vec<(String, String)>,
    pub media: Vec<Bytes>,
}

impl Form {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A body that could not be read is the client's fault (cut short, malformed),
/// whatever status the extractor suggests: never a 500.
fn unreadable(status: StatusCode, detail: String) -> ApiFailure {
    let status = if status.is_client_error() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiFailure::new(
        status,
        format!("the request body could not be read: {detail}"),
    )
}

/// A JSON body read by axum's `Bytes` extractor, its rejection made an Open311 error.
pub fn bytes(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Bytes, ApiFailure> {
    body.map_err(|rejection| unreadable(rejection.status(), rejection.body_text()))
}

fn bad(description: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::BAD_REQUEST, description)
}

/// Reads a `multipart/form-data` or `application/x-www-form-urlencoded` body.
/// The body limit of the router applies: an oversized body gets 413 as soon as
/// it is seen, not after it is read.
pub async fn read<S: Send + Sync>(
    request: Request,
    state: &S,
    max_media: usize,
) -> Result<Form, ApiFailure> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, state)
            .await
            .map_err(|rejection| unreadable(rejection.status(), rejection.body_text()))?;
        let mut form = Form::default();
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(err) => return Err(unreadable(err.status(), err.body_text())),
            };
            let name = field.name().unwrap_or_default().to_owned();
            if form.fields.len() + form.media.len() >= MAX_FIELDS {
                return Err(bad("too many form fields"));
            }
            let bytes = field
                .bytes()
                .await
                .map_err(|err| unreadable(err.status(), err.body_text()))?;
            if name == "media" || name == "media[]" {
                if form.media.len() >= max_media {
                    return Err(bad(format!(
                        "at most {max_media} photos (media) per request"
                    )));
                }
                form.media.push(bytes);
            } else {
                form.fields.push((name.clone(), text(&name, &bytes)?));
            }
        }
        Ok(form)
    } else if content_type.starts_with("application/x-www-form-urlencoded")
        || content_type.is_empty()
    {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| unreadable(rejection.status(), rejection.body_text()))?;
        Ok(Form {
            fields: pairs(&bytes)?,
            media: Vec::new(),
        })
    } else {
        Err(ApiFailure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send multipart/form-data or application/x-www-form-urlencoded",
        ))
    }
}

fn text(name: &str, bytes: &[u8]) -> Result<String, ApiFailure> {
    if bytes.len() > MAX_FIELD_BYTES {
        return Err(bad(format!("{name}: longer than {MAX_FIELD_BYTES} bytes")));
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| bad(format!("{name}: not valid UTF-8")))
}

/// Parses `a=1&b=2` (a form body or a query string), refusing invalid UTF-8.
pub fn pairs(bytes: &[u8]) -> Result<Vec<(String, String)>, ApiFailure> {
    let mut out = Vec::new();
    for part in bytes.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        if out.len() >= MAX_FIELDS {
            return Err(bad("too many fields"));
        }
        let (key, value) = match part.iter().position(|b| *b == b'=') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &b""[..]),
        };
        let decode = |raw: &[u8]| -> Result<String, ApiFailure> {
            let plus: Vec<u8> = raw
                .iter()
                .map(|b| if *b == b'+' { b' ' } else { *b })
                .collect();
            let decoded: Vec<u8> = percent_decode(&plus);
            text("field", &decoded)
        };
        out.push((decode(key)?, decode(value)?));
    }
    Ok(out)
}

fn percent_decode(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if raw[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                raw.get(i + 1).and_then(|b| hex(*b)),
                raw.get(i + 2).and_then(|b| hex(*b)),
            )
        {
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'?'));
            i += 3;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// The query string of a request as pairs.
pub fn query(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiFailure> {
    pairs(raw.unwrap_or_default().as_bytes())
}

/// The `updated_after` parameter of a list's query (ISO 8601), or the
/// beginning of time; other parameters are left to the caller.
pub fn updated_after(pairs: &[(String, String)]) -> Result<i64, ApiFailure> {
    match pairs.iter().find(|(key, _)| key == "updated_after") {
        Some((_, value)) => {
            crate::time::parse(value).ok_or_else(|| bad("updated_after: not an ISO 8601 date"))
        }
        None => Ok(i64::MIN),
    }
}

/// Refuses control characters (but newlines and tabs where `multiline`) and
/// more than `max` characters; HTML and script are stored as text, never interpreted.
pub fn check_text(name: &str, value: &str, max: usize, multiline: bool) -> Result<(), ApiFailure> {
    if value.chars().count() > max {
        return Err(bad(format!("{name}: longer than {max} characters")));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(bad(format!("{name}: holds control characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms_and_refuses_bad_utf8() {
        let parsed = pairs(b"service_code=pothole&description=%E1%BB%94+g%C3%A0&empty").unwrap();
        assert_eq!(parsed[0], ("service_code".into(), "pothole".into()));
        assert_eq!(parsed[1], ("description".into(), "Ổ gà".into()));
        assert_eq!(parsed[2], ("empty".into(), String::new()));
        assert!(pairs(b"description=%FF%FE").is_err());
        assert_eq!(pairs(b"a=100%").unwrap()[0].1, "100%");
        assert!(check_text("d", "a\u{0}b", 10, true).is_err());
        assert!(check_text("d", "<script>alert(1)</script>", 100, false).is_ok());
        assert!(check_text("d", "dòng\nhai", 100, true).is_ok());
        assert!(check_text("d", "dòng\nhai", 100, false).is_err());
    }
}
