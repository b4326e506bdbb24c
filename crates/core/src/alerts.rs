//! Alerts and warnings on the device: the list as last pulled (content
//! cache, with ETags), those for my wards first — the wards of my reports,
//! of the reports I follow, and those chosen in settings —, expired ones
//! left out; the home screen's banner (a severe alert in force for me, until
//! it expires or is read); which severe alerts a sync must announce (once).

use std::collections::HashSet;

use cds_domain::{
    alerts::{self as rules, Listed},
    inbox::InboxKind,
    report::{Field, Invalid, PublicReport, ReportDraft, Rule},
};
use cds_provincial_api::alerts::Alert;
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Core, Error, content, db::StoreError, inbox, now_ms, settings};

/// The setting holding the wards chosen for alerts (a JSON list of codes).
const WARDS_KEY: &str = "alert_wards";

fn chosen_wards(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [WARDS_KEY],
            |row| row.get(0),
        )
        .optional()?;
    Ok(value
        .and_then(|v| serde_json::from_str(&v).ok())
        .unwrap_or_default())
}

/// Where my reports and the reports I follow are.
fn my_points(conn: &Connection) -> Result<Vec<(f64, f64)>, StoreError> {
    let mut points = Vec::new();
    let mut statement = conn.prepare("SELECT body FROM reports WHERE state_kind != 'cancelled'")?;
    for body in statement.query_map([], |row| row.get::<_, String>(0))? {
        let draft: ReportDraft = serde_json::from_str(&body?)?;
        if let Some(at) = draft.location {
            points.push((at.lat, at.lon));
        }
    }
    let mut statement = conn.prepare("SELECT report FROM followed_reports")?;
    for body in statement.query_map([], |row| row.get::<_, String>(0))? {
        let report: PublicReport = serde_json::from_str(&body?)?;
        points.push((report.lat, report.lon));
    }
    Ok(points)
}

/// When each alert was last opened.
fn read_marks(conn: &Connection) -> rusqlite::Result<std::collections::HashMap<String, i64>> {
    let mut statement = conn.prepare("SELECT id, read_at_ms FROM inbox_read WHERE kind = ?1")?;
    let rows = statement.query_map([InboxKind::Alert.key()], |row| {
        Ok((row.get(0)?, row.get(1)?))
    })?;
    rows.collect()
}

/// The alerts not expired, mine first, then the more severe, then newer.
pub fn listed(
    alerts: Vec<Alert>,
    my_wards: &HashSet<String>,
    read: &std::collections::HashMap<String, i64>,
    now_ms: i64,
) -> Vec<Listed<Alert>> {
    let mut out: Vec<(u8, Listed<Alert>)> = alerts
        .into_iter()
        .filter_map(|alert| {
            let from = cds_domain::time::parse(&alert.valid_from).unwrap_or(i64::MIN);
            let until = cds_domain::time::parse(&alert.valid_until)?;
            if !rules::listed(until, now_ms) {
                return None;
            }
            let changed = cds_domain::time::parse(&alert.updated_datetime).unwrap_or(0);
            let closeness = rules::closeness(&alert.areas, my_wards);
            Some((
                closeness,
                Listed {
                    mine: closeness < 2,
                    in_force: rules::in_force(from, until, now_ms),
                    unread: read.get(&alert.id).is_none_or(|at| *at < changed),
                    alert,
                },
            ))
        })
        .collect();
    out.sort_by_key(|(closeness, listed)| {
        rules::sort_key(
            *closeness,
            &listed.alert.severity,
            cds_domain::time::parse(&listed.alert.valid_from).unwrap_or(0),
        )
    });
    out.into_iter().map(|(_, listed)| listed).collect()
}

/// The severe alerts for me in force and unread: the banner's, first first.
fn banner(list: &[Listed<Alert>]) -> Vec<&Alert> {
    list.iter()
        .filter(|l| {
            rules::raises_banner(
                &l.alert.severity,
                l.mine,
                l.in_force,
                1,
                (!l.unread).then_some(1),
            )
        })
        .map(|l| &l.alert)
        .collect()
}

impl Core {
    /// My wards: those chosen in settings, and those of my reports and of
    /// the reports I follow.
    pub async fn my_wards(&self) -> Result<HashSet<String>, Error> {
        let (chosen, points) = self
            .store
            .run(|conn| Ok((chosen_wards(conn)?, my_points(conn)?)))
            .await?;
        let areas = self.areas().await?;
        let mut wards: HashSet<String> = chosen.into_iter().collect();
        wards.extend(
            points
                .into_iter()
                .filter_map(|(lat, lon)| areas.locate(lat, lon)?.ward.map(|(code, _)| code)),
        );
        Ok(wards)
    }

    /// The wards chosen in settings.
    pub async fn alert_wards(&self) -> Result<Vec<String>, Error> {
        self.store.run(|conn| chosen_wards(conn)).await
    }

    /// Chooses the wards whose alerts come first (besides those of my
    /// reports); each must be a ward of the province.
    pub async fn set_alert_wards(&self, wards: Vec<String>) -> Result<Vec<String>, Error> {
        let areas = self.areas().await?;
        let mut chosen: Vec<String> = Vec::new();
        for ward in wards {
            let ward = ward.trim().to_owned();
            if !areas.wards.iter().any(|area| area.code == ward) {
                return Err(Error::Invalid(Invalid {
                    field: Field::Location,
                    rule: Rule::OutsideProvince,
                }));
            }
            if !chosen.contains(&ward) {
                chosen.push(ward);
            }
        }
        let value =
            serde_json::to_string(&chosen).map_err(|err| Error::Internal(err.to_string()))?;
        self.store
            .call(move |conn| settings::set(conn, WARDS_KEY, &value))
            .await?;
        Ok(chosen)
    }

    /// The alerts as last pulled, expired ones left out, mine first.
    pub async fn alerts(&self) -> Result<Vec<Listed<Alert>>, Error> {
        let wards = self.my_wards().await?;
        let (alerts, read) = self
            .store
            .run(|conn| {
                Ok((
                    content::list::<Alert>(conn, content::Kind::Alerts)?,
                    read_marks(conn)?,
                ))
            })
            .await?;
        Ok(listed(alerts, &wards, &read, now_ms()))
    }

    /// The home screen's banner: the first severe alert in force for me,
    /// not read since it last changed.
    pub async fn alert_banner(&self) -> Result<Option<Alert>, Error> {
        let list = self.alerts().await?;
        Ok(banner(&list).first().map(|a| (*a).clone()))
    }

    /// The resident read an alert: the banner goes until it changes. The
    /// mark is the version read (its `updated_datetime`), so that a change
    /// within the same second still counts as new.
    pub async fn mark_alert_read(&self, id: String) -> Result<(), Error> {
        let now = now_ms();
        self.store
            .run(move |conn| {
                let alerts = content::list::<Alert>(conn, content::Kind::Alerts)?;
                let version = alerts
                    .iter()
                    .find(|a| a.id == id)
                    .and_then(|a| cds_domain::time::parse(&a.updated_datetime))
                    .unwrap_or(now);
                Ok(inbox::mark_read(conn, InboxKind::Alert, &id, version)?)
            })
            .await
    }

    /// The severe alerts in force for me not announced before (in this
    /// version): each is announced once, again only if it changes.
    pub async fn severe_alerts_to_tell(&self) -> Result<Vec<String>, Error> {
        let list = self.alerts().await?;
        let due: Vec<(String, String)> = banner(&list)
            .into_iter()
            .map(|a| (a.id.clone(), a.updated_datetime.clone()))
            .collect();
        let now = now_ms();
        self.store
            .call(move |conn| {
                let mut told = Vec::new();
                for (id, updated) in due {
                    let changed = conn.execute(
                        "INSERT INTO alerts_told (id, updated_datetime, told_at_ms) VALUES (?1, ?2, ?3)
                         ON CONFLICT (id) DO UPDATE SET updated_datetime = excluded.updated_datetime,
                             told_at_ms = excluded.told_at_ms
                         WHERE alerts_told.updated_datetime != excluded.updated_datetime",
                        params![id, updated, now],
                    )?;
                    if changed > 0 {
                        told.push(id);
                    }
                }
                Ok(told)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cds_domain::LocalizedText;

    fn alert(id: &str, severity: &str, areas: &[&str], from: i64, until: i64) -> Alert {
        let text = LocalizedText {
            vi: id.into(),
            en: id.into(),
        };
        Alert {
            id: id.into(),
            kind: "flood".into(),
            severity: severity.into(),
            areas: areas.iter().map(|a| (*a).to_owned()).collect(),
            title: text.clone(),
            body: text,
            instructions: None,
            guide_id: None,
            shelters: false,
            valid_from: cds_domain::time::iso(from),
            valid_until: cds_domain::time::iso(until),
            updated_datetime: cds_domain::time::iso(from),
        }
    }

    #[test]
    fn expired_leave_the_list_mine_come_first_and_the_banner_is_severe_and_mine() {
        let now = 10_000_000;
        let wards: HashSet<String> = ["19753".to_owned()].into();
        let alerts = vec![
            alert("gone", "danger", &["*"], 0, now - 1000),
            alert("elsewhere", "danger", &["19900"], 0, now + 1_000_000),
            alert("mine", "warning", &["19753"], 0, now + 1_000_000),
            alert("all", "danger", &["*"], 0, now + 1_000_000),
            alert("later", "danger", &["*"], now + 500_000, now + 1_000_000),
        ];
        let list = listed(alerts, &wards, &Default::default(), now);
        let ids: Vec<_> = list.iter().map(|l| l.alert.id.as_str()).collect();
        assert_eq!(ids, ["mine", "later", "all", "elsewhere"]);
        let banner: Vec<_> = banner(&list).iter().map(|a| a.id.clone()).collect();
        assert_eq!(banner, ["all"], "in force, severe, mine");
        let read = [("all".to_owned(), now)].into();
        let list = listed(
            list.into_iter().map(|l| l.alert).collect(),
            &wards,
            &read,
            now,
        );
        assert!(super::banner(&list).is_empty(), "read");
    }
}
