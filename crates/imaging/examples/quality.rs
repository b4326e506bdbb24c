//! `quality ORIGINAL OUTPUT…`: the SSIM of each OUTPUT (a JPEG) against a
//! high-quality reference made from ORIGINAL (a JPEG): decoded at full size,
//! turned upright by its EXIF orientation, and scaled to the output's size
//! with Lanczos3 in 32-bit floats (no DCT scaling, no rounding to 8 bits).
//! SSIM (Wang et al. 2004: 11×11 Gaussian window, σ 1.5) on luma (BT.601);
//! prints `ssim=VALUE OUTPUT` per output. For `cargo xtask bench photos`.

#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::collections::HashMap;
use std::io::Cursor;

use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer, images::Image};

/// Luma of 8-bit RGB (or grey) pixels, with the size.
fn decode_luma(bytes: &[u8]) -> Result<(usize, usize, Vec<f32>), String> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    let pixels = decoder.decode().map_err(|err| err.to_string())?;
    let info = decoder.info().ok_or("no frame")?;
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    let luma = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => pixels
            .chunks_exact(3)
            .map(|p| luma(f32::from(p[0]), f32::from(p[1]), f32::from(p[2])))
            .collect(),
        jpeg_decoder::PixelFormat::L8 => pixels.iter().map(|&l| f32::from(l)).collect(),
        other => return Err(format!("{other:?} is not read here")),
    };
    Ok((w, h, luma))
}

fn luma(r: f32, g: f32, b: f32) -> f32 {
    0.299 * r + 0.587 * g + 0.114 * b
}

/// The original, upright, as 32-bit float RGB (0–255).
struct Original {
    width: u32,
    height: u32,
    pixels: Vec<f32>,
}

fn original(bytes: &[u8]) -> Result<Original, String> {
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    let pixels = decoder.decode().map_err(|err| err.to_string())?;
    let info = decoder.info().ok_or("no frame")?;
    if info.pixel_format != jpeg_decoder::PixelFormat::RGB24 {
        return Err("the reference needs an RGB JPEG".into());
    }
    let (w, h) = (usize::from(info.width), usize::from(info.height));
    let orientation = cds_imaging::read_exif(bytes).orientation;
    let swap = orientation >= 5;
    let (nw, nh) = if swap { (h, w) } else { (w, h) };
    let mut out = vec![0f32; w * h * 3];
    for y in 0..h {
        for x in 0..w {
            let (nx, ny) = match orientation {
                2 => (w - 1 - x, y),
                3 => (w - 1 - x, h - 1 - y),
                4 => (x, h - 1 - y),
                5 => (y, x),
                6 => (h - 1 - y, x),
                7 => (h - 1 - y, w - 1 - x),
                8 => (y, w - 1 - x),
                _ => (x, y),
            };
            for c in 0..3 {
                out[(ny * nw + nx) * 3 + c] = f32::from(pixels[(y * w + x) * 3 + c]);
            }
        }
    }
    Ok(Original {
        width: u32::try_from(nw).map_err(|err| err.to_string())?,
        height: u32::try_from(nh).map_err(|err| err.to_string())?,
        pixels: out,
    })
}

/// The reference's luma at `width`×`height`.
fn reference(original: &Original, width: u32, height: u32) -> Result<Vec<f32>, String> {
    let mut source = Image::new(original.width, original.height, PixelType::F32x3);
    for (bytes, value) in source
        .buffer_mut()
        .chunks_exact_mut(4)
        .zip(&original.pixels)
    {
        bytes.copy_from_slice(&value.to_ne_bytes());
    }
    let mut target = Image::new(width, height, PixelType::F32x3);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|err| err.to_string())?;
    let values: Vec<f32> = target
        .buffer()
        .chunks_exact(4)
        .map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok(values
        .chunks_exact(3)
        .map(|p| {
            luma(
                p[0].clamp(0.0, 255.0),
                p[1].clamp(0.0, 255.0),
                p[2].clamp(0.0, 255.0),
            )
        })
        .collect())
}

/// `values` blurred by the 11×11 Gaussian (σ 1.5), where the window fits.
fn blur(values: &[f32], w: usize, h: usize) -> Vec<f32> {
    let kernel: Vec<f32> = (-5..=5_i32)
        .map(|i| (-(i * i) as f32 / (2.0 * 1.5 * 1.5)).exp())
        .collect();
    let sum: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / sum).collect();
    let mut rows = vec![0f32; w * h];
    for y in 0..h {
        for x in 5..w.saturating_sub(5) {
            rows[y * w + x] = (0..11).map(|k| kernel[k] * values[y * w + x + k - 5]).sum();
        }
    }
    let mut out = vec![0f32; w * h];
    for y in 5..h.saturating_sub(5) {
        for x in 5..w.saturating_sub(5) {
            out[y * w + x] = (0..11).map(|k| kernel[k] * rows[(y + k - 5) * w + x]).sum();
        }
    }
    out
}

fn ssim(a: &[f32], b: &[f32], w: usize, h: usize) -> f64 {
    let (c1, c2) = ((0.01f32 * 255.0).powi(2), (0.03f32 * 255.0).powi(2));
    let product = |f: &dyn Fn(f32, f32) -> f32| -> Vec<f32> {
        a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
    };
    let (mu_a, mu_b) = (blur(a, w, h), blur(b, w, h));
    let aa = blur(&product(&|x, _| x * x), w, h);
    let bb = blur(&product(&|_, y| y * y), w, h);
    let ab = blur(&product(&|x, y| x * y), w, h);
    let (mut total, mut count) = (0f64, 0u64);
    for y in 5..h.saturating_sub(5) {
        for x in 5..w.saturating_sub(5) {
            let i = y * w + x;
            let (ma, mb) = (mu_a[i], mu_b[i]);
            let (va, vb, cov) = (aa[i] - ma * ma, bb[i] - mb * mb, ab[i] - ma * mb);
            let s = ((2.0 * ma * mb + c1) * (2.0 * cov + c2))
                / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            total += f64::from(s);
            count += 1;
        }
    }
    total / count.max(1) as f64
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [original_path, outputs @ ..] = &args[..] else {
        return Err("usage: quality ORIGINAL OUTPUT…".into());
    };
    let read = |path: &String| std::fs::read(path).map_err(|err| format!("{path}: {err}"));
    let original = original(&read(original_path)?)?;
    let mut references: HashMap<(usize, usize), Vec<f32>> = HashMap::new();
    for path in outputs {
        let (w, h, luma) = decode_luma(&read(path)?)?;
        let reference = match references.get(&(w, h)) {
            Some(reference) => reference,
            None => {
                let made = reference(
                    &original,
                    u32::try_from(w).map_err(|err| err.to_string())?,
                    u32::try_from(h).map_err(|err| err.to_string())?,
                )?;
                references.entry((w, h)).or_insert(made)
            }
        };
        println!("ssim={:.4} {path}", ssim(reference, &luma, w, h));
    }
    Ok(())
}
