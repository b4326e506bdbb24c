//! The codes in one grey image, through rxing: every QR code (its C++-port
//! detector, then ZXing's own as a second opinion), and one linear code
//! (Code 128, or a product's EAN-13) read along rows and columns, both ways,
//! confirmed by a second row.

use std::collections::HashSet;

use rxing::common::HybridBinarizer;
use rxing::multi::MultipleBarcodeReader;
use rxing::oned::{MultiFormatOneDReader, OneDReader};
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{
    BarcodeFormat, Binarizer, BinaryBitmap, DecodeHints, Luma8Source, RXingResult, Reader,
};

use crate::luma::Luma;
use crate::{Format, Found};

type Bitmap<'a> = BinaryBitmap<HybridBinarizer<Luma8Source<'a>>>;

fn bitmap(image: &Luma) -> Option<Bitmap<'_>> {
    let source = Luma8Source::new_with_slice(
        &image.pixels,
        u32::try_from(image.width).ok()?,
        u32::try_from(image.height).ok()?,
    )
    .ok()?;
    Some(BinaryBitmap::new(HybridBinarizer::new(source)))
}

fn hints(formats: &[BarcodeFormat]) -> DecodeHints {
    DecodeHints {
        TryHarder: Some(true),
        PossibleFormats: Some(formats.iter().copied().collect::<HashSet<_>>()),
        ..DecodeHints::default()
    }
}

fn found(result: &RXingResult) -> Found {
    let format = match result.getBarcodeFormat() {
        BarcodeFormat::QR_CODE => Format::Qr,
        BarcodeFormat::CODE_128 => Format::Code128,
        BarcodeFormat::EAN_13 => Format::Ean13,
        _ => Format::Other,
    };
    Found {
        format,
        text: result.getText().to_owned(),
    }
}

/// Every QR code rxing finds in the image.
pub fn qr(image: &Luma) -> Vec<Found> {
    let Some(mut bitmap) = bitmap(image) else {
        return Vec::new();
    };
    let hints = hints(&[BarcodeFormat::QR_CODE]);
    let mut out: Vec<Found> = QrReader
        .decode_multiple_with_hints(&mut bitmap, &hints)
        .unwrap_or_default()
        .iter()
        .map(found)
        .collect();
    if out.is_empty()
        && let Ok(result) = QRCodeReader.decode_with_hints(&mut bitmap, &hints)
    {
        out.push(found(&result));
    }
    out
}

/// The linear code in the image, read along rows and (the image transposed)
/// columns, from the middle outwards. A code counts only once two rows at
/// least a few pixels apart read the same: a barcode's bars are tall, while
/// a line of text that happens to decode is one or two rows high.
pub fn linear(image: &Luma) -> Option<Found> {
    let hints = hints(&[BarcodeFormat::CODE_128, BarcodeFormat::EAN_13]);
    let mut reader = MultiFormatOneDReader::new(&hints);
    let apart = (image.long_edge() / 125).max(6);
    if let Some(found) = scan_rows(&mut reader, &hints, image, apart) {
        return Some(found);
    }
    scan_rows(&mut reader, &hints, &image.transposed(), apart)
}

fn scan_rows(
    reader: &mut MultiFormatOneDReader,
    hints: &DecodeHints,
    image: &Luma,
    apart: usize,
) -> Option<Found> {
    let bitmap = bitmap(image)?;
    let height = image.height;
    let step = (height / 256).max(1);
    let middle = height / 2;
    let mut seen: Vec<(Found, usize)> = Vec::new();
    for k in 0..=height / step + 1 {
        let offset = k.div_ceil(2) * step;
        let y = if k % 2 == 0 {
            middle + offset
        } else {
            match middle.checked_sub(offset) {
                Some(y) => y,
                None => continue,
            }
        };
        if y >= height {
            continue;
        }
        let Ok(row) = bitmap.get_black_row(y) else {
            continue;
        };
        let mut row = row.into_owned();
        // Both ways: the slip may be upside down.
        for reversed in [false, true] {
            if reversed {
                row.reverse();
            }
            let Ok(result) = reader.decode_row(y as u32, &row, hints) else {
                continue;
            };
            let code = found(&result);
            if seen
                .iter()
                .any(|(c, at)| *c == code && y.abs_diff(*at) >= apart)
            {
                return Some(code);
            }
            seen.push((code, y));
            break;
        }
    }
    None
}

/// The image binarized by rxing's hybrid binarizer (a threshold for each
/// 8×8 block from the 5×5 blocks around it), as black and white levels.
pub fn binarized(image: &Luma) -> Option<Luma> {
    let bitmap = bitmap(image)?;
    let matrix = bitmap.get_binarizer().get_black_matrix().ok()?;
    let mut pixels = vec![255u8; image.width * image.height];
    for (y, row) in pixels.chunks_exact_mut(image.width).enumerate() {
        for (x, p) in row.iter_mut().enumerate() {
            if matrix.get(x as u32, y as u32) {
                *p = 0;
            }
        }
    }
    Some(Luma::new(image.width, image.height, pixels))
}
