//! The gateway's clock; dates on the wire are `cds_domain::time`'s (ISO 8601
//! in UTC, any day of the years 1 to 9999, negative milliseconds before 1970).

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub use cds_domain::time::{date, iso, parse};
