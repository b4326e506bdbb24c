//! The one inbox: my reports, the reports I follow, my followed dossiers and
//! the alerts for my wards, newest change first; "read" marks kept on the
//! device (`inbox_read`), set when the resident opens an item.

use std::collections::{HashMap, HashSet};

use cds_domain::{
    LocalizedText,
    inbox::{Inbox, InboxItem, InboxKind},
    report::{PublicReport, RemoteStatus, ReportDraft},
};
use cds_provincial_api::content::Alert;
use rusqlite::{Connection, params};

use crate::{Core, Error, content, db::StoreError, dossiers, now_ms};

/// Longest excerpt of a text shown in the inbox.
const EXCERPT_CHARS: usize = 160;

fn excerpt(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= EXCERPT_CHARS {
        text
    } else {
        text.chars().take(EXCERPT_CHARS - 1).collect::<String>() + "…"
    }
}

fn same(text: String) -> LocalizedText {
    LocalizedText {
        vi: text.clone(),
        en: text,
    }
}

/// When each item was last opened.
fn read_marks(conn: &Connection) -> rusqlite::Result<HashMap<(String, String), i64>> {
    let mut statement = conn.prepare("SELECT kind, id, read_at_ms FROM inbox_read")?;
    let rows = statement.query_map([], |row| Ok(((row.get(0)?, row.get(1)?), row.get(2)?)))?;
    rows.collect()
}

pub fn mark_read(
    conn: &Connection,
    kind: InboxKind,
    id: &str,
    now_ms: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO inbox_read (kind, id, read_at_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, id) DO UPDATE SET read_at_ms = excluded.read_at_ms",
        params![kind.key(), id, now_ms],
    )?;
    Ok(())
}

/// A closed Open311 request (resolved, refused, a duplicate) is no longer open.
fn still_open(remote: Option<&RemoteStatus>) -> bool {
    remote.is_none_or(|r| r.status != "closed")
}

/// Where my reports and the reports I follow are (for my wards' alerts).
type Points = Vec<(f64, f64)>;

/// Everything but the alerts, with the points of my reports (for my wards).
fn items(conn: &Connection) -> Result<(Vec<InboxItem>, Points), StoreError> {
    let read = read_marks(conn)?;
    let unread = |kind: InboxKind, id: &str, changed: i64, since: i64| {
        changed > since
            && changed
                > read
                    .get(&(kind.key().to_owned(), id.to_owned()))
                    .copied()
                    .unwrap_or(0)
    };
    let mut out = Vec::new();
    let mut points = Vec::new();
    // My reports: the province's changes are what is new.
    let mut statement = conn.prepare(
        "SELECT r.id, r.body, r.submitted_at_ms, r.state_kind, rr.body, COALESCE(rr.changed_at_ms, 0)
         FROM reports r LEFT JOIN report_remote rr ON rr.report_id = r.id
         WHERE r.state_kind != 'cancelled'",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, i64>(5)?,
        ))
    })?;
    for row in rows {
        let (id, body, submitted, state, remote, changed) = row?;
        let draft: ReportDraft = serde_json::from_str(&body)?;
        let remote: Option<RemoteStatus> = remote.map(|r| serde_json::from_str(&r)).transpose()?;
        if let Some(location) = draft.location {
            points.push((location.lat, location.lon));
        }
        let status = remote
            .as_ref()
            .and_then(|r| r.detailed_status.clone())
            .unwrap_or(state);
        out.push(InboxItem {
            kind: InboxKind::Report,
            unread: unread(InboxKind::Report, &id, changed, 0),
            id,
            title: same(excerpt(&draft.description)),
            note: same(excerpt(remote.as_ref().map_or("", |r| r.note.as_str()))),
            status,
            changed_at_ms: changed.max(submitted),
            open: still_open(remote.as_ref()),
        });
    }
    // Reports of others I follow.
    let mut statement = conn.prepare(
        "SELECT server_id, report, remote, followed_at_ms, changed_at_ms FROM followed_reports",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, i64>(3)?,
            row.get::<_, i64>(4)?,
        ))
    })?;
    for row in rows {
        let (id, report, remote, followed_at, changed) = row?;
        let report: PublicReport = serde_json::from_str(&report)?;
        let remote: Option<RemoteStatus> = remote.map(|r| serde_json::from_str(&r)).transpose()?;
        points.push((report.lat, report.lon));
        out.push(InboxItem {
            kind: InboxKind::Followed,
            unread: unread(InboxKind::Followed, &id, changed, followed_at),
            id,
            title: same(excerpt(&report.description)),
            note: same(excerpt(remote.as_ref().map_or("", |r| r.note.as_str()))),
            status: remote
                .as_ref()
                .and_then(|r| r.detailed_status.clone())
                .unwrap_or(report.status),
            changed_at_ms: changed.max(followed_at),
            open: still_open(remote.as_ref()),
        });
    }
    // Dossiers I follow.
    for (result, changed, added) in dossiers::followed(conn)? {
        let d = result.value;
        out.push(InboxItem {
            kind: InboxKind::Dossier,
            unread: unread(InboxKind::Dossier, &d.code, changed, added),
            title: same(d.procedure.clone()),
            note: same(excerpt(d.note.as_deref().unwrap_or_default())),
            open: !cds_domain::dossier::is_finished(&d.status),
            status: d.status,
            changed_at_ms: changed.max(added),
            id: d.code,
        });
    }
    Ok((out, points))
}

/// Alerts in force for the whole province or for one of `wards`.
fn alert_items(
    alerts: Vec<Alert>,
    wards: &HashSet<String>,
    read: &HashMap<(String, String), i64>,
    now_ms: i64,
) -> Vec<InboxItem> {
    alerts
        .into_iter()
        .filter(|alert| {
            let until = cds_domain::time::parse(&alert.valid_until).unwrap_or(i64::MAX);
            until > now_ms && alert.areas.iter().any(|a| a == "*" || wards.contains(a))
        })
        .map(|alert| {
            let changed = cds_domain::time::parse(&alert.updated_datetime).unwrap_or(0);
            let seen = read
                .get(&(InboxKind::Alert.key().to_owned(), alert.id.clone()))
                .copied()
                .unwrap_or(0);
            InboxItem {
                kind: InboxKind::Alert,
                unread: changed > seen,
                note: LocalizedText {
                    vi: excerpt(&alert.body.vi),
                    en: excerpt(&alert.body.en),
                },
                title: alert.title,
                status: alert.severity,
                changed_at_ms: changed,
                open: true,
                id: alert.id,
            }
        })
        .collect()
}

impl Core {
    /// The inbox: everything the province changed that concerns me, newest first.
    pub async fn inbox(&self) -> Result<Inbox, Error> {
        let (mut items, points, read) = self
            .store
            .run(|conn| {
                let (items, points) = items(conn)?;
                Ok((items, points, read_marks(conn)?))
            })
            .await?;
        let areas = self.areas().await?;
        let wards: HashSet<String> = points
            .into_iter()
            .filter_map(|(lat, lon)| areas.locate(lat, lon)?.ward.map(|(code, _)| code))
            .collect();
        let alerts = self
            .store
            .run(|conn| content::list::<Alert>(conn, content::Kind::Alerts))
            .await?;
        items.extend(alert_items(alerts, &wards, &read, now_ms()));
        Ok(Inbox::new(items))
    }

    /// The resident opened an item: it is read until the province changes it again.
    pub async fn mark_read(&self, kind: InboxKind, id: String) -> Result<u32, Error> {
        let now = now_ms();
        self.store
            .call(move |conn| mark_read(conn, kind, &id, now))
            .await?;
        Ok(self.inbox().await?.unread)
    }
}
