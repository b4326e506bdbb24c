//! PNG: decoded whole (PNG cannot be decoded at a reduced scale), to 8 bits a
//! channel, under the memory budget estimated from the header; alpha put on
//! white in place; the `iCCP` profile (zlib, inflated by the decoder) kept for
//! colour management.

use crate::budget::{self, Deadline, Reader};
use crate::pixels::{self, Rgb};
use crate::{Decoded, MAX_DECODED_BYTES, PhotoError, check_size};

pub(crate) fn decode(
    bytes: &[u8],
    max_edge: u32,
    deadline: &Deadline,
) -> Result<Decoded, PhotoError> {
    let mut decoder = png::Decoder::new_with_limits(
        Reader::new(bytes, deadline),
        png::Limits {
            bytes: MAX_DECODED_BYTES,
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|err| deadline.or_damaged(err))?;
    let (width, height) = (reader.info().width, reader.info().height);
    check_size(u64::from(width), u64::from(height))?;
    let icc = reader.info().icc_profile.as_ref().map(|p| p.to_vec());
    let (colour, _) = reader.output_color_type();
    let size = reader
        .output_buffer_size()
        .ok_or(PhotoError::TooManyPixels {
            width: u64::from(width),
            height: u64::from(height),
        })?;
    let pixels = u64::from(width) * u64::from(height);
    let target = pixels::fit(width, height, max_edge);
    // The output buffer, grey expanded to RGB beside it, then the resize.
    let grey = matches!(
        colour,
        png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha
    );
    let converting = size as u64 + if grey { pixels * 3 } else { 0 };
    let resizing = pixels * 3 + budget::resize_bytes((width, height), target);
    budget::check_memory(converting.max(resizing))?;

    let mut buffer = vec![0; size];
    let frame = reader
        .next_frame(&mut buffer)
        .map_err(|err| deadline.or_damaged(err))?;
    drop(reader);
    buffer.truncate(frame.buffer_size());
    let pixels = match frame.color_type {
        png::ColorType::Rgb => buffer,
        png::ColorType::Rgba => pixels::rgba_to_rgb_in_place(buffer),
        png::ColorType::Grayscale => pixels::grey_to_rgb(&buffer, false),
        png::ColorType::GrayscaleAlpha => pixels::grey_to_rgb(&buffer, true),
        png::ColorType::Indexed => return Err(crate::damaged("palette not expanded")),
    };
    if pixels.len() < frame.width as usize * frame.height as usize * 3 {
        return Err(crate::damaged("fewer pixels than the header says"));
    }
    Ok(Decoded {
        image: Rgb {
            width: frame.width,
            height: frame.height,
            pixels,
        },
        full: (frame.width, frame.height),
        icc,
        grey,
        upright: false,
    })
}
