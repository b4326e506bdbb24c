//! This device's own data: the preview and the erasing of everything of the
//! resident's ("delete my data from this device"), and the provincial API
//! address chosen in settings (checked against the address before it is kept).
//!
//! Architecture Invariant: erasing keeps what is the province's, not the
//! resident's — the catalogue, content and public reports caches, cached
//! guide pictures and the configuration (API addresses, key, timeouts) — so
//! that the app still works offline afterwards. Everything else goes,
//! including settings this version does not know (kept, not listed).

use cds_domain::{
    Catalogue,
    device::{ApiAddress, ErasePreview, Unsent, excerpt},
    outbox::Illegal,
    report::{Field, Invalid, ReportDraft, Rule},
};
use rusqlite::{Connection, params};

use crate::{
    Core, Error,
    config::{self, Config},
    db::StoreError,
    http::{ApiClient, FetchError},
    photos::{self, PhotoDir},
    settings,
};

/// Tables holding only the resident's own data, emptied by [`erase`]
/// (children before parents).
const PERSONAL_TABLES: &[&str] = &[
    "draft_photos",
    "drafts",
    "report_photos",
    "report_history",
    "report_remote",
    "reports",
    "watched_dossiers",
    "followed_reports",
    "dossier_lookups",
    "inbox_read",
    "team_membership",
    "assisted_sessions",
    "team_stats",
    "alerts_told",
    "trace_lookups",
];

/// Settings that are the province's or the installer's, kept by [`erase`]:
/// the configuration and the public reports' pull cursor.
fn kept_setting(key: &str) -> bool {
    config::ALL.iter().any(|setting| setting.key == key) || key == crate::public_reports::CURSOR
}

fn draft_text(body: &str) -> String {
    serde_json::from_str::<ReportDraft>(body)
        .map(|draft| excerpt(&draft.description))
        .unwrap_or_default()
}

/// What erasing would take, newest first in each list.
pub fn preview(conn: &Connection) -> Result<ErasePreview, StoreError> {
    let mut drafts =
        conn.prepare("SELECT body, updated_at_ms FROM drafts ORDER BY updated_at_ms DESC")?;
    let drafts = drafts
        .query_map([], |row| {
            let body: String = row.get(0)?;
            Ok(Unsent {
                excerpt: draft_text(&body),
                receipt: None,
                at_ms: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut unsent = conn.prepare(
        "SELECT body, receipt, submitted_at_ms FROM reports
         WHERE state_kind NOT IN ('confirmed', 'cancelled') ORDER BY seq DESC",
    )?;
    let unsent_reports = unsent
        .query_map([], |row| {
            let body: String = row.get(0)?;
            Ok(Unsent {
                excerpt: draft_text(&body),
                receipt: Some(row.get(1)?),
                at_ms: row.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let count = |sql: &str| -> rusqlite::Result<u32> { conn.query_row(sql, [], |row| row.get(0)) };
    let team = crate::teams::store::membership(conn)?.map(|(member, _)| member.team_name);
    Ok(ErasePreview {
        drafts,
        unsent_reports,
        sent_reports: count("SELECT COUNT(*) FROM reports WHERE state_kind = 'confirmed'")?,
        unsent_sessions: count(
            "SELECT COUNT(*) FROM assisted_sessions WHERE state_kind NOT IN ('confirmed', 'cancelled')",
        )?,
        followed: count(
            "SELECT (SELECT COUNT(*) FROM watched_dossiers) + (SELECT COUNT(*) FROM followed_reports)",
        )?,
        team,
    })
}

/// Erases the resident's data if it is still what `seen` showed (else
/// `Illegal::Changed`, nothing erased), then the photo files no row names.
/// The rows are overwritten, not only unlinked (`secure_delete` for this
/// transaction), and the write-ahead log is emptied after it. Returns how
/// many photo files went.
pub fn erase(
    conn: &mut Connection,
    photo_dir: &PhotoDir,
    seen: &ErasePreview,
) -> Result<usize, StoreError> {
    conn.pragma_update(None, "secure_delete", "ON")?;
    let erased = erase_rows(conn, seen);
    conn.pragma_update(None, "secure_delete", "OFF")?;
    erased?;
    // The log still holds the pages as they were until a checkpoint.
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    // Files after the rows: a crash in between leaves stray files, which the
    // next start removes (`reports::store::recover`).
    photos::collect_garbage(conn, photo_dir)
}

fn erase_rows(conn: &mut Connection, seen: &ErasePreview) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if preview(&tx)? != *seen {
        return Err(StoreError::Illegal(Illegal::Changed));
    }
    for table in PERSONAL_TABLES {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
    }
    let keys: Vec<String> = settings::all(&tx)?.into_keys().collect();
    for key in keys.iter().filter(|key| !kept_setting(key)) {
        tx.execute("DELETE FROM settings WHERE key = ?1", params![key])?;
    }
    tx.execute("DELETE FROM photos", [])?;
    tx.commit()?;
    Ok(())
}

/// Whether anything waits to be delivered to the API in force.
fn unsent(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM reports WHERE state_kind IN ('queued', 'sending'))
             OR EXISTS (SELECT 1 FROM assisted_sessions WHERE state_kind IN ('queued', 'sending'))",
        [],
        |row| row.get(0),
    )
}

impl Core {
    /// What "delete my data" would take from this device.
    pub async fn erase_preview(&self) -> Result<ErasePreview, Error> {
        self.store.run(|conn| preview(conn)).await
    }

    /// Erases everything of the resident's on this device, if it is still
    /// what `seen` named (`NotNow` otherwise: show the preview again). Waits
    /// for a send in progress to finish first, and sends nothing meanwhile.
    pub async fn erase_device_data(&self, seen: ErasePreview) -> Result<(), Error> {
        let _no_send = self.sync_lock.lock().await;
        let photo_dir = self.photos.clone();
        let removed = self
            .store
            .run(move |conn| erase(conn, &photo_dir, &seen))
            .await?;
        log::info!("the resident's data erased from this device ({removed} photo files)");
        Ok(())
    }

    /// The provincial API address in force, chosen and by default.
    pub async fn api_address(&self) -> Result<ApiAddress, Error> {
        let chosen = self
            .store
            .call(|conn| settings::all(conn).map(|all| all.get(config::API_URL.key).cloned()))
            .await?;
        Ok(self.address_screen(chosen))
    }

    fn address_screen(&self, chosen: Option<String>) -> ApiAddress {
        let in_force = self.config.api_url.to_string();
        let next = chosen.as_deref().unwrap_or(config::DEFAULT_API_URL);
        ApiAddress {
            restart_needed: !self.api_from_env && next != in_force,
            in_force,
            chosen,
            default: config::DEFAULT_API_URL.to_owned(),
            from_environment: self.api_from_env,
        }
    }

    /// Chooses the provincial API address (`None` or blank: the default),
    /// kept on the device and used from the next start. The address must be
    /// an http(s) address (`Invalid` ApiAddress/BadFormat) where a provincial
    /// API answers with a catalogue (`Unreachable` when nothing answers,
    /// `Invalid` ApiAddress/Unknown when something else does). Refused
    /// (`NotNow`) while reports or sessions wait to be sent to the address
    /// in force, or when the address is set by the environment.
    pub async fn set_api_address(&self, address: Option<String>) -> Result<ApiAddress, Error> {
        if self.api_from_env {
            return Err(Error::NotNow(Illegal::Unexpected));
        }
        if self.store.call(|conn| unsent(conn)).await? {
            return Err(Error::NotNow(Illegal::InFlight));
        }
        let chosen = match address.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(self.check_address(text).await?),
        };
        let stored = chosen.clone();
        self.store
            .call(move |conn| match &stored {
                Some(url) => settings::set(conn, config::API_URL.key, url),
                None => conn
                    .execute("DELETE FROM settings WHERE key = ?1", [config::API_URL.key])
                    .map(drop),
            })
            .await?;
        Ok(self.address_screen(chosen))
    }

    /// The address, normalised, once a provincial API answered there.
    async fn check_address(&self, text: &str) -> Result<String, Error> {
        let bad = |rule| {
            Error::Invalid(Invalid {
                field: Field::ApiAddress,
                rule,
            })
        };
        if text.chars().count() > 2000 {
            return Err(bad(Rule::TooLong { max: 2000 }));
        }
        let url = config::parse_base(config::API_URL, text).map_err(|_| bad(Rule::BadFormat))?;
        let probe = ApiClient::new(&Config {
            api_url: url.clone(),
            ..self.config.clone()
        })?;
        match probe
            .catalogue(None, cds_domain::catalogue::MAX_BYTES)
            .await
        {
            Ok(crate::http::Fetched::Body { bytes, .. }) if Catalogue::parse(&bytes).is_ok() => {
                Ok(url.to_string())
            }
            Err(FetchError::Unreachable(reason)) => Err(Error::Unreachable(reason)),
            Ok(_) | Err(_) => Err(bad(Rule::Unknown)),
        }
    }
}
