//! Dossiers the resident follows: looked up by code and phone digits, kept on
//! the device and pulled again with each sync.

use cds_provincial_api::content::Dossier;
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Core, Error, db::StoreError, http, now_ms};

/// Dossiers the resident follows: (code, phone digits).
pub fn watched(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut statement =
        conn.prepare("SELECT code, phone_last4 FROM watched_dossiers ORDER BY added_at_ms")?;
    let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

pub fn watch(
    conn: &Connection,
    dossier: &Dossier,
    phone_last4: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO watched_dossiers (code, phone_last4, body, added_at_ms, pulled_at_ms) VALUES (?1, ?2, ?3, ?4, ?4)
         ON CONFLICT (code) DO UPDATE SET phone_last4 = excluded.phone_last4, body = excluded.body,
             pulled_at_ms = excluded.pulled_at_ms",
        params![dossier.code, phone_last4, serde_json::to_string(dossier)?, now_ms],
    )?;
    Ok(())
}

/// Stores a newer view of a watched dossier; returns whether it changed.
pub fn update_dossier(
    conn: &Connection,
    dossier: &Dossier,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let before: Option<String> = conn
        .query_row(
            "SELECT body FROM watched_dossiers WHERE code = ?1",
            [&dossier.code],
            |row| row.get(0),
        )
        .optional()?;
    let body = serde_json::to_string(dossier)?;
    conn.execute(
        "UPDATE watched_dossiers SET body = ?2, pulled_at_ms = ?3 WHERE code = ?1",
        params![dossier.code, body, now_ms],
    )?;
    Ok(before.as_deref() != Some(body.as_str()))
}

pub fn dossiers(conn: &Connection) -> Result<Vec<Dossier>, StoreError> {
    let mut statement = conn.prepare("SELECT body FROM watched_dossiers ORDER BY added_at_ms")?;
    let rows = statement.query_map([], |row| row.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        out.push(serde_json::from_str(&row?)?);
    }
    Ok(out)
}

impl Core {
    async fn fetch_dossier(
        &self,
        code: &str,
        phone_last4: &str,
    ) -> Result<cds_provincial_api::content::Dossier, Error> {
        let valid_code = !code.is_empty()
            && code.len() <= 40
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
        if !valid_code || phone_last4.len() != 4 || !phone_last4.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(Error::Invalid(cds_domain::report::Invalid {
                field: cds_domain::report::Field::ServiceCode,
                rule: cds_domain::report::Rule::BadFormat,
            }));
        }
        let path = format!(
            "{}/dossiers/{code}?phone_last4={phone_last4}",
            cds_provincial_api::API_PREFIX
        );
        match self.api.get(&path, None, 256 * 1024).await {
            Ok(http::Fetched::Body { bytes, .. }) => serde_json::from_slice(&bytes)
                .map_err(|err| Error::Unreachable(format!("dossier answer: {err}"))),
            Ok(http::Fetched::NotModified) => Err(Error::Unreachable("unexpected 304".into())),
            Err(http::FetchError::NotFound) => Err(Error::NotFound),
            Err(err) => Err(Error::Unreachable(err.to_string())),
        }
    }

    /// Looks a dossier up by its code and the last four digits of the phone
    /// number on the slip, and follows it from now on.
    pub async fn watch_dossier(
        &self,
        code: String,
        phone_last4: String,
    ) -> Result<cds_provincial_api::content::Dossier, Error> {
        let code = code.trim().to_uppercase();
        let dossier = self.fetch_dossier(&code, phone_last4.trim()).await?;
        let (stored, digits, now) = (dossier.clone(), phone_last4.trim().to_owned(), now_ms());
        self.store
            .run(move |conn| watch(conn, &stored, &digits, now))
            .await?;
        Ok(dossier)
    }

    /// The watched dossiers as last pulled.
    pub async fn dossiers(&self) -> Result<Vec<cds_provincial_api::content::Dossier>, Error> {
        self.store.run(|conn| dossiers(conn)).await
    }

    /// Pulls every watched dossier; returns the codes whose status changed.
    pub async fn pull_dossiers(&self) -> Result<Vec<String>, Error> {
        let watched = self.store.call(|conn| watched(conn)).await?;
        let mut changed = Vec::new();
        for (code, digits) in watched {
            match self.fetch_dossier(&code, &digits).await {
                Ok(dossier) => {
                    let now = now_ms();
                    if self
                        .store
                        .run(move |conn| update_dossier(conn, &dossier, now))
                        .await?
                    {
                        changed.push(code);
                    }
                }
                Err(err) => log::info!("dossier {code}: {err}"),
            }
        }
        Ok(changed)
    }
}
