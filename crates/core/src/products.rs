//! OCOP products and traceability on the device: the catalogue as last
//! pulled (content cache, ETags) searched without accents; a product's code
//! typed or read from a label photo (`cds-scan` on the blocking pool, as
//! for dossier slips) looked up at the province, and the answer kept for
//! offline (`trace_lookups`).

use cds_domain::{
    dossier::{Held, SlipScan},
    report::{Field, Invalid, Rule},
    trace::{self, ProductCode},
};
use cds_provincial_api::products::{Product, TraceRecord};
use rusqlite::{Connection, OptionalExtension, params};

use crate::{Core, Error, content, http, now_ms};

/// Largest traceability answer accepted.
const MAX_TRACE_BYTES: usize = 256 * 1024;

fn key(code: &ProductCode) -> String {
    format!("{}|{}", code.gtin, code.lot.as_deref().unwrap_or_default())
}

fn store_lookup(
    conn: &Connection,
    key: &str,
    record: &TraceRecord,
    now: i64,
) -> rusqlite::Result<()> {
    let body = serde_json::to_string(record).unwrap_or_default();
    conn.execute(
        "INSERT INTO trace_lookups (key, body, fetched_at_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET body = excluded.body, fetched_at_ms = excluded.fetched_at_ms",
        params![key, body, now],
    )?;
    Ok(())
}

fn last_lookup(conn: &Connection, key: &str) -> rusqlite::Result<Option<(String, i64)>> {
    conn.query_row(
        "SELECT body, fetched_at_ms FROM trace_lookups WHERE key = ?1",
        [key],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
}

/// The product code among the codes read from a label: the first that is one.
fn label_result(read: Result<cds_scan::Scan, cds_scan::ScanError>) -> Result<SlipScan, Error> {
    use cds_scan::ScanError as E;
    let refused = |rule| {
        Err(Error::Invalid(Invalid {
            field: Field::Photos,
            rule,
        }))
    };
    let found = match read {
        // A slip's code is not a product's: say what was read.
        Ok(scan) => scan.codes,
        Err(E::NoCode) => return Ok(SlipScan::default()),
        Err(E::NoDossierCode { found }) => found,
        Err(E::NotAnImage) => return refused(Rule::NotAnImage),
        Err(E::TooLarge) => {
            return refused(Rule::TooLarge {
                max: cds_scan::MAX_INPUT_BYTES,
            });
        }
        Err(E::Unreadable(_)) => return refused(Rule::Damaged),
        Err(E::TooComplex(_)) => return refused(Rule::TooComplex),
    };
    let code = found
        .iter()
        .map(|f| f.text.trim())
        .find(|text| trace::parse(text).is_some())
        .map(str::to_owned);
    Ok(SlipScan {
        found: if code.is_some() {
            Vec::new()
        } else {
            found
                .into_iter()
                .map(|f| f.text.chars().take(300).collect())
                .take(5)
                .collect()
        },
        code,
    })
}

impl Core {
    /// The OCOP products whose name, producer or category hold every word
    /// of `query` (accents and case ignored), best first, then by stars.
    pub async fn products(&self, query: String) -> Result<Vec<Product>, Error> {
        let list: Vec<Product> = self
            .store
            .run(|conn| content::list(conn, content::Kind::Products))
            .await?;
        let mut scored: Vec<(u8, Product)> = list
            .into_iter()
            .map(|p| {
                let name = format!("{} {}", p.name.vi, p.name.en);
                let rest = format!(
                    "{} {} {} {}",
                    p.producer, p.category, p.description.vi, p.description.en
                );
                (cds_domain::text::score(&name, &rest, &query), p)
            })
            .filter(|(score, _)| *score > 0)
            .collect();
        scored.sort_by(|(sa, a), (sb, b)| {
            (
                std::cmp::Reverse(*sa),
                std::cmp::Reverse(a.stars),
                &a.name.vi,
            )
                .cmp(&(
                    std::cmp::Reverse(*sb),
                    std::cmp::Reverse(b.stars),
                    &b.name.vi,
                ))
        });
        Ok(scored.into_iter().map(|(_, p)| p).collect())
    }

    /// A product's photo, as the province serves it (kept once fetched).
    pub async fn product_photo(&self, id: String) -> Result<Vec<u8>, Error> {
        let list: Vec<Product> = self
            .store
            .run(|conn| content::list(conn, content::Kind::Products))
            .await?;
        let url = list
            .into_iter()
            .find(|p| p.id == id)
            .and_then(|p| p.photo_url)
            .ok_or(Error::NotFound)?;
        self.cached_media(url).await
    }

    /// Reads a product's code from a photo of its label (QR code or EAN-13),
    /// on the device, on the blocking pool.
    pub async fn scan_label(&self, photo: Vec<u8>) -> Result<SlipScan, Error> {
        label_result(self.read_codes(photo).await?)
    }

    /// Traces a product by the code typed or read (a GTIN, a GS1 Digital
    /// Link, the province's traceability link). A code the province does
    /// not know is `NotFound`; offline, the last answer with its age.
    pub async fn trace(&self, code: String) -> Result<Held<TraceRecord>, Error> {
        let code = trace::parse(&code).ok_or(Error::Invalid(Invalid {
            field: Field::ProductCode,
            rule: Rule::BadFormat,
        }))?;
        let key = key(&code);
        let mut path = format!("{}/trace/{}", cds_provincial_api::API_PREFIX, code.gtin);
        if let Some(lot) = &code.lot {
            path.push_str("?lot=");
            path.push_str(lot);
        }
        match self.api.get(&path, None, MAX_TRACE_BYTES).await {
            Ok(http::Fetched::Body { bytes, .. }) => {
                let record: TraceRecord = serde_json::from_slice(&bytes)
                    .map_err(|err| Error::Unreachable(format!("trace answer: {err}")))?;
                if record.product.gtin != code.gtin {
                    return Err(Error::Unreachable(format!(
                        "asked for {}, the server answered {}",
                        code.gtin, record.product.gtin
                    )));
                }
                let (kept, now) = (record.clone(), now_ms());
                self.store
                    .call(move |conn| store_lookup(conn, &key, &kept, now))
                    .await?;
                Ok(Held {
                    value: record,
                    fetched_at_ms: now,
                    followed: false,
                    offline: false,
                })
            }
            Ok(http::Fetched::NotModified) => Err(Error::Unreachable("unexpected 304".into())),
            Err(http::FetchError::NotFound) => Err(Error::NotFound),
            Err(http::FetchError::TooManyRequests { wait_seconds }) => Err(Error::Wait {
                seconds: wait_seconds,
            }),
            Err(err) => {
                let cached = self.store.call(move |conn| last_lookup(conn, &key)).await?;
                match cached.and_then(|(body, at)| {
                    serde_json::from_str::<TraceRecord>(&body)
                        .ok()
                        .map(|r| (r, at))
                }) {
                    Some((value, fetched_at_ms)) => Ok(Held {
                        value,
                        fetched_at_ms,
                        followed: false,
                        offline: true,
                    }),
                    None => Err(Error::Unreachable(err.to_string())),
                }
            }
        }
    }
}
