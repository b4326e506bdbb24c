//! Small PNG illustrations for the demo guides, drawn here so that the demo
//! ships no image it did not make: a coloured card with a large step number.
//! PNG needs zlib data; stored (uncompressed) deflate blocks keep this free of
//! a compression library.

/// A 5×7 bitmap of the digits 1–9.
const DIGITS: [[u8; 7]; 9] = [
    [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
    [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
    [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
    [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
    [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
    [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
    [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
    [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
    [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
];

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A `width`×`height` RGB PNG of `color` with step number `step` (1–9) in white.
pub fn step_card(step: usize, color: [u8; 3], width: u32, height: u32) -> Vec<u8> {
    let digit = DIGITS[step.clamp(1, 9) - 1];
    let scale = (height / 10).max(1);
    let (glyph_w, glyph_h) = (5 * scale, 7 * scale);
    let (left, top) = (
        (width.saturating_sub(glyph_w)) / 2,
        (height.saturating_sub(glyph_h)) / 2,
    );
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter: none
        for x in 0..width {
            let inside = x >= left && x < left + glyph_w && y >= top && y < top + glyph_h;
            let on = inside && {
                let (gx, gy) = ((x - left) / scale, (y - top) / scale);
                digit[gy as usize] & (0x10 >> gx) != 0
            };
            raw.extend_from_slice(if on { &[255, 255, 255] } else { &color });
        }
    }
    // zlib stream of stored deflate blocks.
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (index, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(index + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &zlib);
    chunk(&mut png, b"IEND", &[]);
    png
}

#[cfg(test)]
mod tests {
    #[test]
    fn cards_are_valid_png_photos() {
        let card = super::step_card(2, [30, 64, 175], 320, 200);
        let sniffed = crate::media::sniff(&card).unwrap();
        assert_eq!(
            (sniffed.mime, sniffed.width, sniffed.height),
            ("image/png", 320, 200)
        );
        assert_eq!(super::crc32(b"IEND"), 0xAE42_6082);
    }
}
