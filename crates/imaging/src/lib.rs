//! The photo pipeline: a picked or captured photo (JPEG, PNG, WebP) is decoded
//! under hard limits (bytes, pixels, decoded memory), turned upright by its
//! EXIF orientation, scaled so its long edge is at most `max_edge` (Lanczos3,
//! SIMD), and encoded as a JPEG that carries no metadata at all; a thumbnail
//! comes from the same pass. The GPS position and time in the original's EXIF
//! are read first, to offer as the report's location.
//!
//! JPEGs are decoded at reduced scale where the target allows (DCT scaling:
//! 1/2, 1/4 or 1/8), so an 8 MP photo never exists at full size in memory.
//!
//! Architecture Invariant: pure CPU work on byte slices; no IO, no async. The
//! engine runs it on the blocking pool, one photo per core at a time.

use std::io::Cursor;

use cds_domain::report::{Location, LocationSource};
use fast_image_resize::{PixelType, Resizer, images::Image};

/// Largest input file accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 40 * 1024 * 1024;
/// Largest side accepted, in pixels.
pub const MAX_SIDE: u32 = 12_000;
/// Most pixels accepted (50 MP).
pub const MAX_PIXELS: u64 = 50_000_000;
/// Most memory one decoded image may take, in bytes.
pub const MAX_DECODED_BYTES: usize = 256 * 1024 * 1024;

/// How photos are made smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Long edge of the uploaded photo, in pixels.
    pub max_edge: u32,
    /// JPEG quality of the uploaded photo (1–100).
    pub quality: u8,
    /// Long edge of the thumbnail, in pixels.
    pub thumb_edge: u32,
    pub thumb_quality: u8,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_edge: 1600,
            quality: 80,
            thumb_edge: 320,
            thumb_quality: 70,
        }
    }
}

/// What the pipeline made of one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The photo to store and upload: JPEG, upright, no metadata.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// A small JPEG for lists.
    pub thumbnail: Vec<u8>,
    /// What the original's EXIF said, read before it was dropped.
    pub exif: ExifFacts,
}

/// Facts read from a photo's EXIF.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifFacts {
    /// Where it was taken (source `PhotoExif`), if the GPS block makes sense.
    pub location: Option<Location>,
    /// When it was taken, as `YYYY-MM-DDTHH:MM:SS` (with the offset if given).
    pub taken_at: Option<String>,
    /// EXIF orientation 1–8 (1 when absent or invalid).
    pub orientation: u16,
}

/// Why a photo was refused. Each is something the user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("HEIC/HEIF photos are not supported; choose JPEG")]
    Heic,
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("{width}×{height} pixels is too large")]
    TooManyPixels { width: u64, height: u64 },
    #[error("the image is damaged: {0}")]
    Damaged(String),
}

impl From<PhotoError> for cds_domain::report::Invalid {
    fn from(err: PhotoError) -> Self {
        use cds_domain::report::Rule;
        let rule = match err {
            PhotoError::Empty => Rule::Empty,
            PhotoError::TooLarge { max } => Rule::TooLarge { max },
            PhotoError::Heic => Rule::NotSupported,
            PhotoError::NotAnImage => Rule::NotAnImage,
            PhotoError::TooManyPixels { .. } => Rule::TooManyPixels,
            PhotoError::Damaged(_) => Rule::Damaged,
        };
        cds_domain::report::Invalid {
            field: cds_domain::report::Field::Photos,
            rule,
        }
    }
}

/// The formats we read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
}

/// What the first bytes say the file is.
pub fn sniff(bytes: &[u8]) -> Result<Format, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Format::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Format::Png);
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Ok(Format::WebP);
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        let brand = &bytes[8..12];
        if [
            &b"heic"[..],
            b"heix",
            b"hevc",
            b"heim",
            b"heis",
            b"mif1",
            b"msf1",
            b"avif",
        ]
        .contains(&brand)
        {
            return Err(PhotoError::Heic);
        }
    }
    Err(PhotoError::NotAnImage)
}

/// Runs the whole pipeline on one photo.
pub fn process(bytes: &[u8], settings: &Settings) -> Result<Processed, PhotoError> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(PhotoError::TooLarge {
            max: MAX_INPUT_BYTES,
        });
    }
    let format = sniff(bytes)?;
    let exif = read_exif(bytes);
    let decoded = decode(bytes, format, settings.max_edge)?;
    let (w, h) = fit(decoded.width, decoded.height, settings.max_edge);
    let mut resizer = Resizer::new();
    let scaled = resize(&mut resizer, decoded, w, h)?;
    let upright = orient(scaled, exif.orientation);
    let jpeg = encode(&upright, settings.quality)?;
    let (tw, th) = fit(upright.width, upright.height, settings.thumb_edge);
    let (width, height) = (upright.width, upright.height);
    let thumb = resize(&mut resizer, upright, tw, th)?;
    let thumbnail = encode(&thumb, settings.thumb_quality)?;
    Ok(Processed {
        jpeg,
        width,
        height,
        thumbnail,
        exif,
    })
}

/// An RGB image, 3 bytes a pixel.
struct Rgb {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

/// The size that fits within `max_edge` on the long side (never larger).
fn fit(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max_edge {
        return (width.max(1), height.max(1));
    }
    let scale = f64::from(max_edge) / f64::from(long);
    let w = (f64::from(width) * scale).round().max(1.0);
    let h = (f64::from(height) * scale).round().max(1.0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (w as u32, h as u32)
}

fn check_size(width: u64, height: u64) -> Result<(), PhotoError> {
    if width == 0
        || height == 0
        || width > u64::from(MAX_SIDE)
        || height > u64::from(MAX_SIDE)
        || width * height > MAX_PIXELS
    {
        return Err(PhotoError::TooManyPixels { width, height });
    }
    Ok(())
}

fn damaged(err: impl std::fmt::Display) -> PhotoError {
    PhotoError::Damaged(err.to_string())
}

fn decode(bytes: &[u8], format: Format, max_edge: u32) -> Result<Rgb, PhotoError> {
    match format {
        Format::Jpeg => decode_jpeg(bytes, max_edge),
        Format::Png => decode_png(bytes),
        Format::WebP => decode_webp(bytes),
    }
}

/// What the structure check needs of a JPEG frame header.
struct Frame {
    width: u32,
    height: u32,
    /// Sampling factors (horizontal, vertical) per component.
    sampling: Vec<(u32, u32)>,
    baseline: bool,
}

/// Checks the JPEG's marker structure before decoding, more strictly than
/// decoders do (they repair what they can): segments must fit the file, one
/// frame header, a scan header of the length its component count gives, no
/// fill bytes between segments, and restart markers in order and as many as
/// the frame's MCU count and restart interval call for. Cameras and phones
/// write all of this exactly; a file that breaks it is damaged or crafted.
/// Data after the end-of-image marker (phone vendors' trailers) is allowed.
pub fn check_jpeg_structure(bytes: &[u8]) -> Result<(), PhotoError> {
    let bad = |why: &str| Err(PhotoError::Damaged(why.to_owned()));
    let len = bytes.len();
    let mut i = 2;
    let mut frame: Option<Frame> = None;
    let mut restart_interval = 0u32;
    loop {
        if i + 1 >= len {
            return Ok(()); // no end marker: the decoder judges the truncation
        }
        if bytes[i] != 0xFF {
            return bad("bytes between segments");
        }
        let marker = bytes[i + 1];
        match marker {
            0xFF => return bad("fill bytes before a marker"),
            0xD9 => return Ok(()),
            0xD8 | 0x01 | 0xD0..=0xD7 => return bad("a marker out of place"),
            _ => {}
        }
        if i + 4 > len {
            return bad("a segment cut short");
        }
        let length = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
        if length < 2 || i + 2 + length > len {
            return bad("a segment longer than the file");
        }
        let segment = &bytes[i + 4..i + 2 + length];
        i += 2 + length;
        match marker {
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                if frame.is_some() {
                    return bad("two frame headers");
                }
                if segment.len() < 6 {
                    return bad("a short frame header");
                }
                let height = u32::from(u16::from_be_bytes([segment[1], segment[2]]));
                let width = u32::from(u16::from_be_bytes([segment[3], segment[4]]));
                let count = usize::from(segment[5]);
                if segment.len() != 6 + 3 * count {
                    return bad("a frame header of the wrong length");
                }
                let sampling = (0..count)
                    .map(|k| {
                        let f = segment[6 + 3 * k + 1];
                        (u32::from(f >> 4), u32::from(f & 15))
                    })
                    .collect();
                frame = Some(Frame {
                    width,
                    height,
                    sampling,
                    baseline: matches!(marker, 0xC0 | 0xC1),
                });
            }
            0xC4 => check_huffman_tables(segment)?,
            0xDD => {
                if segment.len() != 2 {
                    return bad("a restart interval of the wrong length");
                }
                restart_interval = u32::from(u16::from_be_bytes([segment[0], segment[1]]));
            }
            0xDA => {
                let count = usize::from(*segment.first().unwrap_or(&0));
                if segment.len() != 4 + 2 * count || count == 0 {
                    return bad("a scan header of the wrong length");
                }
                // The entropy-coded data runs to the next marker that is not a restart.
                let mut restarts = 0u32;
                while i + 1 < len {
                    if bytes[i] == 0xFF && bytes[i + 1] != 0 {
                        let next = bytes[i + 1];
                        if (0xD0..=0xD7).contains(&next) {
                            if u32::from(next - 0xD0) != restarts % 8 {
                                return bad("restart markers out of order");
                            }
                            restarts += 1;
                        } else if next != 0xFF {
                            break;
                        }
                    }
                    i += 1;
                }
                if let Some(Frame {
                    width,
                    height,
                    sampling,
                    baseline: true,
                }) = &frame
                    && restart_interval > 0
                    && count == sampling.len()
                {
                    let h_max = sampling.iter().map(|s| s.0).max().unwrap_or(1).max(1);
                    let v_max = sampling.iter().map(|s| s.1).max().unwrap_or(1).max(1);
                    // One component alone (greyscale): an MCU is one 8×8 block
                    // of it, whatever its sampling factors (T.81 A.2.2).
                    let mcus = if count == 1 {
                        let (h, v) = sampling[0];
                        (width * h.max(1)).div_ceil(h_max).div_ceil(8)
                            * (height * v.max(1)).div_ceil(v_max).div_ceil(8)
                    } else {
                        width.div_ceil(8 * h_max) * height.div_ceil(8 * v_max)
                    };
                    let expected = mcus.div_ceil(restart_interval).saturating_sub(1);
                    if restarts != expected {
                        return bad("more or fewer restart markers than the image has intervals");
                    }
                }
            }
            _ => {}
        }
    }
}

/// Huffman tables: each symbol once, DC categories at most 15, AC sizes at
/// most 15 (the widest precision JPEG has).
fn check_huffman_tables(mut segment: &[u8]) -> Result<(), PhotoError> {
    let bad = |why: &str| Err(PhotoError::Damaged(why.to_owned()));
    while !segment.is_empty() {
        if segment.len() < 17 {
            return bad("a short Huffman table");
        }
        let class = segment[0] >> 4;
        let count: usize = segment[1..17].iter().map(|&c| usize::from(c)).sum();
        if class > 1 || count == 0 || count > 256 || segment.len() < 17 + count {
            return bad("a malformed Huffman table");
        }
        let symbols = &segment[17..17 + count];
        let mut seen = [false; 256];
        for &symbol in symbols {
            if std::mem::replace(&mut seen[usize::from(symbol)], true) {
                return bad("a Huffman table lists a symbol twice");
            }
            let size = if class == 0 { symbol } else { symbol & 15 };
            if size > 15 {
                return bad("a Huffman table with an impossible size");
            }
        }
        segment = &segment[17 + count..];
    }
    Ok(())
}

fn decode_jpeg(bytes: &[u8], max_edge: u32) -> Result<Rgb, PhotoError> {
    check_jpeg_structure(bytes)?;
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(MAX_DECODED_BYTES);
    decoder.read_info().map_err(damaged)?;
    let info = decoder.info().ok_or(PhotoError::NotAnImage)?;
    check_size(u64::from(info.width), u64::from(info.height))?;
    // Decode at the smallest DCT scale that still covers the target size.
    let (tw, th) = fit(u32::from(info.width), u32::from(info.height), max_edge);
    let (tw, th) = (
        u16::try_from(tw).unwrap_or(u16::MAX),
        u16::try_from(th).unwrap_or(u16::MAX),
    );
    let (width, height) = decoder.scale(tw, th).map_err(damaged)?;
    let data = decoder.decode().map_err(damaged)?;
    let (width, height) = (u32::from(width), u32::from(height));
    let count = width as usize * height as usize;
    let pixels = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => data,
        jpeg_decoder::PixelFormat::L8 => data.iter().flat_map(|&l| [l, l, l]).collect(),
        jpeg_decoder::PixelFormat::L16 => data
            .chunks_exact(2)
            .flat_map(|l| [l[0], l[0], l[0]])
            .collect(),
        jpeg_decoder::PixelFormat::CMYK32 => data
            .chunks_exact(4)
            .flat_map(|p| {
                let k = u16::from(255 - p[3]);
                let channel = |c: u8| u8::try_from(u16::from(255 - c) * k / 255).unwrap_or(0);
                [channel(p[0]), channel(p[1]), channel(p[2])]
            })
            .collect(),
    };
    if pixels.len() < count * 3 {
        return Err(damaged("fewer pixels than the header says"));
    }
    Ok(Rgb {
        width,
        height,
        pixels,
    })
}

fn decode_png(bytes: &[u8]) -> Result<Rgb, PhotoError> {
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: MAX_DECODED_BYTES,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(damaged)?;
    let (width, height) = (reader.info().width, reader.info().height);
    check_size(u64::from(width), u64::from(height))?;
    let size = reader
        .output_buffer_size()
        .filter(|&size| size <= MAX_DECODED_BYTES)
        .ok_or(PhotoError::TooManyPixels {
            width: u64::from(width),
            height: u64::from(height),
        })?;
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(damaged)?;
    buffer.truncate(frame.buffer_size());
    let pixels = match frame.color_type {
        png::ColorType::Rgb => buffer,
        png::ColorType::Rgba => flatten_alpha(&buffer, 4, 3),
        png::ColorType::Grayscale => buffer.iter().flat_map(|&l| [l, l, l]).collect(),
        png::ColorType::GrayscaleAlpha => flatten_alpha(&buffer, 2, 1),
        png::ColorType::Indexed => return Err(damaged("palette not expanded")),
    };
    Ok(Rgb {
        width: frame.width,
        height: frame.height,
        pixels,
    })
}

fn decode_webp(bytes: &[u8]) -> Result<Rgb, PhotoError> {
    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(damaged)?;
    decoder.set_memory_limit(MAX_DECODED_BYTES);
    let (width, height) = decoder.dimensions();
    check_size(u64::from(width), u64::from(height))?;
    let size = decoder
        .output_buffer_size()
        .filter(|&size| size <= MAX_DECODED_BYTES)
        .ok_or(PhotoError::TooManyPixels {
            width: u64::from(width),
            height: u64::from(height),
        })?;
    let mut buffer = vec![0; size];
    decoder.read_image(&mut buffer).map_err(damaged)?;
    let pixels = if decoder.has_alpha() {
        flatten_alpha(&buffer, 4, 3)
    } else {
        buffer
    };
    Ok(Rgb {
        width,
        height,
        pixels,
    })
}

/// Puts pixels with an alpha channel on white; `stride` bytes a pixel, of
/// which `colour` are colour (1 = grey).
fn flatten_alpha(buffer: &[u8], stride: usize, colour: usize) -> Vec<u8> {
    buffer
        .chunks_exact(stride)
        .flat_map(|p| {
            let alpha = u32::from(p[stride - 1]);
            let on_white = |c: u8| {
                u8::try_from((u32::from(c) * alpha + 255 * (255 - alpha)) / 255).unwrap_or(255)
            };
            if colour == 1 {
                let l = on_white(p[0]);
                [l, l, l]
            } else {
                [on_white(p[0]), on_white(p[1]), on_white(p[2])]
            }
        })
        .collect()
}

fn resize(resizer: &mut Resizer, image: Rgb, width: u32, height: u32) -> Result<Rgb, PhotoError> {
    if (image.width, image.height) == (width, height) {
        return Ok(image);
    }
    let source = Image::from_vec_u8(image.width, image.height, image.pixels, PixelType::U8x3)
        .map_err(damaged)?;
    let mut target = Image::new(width, height, PixelType::U8x3);
    resizer
        .resize(&source, &mut target, None)
        .map_err(damaged)?;
    Ok(Rgb {
        width,
        height,
        pixels: target.into_vec(),
    })
}

fn encode(image: &Rgb, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let (width, height) = (
        u16::try_from(image.width).map_err(damaged)?,
        u16::try_from(image.height).map_err(damaged)?,
    );
    let mut out = Vec::with_capacity(image.pixels.len() / 8);
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(&image.pixels, width, height, jpeg_encoder::ColorType::Rgb)
        .map_err(damaged)?;
    Ok(out)
}

/// Turns the image upright for EXIF orientation 2–8 (1 and unknown: as is).
fn orient(image: Rgb, orientation: u16) -> Rgb {
    if !(2..=8).contains(&orientation) {
        return image;
    }
    let (w, h) = (image.width as usize, image.height as usize);
    let swap = orientation >= 5;
    let (nw, nh) = if swap { (h, w) } else { (w, h) };
    let mut pixels = vec![0; image.pixels.len()];
    for y in 0..h {
        for x in 0..w {
            // Where source pixel (x, y) goes in the upright image.
            let (nx, ny) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (h - 1 - y, x),
                7 => (h - 1 - y, w - 1 - x),
                _ => (y, w - 1 - x),
            };
            let from = (y * w + x) * 3;
            let to = (ny * nw + nx) * 3;
            pixels[to..to + 3].copy_from_slice(&image.pixels[from..from + 3]);
        }
    }
    #[allow(clippy::cast_possible_truncation)]
    Rgb {
        width: nw as u32,
        height: nh as u32,
        pixels,
    }
}

/// Reads orientation, GPS position and time from a photo's EXIF. Anything
/// missing, malformed or absurd is simply absent.
pub fn read_exif(bytes: &[u8]) -> ExifFacts {
    let mut facts = ExifFacts {
        orientation: 1,
        ..ExifFacts::default()
    };
    // Lenient: keep what parses of a block with a fault elsewhere in it.
    let Ok(exif) = exif::Reader::new()
        .continue_on_error(true)
        .read_from_container(&mut Cursor::new(bytes))
        .or_else(|err| err.distill_partial_result(|_| {}))
    else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_the_long_edge() {
        assert_eq!(fit(3264, 2448, 1600), (1600, 1200));
        assert_eq!(fit(1976, 4608, 1600), (686, 1600));
        assert_eq!(fit(640, 480, 1600), (640, 480));
        assert_eq!(fit(20_000, 1, 1600), (1600, 1));
    }

    #[test]
    fn sniffs_formats_and_names_heic() {
        assert_eq!(sniff(b""), Err(PhotoError::Empty));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Ok(Format::Jpeg));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Err(PhotoError::Heic));
        assert_eq!(sniff(b"GIF89a......"), Err(PhotoError::NotAnImage));
    }

    #[test]
    fn orientation_moves_pixels_the_right_way() {
        // 2×1: red, blue. Orientation 6 (rotate 90° clockwise) → 1×2: red on top.
        let image = Rgb {
            width: 2,
            height: 1,
            pixels: vec![255, 0, 0, 0, 0, 255],
        };
        let upright = orient(image, 6);
        assert_eq!((upright.width, upright.height), (1, 2));
        assert_eq!(upright.pixels, vec![255, 0, 0, 0, 0, 255]);
        let image = Rgb {
            width: 2,
            height: 1,
            pixels: vec![255, 0, 0, 0, 0, 255],
        };
        let upright = orient(image, 8);
        assert_eq!(upright.pixels, vec![0, 0, 255, 255, 0, 0], "blue on top");
    }

    /// A small JPEG (w×h, a gradient) with `fields` as its EXIF.
    fn jpeg_with_exif(w: u16, h: u16, fields: &[exif::Field]) -> Vec<u8> {
        let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h))
            .flat_map(|i| [(i % 251) as u8, (i % 13) as u8 * 19, 128])
            .collect();
        let mut plain = Vec::new();
        jpeg_encoder::Encoder::new(&mut plain, 90)
            .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        if fields.is_empty() {
            return plain;
        }
        let mut writer = exif::experimental::Writer::new();
        for field in fields {
            writer.push_field(field);
        }
        let mut tiff = Cursor::new(Vec::new());
        writer.write(&mut tiff, false).unwrap();
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(tiff.get_ref());
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out
    }

    fn field(tag: exif::Tag, value: exif::Value) -> exif::Field {
        exif::Field {
            tag,
            ifd_num: exif::In::PRIMARY,
            value,
        }
    }

    fn dms(d: u32, m: u32, s_num: u32, s_den: u32) -> exif::Value {
        exif::Value::Rational(vec![
            (d, 1).into(),
            (m, 1).into(),
            exif::Rational {
                num: s_num,
                denom: s_den,
            },
        ])
    }

    fn gps(lat: exif::Value, lat_ref: &str, lon: exif::Value, lon_ref: &str) -> Vec<exif::Field> {
        vec![
            field(exif::Tag::GPSLatitude, lat),
            field(
                exif::Tag::GPSLatitudeRef,
                exif::Value::Ascii(vec![lat_ref.as_bytes().to_vec()]),
            ),
            field(exif::Tag::GPSLongitude, lon),
            field(
                exif::Tag::GPSLongitudeRef,
                exif::Value::Ascii(vec![lon_ref.as_bytes().to_vec()]),
            ),
        ]
    }

    fn location_of(fields: &[exif::Field]) -> Option<(f64, f64)> {
        read_exif(&jpeg_with_exif(16, 16, fields))
            .location
            .map(|l| (l.lat, l.lon))
    }

    #[test]
    fn exif_gps_in_every_hemisphere_and_its_edge_cases() {
        let close = |got: Option<(f64, f64)>, want: (f64, f64)| {
            let (lat, lon) = got.unwrap_or_else(|| panic!("no location, wanted {want:?}"));
            assert!(
                (lat - want.0).abs() < 1e-6 && (lon - want.1).abs() < 1e-6,
                "{lat},{lon} vs {want:?}"
            );
        };
        // Huế: north and east.
        close(
            location_of(&gps(
                dms(16, 27, 4932, 100),
                "N",
                dms(107, 35, 2724, 100),
                "E",
            )),
            (16.4637, 107.5909),
        );
        // South and west (Rio de Janeiro).
        close(
            location_of(&gps(dms(22, 54, 30, 1), "S", dms(43, 10, 21, 1), "W")),
            (-22.908_333, -43.1725),
        );
        // Zero degrees with fractional minutes.
        let zero = exif::Value::Rational(vec![(0, 1).into(), (3075, 100).into(), (0, 1).into()]);
        close(
            location_of(&gps(zero.clone(), "S", zero, "W")),
            (-0.5125, -0.5125),
        );
        // Malformed rationals (a zero denominator), an unknown reference, an
        // empty GPS block, and (0, 0): no location.
        assert_eq!(
            location_of(&gps(dms(16, 27, 1, 0), "N", dms(107, 35, 0, 1), "E")),
            None
        );
        assert_eq!(
            location_of(&gps(dms(16, 27, 0, 1), "X", dms(107, 35, 0, 1), "E")),
            None
        );
        assert_eq!(
            location_of(&gps(dms(16, 75, 0, 1), "N", dms(107, 35, 0, 1), "E")),
            None,
            "75 minutes"
        );
        assert_eq!(
            location_of(&gps(
                exif::Value::Rational(vec![]),
                "N",
                dms(107, 0, 0, 1),
                "E"
            )),
            None
        );
        assert_eq!(
            location_of(&[field(
                exif::Tag::GPSVersionID,
                exif::Value::Byte(vec![2, 2, 0, 0])
            )]),
            None
        );
        assert_eq!(
            location_of(&gps(dms(0, 0, 0, 1), "N", dms(0, 0, 0, 1), "E")),
            None
        );
        assert_eq!(
            location_of(&gps(dms(95, 0, 0, 1), "N", dms(107, 0, 0, 1), "E")),
            None,
            "beyond the pole"
        );
        assert_eq!(location_of(&[]), None);
    }

    #[test]
    fn output_is_upright_small_and_without_metadata() {
        let mut fields = gps(dms(16, 27, 0, 1), "N", dms(107, 35, 0, 1), "E");
        fields.push(field(exif::Tag::Orientation, exif::Value::Short(vec![6])));
        fields.push(field(
            exif::Tag::DateTimeOriginal,
            exif::Value::Ascii(vec![b"2025:07:01 08:30:00".to_vec()]),
        ));
        let original = jpeg_with_exif(400, 100, &fields);
        let settings = Settings {
            max_edge: 200,
            ..Settings::default()
        };
        let out = process(&original, &settings).unwrap();
        assert_eq!(
            (out.width, out.height),
            (50, 200),
            "rotated upright, long edge 200"
        );
        assert_eq!(out.exif.orientation, 6);
        assert_eq!(out.exif.taken_at.as_deref(), Some("2025-07-01T08:30:00"));
        assert!(out.exif.location.is_some());
        for made in [&out.jpeg, &out.thumbnail] {
            assert!(
                exif::Reader::new()
                    .read_from_container(&mut Cursor::new(made))
                    .is_err(),
                "no EXIF in the output"
            );
            assert!(!made.windows(4).any(|w| w == b"Exif"));
        }
        let thumb = jpeg_decoder::Decoder::new(Cursor::new(&out.thumbnail)).info();
        assert!(thumb.is_none() || thumb.is_some_and(|i| i.width <= 320));
    }

    #[test]
    fn png_and_webp_are_read_too() {
        let (w, h) = (300u32, 200u32);
        let rgba: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i % 256) as u8, 40, 200, if i % 2 == 0 { 255 } else { 0 }])
            .collect();
        let mut png_bytes = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut png_bytes, w, h);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            writer.write_image_data(&rgba).unwrap();
        }
        let out = process(&png_bytes, &Settings::default()).unwrap();
        assert_eq!((out.width, out.height), (300, 200));
        let mut webp_bytes = Vec::new();
        image_webp::WebPEncoder::new(&mut webp_bytes)
            .encode(&rgba, w, h, image_webp::ColorType::Rgba8)
            .unwrap();
        let out = process(&webp_bytes, &Settings::default()).unwrap();
        assert_eq!((out.width, out.height), (300, 200));
        assert!(out.jpeg.starts_with(&[0xFF, 0xD8]));
    }

    #[test]
    fn restart_markers_are_counted_right_for_colour_and_grey() {
        for (colour, w, h) in [
            (jpeg_encoder::ColorType::Rgb, 203u16, 117u16),
            (jpeg_encoder::ColorType::Luma, 203, 117),
        ] {
            let channels = if colour == jpeg_encoder::ColorType::Rgb {
                3
            } else {
                1
            };
            let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * channels)
                .map(|i| (i * 7 % 251) as u8)
                .collect();
            let mut jpeg = Vec::new();
            let mut encoder = jpeg_encoder::Encoder::new(&mut jpeg, 80);
            encoder.set_restart_interval(5);
            encoder.encode(&pixels, w, h, colour).unwrap();
            assert_eq!(check_jpeg_structure(&jpeg), Ok(()), "{colour:?}");
            assert!(process(&jpeg, &Settings::default()).is_ok(), "{colour:?}");
        }
    }

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
}
