//! HEIC/HEIF and AVIF, with the `heif` feature: decoded by the system's
//! libheif (Debian 12: 1.15, with libde265 for HEVC and dav1d/aom for AV1)
//! through `libheif-rs`. libheif applies the file's own rotation and mirror
//! (`irot`/`imir`), so the EXIF orientation is not applied again. HEIF cannot
//! be decoded at a reduced scale: the memory budget is estimated from the
//! image's size and bit depth before decoding, and the decoded RGB is scaled
//! where libheif left it (rows packed in place), not copied first. libheif
//! cannot be interrupted: the time budget is checked before and after it.
//! Without the feature, both formats are refused by name.

/// Whether this build decodes HEIF and AVIF.
pub(crate) const AVAILABLE: bool = cfg!(feature = "heif");

#[cfg(not(feature = "heif"))]
pub(crate) fn decode(
    bytes: &[u8],
    _max_edge: u32,
    _resizer: &mut fast_image_resize::Resizer,
    _deadline: &crate::budget::Deadline,
) -> Result<crate::Decoded, crate::PhotoError> {
    Err(crate::PhotoError::NotSupported(crate::sniff(bytes)?))
}

#[cfg(feature = "heif")]
pub(crate) use with_libheif::decode;

#[cfg(feature = "heif")]
mod with_libheif {
    use fast_image_resize::Resizer;
    use libheif_rs::{
        ColorProfile as _, ColorSpace, HeifContext, LibHeif, RgbChroma, color_profile_types,
    };

    use crate::budget::{self, Deadline};
    use crate::pixels::{self, on_white};
    use crate::{Decoded, PhotoError, check_size, colour, damaged};

    pub(crate) fn decode(
        bytes: &[u8],
        max_edge: u32,
        resizer: &mut Resizer,
        deadline: &Deadline,
    ) -> Result<Decoded, PhotoError> {
        let libheif = LibHeif::new();
        let context = HeifContext::read_from_bytes(bytes).map_err(damaged)?;
        let handle = context.primary_image_handle().map_err(damaged)?;
        // The size after the file's rotation, which libheif applies.
        let (width, height) = (handle.width(), handle.height());
        check_size(u64::from(width), u64::from(height))?;
        let target = pixels::fit(width, height, max_edge);
        let alpha = handle.has_alpha_channel();
        let deep = handle.luma_bits_per_pixel() > 8;
        let pixels = u64::from(width) * u64::from(height);
        // The video decoder's own picture (4:2:0, as phones write), libheif's
        // YCbCr planes (counted as 4:4:4, the most they take) and alpha
        // plane, 16-bit samples and an intermediate 16-bit RGBA when deeper
        // than 8 bits, then the 8-bit interleaved output: 7.5 bytes a pixel
        // at 8 bits (a 12 MP HEIC measured 6.9 with the process's own).
        let sample = if deep { 2 } else { 1 };
        let picture = pixels * sample * 3 / 2;
        let planes = pixels * sample * (3 + u64::from(alpha));
        let intermediate = if deep { pixels * 2 * 4 } else { 0 };
        let output = pixels * (3 + u64::from(alpha));
        let decoding = picture + planes + intermediate + output;
        let resizing = output + budget::resize_bytes((width, height), target);
        budget::check_memory(decoding.max(resizing))?;

        let icc = match handle.color_profile_raw() {
            Some(raw)
                if [color_profile_types::PROF, color_profile_types::R_ICC]
                    .contains(&raw.profile_type()) =>
            {
                Some(raw.data)
            }
            _ => handle.color_profile_nclx().and_then(|nclx| {
                let primaries = u8::try_from(nclx.color_primaries() as i32).ok()?;
                let transfer = u8::try_from(nclx.transfer_characteristics() as i32).ok()?;
                colour::from_cicp(primaries, transfer)?.encode().ok()
            }),
        };
        deadline.check()?;
        let chroma = if alpha {
            RgbChroma::Rgba
        } else {
            RgbChroma::Rgb
        };
        let mut image = libheif
            .decode(&handle, ColorSpace::Rgb(chroma), None)
            .map_err(damaged)?;
        deadline.check()?;
        let planes = image.planes_mut();
        let plane = planes
            .interleaved
            .ok_or_else(|| damaged("no interleaved plane"))?;
        let (w, h) = (plane.width as usize, plane.height as usize);
        let stride = plane.stride;
        let from_bpp = if alpha { 4 } else { 3 };
        if w == 0
            || h == 0
            || stride < w * from_bpp
            || plane.data.len() < stride * (h - 1) + w * from_bpp
        {
            return Err(damaged("a plane smaller than its size"));
        }
        // Pack the rows (and put alpha on white) in place: each pixel moves
        // to an index no larger than its own, so going forward is safe.
        let data = plane.data;
        for y in 0..h {
            if !alpha {
                data.copy_within(y * stride..y * stride + w * 3, y * w * 3);
                continue;
            }
            for x in 0..w {
                let from = y * stride + x * 4;
                let to = (y * w + x) * 3;
                let a = data[from + 3];
                let (r, g, b) = (data[from], data[from + 1], data[from + 2]);
                data[to] = on_white(r, a);
                data[to + 1] = on_white(g, a);
                data[to + 2] = on_white(b, a);
            }
        }
        let (w, h) = (plane.width, plane.height);
        let target = pixels::fit(w, h, max_edge);
        let scaled = pixels::resize_borrowed(
            resizer,
            (w, h),
            &data[..w as usize * h as usize * 3],
            target,
        )?;
        Ok(Decoded {
            image: scaled,
            full: (w, h),
            icc,
            grey: false,
            upright: true,
        })
    }
}
