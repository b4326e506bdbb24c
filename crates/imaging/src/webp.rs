//! WebP: decoded whole (no reduced scale), under the memory budget estimated
//! from the kind of bitstream (the decoder's own buffers differ: lossy keeps
//! YUV planes, lossless a 4-byte-a-pixel image before the output, animations a
//! canvas); alpha put on white in place; the `ICCP` chunk kept for colour
//! management. EXIF is read in `metadata.rs`.

use crate::budget::{self, Deadline, Reader};
use crate::pixels::{self, Rgb};
use crate::{Decoded, MAX_DECODED_BYTES, PhotoError, check_size};

/// Bytes a pixel the decoder holds at its peak, output included, by kind.
fn decoder_bytes_per_pixel(bytes: &[u8], has_alpha: bool, animated: bool) -> u64 {
    let lossless = crate::metadata::riff_chunk(bytes, *b"VP8L").is_some();
    match (animated, lossless, has_alpha) {
        // Canvas and frame (RGBA each) and the output.
        (true, _, _) => 4 + 4 + 4 + 4,
        // Decoded into the RGBA output, plus transform data.
        (false, true, true) => 4 + 1,
        // An RGBA image (plus transform data), then the RGB output.
        (false, true, false) => 4 + 1 + 3,
        // YUV 4:2:0 planes, RGBA output, the alpha plane (decoded losslessly
        // through an RGBA image and a green plane).
        (false, false, true) => 2 + 4 + 4 + 1 + 1,
        // YUV 4:2:0 planes (padded to macroblocks) and the RGB output.
        (false, false, false) => 2 + 3,
    }
}

pub(crate) fn decode(
    bytes: &[u8],
    max_edge: u32,
    deadline: &Deadline,
) -> Result<Decoded, PhotoError> {
    let mut decoder = image_webp::WebPDecoder::new(Reader::new(bytes, deadline))
        .map_err(|err| deadline.or_damaged(err))?;
    decoder.set_memory_limit(MAX_DECODED_BYTES);
    let (width, height) = decoder.dimensions();
    check_size(u64::from(width), u64::from(height))?;
    let pixels = u64::from(width) * u64::from(height);
    let target = pixels::fit(width, height, max_edge);
    let has_alpha = decoder.has_alpha();
    let decoding = pixels * decoder_bytes_per_pixel(bytes, has_alpha, decoder.is_animated());
    let resizing = pixels * 3 + budget::resize_bytes((width, height), target);
    budget::check_memory(decoding.max(resizing))?;
    let icc = decoder
        .icc_profile()
        .ok()
        .flatten()
        .filter(|icc| icc.len() <= crate::colour::MAX_ICC_BYTES);
    let size = decoder
        .output_buffer_size()
        .ok_or(PhotoError::TooManyPixels {
            width: u64::from(width),
            height: u64::from(height),
        })?;
    let mut buffer = vec![0; size];
    decoder
        .read_image(&mut buffer)
        .map_err(|err| deadline.or_damaged(err))?;
    drop(decoder);
    let pixels = if has_alpha {
        pixels::rgba_to_rgb_in_place(buffer)
    } else {
        buffer
    };
    Ok(Decoded {
        image: Rgb {
            width,
            height,
            pixels,
        },
        full: (width, height),
        icc,
        grey: false,
        upright: false,
    })
}
