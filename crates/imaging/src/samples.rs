//! Test photos made by code (feature `samples`; always in this crate's tests):
//! large photos generated row by row, crafted JPEGs (thousands of scans,
//! lossless 16-bit, headers promising more than the memory budget), PNG and
//! WebP headers of the same kind, WebP with EXIF (with and without the
//! `Exif\0\0` prefix), photos with an embedded Display P3 profile built by
//! `moxcms`, and, with the `heif` feature, HEIC and AVIF encoded by libheif.
//! The engine's tests and `examples/samples.rs` (which writes the committed
//! ones under `assets/test-images/`) use them too.
//!
//! These panic on failure: they are for tests.

#![allow(
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    clippy::cast_possible_truncation
)]

use std::io::Cursor;

/// An EXIF block (TIFF, big-endian) holding `fields`.
pub fn exif_tiff(fields: &[exif::Field]) -> Vec<u8> {
    let mut writer = exif::experimental::Writer::new();
    for field in fields {
        writer.push_field(field);
    }
    let mut tiff = Cursor::new(Vec::new());
    writer.write(&mut tiff, false).unwrap();
    tiff.into_inner()
}

/// A primary-IFD field.
pub fn field(tag: exif::Tag, value: exif::Value) -> exif::Field {
    exif::Field {
        tag,
        ifd_num: exif::In::PRIMARY,
        value,
    }
}

/// GPS fields for a point (whole-degree precision to 1/100 s), an
/// orientation (1–8) and a time.
pub fn gps_orientation_time(lat: f64, lon: f64, orientation: u16) -> Vec<exif::Field> {
    let dms = |v: f64| {
        let v = v.abs();
        let d = v.trunc();
        let m = ((v - d) * 60.0).trunc();
        let s = ((v - d) * 60.0 - m) * 60.0;
        exif::Value::Rational(vec![
            (d as u32, 1).into(),
            (m as u32, 1).into(),
            ((s * 100.0).round() as u32, 100).into(),
        ])
    };
    let ascii = |s: &str| exif::Value::Ascii(vec![s.as_bytes().to_vec()]);
    vec![
        field(exif::Tag::GPSLatitude, dms(lat)),
        field(
            exif::Tag::GPSLatitudeRef,
            ascii(if lat >= 0.0 { "N" } else { "S" }),
        ),
        field(exif::Tag::GPSLongitude, dms(lon)),
        field(
            exif::Tag::GPSLongitudeRef,
            ascii(if lon >= 0.0 { "E" } else { "W" }),
        ),
        field(
            exif::Tag::Orientation,
            exif::Value::Short(vec![orientation]),
        ),
        field(exif::Tag::DateTimeOriginal, ascii("2025:07:01 08:30:00")),
    ]
}

/// A baseline JPEG (4:2:0, quality 85) of `width`×`height`, a smooth
/// colour gradient generated row by row (a 108 MP one takes no more memory
/// than a row of blocks), with `tiff` as its EXIF when given.
pub fn gradient_jpeg(width: u16, height: u16, tiff: Option<&[u8]>) -> Vec<u8> {
    gradient(width, height, tiff, false)
}

/// The same gradient as a progressive JPEG (the encoder holds every block
/// while it writes the scans: about 200 bytes a pixel-block).
pub fn progressive_gradient_jpeg(width: u16, height: u16) -> Vec<u8> {
    gradient(width, height, None, true)
}

fn gradient(width: u16, height: u16, tiff: Option<&[u8]>, progressive: bool) -> Vec<u8> {
    struct Gradient(u16, u16);
    impl jpeg_encoder::ImageBuffer for Gradient {
        fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
            jpeg_encoder::JpegColorType::Ycbcr
        }
        fn width(&self) -> u16 {
            self.0
        }
        fn height(&self) -> u16 {
            self.1
        }
        fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
            let (w, h) = (u32::from(self.0), u32::from(self.1));
            let cb = (64 + u32::from(y) * 128 / h) as u8;
            for x in 0..w {
                buffers[0].push((32 + (x + u32::from(y)) * 192 / (w + h)) as u8);
                buffers[1].push(cb);
                buffers[2].push((192 - x * 128 / w) as u8);
            }
        }
    }
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 85);
    encoder.set_progressive(progressive);
    if let Some(tiff) = tiff {
        encoder.add_exif_metadata(tiff).unwrap();
    }
    encoder.encode_image(Gradient(width, height)).unwrap();
    out
}

/// Bits written MSB first, with JPEG's byte stuffing (0xFF → 0xFF 0x00) and
/// the last byte padded with ones.
struct Bits {
    out: Vec<u8>,
    acc: u32,
    count: u32,
}

impl Bits {
    fn new() -> Bits {
        Bits {
            out: Vec::new(),
            acc: 0,
            count: 0,
        }
    }

    fn put(&mut self, value: u32, bits: u32) {
        for k in (0..bits).rev() {
            self.acc = (self.acc << 1) | ((value >> k) & 1);
            self.count += 1;
            if self.count == 8 {
                let byte = self.acc as u8;
                self.out.push(byte);
                if byte == 0xFF {
                    self.out.push(0);
                }
                self.acc = 0;
                self.count = 0;
            }
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.count > 0 {
            let pad = 8 - self.count;
            self.put((1 << pad) - 1, pad);
        }
        self.out
    }
}

fn segment(out: &mut Vec<u8>, marker: u8, data: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(data);
}

/// A Huffman table segment's data: class/id, then `lengths[i]` symbols of
/// length i + 1, then the symbols.
fn huffman(class_id: u8, lengths: &[(usize, u8)], symbols: &[u8]) -> Vec<u8> {
    let mut counts = [0u8; 16];
    for &(length, count) in lengths {
        counts[length - 1] = count;
    }
    let mut data = vec![class_id];
    data.extend_from_slice(&counts);
    data.extend_from_slice(symbols);
    data
}

fn frame_header(
    out: &mut Vec<u8>,
    marker: u8,
    precision: u8,
    (width, height): (u16, u16),
    components: &[(u8, u8)],
) {
    let mut data = vec![precision];
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&width.to_be_bytes());
    data.push(components.len() as u8);
    for (k, &(h, v)) in components.iter().enumerate() {
        data.extend_from_slice(&[k as u8 + 1, h << 4 | v, 0]);
    }
    segment(out, marker, &data);
}

/// A greyscale progressive JPEG that repeats one tiny scan `scans` times:
/// each repeat is an AC scan of the whole image coded as end-of-band runs of
/// 16,384 blocks (a few bytes), and a decoder walks every block for each. A
/// 4096×4096 one with 1,500 scans is about 95 KB and kept a decoder busy for
/// seconds; a width and height that are multiples of 1,024 keep the runs
/// whole.
pub fn many_scans_jpeg(width: u16, height: u16, scans: usize) -> Vec<u8> {
    let blocks = u32::from(width).div_ceil(8) * u32::from(height).div_ceil(8);
    assert_eq!(blocks % 16_384, 0, "whole end-of-band runs");
    let mut out = vec![0xFF, 0xD8];
    segment(&mut out, 0xDB, &[[0u8].as_slice(), &[1u8; 64]].concat());
    frame_header(&mut out, 0xC2, 8, (width, height), &[(1, 1)]);
    // DC: one symbol (category 0), code `0`. AC: one symbol, EOB14 (0xE0),
    // code `0`, followed by 14 bits: a run of 16,384 + those bits blocks.
    segment(&mut out, 0xC4, &huffman(0x00, &[(1, 1)], &[0]));
    segment(&mut out, 0xC4, &huffman(0x10, &[(1, 1)], &[0xE0]));
    // The DC scan: every block's difference is 0.
    segment(&mut out, 0xDA, &[1, 1, 0x00, 0, 0, 0]);
    let mut dc = Bits::new();
    for _ in 0..blocks {
        dc.put(0, 1);
    }
    out.extend_from_slice(&dc.finish());
    let mut ac = Bits::new();
    for _ in 0..blocks / 16_384 {
        ac.put(0, 1);
        ac.put(0, 14);
    }
    let ac = ac.finish();
    for _ in 0..scans {
        segment(&mut out, 0xDA, &[1, 1, 0x00, 1, 63, 0]);
        out.extend_from_slice(&ac);
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A lossless (SOF3) greyscale JPEG of `precision` bits (2–16), predictor 1:
/// a diagonal ramp over the whole range, as medical and scientific equipment
/// write.
pub fn lossless_jpeg(width: u16, height: u16, precision: u8) -> Vec<u8> {
    let max = (1u32 << precision) - 1;
    let sample = |x: u32, y: u32| (x + y) * max / (u32::from(width) + u32::from(height) - 2).max(1);
    let mut out = vec![0xFF, 0xD8];
    frame_header(&mut out, 0xC3, precision, (width, height), &[(1, 1)]);
    // Categories 0–16, each a 5-bit code equal to the category.
    let symbols: Vec<u8> = (0..=16).collect();
    segment(&mut out, 0xC4, &huffman(0x00, &[(5, 17)], &symbols));
    segment(&mut out, 0xDA, &[1, 1, 0x00, 1, 0, 0]);
    let mut bits = Bits::new();
    let modulus = 1i64 << 16;
    for y in 0..u32::from(height) {
        for x in 0..u32::from(width) {
            let prediction = match (x, y) {
                (0, 0) => 1i64 << (precision - 1),
                (0, _) => i64::from(sample(0, y - 1)),
                _ => i64::from(sample(x - 1, y)),
            };
            // Differences are taken modulo 2^16 into −32767..=32768.
            let mut diff = (i64::from(sample(x, y)) - prediction).rem_euclid(modulus);
            if diff > 32_768 {
                diff -= modulus;
            }
            let category = if diff == 0 {
                0
            } else {
                64 - diff.unsigned_abs().leading_zeros()
            };
            bits.put(category, 5);
            if category > 0 && category < 16 {
                let extra = if diff > 0 { diff } else { diff - 1 };
                bits.put((extra & ((1 << category) - 1)) as u32, category);
            }
        }
    }
    out.extend_from_slice(&bits.finish());
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A JPEG whose headers promise `width`×`height` with `components` (1, 3 or
/// 4, all sampled 1×1), progressive or not, followed by a few bytes of data:
/// enough for the budget, which is decided from the headers, to refuse it.
pub fn jpeg_header_only(width: u16, height: u16, components: u8, progressive: bool) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    segment(&mut out, 0xDB, &[[0u8].as_slice(), &[1u8; 64]].concat());
    let marker = if progressive { 0xC2 } else { 0xC0 };
    let sampling = vec![(1, 1); usize::from(components)];
    frame_header(&mut out, marker, 8, (width, height), &sampling);
    segment(&mut out, 0xC4, &huffman(0x00, &[(1, 1)], &[0]));
    let mut scan = vec![components];
    for k in 0..components {
        scan.extend_from_slice(&[k + 1, 0x00]);
    }
    scan.extend_from_slice(&[0, if progressive { 0 } else { 63 }, 0]);
    segment(&mut out, 0xDA, &scan);
    out.extend_from_slice(&[0; 64]);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// A PNG of `width`×`height` in `colour` whose data is cut short after a
/// few rows: the header is what the budget is decided from.
pub fn png_header_only(width: u32, height: u32, colour: png::ColorType) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(colour);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    let row = vec![0u8; width as usize * colour.samples() + 1];
    let mut stream = writer.stream_writer().unwrap();
    for _ in 0..4 {
        std::io::Write::write_all(&mut stream, &row[1..]).unwrap();
    }
    drop(stream);
    drop(writer);
    out
}

/// A lossless WebP whose `VP8L` header says `width`×`height` (at most
/// 16,384 a side) with no image data after it.
pub fn webp_lossless_header_only(width: u32, height: u32, alpha: bool) -> Vec<u8> {
    let bits = (width - 1) | (height - 1) << 14 | u32::from(alpha) << 28;
    let mut vp8l = vec![0x2F];
    vp8l.extend_from_slice(&bits.to_le_bytes());
    vp8l.extend_from_slice(&[0; 11]);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&((4 + 8 + vp8l.len()) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBPVP8L");
    out.extend_from_slice(&(vp8l.len() as u32).to_le_bytes());
    out.extend_from_slice(&vp8l);
    out
}

/// A lossless WebP of `rgb` pixels with an `EXIF` chunk of `tiff`, with or
/// without the `Exif\0\0` prefix some writers put before it, and an ICC
/// profile when given.
pub fn webp(
    width: u32,
    height: u32,
    rgb: &[u8],
    tiff: Option<(&[u8], bool)>,
    icc: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = image_webp::WebPEncoder::new(&mut out);
    if let Some((tiff, prefixed)) = tiff {
        let mut data = if prefixed {
            b"Exif\0\0".to_vec()
        } else {
            Vec::new()
        };
        data.extend_from_slice(tiff);
        encoder.set_exif_metadata(data);
    }
    if let Some(icc) = icc {
        encoder.set_icc_profile(icc.to_vec());
    }
    encoder
        .encode(rgb, width, height, image_webp::ColorType::Rgb8)
        .unwrap();
    out
}

/// The Display P3 ICC profile (as Apple's devices embed), built by `moxcms`.
pub fn display_p3_icc() -> Vec<u8> {
    moxcms::ColorProfile::new_display_p3().encode().unwrap()
}

/// `profile` grown past one JPEG APP2 segment (65,519 bytes) with zeros
/// after its tags and its size field updated: a JPEG carries it in several
/// `ICC_PROFILE` chunks.
pub fn padded_icc(profile: &[u8], size: usize) -> Vec<u8> {
    let mut padded = profile.to_vec();
    padded.resize(size.max(profile.len()), 0);
    let length = padded.len() as u32;
    padded[..4].copy_from_slice(&length.to_be_bytes());
    padded
}

/// Saturated and everyday colours, all inside sRGB's gamut once converted
/// from Display P3, as 8-bit Display P3 values.
pub const P3_COLOURS: [[u8; 3]; 8] = [
    [200, 60, 50],
    [90, 160, 70],
    [50, 80, 190],
    [220, 180, 80],
    [120, 120, 120],
    [230, 150, 120],
    [90, 150, 170],
    [160, 80, 170],
];

/// Square patches of `colours`, side by side, `patch` pixels each: RGB pixels
/// and the size.
pub fn patches(colours: &[[u8; 3]], patch: u32) -> (u32, u32, Vec<u8>) {
    let width = patch * colours.len() as u32;
    let mut pixels = Vec::with_capacity((width * patch * 3) as usize);
    for _ in 0..patch {
        for colour in colours {
            for _ in 0..patch {
                pixels.extend_from_slice(colour);
            }
        }
    }
    (width, patch, pixels)
}

/// A JPEG (quality 95, 4:4:4) of `rgb` pixels with `icc` embedded.
pub fn jpeg_with_icc(width: u32, height: u32, rgb: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 95);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_4_4);
    encoder.add_icc_profile(icc).unwrap();
    encoder
        .encode(
            rgb,
            width as u16,
            height as u16,
            jpeg_encoder::ColorType::Rgb,
        )
        .unwrap();
    out
}

/// A PNG of `rgb` pixels with `icc` in its `iCCP` chunk.
pub fn png_with_icc(width: u32, height: u32, rgb: &[u8], icc: &[u8]) -> Vec<u8> {
    let mut info = png::Info::with_size(width, height);
    info.color_type = png::ColorType::Rgb;
    info.bit_depth = png::BitDepth::Eight;
    info.icc_profile = Some(icc.to_vec().into());
    let mut out = Vec::new();
    let encoder = png::Encoder::with_info(&mut out, info).unwrap();
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(rgb).unwrap();
    writer.finish().unwrap();
    out
}

/// An ISO-BMFF file that is only an `ftyp` box with `major` and
/// `compatible` brands: what sniffing looks at.
pub fn ftyp_only(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let size = 16 + 4 * compatible.len();
    let mut out = (size as u32).to_be_bytes().to_vec();
    out.extend_from_slice(b"ftyp");
    out.extend_from_slice(major);
    out.extend_from_slice(&[0; 4]);
    for brand in compatible {
        out.extend_from_slice(*brand);
    }
    out.resize(out.len() + 64, 0);
    out
}

/// A HEIC (HEVC, through libheif and x265) or AVIF (AV1, through libheif
/// and aom) of `rgb` pixels, with an EXIF block when given. No ICC profile:
/// libheif-rs 0.20 (the last on Debian 12's libheif) passes the profile's
/// type to libheif without its terminating NUL, so setting one reads past it
/// (the HEIC with a profile the tests use is a file in `testdata/`).
#[cfg(feature = "heif")]
pub fn heif(avif: bool, (width, height): (u32, u32), rgb: &[u8], tiff: Option<&[u8]>) -> Vec<u8> {
    use libheif_rs::{
        Channel, ColorSpace, CompressionFormat, EncoderQuality, HeifContext, Image, LibHeif,
        RgbChroma,
    };
    let libheif = LibHeif::new();
    let mut image = Image::new(width, height, ColorSpace::Rgb(RgbChroma::Rgb)).unwrap();
    image
        .create_plane(Channel::Interleaved, width, height, 8)
        .unwrap();
    {
        let planes = image.planes_mut();
        let plane = planes.interleaved.unwrap();
        let stride = plane.stride;
        for y in 0..height as usize {
            let row = &rgb[y * width as usize * 3..(y + 1) * width as usize * 3];
            plane.data[y * stride..y * stride + row.len()].copy_from_slice(row);
        }
    }
    let format = if avif {
        CompressionFormat::Av1
    } else {
        CompressionFormat::Hevc
    };
    let mut encoder = libheif.encoder_for_format(format).unwrap();
    encoder.set_quality(EncoderQuality::Lossy(90)).unwrap();
    let mut context = HeifContext::new().unwrap();
    let handle = context.encode_image(&image, &mut encoder, None).unwrap();
    if let Some(tiff) = tiff {
        context.add_exif_metadata(&handle, tiff).unwrap();
    }
    context.write_to_bytes().unwrap()
}
