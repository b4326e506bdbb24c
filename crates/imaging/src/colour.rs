//! Colour management: a photo's embedded ICC profile (Display P3, Adobe RGB, a
//! grey or a CMYK profile, …) converted to sRGB with `moxcms` (pure Rust), since
//! the JPEG we write carries no profile and is read as sRGB. A profile that does
//! not parse, is larger than [`MAX_ICC_BYTES`] or does not match the pixels is
//! ignored: the pixels are taken as sRGB, as before colour management.
//!
//! RGB and grey profiles are applied after scaling (at most `max_edge`², so
//! cheap whatever the photo's size); CMYK ones when the JPEG is decoded, as
//! the pipeline carries RGB only.

use moxcms::{ColorProfile, DataColorSpace, Layout, ParsingOptions, TransformOptions};

use crate::pixels::Rgb;

/// Largest ICC profile read (CMYK print profiles reach a few MB).
pub(crate) const MAX_ICC_BYTES: usize = 4 * 1024 * 1024;

fn parse(icc: &[u8]) -> Option<ColorProfile> {
    if icc.len() > MAX_ICC_BYTES {
        return None;
    }
    let options = ParsingOptions {
        max_profile_size: MAX_ICC_BYTES,
        ..ParsingOptions::default()
    };
    ColorProfile::new_from_slice_with_options(icc, options).ok()
}

/// Converts `image` from the profile `icc` to sRGB in place; `grey` says the
/// pixels are one grey channel repeated. Returns whether it did.
pub(crate) fn to_srgb(image: &mut Rgb, icc: &[u8], grey: bool) -> bool {
    let Some(profile) = parse(icc) else {
        return false;
    };
    let srgb = ColorProfile::new_srgb();
    let options = TransformOptions::default();
    match (profile.color_space, grey) {
        (DataColorSpace::Rgb, _) => {
            let Ok(transform) =
                profile.create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, options)
            else {
                return false;
            };
            let mut out = vec![0; image.pixels.len()];
            if transform.transform(&image.pixels, &mut out).is_err() {
                return false;
            }
            image.pixels = out;
            true
        }
        (DataColorSpace::Gray, true) => {
            let Ok(transform) =
                profile.create_transform_8bit(Layout::Gray, &srgb, Layout::Rgb, options)
            else {
                return false;
            };
            let grey: Vec<u8> = image.pixels.chunks_exact(3).map(|p| p[0]).collect();
            let mut out = vec![0; image.pixels.len()];
            if transform.transform(&grey, &mut out).is_err() {
                return false;
            }
            image.pixels = out;
            true
        }
        _ => false,
    }
}

/// Converts CMYK pixels (4 bytes a pixel, 0 = no ink) through a CMYK profile
/// to RGB; `None` when the profile is not a usable CMYK one.
pub(crate) fn cmyk_to_srgb(cmyk: &[u8], icc: &[u8]) -> Option<Vec<u8>> {
    let profile = parse(icc)?;
    if profile.color_space != DataColorSpace::Cmyk {
        return None;
    }
    let transform = profile
        .create_transform_8bit(
            Layout::Rgba,
            &ColorProfile::new_srgb(),
            Layout::Rgb,
            TransformOptions::default(),
        )
        .ok()?;
    let mut out = vec![0; cmyk.len() / 4 * 3];
    transform.transform(cmyk, &mut out).ok()?;
    Some(out)
}

/// A profile from a HEIF/AVIF `nclx` colour box (colour primaries and
/// transfer as ITU-T H.273 numbers), when they are not plain sRGB: iPhones
/// write Display P3 this way.
#[cfg(any(test, feature = "heif"))]
pub(crate) fn from_cicp(primaries: u8, transfer: u8) -> Option<ColorProfile> {
    use moxcms::{CicpColorPrimaries, CicpProfile, MatrixCoefficients, TransferCharacteristics};
    let color_primaries = CicpColorPrimaries::try_from(primaries).ok()?;
    // An unspecified transfer is taken as sRGB's, as viewers do.
    let transfer_characteristics = match TransferCharacteristics::try_from(transfer).ok()? {
        TransferCharacteristics::Unspecified => TransferCharacteristics::Srgb,
        other => other,
    };
    if matches!(
        color_primaries,
        CicpColorPrimaries::Bt709 | CicpColorPrimaries::Unspecified
    ) && transfer_characteristics == TransferCharacteristics::Srgb
    {
        return None;
    }
    Some(ColorProfile::new_from_cicp(CicpProfile {
        color_primaries,
        transfer_characteristics,
        matrix_coefficients: MatrixCoefficients::Identity,
        full_range: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_or_absent_profile_leaves_the_pixels_alone() {
        let mut image = Rgb {
            width: 1,
            height: 1,
            pixels: vec![200, 100, 50],
        };
        assert!(!to_srgb(&mut image, b"not a profile", false));
        assert!(!to_srgb(&mut image, &[0; 200], false));
        assert_eq!(image.pixels, vec![200, 100, 50]);
        let srgb = ColorProfile::new_srgb().encode().unwrap();
        assert!(to_srgb(&mut image, &srgb, false));
        for (got, want) in image.pixels.iter().zip([200u8, 100, 50]) {
            assert!(got.abs_diff(want) <= 1, "sRGB to sRGB is the identity");
        }
        assert!(from_cicp(1, 13).is_none(), "sRGB needs no conversion");
        assert!(from_cicp(12, 13).is_some(), "Display P3");
    }
}
