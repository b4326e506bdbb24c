//! Reading a dossier slip: the appointment slip a resident takes home from the
//! one-stop office carries the dossier code as a QR code (the code, or a link
//! with the code as a parameter) or a Code 128 barcode; [`read`] finds it in
//! a photo of the slip, on the device.
//!
//! A phone photo is turned (a little, and by quarter turns), skewed, blurred,
//! dim and 2–12 MP. The photo is decoded straight to grey at about the largest
//! size used (JPEGs at a reduced DCT scale), its contrast stretched, then read
//! at growing sizes — long edge 1000, 1600, 2400 px — QR codes first, then
//! linear codes by rows and columns, then linear codes again with the image
//! turned back by the paper's measured skew. The first size that yields a
//! dossier code ends the search; the whole search stops at a time budget.
//!
//! Architecture Invariant: pure CPU work on byte slices; no IO, no async. The
//! engine runs it on the blocking pool. What a code holds is only read, never
//! opened (`cds_domain::dossier::code_from_scan`).

mod codes;
mod image;
mod luma;

use std::borrow::Cow;
use std::time::{Duration, Instant};

use cds_domain::dossier::code_from_scan;

pub use image::{MAX_INPUT_BYTES, MAX_PIXELS, MAX_SIDE};

/// The symbologies told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Qr,
    Code128,
    /// A product's barcode: never a dossier code.
    Ean13,
    /// Any other symbology (none is read today): the UI's contract stays
    /// the same when one is added.
    Other,
}

/// One code read from the photo: its symbology and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Found {
    pub format: Format,
    pub text: String,
}

/// A slip read: its dossier code and every code read on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// Normalised (`cds_domain::dossier::normalize_code`) and of the shape
    /// of a dossier code.
    pub dossier_code: String,
    /// The codes read before the search stopped, the one that gave the
    /// dossier code among them.
    pub codes: Vec<Found>,
    /// Where the dossier code was found.
    pub pass: Pass,
}

/// One step of the search: the size the photo was read at and how far it was
/// turned first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pass {
    /// Long edge of the image read, in pixels.
    pub long_edge: usize,
    /// Degrees the image was turned to straighten a linear code (0: as is).
    pub turned: f32,
}

/// Why no dossier code came out of a file. Each is something the UI can say.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error("not a JPEG, PNG or WebP image")]
    NotAnImage,
    #[error("the file or the image is too large")]
    TooLarge,
    #[error("the image is damaged: {0}")]
    Unreadable(String),
    /// Built to take too long to read (e.g. thousands of progressive scans).
    #[error("the image is built to take too long to read: {0}")]
    TooComplex(String),
    #[error("no QR code or barcode found in the photo")]
    NoCode,
    /// Codes were read, none of them holds a dossier code (a link to some
    /// other site, a product's barcode): what they hold, for the UI to say.
    #[error("the codes in the photo hold no dossier code")]
    NoDossierCode { found: Vec<Found> },
}

/// How hard to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Wall time after which no new step starts (the decode and the first
    /// size are always done). The UI promises an answer within 2 s.
    pub budget: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            budget: Duration::from_millis(1500),
        }
    }
}

/// Long edges the photo is read at, smallest (fastest) first.
const EDGES: [usize; 3] = [1000, 1600, 2400];
/// JPEGs are DCT-scaled to the smallest scale whose long edge is at least
/// this: 4000 px → 2000 px; below 3840 px, full size.
const DECODE_EDGE: u32 = 1920;
/// A turn smaller than this (degrees) is not worth straightening.
const MIN_TURN: f32 = 2.0;
/// Turns (degrees) tried either side of the paper's once all else failed.
const EXTRA_TURNS: [f32; 2] = [-5.0, 5.0];

/// Reads the dossier code from a photo of a slip, within the default budget.
pub fn read(bytes: &[u8]) -> Result<Scan, ScanError> {
    read_with(bytes, &Options::default())
}

/// Reads the dossier code from a photo of a slip.
pub fn read_with(bytes: &[u8], options: &Options) -> Result<Scan, ScanError> {
    let deadline = Instant::now() + options.budget;
    let top = {
        let photo = image::decode(bytes, DECODE_EDGE)?;
        photo.downscaled(EDGES[EDGES.len() - 1]).stretched()
    };
    let mut search = Search {
        deadline,
        found: Vec::new(),
        rates: [0.0; 2],
    };
    let sizes = sizes(top.long_edge());
    let mut skew = None;
    for &edge in &sizes {
        let image = sized(&top, edge);
        let pass = Pass {
            long_edge: image.long_edge(),
            turned: 0.0,
        };
        if let Some(scan) = search.qr(&image, pass) {
            return Ok(scan);
        }
        if let Some(scan) = search.linear(&image, pass) {
            return Ok(scan);
        }
        // Linear codes again, on the image turned straight by the paper's
        // skew (measured once, on the smallest size) and binarized block by
        // block: a row's own histogram misplaces the threshold of thin,
        // blurred gaps next to a dark table.
        let turn = *skew.get_or_insert_with(|| image.skew().unwrap_or(0.0));
        let turn = if turn.abs() >= MIN_TURN { -turn } else { 0.0 };
        let pass = Pass {
            turned: turn,
            ..pass
        };
        if let Some(scan) = search.straightened(&image, turn, pass) {
            return Ok(scan);
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    // While time remains: a linear code whose own turn differs from the
    // paper's (perspective), on the two largest sizes.
    let turn = -skew.unwrap_or(0.0);
    for &edge in sizes.iter().rev().take(2).rev() {
        let image = sized(&top, edge);
        for delta in EXTRA_TURNS {
            let pass = Pass {
                long_edge: image.long_edge(),
                turned: turn + delta,
            };
            if let Some(scan) = search.straightened(&image, turn + delta, pass) {
                return Ok(scan);
            }
        }
    }
    if search.found.is_empty() {
        Err(ScanError::NoCode)
    } else {
        Err(ScanError::NoDossierCode {
            found: search.found,
        })
    }
}

/// The long edges to read a photo of long edge `long` at: [`EDGES`] up to
/// `long`, leaving out a size barely larger than the one before.
fn sizes(long: usize) -> Vec<usize> {
    let mut sizes: Vec<usize> = Vec::new();
    for edge in EDGES.map(|edge| edge.min(long)) {
        if sizes.last().is_none_or(|&last| edge * 5 >= last * 6) {
            sizes.push(edge);
        }
    }
    sizes
}

/// The image at long edge `edge` (itself if that is its size).
fn sized(top: &luma::Luma, edge: usize) -> Cow<'_, luma::Luma> {
    if edge >= top.long_edge() {
        Cow::Borrowed(top)
    } else {
        Cow::Owned(top.downscaled(edge))
    }
}

/// The kinds of step, each with its own cost per pixel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Qr = 0,
    Linear = 1,
}

/// The state of one search: what was read, and how fast steps go.
struct Search {
    deadline: Instant,
    found: Vec<Found>,
    /// Seconds per pixel seen for each kind of step (the slowest so far).
    rates: [f64; 2],
}

impl Search {
    fn has(&self, test: impl Fn(&Found) -> bool) -> bool {
        self.found.iter().any(test)
    }

    /// Whether a step over `pixels` can end before the deadline. The first
    /// step of each kind always runs.
    fn fits(&self, kind: Kind, pixels: usize) -> bool {
        let rate = self.rates[kind as usize];
        if rate == 0.0 {
            return true;
        }
        let needed = Duration::from_secs_f64(rate * pixels as f64);
        Instant::now() + needed <= self.deadline
    }

    /// Runs one step if it fits, keeps what it read, and answers with the
    /// scan once a dossier code is among the codes read.
    fn step(
        &mut self,
        kind: Kind,
        image: &luma::Luma,
        pass: Pass,
        read: impl FnOnce(&luma::Luma) -> Vec<Found>,
    ) -> Option<Scan> {
        if !self.fits(kind, image.pixels.len()) {
            return None;
        }
        let started = Instant::now();
        let read = read(image);
        let rate = started.elapsed().as_secs_f64() / image.pixels.len().max(1) as f64;
        let slot = &mut self.rates[kind as usize];
        *slot = slot.max(rate);
        let mut fresh = false;
        for code in read {
            if !self.found.contains(&code) {
                self.found.push(code);
                fresh = true;
            }
        }
        if !fresh {
            return None;
        }
        dossier_code(&self.found).map(|dossier_code| Scan {
            dossier_code,
            codes: self.found.clone(),
            pass,
        })
    }

    fn qr(&mut self, image: &luma::Luma, pass: Pass) -> Option<Scan> {
        self.step(Kind::Qr, image, pass, codes::qr)
    }

    /// Linear codes on the image turned by `turn` degrees, binarized, then
    /// (if turned) as it is. Not once a linear code was read.
    fn straightened(&mut self, image: &luma::Luma, turn: f32, pass: Pass) -> Option<Scan> {
        if self.has(|f| f.format != Format::Qr) || !self.fits(Kind::Linear, image.pixels.len() * 2)
        {
            return None;
        }
        let straight = if turn == 0.0 {
            Cow::Borrowed(image)
        } else {
            Cow::Owned(image.rotated(turn))
        };
        if let Some(binary) = codes::binarized(&straight)
            && let Some(scan) = self.linear(&binary, pass)
        {
            return Some(scan);
        }
        if turn != 0.0 {
            return self.linear(&straight, pass);
        }
        None
    }

    fn linear(&mut self, image: &luma::Luma, pass: Pass) -> Option<Scan> {
        self.step(Kind::Linear, image, pass, |image| {
            codes::linear(image).into_iter().collect()
        })
    }
}

/// The dossier code among the codes read: from a QR code or a Code 128 if
/// one holds it (the code itself or a link that carries it), else from any.
fn dossier_code(found: &[Found]) -> Option<String> {
    let preferred = |f: &&Found| matches!(f.format, Format::Qr | Format::Code128);
    found
        .iter()
        .filter(preferred)
        .chain(found.iter().filter(|f| !preferred(f)))
        .find_map(|f| code_from_scan(&f.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(format: Format, text: &str) -> Found {
        Found {
            format,
            text: text.to_owned(),
        }
    }

    #[test]
    fn the_dossier_code_comes_from_a_slip_code_first() {
        let found = [
            code(Format::Other, "H99.99-999999-9999"),
            code(Format::Qr, "https://zalo.me/123"),
            code(
                Format::Qr,
                "https://dichvucong.hue.gov.vn/tra-cuu?mahoso=h46.23-261129-0001",
            ),
        ];
        assert_eq!(dossier_code(&found).as_deref(), Some("H46.23-261129-0001"));
        assert_eq!(
            dossier_code(&found[..1]).as_deref(),
            Some("H99.99-999999-9999")
        );
        assert_eq!(dossier_code(&found[1..2]), None);
        assert_eq!(dossier_code(&[code(Format::Ean13, "8935049500018")]), None);
    }
}
