//! The procedure catalogue (thủ tục hành chính) at `GET /api/v1/procedures`:
//! read and checked from seed data, stored in `procedures`, served whole with
//! an ETag.

use std::collections::HashSet;

use crate::sql::{Conn, params};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use cds_domain::LocalizedText;
use cds_provincial_api::content::Procedure;
use serde::Deserialize;

use crate::{ApiFailure, AppState, content::with_etag, time};

/// Levels a procedure (and a dossier) can have.
pub const LEVELS: &[&str] = &["ward", "province"];

/// A catalogue file: procedures, and the date they stand for unless one says its own.
#[derive(Debug, Deserialize)]
struct File {
    updated_datetime: String,
    procedures: Vec<Entry>,
}

/// One procedure as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    id: String,
    name: LocalizedText,
    field: LocalizedText,
    level: String,
    agency: LocalizedText,
    where_to_submit: LocalizedText,
    documents: Vec<LocalizedText>,
    fee: LocalizedText,
    processing_time: LocalizedText,
    #[serde(default)]
    processing_days: Option<u32>,
    #[serde(default)]
    online_url: Option<String>,
    #[serde(default)]
    updated_datetime: Option<String>,
}

/// Reads a catalogue file and checks every rule: ids unique (letters, digits,
/// `.`, `-`), every text present in Vietnamese and English, at least one
/// document, a known level, `https` links, dates that parse. The whole file is
/// refused at the first fault, named by the procedure's id.
pub fn parse(json: &[u8]) -> Result<Vec<Procedure>, String> {
    let file: File = serde_json::from_slice(json).map_err(|err| err.to_string())?;
    let default_date = time::parse(&file.updated_datetime)
        .ok_or_else(|| format!("updated_datetime: not a date: {}", file.updated_datetime))?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(file.procedures.len());
    for entry in file.procedures {
        let id = entry.id.clone();
        let fault = |what: &str| format!("procedure {id}: {what}");
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        {
            return Err(fault("id: letters, digits, '.' and '-', at most 64"));
        }
        if !seen.insert(id.clone()) {
            return Err(fault("id used twice"));
        }
        if !LEVELS.contains(&entry.level.as_str()) {
            return Err(fault("level: ward or province"));
        }
        let texts = [
            ("name", &entry.name),
            ("field", &entry.field),
            ("agency", &entry.agency),
            ("where_to_submit", &entry.where_to_submit),
            ("fee", &entry.fee),
            ("processing_time", &entry.processing_time),
        ];
        for (name, text) in texts
            .into_iter()
            .chain(entry.documents.iter().map(|d| ("documents", d)))
        {
            if text.vi.trim().is_empty() || text.en.trim().is_empty() {
                return Err(fault(&format!("{name}: needs Vietnamese and English")));
            }
        }
        if entry.documents.is_empty() {
            return Err(fault("documents: at least one"));
        }
        if entry.processing_days == Some(0) {
            return Err(fault("processing_days: at least 1"));
        }
        if let Some(link) = &entry.online_url {
            let parsed =
                url::Url::parse(link).map_err(|err| fault(&format!("online_url: {err}")))?;
            if parsed.scheme() != "https" || parsed.host_str().is_none() {
                return Err(fault("online_url: an https address"));
            }
        }
        let updated = match &entry.updated_datetime {
            Some(text) => time::parse(text).ok_or_else(|| fault("updated_datetime: not a date"))?,
            None => default_date,
        };
        out.push(Procedure {
            id: entry.id,
            name: entry.name,
            field: entry.field,
            level: entry.level,
            agency: entry.agency,
            where_to_submit: entry.where_to_submit,
            documents: entry.documents,
            fee: entry.fee,
            processing_time: entry.processing_time,
            processing_days: entry.processing_days,
            online_url: entry.online_url,
            updated_datetime: time::iso(updated),
        });
    }
    if out.is_empty() {
        return Err("no procedures".into());
    }
    Ok(out)
}

/// Stores `procedures` in this order (the table is expected empty).
pub fn store(conn: &Conn, procedures: &[Procedure]) -> Result<(), crate::db::DbError> {
    let mut insert = conn.prepare(
        "INSERT INTO procedures (id, name_vi, level, body, sort) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (sort, procedure) in procedures.iter().enumerate() {
        insert.execute(params![
            procedure.id,
            procedure.name.vi,
            procedure.level,
            serde_json::to_string(procedure)?,
            i64::try_from(sort).unwrap_or(i64::MAX)
        ])?;
    }
    Ok(())
}

/// `GET /api/v1/procedures`: every procedure, ward and province, in catalogue order.
#[utoipa::path(get, path = "/api/v1/procedures", tag = "dossiers",
    params(("If-None-Match" = Option<String>, Header)),
    responses((status = 200, body = [Procedure], description = "The procedure catalogue, with an ETag"),
              (status = 304, description = "The client's copy is current")))]
pub async fn list_procedures(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiFailure> {
    let bodies: Vec<String> = state
        .db
        .read(|conn| {
            let mut statement = conn.prepare_cached("SELECT body FROM procedures ORDER BY sort")?;
            let rows = statement.query_map([], |row| row.get(0))?;
            rows.collect()
        })
        .await?;
    // The stored bodies are JSON objects written by `store`: joined, they are the list.
    let mut body = Vec::with_capacity(bodies.iter().map(|b| b.len() + 1).sum::<usize>() + 2);
    body.push(b'[');
    for (index, item) in bodies.iter().enumerate() {
        if index > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item.as_bytes());
    }
    body.push(b']');
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
        return Err(ApiFailure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the stored procedure catalogue is damaged",
        ));
    }
    Ok(with_etag(&headers, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(procedure: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "updated_datetime": "2025-07-01",
            "procedures": [procedure],
        }))
        .unwrap()
    }

    fn good() -> serde_json::Value {
        let t = |vi: &str| serde_json::json!({"vi": vi, "en": format!("{vi} (en)")});
        serde_json::json!({
            "id": "1.001193", "name": t("Đăng ký khai sinh"), "field": t("Hộ tịch"),
            "level": "ward", "agency": t("UBND phường"), "where_to_submit": t("Một cửa"),
            "documents": [t("Tờ khai")], "fee": t("Miễn"), "processing_time": t("Trong ngày"),
            "processing_days": 1,
            "online_url": "https://dichvucong.gov.vn/",
        })
    }

    #[test]
    fn the_bundled_catalogue_is_valid_and_large() {
        let list = parse(include_bytes!("../seed/procedures.json")).unwrap();
        assert!(list.len() >= 60, "{}", list.len());
        for level in LEVELS {
            assert!(list.iter().filter(|p| p.level == *level).count() >= 20);
        }
    }

    #[test]
    fn refuses_what_the_app_could_not_show_or_open() {
        assert_eq!(
            parse(&file(good())).unwrap()[0].updated_datetime,
            "2025-07-01T00:00:00Z"
        );
        for (field, value) in [
            ("online_url", serde_json::json!("http://dichvucong.gov.vn/")),
            ("online_url", serde_json::json!("javascript:alert(1)")),
            ("level", serde_json::json!("district")),
            ("name", serde_json::json!({"vi": "Khai sinh", "en": " "})),
            ("documents", serde_json::json!([])),
            ("documents", serde_json::json!([{"vi": "", "en": "Form"}])),
            ("id", serde_json::json!("a b")),
            ("processing_days", serde_json::json!(0)),
            ("unknown", serde_json::json!(1)),
        ] {
            let mut procedure = good();
            procedure[field] = value;
            assert!(parse(&file(procedure)).is_err(), "{field}");
        }
        let twice = serde_json::to_vec(&serde_json::json!({
            "updated_datetime": "2025-07-01",
            "procedures": [good(), good()],
        }))
        .unwrap();
        assert!(parse(&twice).unwrap_err().contains("twice"));
    }
}
