//! The province's open reports on the device (for "already reported
//! nearby?" and the map) and the public reports the resident follows.

use rusqlite::{Connection, OptionalExtension, params};

use crate::{Core, Error, db::StoreError, now_ms, settings, sync};

/// The stored setting: `updated_datetime` of the newest public report read.
pub const CURSOR: &str = "public_reports_updated_after";

pub use cds_domain::report::PublicReport;

/// Stores what the server says of public reports; closed ones are dropped.
pub fn store_public(conn: &mut Connection, reports: &[PublicReport]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    for report in reports {
        if report.status == "open" {
            tx.execute(
                "INSERT INTO public_reports (server_id, service_code, status, lat, lon, description, updated_datetime)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (server_id) DO UPDATE SET service_code = excluded.service_code, status = excluded.status,
                     lat = excluded.lat, lon = excluded.lon, description = excluded.description,
                     updated_datetime = excluded.updated_datetime",
                params![report.server_id, report.service_code, report.status, report.lat, report.lon, report.description, report.updated_datetime],
            )?;
        } else {
            tx.execute(
                "DELETE FROM public_reports WHERE server_id = ?1",
                [&report.server_id],
            )?;
        }
    }
    tx.commit()
}

/// Open reports within `radius_m` of a point (of one category if given), nearest first.
pub fn nearby(
    conn: &Connection,
    lat: f64,
    lon: f64,
    radius_m: f64,
    service_code: Option<&str>,
) -> rusqlite::Result<Vec<PublicReport>> {
    // A bounding box first (an index range), then the exact distance.
    let dlat = radius_m / 111_000.0;
    let dlon = radius_m / (111_000.0 * lat.to_radians().cos().abs().max(0.01));
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {PUBLIC_COLUMNS} FROM public_reports
         WHERE lat BETWEEN ?1 AND ?2 AND lon BETWEEN ?3 AND ?4 AND (?5 IS NULL OR service_code = ?5)"
    ))?;
    let rows = statement.query_map(
        params![lat - dlat, lat + dlat, lon - dlon, lon + dlon, service_code],
        public_row,
    )?;
    let mut found: Vec<PublicReport> = rows
        .filter_map(Result::ok)
        .map(|mut r| {
            r.distance_m = cds_domain::geo::distance_m([lon, lat], [r.lon, r.lat]);
            r
        })
        .filter(|r| r.distance_m <= radius_m)
        .collect();
    found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    Ok(found)
}

/// Follows the public report `server_id` (it must be among the cached ones).
pub fn follow(conn: &Connection, server_id: &str, now_ms: i64) -> Result<(), StoreError> {
    let report = conn
        .query_row(
            &format!("SELECT {PUBLIC_COLUMNS} FROM public_reports WHERE server_id = ?1"),
            [server_id],
            public_row,
        )
        .optional()?
        .ok_or(StoreError::NotFound)?;
    conn.execute(
        "INSERT INTO followed_reports (server_id, report, followed_at_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (server_id) DO NOTHING",
        params![server_id, serde_json::to_string(&report)?, now_ms],
    )?;
    Ok(())
}

pub fn unfollow(conn: &Connection, server_id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM followed_reports WHERE server_id = ?1",
        [server_id],
    )?;
    Ok(())
}

/// The reports I follow, newest first.
pub fn followed(conn: &Connection) -> Result<Vec<cds_domain::report::Followed>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT report, remote, followed_at_ms FROM followed_reports ORDER BY followed_at_ms DESC",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, Option<String>>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (report, remote, followed_at_ms) = row?;
        out.push(cds_domain::report::Followed {
            report: serde_json::from_str(&report)?,
            remote: remote.as_deref().map(serde_json::from_str).transpose()?,
            followed_at_ms,
        });
    }
    Ok(out)
}

/// Stores what the server says of a followed report; returns whether it changed.
pub fn store_followed(
    conn: &Connection,
    remote: &cds_domain::report::RemoteStatus,
) -> Result<bool, StoreError> {
    let mut comparable = remote.clone();
    comparable.pulled_at_ms = 0;
    let before: Option<Option<String>> = conn
        .query_row(
            "SELECT remote FROM followed_reports WHERE server_id = ?1",
            [&remote.server_id],
            |row| row.get(0),
        )
        .optional()?;
    let before = before.flatten();
    let first = before.is_none();
    let changed = match before {
        Some(text) => {
            let mut old: cds_domain::report::RemoteStatus = serde_json::from_str(&text)?;
            old.pulled_at_ms = 0;
            old != comparable
        }
        None => true,
    };
    conn.execute(
        "UPDATE followed_reports SET remote = ?2,
             changed_at_ms = CASE WHEN ?3 THEN ?4 ELSE changed_at_ms END
         WHERE server_id = ?1",
        params![
            remote.server_id,
            serde_json::to_string(remote)?,
            changed && !first,
            remote.pulled_at_ms
        ],
    )?;
    Ok(changed)
}

/// Every open public report held, newest change first.
pub fn public_reports(conn: &Connection) -> rusqlite::Result<Vec<PublicReport>> {
    let mut statement = conn.prepare(&format!(
        "SELECT {PUBLIC_COLUMNS} FROM public_reports ORDER BY updated_datetime DESC LIMIT 5000"
    ))?;
    let rows = statement.query_map([], public_row)?;
    rows.collect()
}

/// The columns [`public_row`] reads, in its order.
const PUBLIC_COLUMNS: &str =
    "server_id, service_code, status, lat, lon, description, updated_datetime";

fn public_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<PublicReport> {
    Ok(PublicReport {
        server_id: row.get(0)?,
        service_code: row.get(1)?,
        status: row.get(2)?,
        lat: row.get(3)?,
        lon: row.get(4)?,
        description: row.get(5)?,
        updated_datetime: row.get(6)?,
        distance_m: 0.0,
    })
}

impl Core {
    /// Pulls the province's requests changed since the last pull (all, the
    /// first time) and keeps the open ones for "already reported nearby?".
    /// Returns how many answers were read; an unreachable server gives `None`.
    ///
    /// The list ends with an empty page, a 404 after the first page, or a page
    /// holding only requests already read (a server that ignores `page`). The
    /// cursor moves once a pull has reached the end; a server's error answer
    /// ends the pull without moving it and is not "offline".
    pub async fn pull_public_reports(&self) -> Result<Option<usize>, Error> {
        /// A bound on one pull (200 a page).
        const MAX_PAGES: u32 = 50;
        let cursor = self
            .store
            .call(|conn| Ok(settings::all(conn)?.remove(CURSOR)))
            .await?;
        let mut read = 0;
        let mut newest = cursor.clone();
        let mut seen = std::collections::HashSet::new();
        let mut complete = false;
        for page in 1..=MAX_PAGES {
            let answers = match self.open311.open_requests(cursor.as_deref(), page).await {
                Ok(answers) => answers,
                Err(sync::GetError::Status { status: 404, .. }) if page > 1 => {
                    complete = true;
                    break;
                }
                Err(reason) if reason.is_offline() => {
                    log::info!("public reports: {reason}");
                    return Ok(None);
                }
                Err(reason) => {
                    log::warn!("public reports: the server answered {reason}");
                    break;
                }
            };
            let ids: Vec<String> = answers
                .iter()
                .filter_map(|answer| sync::public_report(answer).map(|r| r.server_id))
                .collect();
            let fresh = ids.iter().filter(|id| seen.insert((*id).clone())).count();
            if answers.is_empty() || (!ids.is_empty() && fresh == 0) {
                complete = true;
                break;
            }
            read += answers.len();
            let reports: Vec<PublicReport> =
                answers.iter().filter_map(sync::public_report).collect();
            for report in &reports {
                if report.updated_datetime > newest {
                    newest.clone_from(&report.updated_datetime);
                }
            }
            self.store
                .call(move |conn| store_public(conn, &reports))
                .await?;
        }
        if complete && let Some(newest) = newest.filter(|n| Some(n) != cursor.as_ref()) {
            self.store
                .call(move |conn| settings::set(conn, CURSOR, &newest))
                .await?;
        }
        Ok(Some(read))
    }

    /// Open reports within `radius_m` of a point, nearest first (from the device).
    pub async fn nearby(
        &self,
        lat: f64,
        lon: f64,
        radius_m: f64,
        service_code: Option<String>,
    ) -> Result<Vec<PublicReport>, Error> {
        let place = cds_domain::report::Location {
            lat,
            lon,
            accuracy_m: None,
            source: cds_domain::report::LocationSource::Pin,
        };
        place.check(cds_domain::report::Field::Location)?;
        let radius_m = radius_m.clamp(1.0, 50_000.0);
        self.store
            .call(move |conn| nearby(conn, lat, lon, radius_m, service_code.as_deref()))
            .await
    }

    /// Every open report of the province the device holds (at most 5,000).
    pub async fn public_reports(&self) -> Result<Vec<PublicReport>, Error> {
        self.store.call(|conn| public_reports(conn)).await
    }

    /// Follows a public report of the province instead of filing the same
    /// issue again (it must be among the cached open reports).
    pub async fn follow(&self, server_id: String) -> Result<(), Error> {
        self.store
            .run(move |conn| follow(conn, &server_id, now_ms()))
            .await
    }

    pub async fn unfollow(&self, server_id: String) -> Result<(), Error> {
        self.store
            .call(move |conn| unfollow(conn, &server_id))
            .await
    }

    /// The reports I follow, with what the province last said of them.
    pub async fn followed(&self) -> Result<Vec<cds_domain::report::Followed>, Error> {
        self.store.run(|conn| followed(conn)).await
    }

    /// Pulls the status of the reports I follow; returns the ids that changed.
    /// An unreachable server is `Ok(None)`.
    pub async fn pull_followed(&self) -> Result<Option<Vec<String>>, Error> {
        let ids: Vec<String> = self
            .followed()
            .await?
            .into_iter()
            .map(|f| f.report.server_id)
            .collect();
        let mut changed = Vec::new();
        for chunk in ids.chunks(50) {
            let answers = match self.open311.fetch(chunk).await {
                Ok(answers) => answers,
                Err(reason) if reason.is_offline() => {
                    log::info!("pulling followed reports: {reason}");
                    return Ok(None);
                }
                Err(reason) => {
                    log::warn!("pulling followed reports: the server answered {reason}");
                    continue;
                }
            };
            let now = now_ms();
            let found: Vec<_> = answers
                .iter()
                .filter_map(|answer| sync::remote_status(answer, now))
                .filter(|remote| chunk.contains(&remote.server_id))
                .collect();
            let newly = self
                .store
                .run(move |conn| {
                    let mut newly = Vec::new();
                    for remote in &found {
                        if store_followed(conn, remote)? {
                            newly.push(remote.server_id.clone());
                        }
                    }
                    Ok(newly)
                })
                .await?;
            changed.extend(newly);
        }
        Ok(Some(changed))
    }
}
