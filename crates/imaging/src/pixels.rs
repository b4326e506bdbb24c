//! RGB pixels: the target size, scaling (Lanczos3, SIMD), turning upright,
//! channel conversions done in place where they shrink, and the JPEG encoder.

use fast_image_resize::{IntoImageView, PixelType, Resizer, images::Image};

use crate::{PhotoError, damaged};

/// An RGB image, 3 bytes a pixel.
pub(crate) struct Rgb {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) pixels: Vec<u8>,
}

/// The size that fits within `max_edge` on the long side (never larger): the
/// long edge becomes min(`max_edge`, long edge), the short edge is rounded and
/// never 0.
pub(crate) fn fit(width: u32, height: u32, max_edge: u32) -> (u32, u32) {
    let (width, height) = (width.max(1), height.max(1));
    let long = width.max(height);
    let max_edge = max_edge.max(1);
    if long <= max_edge {
        return (width, height);
    }
    let short = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(max_edge) * 2 + u64::from(long)) / (2 * u64::from(long));
        u32::try_from(scaled).unwrap_or(max_edge).clamp(1, max_edge)
    };
    if width >= height {
        (max_edge, short(height))
    } else {
        (short(width), max_edge)
    }
}

/// Scales an owned image to `width`×`height` (as is when it has that size).
pub(crate) fn resize(
    resizer: &mut Resizer,
    image: Rgb,
    width: u32,
    height: u32,
) -> Result<Rgb, PhotoError> {
    if (image.width, image.height) == (width, height) {
        return Ok(image);
    }
    let source = Image::from_vec_u8(image.width, image.height, image.pixels, PixelType::U8x3)
        .map_err(damaged)?;
    resize_view(resizer, &source, width, height)
}

/// Scales borrowed RGB pixels (rows packed, 3 bytes a pixel) without copying
/// them first.
#[cfg(feature = "heif")]
pub(crate) fn resize_borrowed(
    resizer: &mut Resizer,
    (from_w, from_h): (u32, u32),
    pixels: &[u8],
    (width, height): (u32, u32),
) -> Result<Rgb, PhotoError> {
    let source = fast_image_resize::images::ImageRef::new(from_w, from_h, pixels, PixelType::U8x3)
        .map_err(damaged)?;
    if (from_w, from_h) == (width, height) {
        let size = from_w as usize * from_h as usize * 3;
        return Ok(Rgb {
            width,
            height,
            pixels: source.buffer().get(..size).unwrap_or_default().to_vec(),
        });
    }
    resize_view(resizer, &source, width, height)
}

fn resize_view(
    resizer: &mut Resizer,
    source: &impl IntoImageView,
    width: u32,
    height: u32,
) -> Result<Rgb, PhotoError> {
    let mut target = Image::new(width, height, PixelType::U8x3);
    resizer.resize(source, &mut target, None).map_err(damaged)?;
    Ok(Rgb {
        width,
        height,
        pixels: target.into_vec(),
    })
}

pub(crate) fn encode(image: &Rgb, quality: u8) -> Result<Vec<u8>, PhotoError> {
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
pub(crate) fn orient(image: Rgb, orientation: u16) -> Rgb {
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

/// A colour over white, by its alpha.
pub(crate) fn on_white(c: u8, alpha: u8) -> u8 {
    let alpha = u32::from(alpha);
    u8::try_from((u32::from(c) * alpha + 255 * (255 - alpha)) / 255).unwrap_or(255)
}

/// RGBA → RGB on white, in place (the buffer shrinks; nothing is copied).
pub(crate) fn rgba_to_rgb_in_place(mut buffer: Vec<u8>) -> Vec<u8> {
    let count = buffer.len() / 4;
    for i in 0..count {
        let (r, g, b, a) = (
            buffer[4 * i],
            buffer[4 * i + 1],
            buffer[4 * i + 2],
            buffer[4 * i + 3],
        );
        buffer[3 * i] = on_white(r, a);
        buffer[3 * i + 1] = on_white(g, a);
        buffer[3 * i + 2] = on_white(b, a);
    }
    buffer.truncate(count * 3);
    buffer.shrink_to_fit();
    buffer
}

/// Grey (1 byte a pixel) or grey with alpha (2) → RGB.
pub(crate) fn grey_to_rgb(buffer: &[u8], with_alpha: bool) -> Vec<u8> {
    if with_alpha {
        buffer
            .chunks_exact(2)
            .flat_map(|p| {
                let l = on_white(p[0], p[1]);
                [l, l, l]
            })
            .collect()
    } else {
        buffer.iter().flat_map(|&l| [l, l, l]).collect()
    }
}

/// CMYK (0 = no ink, as the JPEG decoder returns it, having undone Adobe's
/// inversion) → RGB, in place, without a profile.
pub(crate) fn cmyk_to_rgb_in_place(mut buffer: Vec<u8>) -> Vec<u8> {
    let count = buffer.len() / 4;
    for i in 0..count {
        let k = u16::from(255 - buffer[4 * i + 3]);
        for c in 0..3 {
            let paper = u16::from(255 - buffer[4 * i + c]);
            buffer[3 * i + c] = u8::try_from(paper * k / 255).unwrap_or(0);
        }
    }
    buffer.truncate(count * 3);
    buffer.shrink_to_fit();
    buffer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_the_long_edge_and_thin_images_reach_it() {
        assert_eq!(fit(3264, 2448, 1600), (1600, 1200));
        assert_eq!(fit(1976, 4608, 1600), (686, 1600));
        assert_eq!(fit(640, 480, 1600), (640, 480));
        assert_eq!(fit(20_000, 1, 1600), (1600, 1));
        assert_eq!(fit(1600, 1, 1600), (1600, 1));
        assert_eq!(fit(3198, 100, 1600), (1600, 50));
        assert_eq!(fit(1, 20_000, 1600), (1, 1600));
        assert_eq!(fit(20_000, 1000, 1600), (1600, 80));
        assert_eq!(fit(12_000, 9_000, 1600), (1600, 1200));
    }

    #[test]
    fn orientation_moves_pixels_the_right_way() {
        // 2×1: red, blue. Orientation 6 (rotate 90° clockwise) → 1×2: red on top.
        let image = || Rgb {
            width: 2,
            height: 1,
            pixels: vec![255, 0, 0, 0, 0, 255],
        };
        let upright = orient(image(), 6);
        assert_eq!((upright.width, upright.height), (1, 2));
        assert_eq!(upright.pixels, vec![255, 0, 0, 0, 0, 255]);
        let upright = orient(image(), 8);
        assert_eq!(upright.pixels, vec![0, 0, 255, 255, 0, 0], "blue on top");
    }

    #[test]
    fn conversions_in_place() {
        assert_eq!(
            rgba_to_rgb_in_place(vec![10, 20, 30, 255, 0, 0, 0, 0]),
            vec![10, 20, 30, 255, 255, 255]
        );
        assert_eq!(grey_to_rgb(&[7, 9], false), vec![7, 7, 7, 9, 9, 9]);
        assert_eq!(grey_to_rgb(&[0, 0], true), vec![255, 255, 255]);
        // 0 is no ink: white, then full magenta and yellow: red.
        assert_eq!(
            cmyk_to_rgb_in_place(vec![0, 0, 0, 0, 0, 255, 255, 0]),
            vec![255, 255, 255, 255, 0, 0]
        );
    }
}
