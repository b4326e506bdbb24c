//! Photos sent with requests or by staff: checked to be a real JPEG, PNG or
//! WebP of sane size and dimensions (by reading their headers, never by
//! decoding), recorded once by content hash, served back at `/media/{hash}`
//! (the bytes are `media_store.rs`'s).

use crate::sql::{Conn, Optional, params};
use axum::{
    extract::{Path as UrlPath, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{ApiFailure, AppState, time};

/// Largest photo accepted, in bytes.
pub const MAX_MEDIA_BYTES: usize = 8 * 1024 * 1024;
/// Largest side, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// Largest area, in pixels.
pub const MAX_PIXELS: u64 = 50_000_000;

/// What a photo's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
}

/// Why a file is not accepted as a photo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo is larger than {MAX_MEDIA_BYTES} bytes")]
    TooLarge,
    #[error("not a JPEG, PNG or WebP image")]
    UnknownFormat,
    #[error("the {0} image is malformed: {1}")]
    Malformed(&'static str, &'static str),
    #[error("the image is {0}×{1} pixels; at most {MAX_SIDE} a side and {MAX_PIXELS} in all")]
    BadDimensions(u32, u32),
}

fn be16(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

fn le_n(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut value = 0u32;
    for i in (0..n).rev() {
        value = (value << 8) | u32::from(*b.get(at + i)?);
    }
    Some(value)
}

fn jpeg(b: &[u8]) -> Result<(u32, u32), MediaError> {
    let bad = |why| MediaError::Malformed("JPEG", why);
    let mut at = 2;
    loop {
        // Skip fill bytes before a marker.
        while b.get(at) == Some(&0xFF) && b.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        if b.get(at) != Some(&0xFF) {
            return Err(bad("no frame header before the image data"));
        }
        let marker = *b.get(at + 1).ok_or(bad("truncated"))?;
        if matches!(marker, 0xD8 | 0x01 | 0xD0..=0xD7) {
            at += 2;
            continue;
        }
        if matches!(marker, 0xD9 | 0xDA) {
            return Err(bad("no frame header before the image data"));
        }
        let length = usize::try_from(be16(b, at + 2).ok_or(bad("truncated"))?).unwrap_or(0);
        if length < 2 {
            return Err(bad("segment length"));
        }
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            let height = be16(b, at + 5).ok_or(bad("truncated"))?;
            let width = be16(b, at + 7).ok_or(bad("truncated"))?;
            if !b.windows(2).skip(at).any(|w| w == [0xFF, 0xDA]) {
                return Err(bad("no image data"));
            }
            return Ok((width, height));
        }
        at += 2 + length;
    }
}

fn png(b: &[u8]) -> Result<(u32, u32), MediaError> {
    let bad = |why| MediaError::Malformed("PNG", why);
    if b.get(12..16) != Some(b"IHDR") || be16(b, 8) != Some(0) || be16(b, 10) != Some(13) {
        return Err(bad("no header chunk"));
    }
    let width =
        (be16(b, 16).ok_or(bad("truncated"))? << 16) | be16(b, 18).ok_or(bad("truncated"))?;
    let height =
        (be16(b, 20).ok_or(bad("truncated"))? << 16) | be16(b, 22).ok_or(bad("truncated"))?;
    if !b.windows(4).any(|w| w == b"IDAT") {
        return Err(bad("no image data"));
    }
    Ok((width, height))
}

fn webp(b: &[u8]) -> Result<(u32, u32), MediaError> {
    let bad = |why| MediaError::Malformed("WebP", why);
    match b.get(12..16) {
        Some(b"VP8 ") => {
            if b.get(23..26) != Some(&[0x9D, 0x01, 0x2A]) {
                return Err(bad("no frame start code"));
            }
            let width = le_n(b, 26, 2).ok_or(bad("truncated"))? & 0x3FFF;
            let height = le_n(b, 28, 2).ok_or(bad("truncated"))? & 0x3FFF;
            Ok((width, height))
        }
        Some(b"VP8L") => {
            if b.get(20) != Some(&0x2F) {
                return Err(bad("no lossless signature"));
            }
            let bits = le_n(b, 21, 4).ok_or(bad("truncated"))?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        Some(b"VP8X") => {
            let width = le_n(b, 24, 3).ok_or(bad("truncated"))? + 1;
            let height = le_n(b, 27, 3).ok_or(bad("truncated"))? + 1;
            Ok((width, height))
        }
        _ => Err(bad("unknown chunk")),
    }
}

/// Checks that `bytes` are a JPEG, PNG or WebP image of sane size and dimensions.
pub fn sniff(bytes: &[u8]) -> Result<Sniffed, MediaError> {
    if bytes.is_empty() {
        return Err(MediaError::Empty);
    }
    if bytes.len() > MAX_MEDIA_BYTES {
        return Err(MediaError::TooLarge);
    }
    let (mime, (width, height)) = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ("image/jpeg", jpeg(bytes)?)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        ("image/png", png(bytes)?)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        ("image/webp", webp(bytes)?)
    } else {
        return Err(MediaError::UnknownFormat);
    };
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(MediaError::BadDimensions(width, height));
    }
    Ok(Sniffed {
        mime,
        width,
        height,
    })
}

/// Records a written file (once: a second record of the same hash is a no-op).
pub fn record(conn: &Conn, hash: &str, len: usize, sniffed: Sniffed) -> crate::sql::Result<()> {
    conn.execute(
        "INSERT INTO media (hash, mime, bytes, width, height, created_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        params![
            hash,
            sniffed.mime,
            i64::try_from(len).unwrap_or(i64::MAX),
            sniffed.width,
            sniffed.height,
            time::now_ms()
        ],
    )?;
    Ok(())
}

/// `GET /media/{hash}`: a stored photo.
#[utoipa::path(get, path = "/media/{hash}", tag = "media",
    params(("hash" = String, Path, description = "SHA-256 of the photo, 64 hex digits")),
    responses((status = 200, description = "The photo", content_type = "image/jpeg"),
              (status = 404, body = [cds_provincial_api::ApiError])))]
pub async fn get_media(
    State(state): State<AppState>,
    UrlPath(hash): UrlPath<String>,
) -> Result<Response, ApiFailure> {
    if hash.len() != 64
        || !hash
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return Err(ApiFailure::new(StatusCode::NOT_FOUND, "no such photo"));
    }
    let lookup = hash.clone();
    let mime: Option<String> = state
        .db
        .read(move |conn| {
            conn.query_row("SELECT mime FROM media WHERE hash = ?1", [lookup], |row| {
                row.get(0)
            })
            .optional()
        })
        .await?;
    let mime = mime.ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no such photo"))?;
    let store = state.media.clone();
    let bytes = tokio::task::spawn_blocking(move || store.read(&hash))
        .await
        .map_err(|err| ApiFailure::from(crate::db::DbError::Worker(err.to_string())))??
        .ok_or_else(|| ApiFailure::new(StatusCode::NOT_FOUND, "no such photo"))?;
    let content_type = HeaderValue::from_str(&mime)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUE: &[u8] = include_bytes!("../../../assets/test-images/pothole_hue_synthetic.jpg");

    #[test]
    fn reads_real_photo_headers() {
        assert_eq!(
            sniff(HUE),
            Ok(Sniffed {
                mime: "image/jpeg",
                width: 640,
                height: 480
            })
        );
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&[0, 0, 0, 3, 0, 0, 0, 2, 8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png.extend_from_slice(b"IDAT");
        assert_eq!(sniff(&png).map(|s| (s.width, s.height)), Ok((3, 2)));
    }

    #[test]
    fn refuses_what_is_not_a_sane_photo() {
        assert_eq!(sniff(b""), Err(MediaError::Empty));
        assert_eq!(sniff(b"<html>"), Err(MediaError::UnknownFormat));
        assert_eq!(sniff(b"GIF89a...."), Err(MediaError::UnknownFormat));
        assert!(matches!(sniff(&HUE[..200]), Err(MediaError::Malformed(..))));
        assert_eq!(
            sniff(&vec![0xFF; MAX_MEDIA_BYTES + 1]),
            Err(MediaError::TooLarge)
        );
        for name in [
            "max_size.jpg",
            "null_height.jpg",
            "missing-sof.jpg",
            "empty.jpg",
            "invalid-dimensions.jpg",
        ] {
            let bytes = std::fs::read(format!(
                "{}/../../assets/test-images/hostile/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap();
            assert!(sniff(&bytes).is_err(), "{name} was accepted");
        }
    }
}
