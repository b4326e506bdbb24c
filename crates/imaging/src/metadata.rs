//! EXIF facts: orientation, GPS position and time, read leniently from JPEG,
//! PNG, WebP (with or without the `Exif\0\0` prefix) and HEIF/AVIF containers.

use std::io::Cursor;

use cds_domain::report::{Location, LocationSource};

use crate::ExifFacts;

/// Reads orientation, GPS position and time from a photo's EXIF. Anything
/// missing, malformed or absurd is simply absent.
pub fn read_exif(bytes: &[u8]) -> ExifFacts {
    let mut facts = ExifFacts {
        orientation: 1,
        ..ExifFacts::default()
    };
    // Lenient: keep what parses of a block with a fault elsewhere in it.
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let parsed = if bytes.starts_with(b"RIFF") {
        // WebP: the EXIF chunk, with or without the `Exif\0\0` prefix that
        // some writers put before the TIFF header.
        match webp_exif(bytes) {
            Some(tiff) => reader.read_raw(tiff.to_vec()),
            None => return facts,
        }
    } else {
        reader.read_from_container(&mut Cursor::new(bytes))
    };
    let Ok(exif) = parsed.or_else(|err| err.distill_partial_result(|_| {})) else {
        return facts;
    };
    let field = |tag| exif.get_field(tag, exif::In::PRIMARY);
    if let Some(o) = field(exif::Tag::Orientation).and_then(|f| f.value.get_uint(0))
        && (1..=8).contains(&o)
    {
        facts.orientation = u16::try_from(o).unwrap_or(1);
    }
    let coordinate = |value_tag, ref_tag, positive: u8, negative: u8| -> Option<f64> {
        // Some phones write signed rationals; the sign is in the reference.
        let parts: Vec<f64> = match &field(value_tag)?.value {
            exif::Value::Rational(parts) => parts.iter().map(exif::Rational::to_f64).collect(),
            exif::Value::SRational(parts) => parts.iter().map(exif::SRational::to_f64).collect(),
            _ => return None,
        };
        let degrees = *parts.first()?;
        let minutes = parts.get(1).copied().unwrap_or(0.0);
        let seconds = parts.get(2).copied().unwrap_or(0.0);
        if degrees < 0.0 {
            return None;
        }
        let value = degrees + minutes / 60.0 + seconds / 3600.0;
        let reference = match &field(ref_tag)?.value {
            exif::Value::Ascii(texts) => texts.first()?.first().copied()?,
            _ => return None,
        };
        let sign = match reference.to_ascii_uppercase() {
            r if r == positive => 1.0,
            r if r == negative => -1.0,
            _ => return None,
        };
        (value.is_finite() && (0.0..60.0).contains(&minutes) && (0.0..60.0).contains(&seconds))
            .then_some(sign * value)
    };
    let lat = coordinate(
        exif::Tag::GPSLatitude,
        exif::Tag::GPSLatitudeRef,
        b'N',
        b'S',
    );
    let lon = coordinate(
        exif::Tag::GPSLongitude,
        exif::Tag::GPSLongitudeRef,
        b'E',
        b'W',
    );
    if let (Some(lat), Some(lon)) = (lat, lon) {
        let location = Location {
            lat,
            lon,
            accuracy_m: None,
            source: LocationSource::PhotoExif,
        };
        // (0, 0) is what cameras write when they had no fix.
        if location.check(cds_domain::report::Field::Location).is_ok()
            && (lat.abs() > 1e-9 || lon.abs() > 1e-9)
        {
            facts.location = Some(location);
        }
    }
    let ascii = |tag| match &field(tag)?.value {
        exif::Value::Ascii(texts) => texts
            .first()
            .and_then(|t| std::str::from_utf8(t).ok())
            .map(str::to_owned),
        _ => None,
    };
    if let Some(time) = ascii(exif::Tag::DateTimeOriginal).or_else(|| ascii(exif::Tag::DateTime))
        && let Some(iso) = exif_time(&time)
    {
        let offset = ascii(exif::Tag::OffsetTimeOriginal)
            .filter(|o| o.len() == 6 && (o.starts_with('+') || o.starts_with('-')));
        facts.taken_at = Some(format!("{iso}{}", offset.unwrap_or_default()));
    }
    facts
}

/// `2019:05:01 10:20:30` → `2019-05-01T10:20:30`; anything else → `None`.
fn exif_time(text: &str) -> Option<String> {
    let b = text.trim_end_matches('\0').as_bytes();
    let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let shape_ok = b.len() == 19
        && digits.iter().all(|&i| b[i].is_ascii_digit())
        && b[4] == b':'
        && b[7] == b':'
        && b[10] == b' '
        && b[13] == b':'
        && b[16] == b':';
    if !shape_ok || text.starts_with("0000") {
        return None;
    }
    let t = &text[..19];
    Some(format!(
        "{}-{}-{}T{}",
        &t[0..4],
        &t[5..7],
        &t[8..10],
        &t[11..19]
    ))
}

/// The TIFF data of a WebP's `EXIF` chunk, without the `Exif\0\0` prefix
/// that some writers (older libwebp tools, some phones) put before it.
pub(crate) fn webp_exif(bytes: &[u8]) -> Option<&[u8]> {
    let chunk = riff_chunk(bytes, *b"EXIF")?;
    Some(chunk.strip_prefix(b"Exif\0\0").unwrap_or(chunk))
}

/// The data of the first chunk `id` of a RIFF/WebP file.
pub(crate) fn riff_chunk(bytes: &[u8], id: [u8; 4]) -> Option<&[u8]> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WEBP" {
        return None;
    }
    let mut at = 12usize;
    while at.checked_add(8)? <= bytes.len() {
        let size =
            usize::try_from(u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?)).ok()?;
        let data = bytes.get(at + 8..(at + 8).checked_add(size)?)?;
        if bytes[at..at + 4] == id {
            return Some(data);
        }
        at = at + 8 + size + size % 2;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exif_times() {
        assert_eq!(
            exif_time("2019:05:01 10:20:30").as_deref(),
            Some("2019-05-01T10:20:30")
        );
        assert_eq!(exif_time("0000:00:00 00:00:00"), None);
        assert_eq!(exif_time("    :  :     :  :  "), None);
        assert_eq!(exif_time("2019-05-01"), None);
    }

    #[test]
    fn riff_chunks_are_walked_safely() {
        let mut webp = b"RIFF\0\0\0\0WEBP".to_vec();
        webp.extend_from_slice(b"VP8X\x01\0\0\0\x08\0");
        webp.extend_from_slice(b"EXIF\x08\0\0\0Exif\0\0MM");
        assert_eq!(webp_exif(&webp), Some(&b"MM"[..]));
        webp.truncate(webp.len() - 1);
        assert_eq!(webp_exif(&webp), None, "a chunk cut short");
        assert_eq!(
            riff_chunk(b"RIFF\xff\xff\xff\xffWEBPEXIF\xff\xff\xff\xff", *b"EXIF"),
            None
        );
    }
}
