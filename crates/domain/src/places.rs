//! Places nearby: the categories each tile shows, whether a place is open now
//! (from its opening hours, in Vietnam's time), and phone numbers as `tel:`
//! links. Distances are `geo::distance_m`.

use serde::{Deserialize, Serialize};

use crate::{
    Feature,
    geo::{Area, Point},
};

/// Where distances are measured from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// No point: the list is by name.
    None,
    /// My position, or a point chosen on the map.
    Point { lat: f64, lon: f64 },
    /// The centre of a ward, by code.
    Ward { code: String },
}

/// Which places to list, and from where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacesQuery {
    /// Categories to show; all when empty.
    pub categories: Vec<String>,
    pub origin: Origin,
    /// Only those open now.
    #[serde(default)]
    pub open_now: bool,
}

/// A place with how far it is and whether it is open now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Near<T> {
    pub place: T,
    /// From the query's origin, when it has one.
    pub distance_m: Option<f64>,
    /// `None` when the opening hours are unknown or unreadable.
    pub open_now: Option<bool>,
    /// A `tel:` link for its phone number.
    pub tel: Option<String>,
    /// Directions (an `https` page of the map).
    pub directions: String,
}

/// An area's centre: the mean of its largest outer ring's vertices (the
/// first vertex is not counted twice in a closed ring).
pub fn centre(area: &Area) -> Option<Point> {
    let ring = area
        .polygons
        .iter()
        .filter_map(|polygon| polygon.first())
        .max_by_key(|ring| ring.len())?;
    let ring = match (ring.first(), ring.last()) {
        (Some(a), Some(b)) if ring.len() > 1 && a == b => &ring[..ring.len() - 1],
        _ => &ring[..],
    };
    if ring.is_empty() {
        return None;
    }
    let n = ring.len() as f64;
    let (x, y) = ring
        .iter()
        .fold((0.0, 0.0), |(x, y), p| (x + p[0], y + p[1]));
    Some([x / n, y / n])
}

/// Every category of place the province lists.
pub const CATEGORIES: &[&str] = &[
    "hospital",
    "health_station",
    "pharmacy",
    "school",
    "one_stop",
    "market",
    "shelter",
    "station",
    "tourist_site",
];

/// The categories a tile's feature opens the places view on (empty for a
/// feature that is not a places view).
pub fn categories_for(feature: Feature) -> &'static [&'static str] {
    match feature {
        Feature::Health => &["hospital", "health_station", "pharmacy"],
        Feature::Education => &["school"],
        Feature::Tourism => &["tourist_site"],
        Feature::Transport => &["station"],
        Feature::NearbyServices => CATEGORIES,
        _ => &[],
    }
}

/// The field of the province's articles a tile shows beside its places.
pub fn field_for(feature: Feature) -> Option<&'static str> {
    Some(match feature {
        Feature::Health => "health",
        Feature::Education => "education",
        Feature::Tourism => "tourism",
        Feature::Transport => "transport",
        Feature::NearbyServices => "services",
        _ => return None,
    })
}

/// Vietnam's offset from UTC (no daylight saving time).
const VIETNAM_OFFSET_MS: i64 = 7 * 3_600_000;

/// Whether `hours` say the place is open at `now_ms`, or `None` when they
/// cannot be read. The form is a subset of OpenStreetMap's `opening_hours`:
/// `24/7`, or rules `Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:00-11:00`
/// separated by `;` (a later rule for the same day replaces an earlier one).
pub fn open_now(hours: &str, now_ms: i64) -> Option<bool> {
    let hours = hours.trim();
    if hours == "24/7" {
        return Some(true);
    }
    let local = now_ms + VIETNAM_OFFSET_MS;
    let day_index = local.div_euclid(86_400_000);
    // 1970-01-01 was a Thursday; Monday = 0.
    let weekday = usize::try_from((day_index + 3).rem_euclid(7)).ok()?;
    let minute = local.rem_euclid(86_400_000) / 60_000;
    let mut open = false;
    let mut any = false;
    for rule in hours.split(';').map(str::trim).filter(|r| !r.is_empty()) {
        let (days, spans) = rule.split_once(' ')?;
        if !days_cover(days, weekday)? {
            continue;
        }
        any = true;
        open = false;
        for span in spans.split(',') {
            let (from, to) = span.trim().split_once('-')?;
            let (from, to) = (minutes(from)?, minutes(to)?);
            if from <= minute && minute < to {
                open = true;
            }
        }
    }
    // A day no rule names is a day the place is closed.
    Some(any && open)
}

const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

fn days_cover(days: &str, weekday: usize) -> Option<bool> {
    let day = |name: &str| DAYS.iter().position(|d| *d == name);
    for part in days.split(',') {
        let covered = match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                if a <= b {
                    (a..=b).contains(&weekday)
                } else {
                    weekday >= a || weekday <= b
                }
            }
            None => day(part)? == weekday,
        };
        if covered {
            return Some(true);
        }
    }
    Some(false)
}

fn minutes(hhmm: &str) -> Option<i64> {
    let (h, m) = hhmm.split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

/// A `tel:` link for a phone number as written (`0234 3822 325`,
/// `+84 234 …`), or `None` if it holds anything but digits, spaces, dots,
/// dashes, brackets and a leading `+`.
pub fn tel_link(phone: &str) -> Option<String> {
    let phone = phone.trim();
    let mut out = String::from("tel:");
    for (i, c) in phone.chars().enumerate() {
        match c {
            '0'..='9' => out.push(c),
            '+' if i == 0 => out.push(c),
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => return None,
        }
    }
    let digits = out.chars().filter(char::is_ascii_digit).count();
    (3..=15).contains(&digits).then_some(out)
}

/// The address of directions to a point: OpenStreetMap's route planner,
/// opened in the system's browser (or its map application).
pub fn directions_url(lat: f64, lon: f64) -> String {
    format!(
        "https://www.openstreetmap.org/directions?to={lat:.6}%2C{lon:.6}#map=17/{lat:.6}/{lon:.6}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-23 is a Monday; `h`:`m` in Vietnam.
    fn monday(h: i64, m: i64) -> i64 {
        crate::time::parse("2026-11-23T00:00:00Z").unwrap_or(0) - VIETNAM_OFFSET_MS
            + (h * 60 + m) * 60_000
    }

    #[test]
    fn open_now_reads_simple_opening_hours_in_vietnams_time() {
        let hours = "Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:00-11:00";
        assert_eq!(open_now(hours, monday(8, 0)), Some(true));
        assert_eq!(open_now(hours, monday(12, 0)), Some(false), "lunch");
        assert_eq!(open_now(hours, monday(17, 0)), Some(false));
        assert_eq!(
            open_now(hours, monday(8, 0) + 5 * 86_400_000),
            Some(true),
            "Saturday"
        );
        assert_eq!(open_now(hours, monday(12, 0) + 5 * 86_400_000), Some(false));
        assert_eq!(
            open_now(hours, monday(8, 0) + 6 * 86_400_000),
            Some(false),
            "Sunday"
        );
        assert_eq!(open_now("24/7", 0), Some(true));
        assert_eq!(open_now("Mo-Su 00:00-24:00", monday(23, 59)), Some(true));
        assert_eq!(
            open_now("Sa-Mo 08:00-09:00", monday(8, 30)),
            Some(true),
            "wraps"
        );
        for bad in [
            "sometimes",
            "Mo-Fr 7h-17h",
            "Xx 07:00-08:00",
            "Mo 25:00-26:00",
        ] {
            assert_eq!(open_now(bad, monday(8, 0)), None, "{bad}");
        }
    }

    #[test]
    fn phone_numbers_become_tel_links() {
        assert_eq!(
            tel_link("0234 3822 325").as_deref(),
            Some("tel:02343822325")
        );
        assert_eq!(
            tel_link("+84 (234) 382.2325").as_deref(),
            Some("tel:+842343822325")
        );
        assert_eq!(tel_link("115").as_deref(), Some("tel:115"));
        assert_eq!(tel_link("javascript:alert(1)"), None);
        assert_eq!(tel_link("12"), None);
        assert_eq!(tel_link("0234+5"), None);
    }

    #[test]
    fn every_tile_of_a_field_has_categories_and_directions_are_https() {
        for feature in [
            Feature::Health,
            Feature::Education,
            Feature::Tourism,
            Feature::Transport,
            Feature::NearbyServices,
        ] {
            assert!(!categories_for(feature).is_empty());
            assert!(field_for(feature).is_some());
            assert!(
                categories_for(feature)
                    .iter()
                    .all(|c| CATEGORIES.contains(c))
            );
        }
        assert!(categories_for(Feature::News).is_empty());
        let url = directions_url(16.4637, 107.5909);
        assert!(crate::links::allowed(&url, &["openstreetmap.org"]), "{url}");
    }
}
