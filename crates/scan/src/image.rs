//! A photo (JPEG, PNG, WebP) decoded straight to 8-bit luminance under hard
//! limits. JPEGs are decoded at a reduced DCT scale (1/2, 1/4, 1/8) whenever
//! that still leaves about the largest size the reader uses, so a 12 MP photo
//! never exists at full size in memory.

use std::io::Cursor;

use crate::ScanError;
use crate::luma::Luma;

/// Largest input file accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 40 * 1024 * 1024;
/// Largest side accepted, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// Most pixels accepted (50 MP).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Most memory one decoded image may take, in bytes.
const MAX_DECODED_BYTES: usize = 256 * 1024 * 1024;

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Jpeg,
    Png,
    WebP,
}

/// What the first bytes say the file is: JPEG, PNG or WebP, nothing else
/// (HEIC, GIF, PDF, text… are `NotAnImage`).
fn sniff(bytes: &[u8]) -> Result<Kind, ScanError> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok(Kind::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Ok(Kind::WebP)
    } else {
        Err(ScanError::NotAnImage)
    }
}

fn check_size(width: u32, height: u32) -> Result<(), ScanError> {
    if width == 0 || height == 0 {
        return Err(ScanError::Unreadable("an image without pixels".into()));
    }
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(ScanError::TooLarge);
    }
    Ok(())
}

fn unreadable(err: impl std::fmt::Display) -> ScanError {
    ScanError::Unreadable(err.to_string())
}

/// Decodes `bytes` to luminance. A JPEG is decoded at the smallest DCT scale
/// whose long edge is still at least `min_edge` (or at full size if smaller);
/// PNG and WebP have no such scaling and are decoded whole.
pub fn decode(bytes: &[u8], min_edge: u32) -> Result<Luma, ScanError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(ScanError::TooLarge);
    }
    match sniff(bytes)? {
        Kind::Jpeg => decode_jpeg(bytes, min_edge),
        Kind::Png => decode_png(bytes),
        Kind::WebP => decode_webp(bytes),
    }
}

/// Whether a JPEG's entropy-coded data ends: an end-of-image marker after the
/// last scan header (entropy-coded data never holds `FF DA` or `FF D9`; an
/// EXIF thumbnail's come first, a vendor's trailer has its own). Decoders fill
/// a cut file with grey instead of failing; a cut photo is refused as damaged.
fn jpeg_is_whole(bytes: &[u8]) -> bool {
    let Some(scan) = bytes.windows(2).rposition(|w| w == [0xFF, 0xDA]) else {
        return false;
    };
    bytes[scan..].windows(2).any(|w| w == [0xFF, 0xD9])
}

fn decode_jpeg(bytes: &[u8], min_edge: u32) -> Result<Luma, ScanError> {
    if !jpeg_is_whole(bytes) {
        return Err(ScanError::Unreadable("the JPEG is cut short".into()));
    }
    // The same structure and work check as every photo: segments, scans and
    // block visits are bounded before jpeg-decoder walks the file.
    cds_imaging::check_jpeg_structure(bytes).map_err(|err| match err {
        cds_imaging::PhotoError::Damaged(why) | cds_imaging::PhotoError::UnsupportedJpeg(why) => {
            ScanError::Unreadable(why)
        }
        cds_imaging::PhotoError::TooComplex(why) => ScanError::TooComplex(why),
        _ => ScanError::TooLarge,
    })?;
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(MAX_DECODED_BYTES);
    decoder.read_info().map_err(unreadable)?;
    let info = decoder
        .info()
        .ok_or_else(|| unreadable("no frame header"))?;
    let (full_w, full_h) = (u32::from(info.width), u32::from(info.height));
    check_size(full_w, full_h)?;
    // `scale` picks the smallest of 1/8, 1/4, 1/2, 1/1 that covers the request.
    let long = full_w.max(full_h);
    let (want_w, want_h) = if long <= min_edge {
        (full_w, full_h)
    } else {
        let f = f64::from(min_edge) / f64::from(long);
        (
            (f64::from(full_w) * f).ceil() as u32,
            (f64::from(full_h) * f).ceil() as u32,
        )
    };
    let (width, height) = decoder
        .scale(
            u16::try_from(want_w).unwrap_or(u16::MAX),
            u16::try_from(want_h).unwrap_or(u16::MAX),
        )
        .map_err(unreadable)?;
    let data = decoder.decode().map_err(unreadable)?;
    let (width, height) = (usize::from(width), usize::from(height));
    let count = width * height;
    let pixels: Vec<u8> = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => data,
        jpeg_decoder::PixelFormat::L16 => data.chunks_exact(2).map(|l| l[0]).collect(),
        jpeg_decoder::PixelFormat::RGB24 => data
            .chunks_exact(3)
            .map(|p| luminance(p[0], p[1], p[2]))
            .collect(),
        jpeg_decoder::PixelFormat::CMYK32 => data
            .chunks_exact(4)
            .map(|p| {
                let k = u32::from(255 - p[3]);
                let channel = |c: u8| (u32::from(255 - c) * k / 255) as u8;
                luminance(channel(p[0]), channel(p[1]), channel(p[2]))
            })
            .collect(),
    };
    if pixels.len() < count {
        return Err(unreadable("fewer pixels than the header says"));
    }
    Ok(Luma::new(width, height, pixels))
}

fn decode_png(bytes: &[u8]) -> Result<Luma, ScanError> {
    // The size, from the header chunk that must come first, before any work.
    if bytes.len() >= 24 && &bytes[12..16] == b"IHDR" {
        let be = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        check_size(be(16), be(20))?;
    }
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: MAX_DECODED_BYTES,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(unreadable)?;
    let (width, height) = (reader.info().width, reader.info().height);
    check_size(width, height)?;
    let size = reader
        .output_buffer_size()
        .filter(|&size| size <= MAX_DECODED_BYTES)
        .ok_or(ScanError::TooLarge)?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(unreadable)?;
    buffer.truncate(frame.buffer_size());
    let channels = match frame.color_type {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => return Err(unreadable("palette not expanded")),
    };
    to_luma(&buffer, frame.width, frame.height, channels)
}

fn decode_webp(bytes: &[u8]) -> Result<Luma, ScanError> {
    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(unreadable)?;
    decoder.set_memory_limit(MAX_DECODED_BYTES);
    let (width, height) = decoder.dimensions();
    check_size(width, height)?;
    let size = decoder
        .output_buffer_size()
        .filter(|&size| size <= MAX_DECODED_BYTES)
        .ok_or(ScanError::TooLarge)?;
    let mut buffer = vec![0; size];
    decoder.read_image(&mut buffer).map_err(unreadable)?;
    let channels = if decoder.has_alpha() { 4 } else { 3 };
    to_luma(&buffer, width, height, channels)
}

/// Interleaved 8-bit pixels (grey, grey+alpha, RGB, RGBA) to luminance,
/// transparent parts on white (a code drawn on a transparent background).
fn to_luma(buffer: &[u8], width: u32, height: u32, channels: usize) -> Result<Luma, ScanError> {
    let (width, height) = (width as usize, height as usize);
    if buffer.len() < width * height * channels {
        return Err(unreadable("fewer pixels than the header says"));
    }
    let on_white = |l: u8, alpha: u8| {
        let a = u32::from(alpha);
        ((u32::from(l) * a + 255 * (255 - a)) / 255) as u8
    };
    let pixels = buffer
        .chunks_exact(channels)
        .take(width * height)
        .map(|p| match channels {
            1 => p[0],
            2 => on_white(p[0], p[1]),
            3 => luminance(p[0], p[1], p[2]),
            _ => on_white(luminance(p[0], p[1], p[2]), p[3]),
        })
        .collect();
    Ok(Luma::new(width, height, pixels))
}

/// BT.601 luma, in integers.
fn luminance(r: u8, g: u8, b: u8) -> u8 {
    ((77 * u32::from(r) + 150 * u32::from(g) + 29 * u32::from(b) + 128) >> 8) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_only_what_it_decodes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Ok(Kind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Ok(Kind::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Kind::WebP));
        for other in [
            &b""[..],
            b"GIF89a......",
            b"\0\0\0\x18ftypheic\0\0\0\0",
            b"%PDF-1.7",
        ] {
            assert_eq!(sniff(other), Err(ScanError::NotAnImage));
        }
    }

    #[test]
    fn a_jpeg_is_whole_when_its_last_scan_ends() {
        // SOI, a thumbnail's scan and end (in an APP1), the main scan, EOI.
        let whole = b"\xFF\xD8\xFF\xE1\0\x08\xFF\xDA\xFF\xD9\xFF\xDA\0\x02\x11\x22\xFF\xD9";
        assert!(jpeg_is_whole(whole));
        assert!(
            !jpeg_is_whole(&whole[..whole.len() - 2]),
            "cut after the thumbnail"
        );
        assert!(!jpeg_is_whole(b"\xFF\xD8\xFF\xD9"), "no scan at all");
    }

    #[test]
    fn luminance_is_grey_for_grey_and_weighs_green() {
        assert_eq!(luminance(0, 0, 0), 0);
        assert_eq!(luminance(255, 255, 255), 255);
        assert_eq!(luminance(100, 100, 100), 100);
        assert!(luminance(0, 255, 0) > luminance(255, 0, 0));
    }
}
