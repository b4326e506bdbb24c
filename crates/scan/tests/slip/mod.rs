//! Realistic photos of appointment slips, for the tests and `cargo xtask bench
//! scan`: a slip is drawn (white paper, lines of text-like bars, a QR code
//! holding the dossier code or a link with it, and/or a Code 128 barcode of
//! the code), then photographed: laid on a table, turned (up to 15° and by
//! quarter turns), seen at an angle (a perspective warp), out of focus (a
//! Gaussian-like blur), in dim uneven light with low contrast and sensor
//! noise, at 2–12 MP, saved as a JPEG (quality 85). Everything follows from a
//! seed. Test and bench code only: the app never draws slips.

#![allow(dead_code)] // each includer uses a part

use rxing::oned::{Code128Writer, EAN13Writer, OneDimensionalCodeWriter};
use rxing::qrcode::common::ErrorCorrectionLevel;
use rxing::qrcode::encoder::qrcode_encoder;

/// A small deterministic random source (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5EED_5C4A_D055_1E55)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Roughly standard normal (sum of four uniforms, rescaled).
    pub fn normal(&mut self) -> f64 {
        let sum: f64 = (0..4).map(|_| self.unit()).sum();
        (sum - 2.0) * (3.0f64).sqrt()
    }
}

/// A dossier code of the Huế one-stop office's shape: `H46.NN-YYMMDD-NNNN`.
pub fn dossier_code(rng: &mut Rng) -> String {
    format!(
        "H46.{:02}-{:02}{:02}{:02}-{:04}",
        10 + rng.below(90),
        23 + rng.below(4),
        1 + rng.below(12),
        1 + rng.below(28),
        1 + rng.below(9999)
    )
}

/// The link printed on slips, with the code as its parameter.
pub fn lookup_url(code: &str) -> String {
    format!("https://dichvucong.hue.gov.vn/tra-cuu?mahoso={code}")
}

/// What a slip carries.
#[derive(Debug, Clone)]
pub struct Slip {
    /// Text of the QR code, if it has one.
    pub qr: Option<String>,
    /// Text of the Code 128 barcode, if it has one.
    pub barcode: Option<String>,
    /// Digits of a product's EAN-13 barcode printed where the Code 128 goes.
    pub product: Option<String>,
    /// Seed of the text-like lines.
    pub seed: u64,
}

/// A grey image, one byte a pixel.
#[derive(Debug, Clone)]
pub struct Grey {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Grey {
    fn fill_rect(&mut self, x: usize, y: usize, w: usize, h: usize, level: u8) {
        for row in y..(y + h).min(self.height) {
            let start = row * self.width;
            let (a, b) = (x.min(self.width), (x + w).min(self.width));
            self.pixels[start + a..start + b].fill(level);
        }
    }
}

const PAPER_W: usize = 1480;
const PAPER_H: usize = 1050;
const PAPER: u8 = 246;
const INK: u8 = 28;

/// The slip as printed: an A6 card, landscape, at about 350 dpi.
pub fn draw(slip: &Slip) -> Grey {
    let mut rng = Rng::new(slip.seed);
    let mut paper = Grey {
        width: PAPER_W,
        height: PAPER_H,
        pixels: vec![PAPER; PAPER_W * PAPER_H],
    };
    let text_right = if slip.qr.is_some() { 1000 } else { 1400 };
    // A heading, centred, then lines of words (bars of word-like lengths).
    let heading = 620;
    paper.fill_rect((PAPER_W - heading) / 2, 60, heading, 26, INK);
    paper.fill_rect(
        (PAPER_W - heading * 2 / 3) / 2,
        104,
        heading * 2 / 3,
        18,
        INK,
    );
    let text_bottom = if slip.barcode.is_some() || slip.product.is_some() {
        740
    } else {
        960
    };
    let mut y = 170;
    while y + 16 < text_bottom {
        let mut x = 70;
        let end = text_right - rng.below(200);
        while x < end {
            let word = 24 + rng.below(110);
            paper.fill_rect(x, y, word.min(end.saturating_sub(x)), 16, INK + 30);
            x += word + 14;
        }
        y += 42;
    }
    if let Some(text) = &slip.qr {
        let code = qrcode_encoder::encode(text, ErrorCorrectionLevel::M).expect("a QR code");
        let matrix = code.getMatrix().as_ref().expect("a QR matrix");
        let module = 9;
        let size = matrix.getWidth() as usize * module;
        let (x0, y0) = (PAPER_W - 90 - size, 170);
        for my in 0..matrix.getHeight() {
            for mx in 0..matrix.getWidth() {
                if matrix.get(mx, my) == 1 {
                    let (x, y) = (x0 + mx as usize * module, y0 + my as usize * module);
                    paper.fill_rect(x, y, module, module, INK);
                }
            }
        }
    }
    let bars = match (&slip.barcode, &slip.product) {
        (Some(text), _) => Some(Code128Writer.encode_oned(text).expect("a Code 128")),
        (None, Some(digits)) => Some(EAN13Writer.encode_oned(digits).expect("an EAN-13")),
        (None, None) => None,
    };
    if let Some(bars) = bars {
        let module = 4;
        let x0 = 90;
        for (i, &bar) in bars.iter().enumerate() {
            if bar {
                paper.fill_rect(x0 + i * module, 790, module, 120, INK);
            }
        }
        // The code in words under it.
        let width = bars.len() * module;
        paper.fill_rect(x0 + width / 4, 930, width / 2, 20, INK + 30);
    }
    paper
}

/// How a slip is photographed.
#[derive(Debug, Clone, Copy)]
pub struct Shot {
    /// Photo size in pixels.
    pub width: usize,
    pub height: usize,
    /// Turn of the slip in the photo, degrees (quarter turns included).
    pub turn: f64,
    /// Corner displacement of the perspective warp, as a share of the slip's
    /// size in the photo.
    pub perspective: f64,
    /// Share of the photo's matching side the slip covers.
    pub fill: f64,
    /// Blur, Gaussian sigma in the slip's printed pixels.
    pub blur: f64,
    /// Light on the paper, 0–1 (1: paper white at 255).
    pub light: f64,
    /// Contrast kept, 0–1.
    pub contrast: f64,
    /// Sensor noise, standard deviation in levels.
    pub noise: f64,
}

impl Shot {
    /// The slip seen straight, sharp and well lit.
    pub fn clean(width: usize, height: usize) -> Shot {
        Shot {
            width,
            height,
            turn: 0.0,
            perspective: 0.0,
            fill: 0.8,
            blur: 0.0,
            light: 0.95,
            contrast: 1.0,
            noise: 0.0,
        }
    }

    /// A phone photo as residents take them: 2–12 MP, turned up to 15° (and
    /// by a quarter turn one time in four), at an angle, blurred, dim.
    pub fn phone(rng: &mut Rng) -> Shot {
        const SIZES: [(usize, usize); 5] = [
            (1632, 1224),
            (2048, 1536),
            (2592, 1944),
            (3264, 2448),
            (4000, 3000),
        ];
        let (w, h) = SIZES[rng.below(SIZES.len())];
        let (width, height) = if rng.unit() < 0.5 { (w, h) } else { (h, w) };
        let quarter = if rng.unit() < 0.25 {
            90.0 * (1 + rng.below(3)) as f64
        } else {
            0.0
        };
        Shot {
            width,
            height,
            turn: quarter + rng.range(-15.0, 15.0),
            perspective: rng.range(0.0, 0.08),
            fill: rng.range(0.55, 0.85),
            blur: rng.range(0.3, 1.6),
            light: rng.range(0.3, 0.9),
            contrast: rng.range(0.45, 1.0),
            noise: rng.range(1.0, 6.0),
        }
    }
}

/// The projective map taking `from[i]` to `to[i]` (four points each).
fn homography(from: [(f64, f64); 4], to: [(f64, f64); 4]) -> [f64; 9] {
    // Solve the 8×8 system for h11..h32 (h33 = 1), Gaussian elimination.
    let mut a = [[0f64; 9]; 8];
    for (i, (&(x, y), &(u, v))) in from.iter().zip(&to).enumerate() {
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    for col in 0..8 {
        let pivot = (col..8)
            .max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))
            .expect("rows");
        a.swap(col, pivot);
        let pivot_row = a[col];
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / pivot_row[col];
                for (x, p) in row.iter_mut().zip(&pivot_row).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    let h: Vec<f64> = (0..8).map(|i| a[i][8] / a[i][i]).collect();
    [h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], 1.0]
}

fn apply(h: &[f64; 9], x: f64, y: f64) -> (f64, f64) {
    let w = h[6] * x + h[7] * y + h[8];
    (
        (h[0] * x + h[1] * y + h[2]) / w,
        (h[3] * x + h[4] * y + h[5]) / w,
    )
}

/// A Gaussian blur of `sigma` pixels, along rows then columns.
fn blur(image: &mut Grey, sigma: f64) {
    if sigma < 0.2 {
        return;
    }
    let radius = (3.0 * sigma).ceil() as usize;
    let kernel: Vec<f32> = {
        let raw: Vec<f64> = (0..=2 * radius)
            .map(|i| {
                let d = i as f64 - radius as f64;
                (-d * d / (2.0 * sigma * sigma)).exp()
            })
            .collect();
        let sum: f64 = raw.iter().sum();
        raw.iter().map(|k| (k / sum) as f32).collect()
    };
    let (w, h) = (image.width, image.height);
    let mut across = vec![0f32; w * h];
    for y in 0..h {
        let row = &image.pixels[y * w..(y + 1) * w];
        let out = &mut across[y * w..(y + 1) * w];
        for (x, o) in out.iter_mut().enumerate() {
            let mut sum = 0.0;
            for (k, &weight) in kernel.iter().enumerate() {
                let xx = (x + k).saturating_sub(radius).min(w - 1);
                sum += weight * f32::from(row[xx]);
            }
            *o = sum;
        }
    }
    let mut sums = vec![0f32; w];
    for y in 0..h {
        sums.fill(0.0);
        for (k, &weight) in kernel.iter().enumerate() {
            let yy = (y + k).saturating_sub(radius).min(h - 1);
            for (s, &v) in sums.iter_mut().zip(&across[yy * w..(yy + 1) * w]) {
                *s += weight * v;
            }
        }
        for (o, s) in image.pixels[y * w..(y + 1) * w].iter_mut().zip(&sums) {
            *o = s.round().clamp(0.0, 255.0) as u8;
        }
    }
}

/// The slip photographed: a JPEG at quality 85, deterministic from `seed`.
pub fn photograph(paper: &Grey, shot: &Shot, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let (pw, ph) = (paper.width as f64, paper.height as f64);
    let (w, h) = (shot.width as f64, shot.height as f64);
    let turn = shot.turn.to_radians();
    let (sin, cos) = turn.sin_cos();
    // Scale so that the turned slip's bounding box covers `fill` of the photo.
    let bw = pw * cos.abs() + ph * sin.abs();
    let bh = pw * sin.abs() + ph * cos.abs();
    let scale = (w * shot.fill / bw).min(h * shot.fill / bh);
    let slack_x = (w - bw * scale) / 2.0;
    let slack_y = (h - bh * scale) / 2.0;
    let centre = (
        w / 2.0 + rng.range(-0.6, 0.6) * slack_x,
        h / 2.0 + rng.range(-0.6, 0.6) * slack_y,
    );
    let size = pw.max(ph) * scale;
    let corners = [(0.0, 0.0), (pw, 0.0), (pw, ph), (0.0, ph)];
    let mut placed = [(0.0, 0.0); 4];
    for (i, &(x, y)) in corners.iter().enumerate() {
        let (dx, dy) = ((x - pw / 2.0) * scale, (y - ph / 2.0) * scale);
        let jitter = shot.perspective * size;
        placed[i] = (
            centre.0 + cos * dx - sin * dy + rng.range(-jitter, jitter),
            centre.1 + sin * dx + cos * dy + rng.range(-jitter, jitter),
        );
    }
    let to_paper = homography(placed, corners);
    // A table: a mid-dark surface with broad streaks (grain) and a gradient.
    let table = rng.range(70.0, 150.0);
    let grain = (
        rng.range(0.002, 0.01),
        rng.range(0.02, 0.08),
        rng.range(0.0, 6.3),
    );
    // Supersample where the slip is drawn smaller than printed.
    let ss = (1.0 / scale).ceil().clamp(1.0, 3.0) as usize;
    let mut grey = Grey {
        width: shot.width,
        height: shot.height,
        pixels: vec![0; shot.width * shot.height],
    };
    let sample = |u: f64, v: f64| -> Option<f64> {
        if u < 0.0 || v < 0.0 || u >= pw - 1.0 || v >= ph - 1.0 {
            return None;
        }
        let (x0, y0) = (u.floor(), v.floor());
        let (fx, fy) = (u - x0, v - y0);
        let i = y0 as usize * paper.width + x0 as usize;
        let p = |k: usize| f64::from(paper.pixels[k]);
        let top = p(i) * (1.0 - fx) + p(i + 1) * fx;
        let bottom = p(i + paper.width) * (1.0 - fx) + p(i + paper.width + 1) * fx;
        Some(top * (1.0 - fy) + bottom * fy)
    };
    for (y, row) in grey.pixels.chunks_exact_mut(shot.width).enumerate() {
        for (x, out) in row.iter_mut().enumerate() {
            let mut total = 0.0;
            for sy in 0..ss {
                for sx in 0..ss {
                    let px = x as f64 + (sx as f64 + 0.5) / ss as f64;
                    let py = y as f64 + (sy as f64 + 0.5) / ss as f64;
                    let (u, v) = apply(&to_paper, px, py);
                    total += sample(u, v).unwrap_or_else(|| {
                        table
                            + 18.0 * (px * grain.0 + py * grain.1 + grain.2).sin()
                            + 6.0 * (px * grain.1 * 3.0 - py * grain.0).sin()
                    });
                }
            }
            *out = (total / (ss * ss) as f64).round().clamp(0.0, 255.0) as u8;
        }
    }
    blur(&mut grey, (shot.blur * scale).max(0.4));
    // Light: dim, uneven (brighter on one side), contrast lowered, noise.
    let angle = rng.range(0.0, std::f64::consts::TAU);
    let (lx, ly) = (angle.cos(), angle.sin());
    let unevenness = rng.range(0.0, 0.35);
    let diagonal = (w * w + h * h).sqrt();
    let tint = [1.0, rng.range(0.93, 1.0), rng.range(0.8, 0.97)];
    let mut rgb = Vec::with_capacity(shot.width * shot.height * 3);
    for (i, &l) in grey.pixels.iter().enumerate() {
        let (x, y) = ((i % shot.width) as f64, (i / shot.width) as f64);
        let along = ((x - w / 2.0) * lx + (y - h / 2.0) * ly) / diagonal; // -0.5..0.5
        let light = shot.light * (1.0 - unevenness * (0.5 - along));
        let level = f64::from(l) * light;
        let mid = 128.0 * shot.light;
        let level = mid + (level - mid) * shot.contrast + shot.noise * rng.normal();
        for t in tint {
            let chroma = rng.normal() * shot.noise * 0.3;
            rgb.push((level * t + chroma).round().clamp(0.0, 255.0) as u8);
        }
    }
    jpeg(&rgb, shot.width, shot.height, jpeg_encoder::ColorType::Rgb)
}

/// A JPEG at quality 85.
pub fn jpeg(
    pixels: &[u8],
    width: usize,
    height: usize,
    colour: jpeg_encoder::ColorType,
) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(
            pixels,
            u16::try_from(width).expect("a JPEG side"),
            u16::try_from(height).expect("a JPEG side"),
            colour,
        )
        .expect("JPEG encoding");
    out
}

/// The printed slip itself as a grey JPEG: the clean, straight image.
pub fn clean_jpeg(paper: &Grey) -> Vec<u8> {
    jpeg(
        &paper.pixels,
        paper.width,
        paper.height,
        jpeg_encoder::ColorType::Luma,
    )
}

/// One slip of the distorted set: what it carries and how it is shot. Kinds
/// take turns: a QR code of the code, a QR code of the lookup link, a Code
/// 128 alone, both a link QR code and a Code 128.
pub fn sample(seed: u64) -> (String, Slip, Shot) {
    let mut rng = Rng::new(seed.wrapping_mul(7919));
    let code = dossier_code(&mut rng);
    let (qr, barcode) = match seed % 4 {
        0 => (Some(code.clone()), None),
        1 => (Some(lookup_url(&code)), None),
        2 => (None, Some(code.clone())),
        _ => (Some(lookup_url(&code)), Some(code.clone())),
    };
    let slip = Slip {
        qr,
        barcode,
        product: None,
        seed,
    };
    let shot = Shot::phone(&mut rng);
    (code, slip, shot)
}
