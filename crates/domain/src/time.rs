//! Dates on the wire: ISO 8601 in UTC, to and from Unix milliseconds, for any
//! day of the years 1–9999. Pure arithmetic (the caller hands in the time),
//! shared by the engine and the gateway.

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// (year, month, day) → days since 1970-01-01.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-21T08:13:11Z`.
pub fn iso(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil(secs.div_euclid(86_400));
    let rest = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// `2026-11-21`.
pub fn date(ms: i64) -> String {
    iso(ms)[..10].to_owned()
}

/// Parses `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` (UTC when no
/// offset is given) into Unix milliseconds. A space before the offset is read
/// as `+`: it is what a `+` left unencoded in a query string becomes.
pub fn parse(text: &str) -> Option<i64> {
    let text = text.trim();
    if !text.is_ascii() || text.len() < 10 {
        return None;
    }
    let num = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    let (date, time) = text.split_at(10);
    let mut parts = date.split('-');
    let year = num(parts.next()?)?;
    let month = u32::try_from(num(parts.next()?)?).ok()?;
    let day = u32::try_from(num(parts.next()?)?).ok()?;
    if parts.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if !(1..=9999).contains(&year) || date.as_bytes()[4] != b'-' {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * 86_400_000;
    if time.is_empty() {
        return Some(ms);
    }
    let time = time.strip_prefix(['T', ' '])?;
    let (clock, offset_ms) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else if let Some(at) = time.rfind(['+', '-', ' ']).filter(|at| *at >= 5) {
        let (clock, offset) = time.split_at(at);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (h, m) = offset[1..].split_once(':').unwrap_or((&offset[1..], "0"));
        let (h, m) = (num(h)?, num(m)?);
        if h > 23 || m > 59 {
            return None;
        }
        (clock, sign * (h * 3600 + m * 60) * 1000)
    } else {
        (time, 0)
    };
    let (clock, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut fields = clock.split(':');
    let hour = num(fields.next()?)?;
    let minute = num(fields.next()?)?;
    let second = fields.next().map_or(Some(0), num)?;
    if fields.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let millis = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(3).collect();
        num(&format!("{digits:0<3}"))?
    };
    ms += (hour * 3600 + minute * 60 + second) * 1000 + millis - offset_ms;
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_795_249_991_000), "2026-11-21T08:33:11Z");
        for ms in [0, 951_782_400_000, 1_795_249_991_000, 4_102_444_800_000] {
            assert_eq!(parse(&iso(ms)), Some(ms));
        }
        assert_eq!(parse("2026-11-21"), Some(1_795_219_200_000));
        assert_eq!(parse("2026-11-21T15:33:11+07:00"), Some(1_795_249_991_000));
        assert_eq!(parse("2026-11-21T08:33:11.5Z"), Some(1_795_249_991_500));
        assert_eq!(date(1_795_249_991_000), "2026-11-21");
    }

    #[test]
    fn reads_dates_before_1970() {
        // Apollo 11's landing, as UTC and with offsets either side of Z.
        let landing = -14_182_940_000;
        assert_eq!(parse("1969-07-20T20:17:40Z"), Some(landing));
        assert_eq!(parse("1969-07-21T03:17:40+07:00"), Some(landing));
        assert_eq!(parse("1969-07-20T15:17:40-05:00"), Some(landing));
        assert_eq!(
            parse("1969-07-21T03:17:40 07:00"),
            Some(landing),
            "+ as a space"
        );
        assert_eq!(iso(landing), "1969-07-20T20:17:40Z");
        assert_eq!(parse("1969-12-31T23:59:59.999Z"), Some(-1));
        assert_eq!(iso(-1), "1969-12-31T23:59:59Z");
        assert_eq!(parse("1900-02-28"), Some(-2_203_977_600_000));
        for ms in [-1000, -86_400_000, -2_203_977_600_000, -62_135_596_800_000] {
            assert_eq!(parse(&iso(ms)), Some(ms), "{}", iso(ms));
        }
        assert_eq!(iso(-62_135_596_800_000), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-11-32",
            "2026/11/21",
            "2026-11-21T25:00:00Z",
            "2026-11-21Tnoon",
            "１２３４-11-21",
            "0000-01-01",
            "2026-11-21T10:00:00+99:00",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
