//! JPEG: a strict structure check that also measures what decoding will cost
//! (segments, scans, block visits, memory at the scale decoded), then a
//! decode at the smallest DCT scale (1/8, 1/4, 1/2, 1/1) whose size covers
//! the target on both sides.
//!
//! The decoder (`jpeg-decoder`) cannot be interrupted, so the time budget is
//! kept three ways: files that would take long are refused before decoding
//! (more than [`MAX_JPEG_SCANS`] scans or [`MAX_JPEG_BLOCK_VISITS`] block
//! visits), the input it reads fails once the deadline has passed (it stops
//! at its next read, at the latest at the next scan), and the pipeline checks
//! the deadline between stages.

use crate::budget::{self, Deadline, Reader};
use crate::pixels::{self, Rgb};
use crate::{
    Decoded, MAX_JPEG_BLOCK_VISITS, MAX_JPEG_SCANS, MAX_JPEG_SEGMENTS, PhotoError, check_size,
    colour,
};

/// What the structure check learnt of a JPEG's frame.
#[derive(Debug, Clone)]
struct Frame {
    width: u32,
    height: u32,
    /// Component ids and sampling factors (horizontal, vertical).
    components: Vec<(u8, u32, u32)>,
    baseline: bool,
    progressive: bool,
    lossless: bool,
}

impl Frame {
    fn max_sampling(&self) -> (u32, u32) {
        let h = self.components.iter().map(|c| c.1).max().unwrap_or(1);
        let v = self.components.iter().map(|c| c.2).max().unwrap_or(1);
        (h.max(1), v.max(1))
    }

    /// 8×8 blocks of component `k`, padded to whole MCUs as decoders hold them.
    fn blocks(&self, k: usize) -> u64 {
        let (h_max, v_max) = self.max_sampling();
        let (_, h, v) = self.components[k];
        let mcus_x = u64::from(self.width.div_ceil(8 * h_max));
        let mcus_y = u64::from(self.height.div_ceil(8 * v_max));
        mcus_x * u64::from(h.max(1)) * mcus_y * u64::from(v.max(1))
    }

    fn all_blocks(&self) -> u64 {
        (0..self.components.len()).map(|k| self.blocks(k)).sum()
    }
}

/// Checks the JPEG's marker structure before decoding, more strictly than
/// decoders do (they repair what they can): segments must fit the file, one
/// frame header, a scan header of the length its component count gives, no
/// fill bytes between segments, and restart markers in order and as many as
/// the frame's MCU count and restart interval call for. Cameras and phones
/// write all of this exactly; a file that breaks it is damaged or crafted.
/// Data after the end-of-image marker (phone vendors' trailers) is allowed.
/// It also refuses what would cost too much to decode (a nominal size past
/// the limits, segments, scans, block visits) and the kinds of JPEG we do not
/// read (not 8-bit, lossless above 8 bits, arithmetic coding, hierarchical
/// frames).
pub fn check_jpeg_structure(bytes: &[u8]) -> Result<(), PhotoError> {
    layout(bytes).map(|_| ())
}

/// The structure check; the frame it found.
fn layout(bytes: &[u8]) -> Result<Frame, PhotoError> {
    let bad = |why: &str| Err(PhotoError::Damaged(why.to_owned()));
    let unsupported = |why: &str| Err(PhotoError::UnsupportedJpeg(why.to_owned()));
    let len = bytes.len();
    let mut i = 2;
    let mut frame: Option<Frame> = None;
    let mut restart_interval = 0u32;
    let (mut segments, mut scans, mut scan_blocks) = (0usize, 0usize, 0u64);
    let mut dc_category_16 = false;
    loop {
        if i + 1 >= len {
            break; // no end marker: the decoder judges the truncation
        }
        if bytes[i] != 0xFF {
            return bad("bytes between segments");
        }
        let marker = bytes[i + 1];
        match marker {
            0xFF => return bad("fill bytes before a marker"),
            0xD9 => break,
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
        segments += 1;
        if segments > MAX_JPEG_SEGMENTS {
            return Err(PhotoError::TooComplex(format!(
                "more than {MAX_JPEG_SEGMENTS} segments"
            )));
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
                let precision = segment[0];
                let height = u32::from(u16::from_be_bytes([segment[1], segment[2]]));
                let width = u32::from(u16::from_be_bytes([segment[3], segment[4]]));
                let count = usize::from(segment[5]);
                if segment.len() != 6 + 3 * count || !matches!(count, 1 | 3 | 4) {
                    return bad("a frame header of the wrong length");
                }
                match marker {
                    0xC5..=0xC7 | 0xCD..=0xCF => return unsupported("a hierarchical JPEG"),
                    0xC9..=0xCB => return unsupported("arithmetic coding"),
                    0xC3 if precision > 8 => {
                        return unsupported(&format!("a lossless {precision}-bit JPEG"));
                    }
                    0xC3 => {}
                    _ if precision != 8 => {
                        return unsupported(&format!("{precision}-bit samples"));
                    }
                    _ => {}
                }
                check_size(u64::from(width), u64::from(height))?;
                let mut components = Vec::with_capacity(count);
                for k in 0..count {
                    let id = segment[6 + 3 * k];
                    let f = segment[6 + 3 * k + 1];
                    let (h, v) = (u32::from(f >> 4), u32::from(f & 15));
                    if !(1..=4).contains(&h) || !(1..=4).contains(&v) {
                        return bad("a sampling factor out of range");
                    }
                    components.push((id, h, v));
                }
                frame = Some(Frame {
                    width,
                    height,
                    components,
                    baseline: matches!(marker, 0xC0 | 0xC1),
                    progressive: marker == 0xC2,
                    lossless: marker == 0xC3,
                });
            }
            0xC4 => dc_category_16 |= check_huffman_tables(segment)?,
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
                let Some(frame) = &frame else {
                    return bad("a scan before the frame header");
                };
                scans += 1;
                if scans > MAX_JPEG_SCANS {
                    return Err(PhotoError::TooComplex(format!(
                        "more than {MAX_JPEG_SCANS} scans"
                    )));
                }
                for k in 0..count {
                    let id = segment[1 + 2 * k];
                    let Some(index) = frame.components.iter().position(|c| c.0 == id) else {
                        return bad("a scan of a component the frame does not have");
                    };
                    scan_blocks += frame.blocks(index);
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
                if frame.baseline && restart_interval > 0 && count == frame.components.len() {
                    let (h_max, v_max) = frame.max_sampling();
                    let (width, height) = (frame.width, frame.height);
                    // One component alone (greyscale): an MCU is one 8×8 block
                    // of it, whatever its sampling factors (T.81 A.2.2).
                    let mcus = if count == 1 {
                        let (_, h, v) = frame.components[0];
                        (width * h).div_ceil(h_max).div_ceil(8)
                            * (height * v).div_ceil(v_max).div_ceil(8)
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
    let Some(frame) = frame else {
        return bad("no frame header");
    };
    if dc_category_16 && !frame.lossless {
        return bad("a Huffman table with an impossible size");
    }
    // Every scan's blocks, then one transform per block at the end.
    let visits = scan_blocks + frame.all_blocks();
    if visits > MAX_JPEG_BLOCK_VISITS {
        return Err(PhotoError::TooComplex(format!(
            "{scans} scans over {} blocks: {visits} block visits, at most {MAX_JPEG_BLOCK_VISITS}",
            frame.all_blocks()
        )));
    }
    Ok(frame)
}

/// Huffman tables: each symbol once, DC categories at most 16 (16 only in
/// lossless JPEGs: the answer says whether one was seen), AC sizes at most 15.
fn check_huffman_tables(mut segment: &[u8]) -> Result<bool, PhotoError> {
    let bad = |why: &str| Err(PhotoError::Damaged(why.to_owned()));
    let mut category_16 = false;
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
            if size > 16 {
                return bad("a Huffman table with an impossible size");
            }
            category_16 |= size == 16;
        }
        segment = &segment[17 + count..];
    }
    Ok(category_16)
}

/// The smallest DCT scale (in eighths: 1, 2, 4 or 8) whose output covers
/// `target` on both sides.
fn dct_scale(width: u32, height: u32, target: (u32, u32)) -> u32 {
    let scaled = |side: u32, eighths: u32| (side * eighths).div_ceil(8);
    [1, 2, 4]
        .into_iter()
        .find(|&s| scaled(width, s) >= target.0 && scaled(height, s) >= target.1)
        .unwrap_or(8)
}

/// The most the decode holds at once, in bytes, at `eighths`/8 scale:
/// progressive coefficients (every component's blocks × 64 × 2 bytes, at full
/// resolution, kept until the end), the component planes at the scale
/// decoded, the decoder's output, our conversion to RGB, and the resize to
/// `target`. A lossless frame is decoded at full size into 16-bit planes.
fn memory(frame: &Frame, eighths: u32, target: (u32, u32)) -> u64 {
    let n = frame.components.len() as u64;
    let out = (
        (frame.width * eighths).div_ceil(8),
        (frame.height * eighths).div_ceil(8),
    );
    let out_pixels = u64::from(out.0) * u64::from(out.1);
    let output = out_pixels * n;
    let rgb_extra = if n == 3 { 0 } else { out_pixels * 3 };
    let decoding = if frame.lossless {
        // 16-bit planes, interleaved 16-bit samples, 8-bit output.
        out_pixels * n * 2 * 2 + output
    } else {
        let coefficients = if frame.progressive {
            frame.all_blocks() * 64 * 2
        } else {
            0
        };
        let planes = frame.all_blocks() * u64::from(eighths * eighths);
        coefficients + planes + output
    };
    let converting = output + rgb_extra;
    let resizing = out_pixels * 3 + budget::resize_bytes(out, target);
    decoding.max(converting).max(resizing)
}

pub(crate) fn decode(
    bytes: &[u8],
    max_edge: u32,
    deadline: &Deadline,
) -> Result<Decoded, PhotoError> {
    let frame = &layout(bytes)?;
    let target = pixels::fit(frame.width, frame.height, max_edge);
    let eighths = if frame.lossless {
        8
    } else {
        dct_scale(frame.width, frame.height, target)
    };
    budget::check_memory(memory(frame, eighths, target))?;

    let mut decoder = jpeg_decoder::Decoder::new(Reader::new(bytes, deadline));
    decoder.set_max_decoding_buffer_size(crate::MAX_DECODED_BYTES);
    decoder.read_info().map_err(|err| refusal(err, deadline))?;
    let info = decoder.info().ok_or(PhotoError::NotAnImage)?;
    if (u32::from(info.width), u32::from(info.height)) != (frame.width, frame.height) {
        return Err(crate::damaged("the frame header read twice differs"));
    }
    if eighths < 8 {
        // `scale` takes the smallest scale reaching the request on either
        // side; asking the long side's size at our scale (and an unreachable
        // short side) makes it take exactly ours.
        let long_scaled = (frame.width.max(frame.height) * eighths).div_ceil(8);
        let long = u16::try_from(long_scaled).unwrap_or(u16::MAX);
        let request = if frame.width >= frame.height {
            (long, u16::MAX)
        } else {
            (u16::MAX, long)
        };
        decoder
            .scale(request.0, request.1)
            .map_err(|err| refusal(err, deadline))?;
    }
    let data = decoder.decode().map_err(|err| refusal(err, deadline))?;
    let icc = decoder.icc_profile();
    let info = decoder.info().ok_or(PhotoError::NotAnImage)?;
    drop(decoder);
    let (width, height) = (u32::from(info.width), u32::from(info.height));
    let count = width as usize * height as usize;
    let expected = count * info.pixel_format.pixel_bytes();
    if data.len() < expected {
        return Err(crate::damaged("fewer pixels than the header says"));
    }
    let (pixels, icc, grey) = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => (data, icc, false),
        jpeg_decoder::PixelFormat::L8 => (pixels::grey_to_rgb(&data[..count], false), icc, true),
        jpeg_decoder::PixelFormat::CMYK32 => {
            // The decoder has undone Adobe's inversion: 0 is no ink, as
            // profiles expect.
            let converted = icc
                .as_deref()
                .and_then(|profile| colour::cmyk_to_srgb(&data[..expected], profile));
            match converted {
                Some(rgb) => (rgb, None, false),
                None => (pixels::cmyk_to_rgb_in_place(data), None, false),
            }
        }
        jpeg_decoder::PixelFormat::L16 => {
            return Err(PhotoError::UnsupportedJpeg("16-bit samples".into()));
        }
    };
    Ok(Decoded {
        image: Rgb {
            width,
            height,
            pixels,
        },
        full: (frame.width, frame.height),
        icc,
        grey,
        upright: false,
    })
}

/// A decoder error: the time budget, a kind we do not read, or damage.
fn refusal(err: jpeg_decoder::Error, deadline: &Deadline) -> PhotoError {
    match err {
        jpeg_decoder::Error::Unsupported(feature) => {
            PhotoError::UnsupportedJpeg(format!("{feature:?}"))
        }
        other => deadline.or_damaged(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_covers_both_sides() {
        // One side alone used to decide: 1600×1 came out 200×1.
        assert_eq!(dct_scale(1600, 1, (1600, 1)), 8);
        assert_eq!(dct_scale(3198, 100, (1600, 50)), 8);
        assert_eq!(dct_scale(3200, 100, (1600, 50)), 4);
        assert_eq!(dct_scale(12_000, 9_000, (1600, 1200)), 2);
        assert_eq!(dct_scale(20_000, 1_000, (1600, 80)), 1);
        assert_eq!(dct_scale(3264, 2448, (1600, 1200)), 4);
        assert_eq!(dct_scale(640, 480, (640, 480)), 8);
    }

    fn frame(width: u32, height: u32, components: &[(u32, u32)], progressive: bool) -> Frame {
        Frame {
            width,
            height,
            components: components
                .iter()
                .zip(1u8..)
                .map(|(&(h, v), id)| (id, h, v))
                .collect(),
            baseline: !progressive,
            progressive,
            lossless: false,
        }
    }

    #[test]
    fn memory_counts_coefficients_planes_and_output() {
        let yuv420 = [(2, 2), (1, 1), (1, 1)];
        // 108 MP baseline at 1/4: small.
        let big = frame(12_000, 9_000, &yuv420, false);
        assert!(memory(&big, 2, (1600, 1200)) < 64 << 20);
        // 50 MP progressive CMYK: the coefficients alone are 400 MB.
        let cmyk = frame(8192, 6144, &[(1, 1); 4], true);
        assert!(memory(&cmyk, 1, (1600, 1200)) > 400_000_000);
        // 50 MP progressive 4:2:0: about 150 MB of coefficients, accepted.
        let progressive = frame(8192, 6144, &yuv420, true);
        let needed = memory(&progressive, 1, (1600, 1200));
        assert!(
            (140_000_000..crate::MAX_DECODED_BYTES as u64).contains(&needed),
            "{needed}"
        );
    }
}
