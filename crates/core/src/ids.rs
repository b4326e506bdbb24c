//! Identifiers made on the device: report ids (idempotency keys) and receipt codes.

use crate::Error;

/// 16 random bytes from the operating system.
fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|err| Error::Internal(format!("no randomness: {err}")))?;
    Ok(bytes)
}

/// A random (version 4) UUID, e.g. `0b7c…-…`.
pub fn uuid() -> Result<String, Error> {
    let mut b = random_bytes::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}

/// Letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
const RECEIPT_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A receipt code of 8 symbols in two groups, e.g. `7K3M-9Q2X` (about 40 bits).
pub fn receipt_code() -> Result<String, Error> {
    let bytes = random_bytes::<8>()?;
    let symbols: Vec<char> = bytes
        .iter()
        .map(|b| char::from(RECEIPT_ALPHABET[usize::from(*b) % RECEIPT_ALPHABET.len()]))
        .collect();
    Ok(format!(
        "{}-{}",
        symbols[..4].iter().collect::<String>(),
        symbols[4..].iter().collect::<String>()
    ))
}

/// A random number in `[0, 1)`, for retry jitter.
pub fn jitter() -> f64 {
    random_bytes::<4>().map_or(0.5, |b| f64::from(u32::from_le_bytes(b)) / 4_294_967_296.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let a = uuid().unwrap();
        let b = uuid().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn receipt_codes_are_readable() {
        for _ in 0..100 {
            let code = receipt_code().unwrap();
            assert_eq!(code.len(), 9);
            assert_eq!(&code[4..5], "-");
            assert!(
                code.bytes()
                    .all(|c| c == b'-' || RECEIPT_ALPHABET.contains(&c))
            );
        }
        let j = jitter();
        assert!((0.0..1.0).contains(&j));
    }
}
