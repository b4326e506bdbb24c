//! Administrative dossiers: looked up by the code on the slip (typed or read
//! from a photo of it) and the phone digits, the last result kept on the
//! device (shown offline with its age), followed ones pulled again with each
//! sync and announced when they change.

use cds_domain::{
    dossier::{self, ChangedDossier, CodeProblem, DossierChange, Held, SlipScan},
    report::{Field, Invalid, Rule},
};
use cds_provincial_api::content::Dossier;
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Core, Error, db::StoreError, http, now_ms};

fn invalid(field: Field, problem: CodeProblem) -> Error {
    Error::Invalid(Invalid {
        field,
        rule: match problem {
            CodeProblem::Empty => Rule::Required,
            CodeProblem::TooLong => Rule::TooLong {
                max: dossier::MAX_CODE_CHARS,
            },
            CodeProblem::BadCharacters => Rule::BadCharacters,
            CodeProblem::BadPhoneDigits => Rule::BadFormat,
        },
    })
}

/// The code and digits as the gateway knows them, or which field is wrong.
pub fn checked(code: &str, phone_last4: &str) -> Result<(String, String), Error> {
    let code = dossier::normalize_code(code).map_err(|p| invalid(Field::DossierCode, p))?;
    let digits =
        dossier::normalize_phone_digits(phone_last4).map_err(|p| invalid(Field::PhoneDigits, p))?;
    Ok((code, digits))
}

/// Keeps the last answer for a code; returns whether the code is followed
/// (whose copy only a pull refreshes, so that no change goes untold).
pub fn store_lookup(
    conn: &Connection,
    dossier: &Dossier,
    phone_last4: &str,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let body = serde_json::to_string(dossier)?;
    conn.execute(
        "INSERT INTO dossier_lookups (code, phone_last4, body, fetched_at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (code) DO UPDATE SET phone_last4 = excluded.phone_last4, body = excluded.body,
             fetched_at_ms = excluded.fetched_at_ms",
        params![dossier.code, phone_last4, body, now_ms],
    )?;
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM watched_dossiers WHERE code = ?1)",
        [&dossier.code],
        |row| row.get(0),
    )?)
}

/// The last answer for this code and these digits, if any.
pub fn last_lookup(
    conn: &Connection,
    code: &str,
    phone_last4: &str,
) -> Result<Option<Held<Dossier>>, StoreError> {
    let row: Option<(String, i64, bool)> = conn
        .query_row(
            "SELECT l.body, l.fetched_at_ms, w.code IS NOT NULL FROM dossier_lookups l
             LEFT JOIN watched_dossiers w ON w.code = l.code
             WHERE l.code = ?1 AND l.phone_last4 = ?2",
            [code, phone_last4],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    row.map(|(body, fetched_at_ms, followed)| {
        Ok(Held {
            value: serde_json::from_str(&body)?,
            fetched_at_ms,
            followed,
            offline: true,
        })
    })
    .transpose()
}

/// Follows a dossier looked up before; false if it never was.
pub fn follow(conn: &Connection, code: &str, now_ms: i64) -> Result<bool, StoreError> {
    let added = conn.execute(
        "INSERT INTO watched_dossiers (code, phone_last4, body, added_at_ms, pulled_at_ms, changed_at_ms)
         SELECT code, phone_last4, body, ?2, fetched_at_ms, 0 FROM dossier_lookups WHERE code = ?1
         ON CONFLICT (code) DO NOTHING",
        params![code, now_ms],
    )?;
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM watched_dossiers WHERE code = ?1)",
        [code],
        |row| row.get(0),
    )?;
    Ok(added > 0 || known)
}

pub fn unfollow(conn: &Connection, code: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM watched_dossiers WHERE code = ?1", [code])?;
    Ok(())
}

/// A followed dossier to pull: its code, phone digits and last ETag.
pub struct Watched {
    pub code: String,
    pub phone_last4: String,
    pub etag: Option<String>,
}

/// Dossiers the resident follows.
pub fn watched(conn: &Connection) -> rusqlite::Result<Vec<Watched>> {
    let mut statement =
        conn.prepare("SELECT code, phone_last4, etag FROM watched_dossiers ORDER BY added_at_ms")?;
    let rows = statement.query_map([], |row| {
        Ok(Watched {
            code: row.get(0)?,
            phone_last4: row.get(1)?,
            etag: row.get(2)?,
        })
    })?;
    rows.collect()
}

/// The followed copy as held (to check its due date when the server says
/// nothing changed).
fn held(conn: &Connection, code: &str) -> Result<Option<Dossier>, StoreError> {
    let body: Option<String> = conn
        .query_row(
            "SELECT body FROM watched_dossiers WHERE code = ?1",
            [code],
            |row| row.get(0),
        )
        .optional()?;
    Ok(body.map(|b| serde_json::from_str(&b)).transpose()?)
}

/// Stores a newer view of a followed dossier; returns what to tell of it.
pub fn update_followed(
    conn: &Connection,
    dossier: &Dossier,
    now_ms: i64,
) -> Result<Option<DossierChange>, StoreError> {
    let before: Option<(String, bool)> = conn
        .query_row(
            "SELECT body, overdue_told FROM watched_dossiers WHERE code = ?1",
            [&dossier.code],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((before, overdue_told)) = before else {
        return Ok(None);
    };
    let before: Dossier = serde_json::from_str(&before)?;
    let progressed = before.steps != dossier.steps || before.note != dossier.note;
    let mut change = dossier::change_of(&before.status, &dossier.status, progressed);
    let due = cds_domain::time::parse(&dossier.due_date).unwrap_or(i64::MAX);
    let overdue = dossier::is_overdue(&dossier.status, due, now_ms);
    if overdue && !overdue_told && change.is_none_or(|c| c == DossierChange::Progress) {
        change = Some(DossierChange::Overdue);
    }
    conn.execute(
        "UPDATE watched_dossiers SET body = ?2, pulled_at_ms = ?3,
             changed_at_ms = CASE WHEN ?4 THEN ?3 ELSE changed_at_ms END,
             overdue_told = ?5
         WHERE code = ?1",
        params![
            dossier.code,
            serde_json::to_string(dossier)?,
            now_ms,
            change.is_some(),
            overdue_told || overdue
        ],
    )?;
    Ok(change)
}

/// The followed dossiers as last pulled, with when.
pub fn followed(conn: &Connection) -> Result<Vec<(Held<Dossier>, i64, i64)>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT body, pulled_at_ms, changed_at_ms, added_at_ms FROM watched_dossiers ORDER BY added_at_ms",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, i64>(2)?,
            row.get::<_, i64>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (body, pulled_at_ms, changed_at_ms, added_at_ms) = row?;
        out.push((
            Held {
                value: serde_json::from_str(&body)?,
                fetched_at_ms: pulled_at_ms,
                followed: true,
                offline: false,
            },
            changed_at_ms,
            added_at_ms,
        ));
    }
    Ok(out)
}

/// What a slip photo gave, or why it gave nothing the resident can use.
fn slip_result(read: Result<cds_scan::Scan, cds_scan::ScanError>) -> Result<SlipScan, Error> {
    use cds_scan::ScanError as E;
    let refused = |rule| {
        Err(Error::Invalid(Invalid {
            field: Field::Photos,
            rule,
        }))
    };
    match read {
        Ok(scan) => Ok(SlipScan {
            code: Some(scan.dossier_code),
            found: Vec::new(),
        }),
        Err(E::NoCode) => Ok(SlipScan::default()),
        Err(E::NoDossierCode { found }) => Ok(SlipScan {
            code: None,
            found: found
                .into_iter()
                .map(|f| f.text.chars().take(300).collect())
                .take(5)
                .collect(),
        }),
        Err(E::NotAnImage) => refused(Rule::NotAnImage),
        Err(E::TooLarge) => refused(Rule::TooLarge {
            max: cds_scan::MAX_INPUT_BYTES,
        }),
        Err(E::Unreadable(_)) => refused(Rule::Damaged),
        Err(E::TooComplex(_)) => refused(Rule::TooComplex),
    }
}

impl Core {
    /// Reads the dossier code from a photo of the slip (QR code or Code 128),
    /// on the device, on the blocking pool, one photo per core at a time.
    pub async fn scan_slip(&self, photo: Vec<u8>) -> Result<SlipScan, Error> {
        slip_result(self.read_codes(photo).await?)
    }

    /// The codes in a photo (`cds-scan`), on the blocking pool, one photo
    /// per core at a time: for slips and product labels alike.
    pub(crate) async fn read_codes(
        &self,
        photo: Vec<u8>,
    ) -> Result<Result<cds_scan::Scan, cds_scan::ScanError>, Error> {
        let _worker = self
            .photo_workers
            .acquire()
            .await
            .map_err(|err| Error::Internal(err.to_string()))?;
        tokio::task::spawn_blocking(move || cds_scan::read(&photo))
            .await
            .map_err(|err| Error::Internal(err.to_string()))
    }

    /// The dossier as the province has it, with its ETag; `None` when it
    /// has not changed since `etag`.
    async fn fetch_dossier(
        &self,
        code: &str,
        phone_last4: &str,
        etag: Option<&str>,
    ) -> Result<Option<(Dossier, Option<String>)>, Error> {
        let path = format!(
            "{}/dossiers/{code}?phone_last4={phone_last4}",
            cds_provincial_api::API_PREFIX
        );
        match self.api.get(&path, etag, 256 * 1024).await {
            Ok(http::Fetched::Body { bytes, etag }) => {
                let dossier: Dossier = serde_json::from_slice(&bytes)
                    .map_err(|err| Error::Unreachable(format!("dossier answer: {err}")))?;
                if dossier.code != code {
                    return Err(Error::Unreachable(format!(
                        "asked for {code}, the server answered {}",
                        dossier.code
                    )));
                }
                Ok(Some((dossier, etag)))
            }
            Ok(http::Fetched::NotModified) if etag.is_some() => Ok(None),
            Ok(http::Fetched::NotModified) => Err(Error::Unreachable("unexpected 304".into())),
            Err(http::FetchError::NotFound) => Err(Error::NotFound),
            Err(http::FetchError::TooManyRequests { wait_seconds }) => Err(Error::Wait {
                seconds: wait_seconds,
            }),
            Err(err) => Err(Error::Unreachable(err.to_string())),
        }
    }

    /// Looks a dossier up by its code and the last four digits of the phone
    /// number on the slip (both forgiving of how they are typed). Offline,
    /// the last answer for the same code and digits comes back with its age;
    /// a wrong code or wrong digits are the same `NotFound`; too many wrong
    /// guesses are `Wait` with the seconds to wait.
    pub async fn lookup_dossier(
        &self,
        code: String,
        phone_last4: String,
    ) -> Result<Held<Dossier>, Error> {
        let (code, digits) = checked(&code, &phone_last4)?;
        match self.fetch_dossier(&code, &digits, None).await {
            Ok(Some((dossier, _))) => {
                let (kept, now) = (dossier.clone(), now_ms());
                let followed = self
                    .store
                    .run(move |conn| store_lookup(conn, &kept, &digits, now))
                    .await?;
                Ok(Held {
                    value: dossier,
                    fetched_at_ms: now,
                    followed,
                    offline: false,
                })
            }
            Ok(None) => Err(Error::Internal("304 to an unconditional request".into())),
            Err(Error::Unreachable(reason)) => {
                let cached = self
                    .store
                    .run(move |conn| last_lookup(conn, &code, &digits))
                    .await?;
                cached.ok_or(Error::Unreachable(reason))
            }
            Err(err) => Err(err),
        }
    }

    /// Follows a dossier looked up on this device: it is pulled with every
    /// sync and announced when it changes.
    pub async fn follow_dossier(&self, code: String) -> Result<(), Error> {
        let code = dossier::normalize_code(&code).map_err(|p| invalid(Field::DossierCode, p))?;
        let now = now_ms();
        if self.store.run(move |conn| follow(conn, &code, now)).await? {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }

    pub async fn unfollow_dossier(&self, code: String) -> Result<(), Error> {
        let code = dossier::normalize_code(&code).map_err(|p| invalid(Field::DossierCode, p))?;
        self.store.call(move |conn| unfollow(conn, &code)).await
    }

    /// The followed dossiers as last pulled.
    pub async fn followed_dossiers(&self) -> Result<Vec<Held<Dossier>>, Error> {
        Ok(self
            .store
            .run(|conn| followed(conn))
            .await?
            .into_iter()
            .map(|(result, _, _)| result)
            .collect())
    }

    /// Pulls every followed dossier, conditionally on its ETag; returns what
    /// to tell of those that changed (a new status, documents asked for, a
    /// result) and of those whose due date passed unresolved (told once, even
    /// when the server says nothing changed).
    pub async fn pull_dossiers(&self) -> Result<Vec<ChangedDossier>, Error> {
        let watched = self.store.call(|conn| watched(conn)).await?;
        let mut changed = Vec::new();
        for Watched {
            code,
            phone_last4,
            etag,
        } in watched
        {
            let fetched = match self
                .fetch_dossier(&code, &phone_last4, etag.as_deref())
                .await
            {
                Ok(fetched) => fetched,
                Err(err) => {
                    log::info!("dossier {code}: {err}");
                    continue;
                }
            };
            let (now, key) = (now_ms(), code.clone());
            let change = self
                .store
                .run(move |conn| match fetched {
                    Some((dossier, etag)) => {
                        let change = update_followed(conn, &dossier, now)?;
                        conn.execute(
                            "UPDATE watched_dossiers SET etag = ?2 WHERE code = ?1",
                            params![dossier.code, etag],
                        )?;
                        store_lookup(conn, &dossier, &phone_last4, now)?;
                        Ok(change)
                    }
                    None => match held(conn, &key)? {
                        Some(same) => update_followed(conn, &same, now),
                        None => Ok(None),
                    },
                })
                .await?;
            if let Some(change) = change {
                changed.push(ChangedDossier { code, change });
            }
        }
        Ok(changed)
    }
}
