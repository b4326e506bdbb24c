//! A grey image (one byte a pixel) and the little the reader does to one:
//! downscale by area averaging, stretch its contrast, find how far the paper
//! in it is turned, and turn it back.

/// An 8-bit luminance image, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Luma {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u8>,
}

impl Luma {
    pub fn new(width: usize, height: usize, mut pixels: Vec<u8>) -> Luma {
        pixels.truncate(width * height);
        Luma {
            width,
            height,
            pixels,
        }
    }

    pub fn long_edge(&self) -> usize {
        self.width.max(self.height)
    }

    /// The image with its long edge at most `long_edge`, each new pixel the
    /// mean of the area it covers (no aliasing of thin bars); a copy if it is
    /// already that small.
    pub fn downscaled(&self, long_edge: usize) -> Luma {
        let long = self.long_edge();
        if long <= long_edge || long == 0 {
            return self.clone();
        }
        let f = long_edge as f64 / long as f64;
        let w = ((self.width as f64 * f).round() as usize).max(1);
        let h = ((self.height as f64 * f).round() as usize).max(1);
        let columns = area_weights(self.width, w);
        let rows = area_weights(self.height, h);
        // Horizontal pass: every source row to `w` columns.
        let mut across = vec![0f32; w * self.height];
        for (y, out) in across.chunks_exact_mut(w).enumerate() {
            let row = &self.pixels[y * self.width..(y + 1) * self.width];
            for (o, (start, weights)) in out.iter_mut().zip(&columns) {
                *o = weights
                    .iter()
                    .zip(&row[*start..])
                    .map(|(wt, &p)| wt * f32::from(p))
                    .sum();
            }
        }
        // Vertical pass.
        let mut pixels = vec![0u8; w * h];
        let mut sums = vec![0f32; w];
        for (out, (start, weights)) in pixels.chunks_exact_mut(w).zip(&rows) {
            sums.fill(0.0);
            for (k, wt) in weights.iter().enumerate() {
                let row = &across[(start + k) * w..(start + k + 1) * w];
                for (s, &v) in sums.iter_mut().zip(row) {
                    *s += wt * v;
                }
            }
            for (o, s) in out.iter_mut().zip(&sums) {
                *o = s.round().clamp(0.0, 255.0) as u8;
            }
        }
        Luma::new(w, h, pixels)
    }

    /// The image mirrored about its diagonal: columns become rows.
    pub fn transposed(&self) -> Luma {
        let (w, h) = (self.width, self.height);
        let mut pixels = vec![0u8; w * h];
        // In tiles, so that both sides stay in the cache.
        const TILE: usize = 64;
        for y0 in (0..h).step_by(TILE) {
            for x0 in (0..w).step_by(TILE) {
                for y in y0..(y0 + TILE).min(h) {
                    for x in x0..(x0 + TILE).min(w) {
                        pixels[x * h + y] = self.pixels[y * w + x];
                    }
                }
            }
        }
        Luma::new(h, w, pixels)
    }

    /// Spreads the levels between the darkest and brightest percent over the
    /// whole range: a dim or grey photo gets the contrast the binarizer
    /// expects. Nearly flat images are left alone.
    pub fn stretched(mut self) -> Luma {
        let mut histogram = [0usize; 256];
        for &p in &self.pixels {
            histogram[usize::from(p)] += 1;
        }
        let cut = self.pixels.len() / 100;
        let mut seen = 0;
        let lo = histogram
            .iter()
            .position(|&n| {
                seen += n;
                seen > cut
            })
            .unwrap_or(0);
        seen = 0;
        let hi = 255
            - histogram
                .iter()
                .rev()
                .position(|&n| {
                    seen += n;
                    seen > cut
                })
                .unwrap_or(0);
        if hi <= lo + 16 || (lo == 0 && hi == 255) {
            return self;
        }
        let span = (hi - lo) as f32;
        let table: Vec<u8> = (0..256)
            .map(|v| {
                ((v as f32 - lo as f32) * 255.0 / span)
                    .round()
                    .clamp(0.0, 255.0) as u8
            })
            .collect();
        for p in &mut self.pixels {
            *p = table[usize::from(*p)];
        }
        self
    }

    /// How far the straight edges in the image (paper, bars, lines of text)
    /// are turned from the axes, in degrees in (-45, 45]: the peak of the
    /// histogram of gradient directions (Scharr's operator, nearly free of
    /// the grid's bias) folded to a quarter turn, weighted by gradient
    /// strength. `None` without enough edges.
    pub fn skew(&self) -> Option<f32> {
        const BINS: usize = 360; // a quarter of a degree each
        const MIN_STRENGTH: i32 = 400;
        let (w, h) = (self.width, self.height);
        if w < 3 || h < 3 {
            return None;
        }
        let mut histogram = [0f64; BINS];
        let mut total = 0.0;
        let p = |x: usize, y: usize| i32::from(self.pixels[y * w + x]);
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let gx = 3 * (p(x + 1, y - 1) - p(x - 1, y - 1))
                    + 10 * (p(x + 1, y) - p(x - 1, y))
                    + 3 * (p(x + 1, y + 1) - p(x - 1, y + 1));
                let gy = 3 * (p(x - 1, y + 1) - p(x - 1, y - 1))
                    + 10 * (p(x, y + 1) - p(x, y - 1))
                    + 3 * (p(x + 1, y + 1) - p(x + 1, y - 1));
                let strength = gx * gx + gy * gy;
                if strength < MIN_STRENGTH * MIN_STRENGTH {
                    continue;
                }
                let angle = (gy as f32).atan2(gx as f32).to_degrees(); // (-180, 180]
                let folded = angle.rem_euclid(90.0); // [0, 90)
                let bin = ((folded * 4.0) as usize).min(BINS - 1);
                let weight = f64::from(strength).sqrt();
                histogram[bin] += weight;
                total += weight;
            }
        }
        if total == 0.0 {
            return None;
        }
        // The peak of the histogram smoothed over ±1.5° (it wraps around at
        // 90°), then the weighted mean within ±3° of it: sharp edges on the
        // pixel grid split a direction into lobes on either side of it.
        let at = |i: isize| histogram[i.rem_euclid(BINS as isize) as usize];
        let smooth = |i: isize| -> f64 { (-6..=6).map(|k| at(i + k)).sum() };
        let (peak, _) = (0..BINS as isize)
            .map(|i| (i, smooth(i)))
            .max_by(|a, b| a.1.total_cmp(&b.1))?;
        let (mut sum, mut weight) = (0.0, 0.0);
        for k in -12..=12 {
            let w = at(peak + k);
            sum += w * (peak + k) as f64;
            weight += w;
        }
        let angle = ((sum / weight + 0.5) / 4.0) as f32;
        let angle = angle.rem_euclid(90.0);
        Some(if angle > 45.0 { angle - 90.0 } else { angle })
    }

    /// The image turned by `degrees` (clockwise on screen, where y points
    /// down) about its centre, on a canvas grown to hold all of it; the new
    /// corners take the image's mean level.
    pub fn rotated(&self, degrees: f32) -> Luma {
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (w, h) = (self.width as f32, self.height as f32);
        let nw = (w * cos.abs() + h * sin.abs()).ceil() as usize;
        let nh = (w * sin.abs() + h * cos.abs()).ceil() as usize;
        let fill = (self.pixels.iter().map(|&p| u64::from(p)).sum::<u64>()
            / self.pixels.len().max(1) as u64) as u8;
        let (cx, cy) = (w / 2.0, h / 2.0);
        let (ncx, ncy) = (nw as f32 / 2.0, nh as f32 / 2.0);
        let mut pixels = vec![fill; nw * nh];
        let (sw, sh) = (self.width as isize, self.height as isize);
        for (y, row) in pixels.chunks_exact_mut(nw).enumerate() {
            let dy = y as f32 + 0.5 - ncy;
            for (x, out) in row.iter_mut().enumerate() {
                let dx = x as f32 + 0.5 - ncx;
                // Inverse rotation: where this pixel comes from.
                let sx = cos * dx + sin * dy + cx - 0.5;
                let sy = -sin * dx + cos * dy + cy - 0.5;
                let (x0, y0) = (sx.floor(), sy.floor());
                let (ix, iy) = (x0 as isize, y0 as isize);
                if ix < 0 || iy < 0 || ix + 1 >= sw || iy + 1 >= sh {
                    continue;
                }
                let (fx, fy) = (sx - x0, sy - y0);
                let at = |x: isize, y: isize| f32::from(self.pixels[(y * sw + x) as usize]);
                let top = at(ix, iy) * (1.0 - fx) + at(ix + 1, iy) * fx;
                let bottom = at(ix, iy + 1) * (1.0 - fx) + at(ix + 1, iy + 1) * fx;
                *out = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
        }
        Luma::new(nw, nh, pixels)
    }
}

/// For each of `dst` cells over `src` pixels: the first source pixel and
/// the weights (summing to 1) of the source pixels the cell covers.
fn area_weights(src: usize, dst: usize) -> Vec<(usize, Vec<f32>)> {
    let step = src as f64 / dst as f64;
    (0..dst)
        .map(|o| {
            let (a, b) = (o as f64 * step, ((o + 1) as f64 * step).min(src as f64));
            let first = a.floor() as usize;
            let last = (b.ceil() as usize).min(src).max(first + 1);
            let weights = (first..last)
                .map(|i| {
                    let covered = (b.min(i as f64 + 1.0) - a.max(i as f64)).max(0.0);
                    (covered / (b - a)) as f32
                })
                .collect();
            (first, weights)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vertical dark bars 6 px wide every 12 px, on white.
    fn bars(w: usize, h: usize) -> Luma {
        let pixels = (0..w * h)
            .map(|i| if (i % w) % 12 < 6 { 20 } else { 230 })
            .collect();
        Luma::new(w, h, pixels)
    }

    #[test]
    fn downscaling_averages_areas() {
        let image = bars(240, 120);
        let small = image.downscaled(120);
        assert_eq!((small.width, small.height), (120, 60));
        // 2:1, so 6-px bars become 3-px bars of the same levels.
        assert_eq!(&small.pixels[..6], &[20, 20, 20, 230, 230, 230]);
        // By 12: every cell is one bar and one gap.
        let mean = image.downscaled(20);
        assert!(
            mean.pixels.iter().all(|&p| p == 125),
            "{:?}",
            &mean.pixels[..4]
        );
        assert_eq!(image.downscaled(1000), image);
    }

    #[test]
    fn transposing_turns_columns_into_rows() {
        let image = Luma::new(3, 2, vec![1, 2, 3, 4, 5, 6]);
        let t = image.transposed();
        assert_eq!((t.width, t.height), (2, 3));
        assert_eq!(t.pixels, vec![1, 4, 2, 5, 3, 6]);
        assert_eq!(t.transposed(), image);
    }

    #[test]
    fn stretching_spreads_a_dim_image() {
        let dim = Luma::new(100, 1, (0..100).map(|i| 40 + (i % 2) * 30).collect());
        let stretched = dim.stretched();
        assert_eq!(stretched.pixels[0], 0);
        assert_eq!(stretched.pixels[1], 255);
        let flat = Luma::new(10, 10, vec![128; 100]);
        assert_eq!(flat.clone().stretched(), flat);
    }

    /// Dark bars 14 px wide every 40 px, turned by `degrees`, with soft
    /// (antialiased) edges, on a mid-grey table around a white card.
    fn turned_card(degrees: f32) -> Luma {
        let (w, h) = (400usize, 300usize);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let soft = |d: f32| (d + 0.75).clamp(0.0, 1.5) / 1.5; // 0 outside, 1 inside
        let pixels = (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f32 - 200.0, (i / w) as f32 - 150.0);
                // Coordinates on the card.
                let (u, v) = (cos * x + sin * y, -sin * x + cos * y);
                let card = soft(150.0 - u.abs()) * soft(100.0 - v.abs());
                let phase = (u + 1000.0).rem_euclid(40.0);
                let bar = soft(7.0 - (phase - 20.0).abs()) * soft(60.0 - v.abs());
                let level = 110.0 + card * (240.0 - 110.0) - bar * (240.0 - 25.0);
                level.round() as u8
            })
            .collect();
        Luma::new(w, h, pixels)
    }

    #[test]
    fn skew_is_found_and_turned_back() {
        for turn in [-14.0f32, -6.0, 0.0, 9.0, 15.0, 90.0 + 5.0, -90.0 - 11.0] {
            let quarter = (turn / 90.0).round() * 90.0;
            let card = turned_card(turn);
            let skew = card.skew().unwrap();
            assert!(
                (skew - (turn - quarter)).abs() <= 1.0,
                "turned {turn}, found {skew}"
            );
            let back = card.rotated(-skew);
            assert!(back.skew().unwrap().abs() <= 1.0, "turned {turn}");
        }
        assert_eq!(Luma::new(10, 10, vec![200; 100]).skew(), None);
    }
}
