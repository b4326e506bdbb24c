//! Alerts and warnings (floods, dam releases, storms, outages, road
//! closures): which are in force, which concern me, their order, and which
//! one the home screen's banner shows. Times are handed in (no clock).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// An alert as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listed<T> {
    pub alert: T,
    /// For one of my wards (or the whole province).
    pub mine: bool,
    /// In force now (else announced for later).
    pub in_force: bool,
    /// Not opened since it last changed.
    pub unread: bool,
}

/// Severities, least to most severe. `danger` is severe: a notification and
/// the home screen's banner.
pub const SEVERITIES: &[&str] = &["info", "warning", "danger"];
/// The severity that raises a notification and the banner.
pub const SEVERE: &str = "danger";
/// What an alert is about.
pub const KINDS: &[&str] = &[
    "flood",
    "dam_release",
    "storm",
    "outage",
    "road_closure",
    "other",
];
/// The area code that means the whole province.
pub const WHOLE_PROVINCE: &str = "*";

/// 0 for `info`, 2 for `danger`; unknown severities count as `info`.
pub fn severity_rank(severity: &str) -> usize {
    SEVERITIES.iter().position(|s| *s == severity).unwrap_or(0)
}

/// Not expired: shown in the list (also those announced for later).
pub fn listed(valid_until_ms: i64, now_ms: i64) -> bool {
    now_ms < valid_until_ms
}

/// In force now.
pub fn in_force(valid_from_ms: i64, valid_until_ms: i64, now_ms: i64) -> bool {
    valid_from_ms <= now_ms && now_ms < valid_until_ms
}

/// How close an alert's areas are to me: 0 one of my wards, 1 the whole
/// province, 2 other wards only.
pub fn closeness(areas: &[String], my_wards: &HashSet<String>) -> u8 {
    if areas.iter().any(|a| my_wards.contains(a)) {
        0
    } else if areas.iter().any(|a| a == WHOLE_PROVINCE) {
        1
    } else {
        2
    }
}

/// Whether an alert concerns me (my wards, or the whole province).
pub fn concerns_me(areas: &[String], my_wards: &HashSet<String>) -> bool {
    closeness(areas, my_wards) < 2
}

/// The order of the list: mine first, then more severe, then newer.
/// `(closeness, severity rank, valid_from_ms)` of each.
pub fn sort_key(closeness: u8, severity: &str, valid_from_ms: i64) -> (u8, usize, i64) {
    (
        closeness,
        SEVERITIES.len() - severity_rank(severity),
        -valid_from_ms,
    )
}

/// Whether an alert raises the banner: severe, in force, concerning me,
/// and not read since it last changed.
pub fn raises_banner(
    severity: &str,
    concerns_me: bool,
    in_force: bool,
    changed_ms: i64,
    read_at_ms: Option<i64>,
) -> bool {
    severity == SEVERE && concerns_me && in_force && read_at_ms.is_none_or(|read| read < changed_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wards(list: &[&str]) -> HashSet<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn mine_first_then_severe_then_newest() {
        let mine = wards(&["19753"]);
        let mut alerts = [
            ("other-danger", vec!["19900".to_owned()], "danger", 5),
            ("mine-info", vec!["19753".to_owned()], "info", 1),
            ("all-warning", vec!["*".to_owned()], "warning", 3),
            ("all-danger-old", vec!["*".to_owned()], "danger", 1),
            ("all-danger-new", vec!["*".to_owned()], "danger", 9),
        ];
        alerts.sort_by_key(|(_, areas, severity, from)| {
            sort_key(closeness(areas, &mine), severity, *from)
        });
        let order: Vec<_> = alerts.iter().map(|a| a.0).collect();
        assert_eq!(
            order,
            [
                "mine-info",
                "all-danger-new",
                "all-danger-old",
                "all-warning",
                "other-danger"
            ]
        );
    }

    #[test]
    fn the_banner_is_for_severe_alerts_in_force_for_me_until_read() {
        assert!(raises_banner("danger", true, true, 10, None));
        assert!(
            raises_banner("danger", true, true, 10, Some(5)),
            "changed since read"
        );
        assert!(!raises_banner("danger", true, true, 10, Some(10)));
        assert!(!raises_banner("warning", true, true, 10, None));
        assert!(!raises_banner("danger", false, true, 10, None));
        assert!(!raises_banner("danger", true, false, 10, None));
        assert!(in_force(1, 3, 2) && !in_force(1, 3, 3) && !in_force(2, 3, 1));
        assert!(listed(3, 2) && !listed(3, 3));
        assert_eq!(severity_rank("storm?"), 0);
    }
}
