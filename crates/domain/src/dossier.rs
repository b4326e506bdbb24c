//! Administrative dossiers (hồ sơ thủ tục hành chính) as the resident meets
//! them: the code on the appointment slip — typed, pasted or read from the
//! slip's QR code or barcode — and the second factor, the last four digits of
//! the phone number on the slip.

use serde::{Deserialize, Serialize};

/// Something the province said, as the device holds it: when it was fetched
/// (its age, shown offline), whether the resident follows it, and whether it
/// is shown from the device because the province could not be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held<T> {
    pub value: T,
    pub fetched_at_ms: i64,
    pub followed: bool,
    pub offline: bool,
}

/// What a photo of a slip holds.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlipScan {
    /// The dossier code read, if one was.
    pub code: Option<String>,
    /// What the codes on the photo hold when none is a dossier code (a link
    /// to another site, a product's barcode): shown, never opened.
    pub found: Vec<String>,
}

/// Longest dossier code accepted.
pub const MAX_CODE_CHARS: usize = 40;
/// Shortest text that can be a dossier code.
pub const MIN_CODE_CHARS: usize = 6;

/// Why a typed code is not a dossier code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum CodeProblem {
    #[error("no code")]
    Empty,
    #[error("too long for a dossier code")]
    TooLong,
    #[error("a dossier code has letters, digits, dots and dashes only")]
    BadCharacters,
    #[error("the last four digits of the phone number are four digits")]
    BadPhoneDigits,
}

/// Characters that people (and word processors) put where a dash belongs.
const DASHES: &[char] = &[
    '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}', '\u{2212}', '\u{FE58}',
    '\u{FE63}', '\u{FF0D}', '_',
];

/// The code as the gateway knows it: case, spaces and the many dashes people
/// type forgiven (`h46.23 – 261129-0001` → `H46.23-261129-0001`).
pub fn normalize_code(input: &str) -> Result<String, CodeProblem> {
    let mut code = String::new();
    for c in input.chars() {
        match c {
            c if c.is_whitespace()
                || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}') => {}
            c if DASHES.contains(&c) => code.push('-'),
            // Full-width letters and digits (Vietnamese input methods) become ASCII.
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                let ascii = u32::from(c) - 0xFF00 + 0x20;
                code.extend(char::from_u32(ascii).map(|c| c.to_ascii_uppercase()));
            }
            '\u{FF0E}' => code.push('.'),
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') => {
                code.push(c.to_ascii_uppercase());
            }
            _ => return Err(CodeProblem::BadCharacters),
        }
        if code.chars().count() > MAX_CODE_CHARS {
            return Err(CodeProblem::TooLong);
        }
    }
    let code = code.trim_matches(['.', '-']).to_owned();
    if code.is_empty() {
        return Err(CodeProblem::Empty);
    }
    Ok(code)
}

/// The last four digits of the phone number, forgiving spaces.
pub fn normalize_phone_digits(input: &str) -> Result<String, CodeProblem> {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err(CodeProblem::BadPhoneDigits)
    }
}

/// Whether a normalized code has the shape of a dossier code: long enough,
/// with a digit and a separator, letters or digits at both ends
/// (`H46.23-261129-0001`, `000.00.17.H57-250301-0042`); a product's barcode
/// (digits only) is not one.
pub fn looks_like_code(code: &str) -> bool {
    let len = code.chars().count();
    (MIN_CODE_CHARS..=MAX_CODE_CHARS).contains(&len)
        && code.bytes().any(|b| b.is_ascii_digit())
        && code.bytes().any(|b| matches!(b, b'.' | b'-'))
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        && code.starts_with(|c: char| c.is_ascii_alphanumeric())
        && code.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Query parameters that carry a dossier code in the links printed on slips.
const CODE_PARAMETERS: &[&str] = &[
    "code",
    "ma",
    "mahoso",
    "ma_ho_so",
    "ma-ho-so",
    "hoso",
    "ho_so",
    "dossier",
    "dossier_code",
    "dossiercode",
    "id",
];

/// The dossier code in what a slip's QR code or barcode holds: the code
/// itself, or a link that carries it as a parameter (or as its last path
/// segment). The link is only read, never opened. `None` when nothing in it
/// looks like a dossier code.
pub fn code_from_scan(text: &str) -> Option<String> {
    let text = text.trim();
    if let Ok(code) = normalize_code(text)
        && looks_like_code(&code)
    {
        return Some(code);
    }
    let (_, rest) = text.split_once("://")?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let query = query.split('#').next().unwrap_or_default();
    let from_query = query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        let key = percent_decode(key)?.to_ascii_lowercase();
        CODE_PARAMETERS
            .contains(&key.as_str())
            .then(|| percent_decode(value))
            .flatten()
            .and_then(|value| normalize_code(&value).ok())
            .filter(|code| looks_like_code(code))
    });
    from_query.or_else(|| {
        let last = path
            .split('#')
            .next()?
            .trim_end_matches('/')
            .rsplit('/')
            .next()?;
        let code = normalize_code(&percent_decode(last)?).ok()?;
        looks_like_code(&code).then_some(code)
    })
}

/// `%XX` and `+` decoding of one URL component; `None` if not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_are_forgiven_their_case_spaces_and_dashes() {
        for typed in [
            "H46.23-261129-0001",
            " h46.23-261129-0001 ",
            "h46.23 – 261129—0001",
            "H46.23‐261129−0001",
            "ｈ４６.２３-２６１１２９-０００１",
            "H46.23-261129-0001\u{200B}",
            "H46.23_261129_0001",
        ] {
            assert_eq!(
                normalize_code(typed).as_deref(),
                Ok("H46.23-261129-0001"),
                "{typed}"
            );
        }
        assert_eq!(normalize_code("  "), Err(CodeProblem::Empty));
        assert_eq!(normalize_code("--"), Err(CodeProblem::Empty));
        assert_eq!(normalize_code(&"A".repeat(41)), Err(CodeProblem::TooLong));
        for bad in ["H46/23", "<script>", "H46;DROP", "mã hồ sơ"] {
            assert_eq!(
                normalize_code(bad),
                Err(CodeProblem::BadCharacters),
                "{bad}"
            );
        }
        assert_eq!(normalize_phone_digits(" 12 34").as_deref(), Ok("1234"));
        for bad in ["123", "12345", "12a4", "１２３４"] {
            assert_eq!(
                normalize_phone_digits(bad),
                Err(CodeProblem::BadPhoneDigits)
            );
        }
    }

    #[test]
    fn a_scanned_link_gives_its_code_and_nothing_else() {
        for (scanned, code) in [
            ("H46.23-261129-0001", Some("H46.23-261129-0001")),
            (
                "https://dichvucong.hue.gov.vn/tra-cuu?mahoso=H46.23-261129-0001",
                Some("H46.23-261129-0001"),
            ),
            (
                "https://example.org/a?x=1&code=h46.23%2D261129%2D0001#top",
                Some("H46.23-261129-0001"),
            ),
            (
                "https://example.org/ho-so/000.00.17.H57-250301-0042/",
                Some("000.00.17.H57-250301-0042"),
            ),
            ("https://evil.example/login?next=/", None),
            ("https://example.org/?ma=abc", None),
            ("WIFI:S:cafe;T:WPA;P:secret;;", None),
            ("", None),
            ("8935049500018", None),
        ] {
            assert_eq!(code_from_scan(scanned).as_deref(), code, "{scanned}");
        }
        assert!(!looks_like_code("ABC-DEF"), "a digit is needed");
        assert!(!looks_like_code("A1"), "too short");
    }
}

/// A dossier's status, as the gateway names it.
pub mod status {
    pub const RECEIVED: &str = "received";
    pub const PROCESSING: &str = "processing";
    pub const SUPPLEMENT_REQUESTED: &str = "supplement_requested";
    pub const DONE: &str = "done";
    pub const RETURNED: &str = "returned";
}

/// Finished, one way or the other: nothing more will happen to it.
pub fn is_finished(status: &str) -> bool {
    matches!(status, status::DONE | status::RETURNED)
}

/// What the resident is told about a followed dossier after a pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DossierChange {
    /// The agency asks for more documents.
    SupplementRequested,
    /// The result is ready.
    ResultReady,
    /// The agency returned it without a result.
    Returned,
    /// Its due date has passed and it is not finished.
    Overdue,
    /// Another step or status.
    Progress,
}

/// A followed dossier that changed, for notifications.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedDossier {
    pub code: String,
    pub change: DossierChange,
}

/// What to tell of a dossier that went from `before` to `after` (statuses;
/// `progressed`: its steps or note changed too). `None`: nothing new.
pub fn change_of(before: &str, after: &str, progressed: bool) -> Option<DossierChange> {
    if before == after {
        return progressed.then_some(DossierChange::Progress);
    }
    Some(match after {
        status::SUPPLEMENT_REQUESTED => DossierChange::SupplementRequested,
        status::DONE => DossierChange::ResultReady,
        status::RETURNED => DossierChange::Returned,
        _ => DossierChange::Progress,
    })
}

/// Vietnam's offset from UTC (no daylight saving).
const VIETNAM_OFFSET_MS: i64 = 7 * 3_600_000;
const DAY_MS: i64 = 86_400_000;

/// Whole calendar days (in Vietnam) from `now_ms` to `due_ms`: positive while
/// days are left, 0 on the due day, negative once late.
pub fn days_until(due_ms: i64, now_ms: i64) -> i64 {
    let day = |ms: i64| (ms + VIETNAM_OFFSET_MS).div_euclid(DAY_MS);
    day(due_ms) - day(now_ms)
}

/// Past its due day and not finished.
pub fn is_overdue(status: &str, due_ms: i64, now_ms: i64) -> bool {
    !is_finished(status) && days_until(due_ms, now_ms) < 0
}

#[cfg(test)]
mod change_tests {
    use super::*;

    #[test]
    fn what_a_resident_is_told() {
        use DossierChange as C;
        assert_eq!(change_of("processing", "processing", false), None);
        assert_eq!(
            change_of("processing", "processing", true),
            Some(C::Progress)
        );
        assert_eq!(
            change_of("processing", "supplement_requested", true),
            Some(C::SupplementRequested)
        );
        assert_eq!(change_of("processing", "done", true), Some(C::ResultReady));
        assert_eq!(change_of("received", "returned", false), Some(C::Returned));
        assert_eq!(
            change_of("supplement_requested", "processing", true),
            Some(C::Progress)
        );
    }

    #[test]
    fn days_are_vietnamese_calendar_days() {
        // 2026-11-29 23:30 in Huế is 16:30 UTC; due the next day at 08:00 UTC+7.
        let now = 1_795_969_800_000; // 2026-11-29T16:30:00Z
        let due_tomorrow = 1_796_000_400_000; // 2026-11-30T01:00:00Z (08:00 in Huế)
        assert_eq!(days_until(due_tomorrow, now), 1);
        assert_eq!(days_until(now, now), 0);
        assert_eq!(days_until(now - 3 * DAY_MS, now), -3);
        assert!(is_overdue("processing", now - DAY_MS, now));
        assert!(!is_overdue("done", now - DAY_MS, now));
        assert!(
            !is_overdue("processing", now, now),
            "the due day itself is not late"
        );
    }
}
