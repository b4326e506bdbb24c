//! Traceability codes: what a resident typed or scanned from a product's
//! label — a plain GTIN (EAN-13, UPC-A, EAN-8, GTIN-14) with its check
//! digit, a GS1 Digital Link URL (`…/01/{GTIN}/10/{lot}`), a GS1 element
//! string (`(01)…(10)…`) or the province's own traceability URL
//! (`https://truyxuat.hue.gov.vn/sp/{GTIN}/lo/{lot}`) — as a GTIN and a lot.
//! A link is read, never opened.

use serde::{Deserialize, Serialize};

/// The host of the province's own traceability pages.
pub const PROVINCE_TRACE_HOST: &str = "truyxuat.hue.gov.vn";

/// A product (its GTIN, 8 or 13 digits) and, if the code names one, its batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductCode {
    pub gtin: String,
    pub lot: Option<String>,
}

/// Longest lot accepted (GS1: 20 characters).
const MAX_LOT: usize = 20;

/// Reads a product code; `None` when the text holds none.
pub fn parse(text: &str) -> Option<ProductCode> {
    let text = text.trim();
    if text.is_empty() || text.len() > 2048 {
        return None;
    }
    if let Some(code) = element_string(text) {
        return Some(code);
    }
    if let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    {
        return from_url(rest);
    }
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c {
            '0'..='9' => Some(c),
            // Full-width digits, as some keyboards type them.
            '０'..='９' => char::from_digit(u32::from(c) - u32::from('０'), 10),
            _ => None,
        })
        .collect::<Option<String>>()?;
    gtin(&digits).map(|gtin| ProductCode { gtin, lot: None })
}

/// A GTIN with a valid check digit, as 13 digits (8 for EAN-8).
pub fn gtin(digits: &str) -> Option<String> {
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 8 | 12 | 13 | 14) {
        return None;
    }
    if !check_digit_ok(digits) {
        return None;
    }
    Some(match digits.len() {
        12 => format!("0{digits}"),
        14 if digits.starts_with('0') => digits[1..].to_owned(),
        _ => digits.to_owned(),
    })
}

/// GS1's mod-10 check digit.
pub fn check_digit_ok(digits: &str) -> bool {
    let values: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    let Some((&last, body)) = values.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10 == last
}

fn lot(value: &str) -> Option<String> {
    let value = percent_decode(value)?;
    (!value.is_empty()
        && value.chars().count() <= MAX_LOT
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/')))
    .then_some(value)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `…/01/{gtin}[/10/{lot}]` (GS1 Digital Link, any host) or the
/// province's `/sp/{gtin}[/lo/{lot}]`.
fn from_url(rest: &str) -> Option<ProductCode> {
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (gtin_key, lot_key) = if host.eq_ignore_ascii_case(PROVINCE_TRACE_HOST) {
        ("sp", "lo")
    } else {
        ("01", "10")
    };
    let at = segments.iter().position(|s| *s == gtin_key)?;
    let gtin = gtin(segments.get(at + 1)?)?;
    let lot = match segments.get(at + 2) {
        Some(key) if *key == lot_key => Some(lot(segments.get(at + 3)?)?),
        _ => None,
    };
    Some(ProductCode { gtin, lot })
}

/// `(01)08936…(10)LOT`.
fn element_string(text: &str) -> Option<ProductCode> {
    let rest = text.strip_prefix("(01)")?;
    let (gtin_digits, rest) = rest.split_at(rest.find('(').unwrap_or(rest.len()));
    let gtin = gtin(gtin_digits)?;
    let lot = match rest.strip_prefix("(10)") {
        Some(value) => Some(lot(value.split('(').next().unwrap_or_default())?),
        None if rest.is_empty() => None,
        None => None,
    };
    Some(ProductCode { gtin, lot })
}

/// The province's traceability page of a product (its own URL form).
pub fn province_url(code: &ProductCode) -> String {
    match &code.lot {
        Some(lot) => format!("https://{PROVINCE_TRACE_HOST}/sp/{}/lo/{lot}", code.gtin),
        None => format!("https://{PROVINCE_TRACE_HOST}/sp/{}", code.gtin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(gtin: &str, lot: Option<&str>) -> Option<ProductCode> {
        Some(ProductCode {
            gtin: gtin.to_owned(),
            lot: lot.map(str::to_owned),
        })
    }

    #[test]
    fn gtins_links_and_element_strings_are_understood() {
        // 8936036020014: a valid EAN-13 (check digit 4).
        assert_eq!(parse("8936036020014"), code("8936036020014", None));
        assert_eq!(parse(" 893 6036 020014 "), code("8936036020014", None));
        assert_eq!(
            parse("08936036020014"),
            code("8936036020014", None),
            "GTIN-14"
        );
        assert_eq!(parse("036000291452"), code("0036000291452", None), "UPC-A");
        assert_eq!(parse("96385074"), code("96385074", None), "EAN-8");
        assert_eq!(
            parse("https://id.gs1.org/01/08936036020014/10/L2611A?linkType=all"),
            code("8936036020014", Some("L2611A"))
        );
        assert_eq!(
            parse("https://example.com/some/prefix/01/8936036020014"),
            code("8936036020014", None)
        );
        assert_eq!(
            parse("https://truyxuat.hue.gov.vn/sp/8936036020014/lo/L-26.11"),
            code("8936036020014", Some("L-26.11"))
        );
        assert_eq!(
            parse("(01)08936036020014(10)L2611A"),
            code("8936036020014", Some("L2611A"))
        );
        // Full-width digits, as some keyboards type them.
        assert_eq!(
            parse("８９３６０３６０２００１４"),
            code("8936036020014", None)
        );
    }

    #[test]
    fn wrong_codes_are_refused() {
        for bad in [
            "",
            "8936036020015",
            "893603602001",
            "hello",
            "<script>alert(1)</script>",
            "https://id.gs1.org/01/8936036020015",
            "https://truyxuat.hue.gov.vn/sp/abc",
            "https://id.gs1.org/01/08936036020014/10/<b>",
            "https://id.gs1.org/01/08936036020014/10/%ZZ",
            "https://dichvucong.gov.vn/H46.23-261129-0001",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let url = province_url(&ProductCode {
            gtin: "8936036020014".into(),
            lot: Some("L1".into()),
        });
        assert_eq!(parse(&url), code("8936036020014", Some("L1")));
    }
}
