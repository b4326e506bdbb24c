//! The photo pipeline: a picked or captured photo (JPEG, PNG, WebP; HEIC/HEIF
//! and AVIF with the `heif` feature) is decoded under hard limits, turned
//! upright by its EXIF orientation, scaled so its long edge is at most
//! `max_edge` (Lanczos3, SIMD), converted to sRGB from its embedded ICC
//! profile, and encoded as a JPEG that carries no metadata at all; a thumbnail
//! comes from the same pass. The GPS position and time in the original's EXIF
//! are read first, to offer as the report's location.
//!
//! Every photo's work is bounded before it starts (see `budget.rs`): the
//! input's bytes, its nominal size (20,000 px a side, 200 MP), the memory the
//! decoder will hold — estimated from the headers, at the size actually
//! decoded, coefficient buffers of progressive JPEGs included — and, for
//! JPEGs, the number of segments and scans and the work they call for. A time
//! budget is checked at every read the decoder makes and between stages.
//! JPEGs are decoded at reduced scale where the target allows (DCT scaling:
//! 1/2, 1/4 or 1/8), so a 108 MP photo never exists at full size in memory.
//!
//! Architecture Invariant: pure CPU work on byte slices; no IO, no async. The
//! engine runs it on the blocking pool, one photo per core at a time, and each
//! run holds one decoded photo at most.

mod budget;
mod colour;
mod heif;
mod jpeg;
mod metadata;
mod pixels;
mod png_image;
#[cfg(any(test, feature = "samples"))]
pub mod samples;
mod webp;

use std::time::Duration;

use fast_image_resize::Resizer;

pub use jpeg::check_jpeg_structure;
pub use metadata::read_exif;
use pixels::Rgb;

/// Largest input file accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 40 * 1024 * 1024;
/// Largest side accepted, in pixels (panoramas).
pub const MAX_SIDE: u32 = 20_000;
/// Most pixels accepted (200 MP phone sensors), before the memory budget.
pub const MAX_PIXELS: u64 = 200_000_000;
/// Most memory one photo's decode may hold at once, in bytes: the decoder's
/// buffers (coefficients, planes, output), our conversion and the resize.
pub const MAX_DECODED_BYTES: usize = 256 * 1024 * 1024;
/// Most segments (markers with a length) in a JPEG.
pub const MAX_JPEG_SEGMENTS: usize = 1_000;
/// Most scans in a JPEG (encoders write 1 to about 25).
pub const MAX_JPEG_SCANS: usize = 100;
/// Most 8×8 block visits a JPEG's decode may make: every block of every
/// component a scan holds, summed over the scans, plus one transform per
/// block. A 200 MP baseline photo (4:2:0) needs about 10 million, a 50 MP
/// progressive one 8 (4:2:0) to 12 (4:4:4) million with libjpeg's ten scans.
pub const MAX_JPEG_BLOCK_VISITS: u64 = 60_000_000;
/// The default time budget of one photo.
pub const TIME_BUDGET: Duration = Duration::from_secs(10);

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
    /// How long one photo may take; past it the photo is refused
    /// ([`PhotoError::TooSlow`]) and the worker is free.
    pub time_budget: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            max_edge: 1600,
            quality: 80,
            thumb_edge: 320,
            thumb_quality: 70,
            time_budget: TIME_BUDGET,
        }
    }
}

/// What the pipeline made of one photo.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed {
    /// The photo to store and upload: JPEG, sRGB, upright, no metadata.
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    /// A small JPEG for lists.
    pub thumbnail: Vec<u8>,
    /// What the original's EXIF said, read before it was dropped.
    pub exif: ExifFacts,
    /// Whether an embedded colour profile was applied (converted to sRGB).
    pub colour_managed: bool,
}

/// Facts read from a photo's EXIF.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExifFacts {
    /// Where it was taken (source `PhotoExif`), if the GPS block makes sense.
    pub location: Option<cds_domain::report::Location>,
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
    #[error("{} photos cannot be read by this build; choose JPEG", .0.name())]
    NotSupported(Format),
    #[error("not a JPEG, PNG, WebP, HEIC or AVIF image")]
    NotAnImage,
    #[error("{width}×{height} pixels is too large")]
    TooManyPixels { width: u64, height: u64 },
    #[error("decoding would hold {needed} bytes; at most {max}")]
    TooMuchMemory { needed: u64, max: u64 },
    #[error("the image is built to take too long to read: {0}")]
    TooComplex(String),
    #[error("reading the image took longer than {budget_ms} ms")]
    TooSlow { budget_ms: u64 },
    #[error("a JPEG of a kind we do not read: {0}")]
    UnsupportedJpeg(String),
    #[error("the image is damaged: {0}")]
    Damaged(String),
}

impl From<PhotoError> for cds_domain::report::Invalid {
    fn from(err: PhotoError) -> Self {
        use cds_domain::report::Rule;
        let rule = match err {
            PhotoError::Empty => Rule::Empty,
            PhotoError::TooLarge { max } => Rule::TooLarge { max },
            PhotoError::NotSupported(Format::Avif) => Rule::AvifNotSupported,
            PhotoError::NotSupported(_) => Rule::NotSupported,
            PhotoError::NotAnImage => Rule::NotAnImage,
            PhotoError::TooManyPixels { .. } | PhotoError::TooMuchMemory { .. } => {
                Rule::TooManyPixels
            }
            PhotoError::TooComplex(_) | PhotoError::TooSlow { .. } => Rule::TooComplex,
            PhotoError::UnsupportedJpeg(_) => Rule::UnsupportedJpeg,
            PhotoError::Damaged(_) => Rule::Damaged,
        };
        cds_domain::report::Invalid {
            field: cds_domain::report::Field::Photos,
            rule,
        }
    }
}

/// The formats we know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    WebP,
    /// HEIC/HEIF (HEVC in an ISO-BMFF container), as iPhones save.
    Heif,
    /// AVIF (AV1 in the same container).
    Avif,
}

impl Format {
    /// The format's name as people know it.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::WebP => "WebP",
            Format::Heif => "HEIC/HEIF",
            Format::Avif => "AVIF",
        }
    }

    /// Whether this build decodes it (HEIF and AVIF need the `heif` feature).
    pub fn decodable(self) -> bool {
        match self {
            Format::Jpeg | Format::Png | Format::WebP => true,
            Format::Heif | Format::Avif => heif::AVAILABLE,
        }
    }

    /// Whether a web view shows it as is (the agency's photos).
    pub fn web_safe(self) -> bool {
        matches!(self, Format::Jpeg | Format::Png | Format::WebP)
    }
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
        return iso_brand(bytes).ok_or(PhotoError::NotAnImage);
    }
    Err(PhotoError::NotAnImage)
}

/// HEIF or AVIF from an ISO-BMFF `ftyp` box: the major brand, else the
/// compatible brands (`mif1` files name what they hold there).
fn iso_brand(bytes: &[u8]) -> Option<Format> {
    const AVIF: [&[u8]; 2] = [b"avif", b"avis"];
    const HEIF: [&[u8]; 7] = [
        b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm",
    ];
    const GENERIC: [&[u8]; 2] = [b"mif1", b"msf1"];
    let size = usize::try_from(u32::from_be_bytes(bytes[..4].try_into().ok()?)).ok()?;
    let ftyp = bytes.get(8..size.clamp(12, bytes.len().min(4096)))?;
    let major = &ftyp[..4];
    if AVIF.contains(&major) {
        return Some(Format::Avif);
    }
    if HEIF.contains(&major) {
        return Some(Format::Heif);
    }
    // After the major brand: a minor version, then compatible brands.
    let compatible: Vec<&[u8]> = ftyp.get(8..).unwrap_or_default().chunks_exact(4).collect();
    if compatible.iter().any(|b| AVIF.contains(b)) {
        return Some(Format::Avif);
    }
    if compatible.iter().any(|b| HEIF.contains(b)) || GENERIC.contains(&major) {
        return Some(Format::Heif);
    }
    None
}

/// A decoded photo on its way through the pipeline.
struct Decoded {
    /// The pixels, at the decoded size (or already at the target size).
    image: Rgb,
    /// The photo's full size, which the target size is computed from.
    full: (u32, u32),
    /// The embedded ICC profile, if any (already applied for CMYK).
    icc: Option<Vec<u8>>,
    /// Whether the pixels came from one grey channel (a grey profile applies).
    grey: bool,
    /// Whether the decoder has already turned the image upright (HEIF).
    upright: bool,
}

/// Runs the whole pipeline on one photo.
pub fn process(bytes: &[u8], settings: &Settings) -> Result<Processed, PhotoError> {
    let deadline = budget::Deadline::start(settings.time_budget);
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(PhotoError::TooLarge {
            max: MAX_INPUT_BYTES,
        });
    }
    let format = sniff(bytes)?;
    if !format.decodable() {
        return Err(PhotoError::NotSupported(format));
    }
    let exif = read_exif(bytes);
    let mut resizer = Resizer::new();
    let decoded = match format {
        Format::Jpeg => jpeg::decode(bytes, settings.max_edge, &deadline)?,
        Format::Png => png_image::decode(bytes, settings.max_edge, &deadline)?,
        Format::WebP => webp::decode(bytes, settings.max_edge, &deadline)?,
        Format::Heif | Format::Avif => {
            heif::decode(bytes, settings.max_edge, &mut resizer, &deadline)?
        }
    };
    deadline.check()?;
    let (w, h) = pixels::fit(decoded.full.0, decoded.full.1, settings.max_edge);
    let mut scaled = pixels::resize(&mut resizer, decoded.image, w, h)?;
    deadline.check()?;
    let colour_managed = match &decoded.icc {
        Some(icc) => colour::to_srgb(&mut scaled, icc, decoded.grey),
        None => false,
    };
    let orientation = if decoded.upright { 1 } else { exif.orientation };
    let upright = pixels::orient(scaled, orientation);
    let jpeg = pixels::encode(&upright, settings.quality)?;
    let (tw, th) = pixels::fit(upright.width, upright.height, settings.thumb_edge);
    let (width, height) = (upright.width, upright.height);
    let thumb = pixels::resize(&mut resizer, upright, tw, th)?;
    let thumbnail = pixels::encode(&thumb, settings.thumb_quality)?;
    deadline.check()?;
    Ok(Processed {
        jpeg,
        width,
        height,
        thumbnail,
        exif,
        colour_managed,
    })
}

/// The nominal size check: sides of 1 to [`MAX_SIDE`], at most [`MAX_PIXELS`].
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

#[cfg(test)]
mod tests;
