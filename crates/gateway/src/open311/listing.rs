//! Requests read back: one with its history and photos, or a filtered page.

use super::*;

/// Builds the public view of request `id` (contact details are never included).
/// `extensions` adds the history and the attributes' answers.
pub fn load_request(
    conn: &Conn,
    public_url: &str,
    id: i64,
    extensions: bool,
) -> crate::sql::Result<Option<ServiceRequest>> {
    let row = conn
        .query_row(
            "SELECT r.service_code, s.name, r.description, r.lat, r.lon, r.address, r.detailed_status,
                    r.status_notes, r.agency, r.expected_ms, r.requested_ms, r.updated_ms, r.rating,
                    r.attributes, s.attributes, r.idempotency_key IS NOT NULL
             FROM requests r JOIN services s ON s.code = r.service_code WHERE r.id = ?1",
            [id],
            |row| {
                Ok((
                    (
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, Option<f64>>(3)?,
                        row.get::<_, Option<f64>>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, String>(6)?,
                        row.get::<_, String>(7)?,
                    ),
                    (
                        row.get::<_, String>(8)?,
                        row.get::<_, Option<i64>>(9)?,
                        row.get::<_, i64>(10)?,
                        row.get::<_, i64>(11)?,
                        row.get::<_, Option<u8>>(12)?,
                        row.get::<_, String>(13)?,
                        row.get::<_, String>(14)?,
                        row.get::<_, bool>(15)?,
                    ),
                ))
            },
        )
        .optional()?;
    let Some((
        (code, name, description, lat, lon, address, detailed, notes),
        (agency, expected, requested, updated, rating, answers, definitions, keyed),
    )) = row
    else {
        return Ok(None);
    };
    let url = |hash: &str| format!("{public_url}/media/{hash}");
    let mut statement = conn
        .prepare_cached("SELECT hash FROM request_media WHERE request_id = ?1 ORDER BY position")?;
    let media_urls: Vec<String> = statement
        .query_map([id], |row| row.get::<_, String>(0))?
        .map(|hash| hash.map(|h| url(&h)))
        .collect::<crate::sql::Result<_>>()?;
    let detailed_status = DetailedStatus::parse(&detailed).unwrap_or(DetailedStatus::Received);
    let updates = if extensions {
        let mut statement = conn.prepare_cached(
            "SELECT at_ms, detailed_status, note, agency, media_hash, expected_ms, actor
             FROM request_updates WHERE request_id = ?1 ORDER BY at_ms, id",
        )?;
        let rows = statement.query_map([id], |row| {
            let status = DetailedStatus::parse(&row.get::<_, String>(1)?)
                .unwrap_or(DetailedStatus::Received);
            Ok(Update {
                updated_datetime: time::iso(row.get(0)?),
                detailed_status: status,
                status: status.status(),
                note: row.get(2)?,
                agency_responsible: row.get(3)?,
                media_url: row.get::<_, Option<String>>(4)?.map(|h| url(&h)),
                expected_datetime: row.get::<_, Option<i64>>(5)?.map(time::iso),
                // The kind of actor only: staff names are never shown to residents.
                by: actor_kind(&row.get::<_, String>(6)?),
            })
        })?;
        Some(rows.collect::<crate::sql::Result<Vec<_>>>()?)
    } else {
        None
    };
    let attributes = extensions.then(|| attribute_answers(&answers, &definitions, keyed));
    let some = |text: String| (!text.is_empty()).then_some(text);
    Ok(Some(ServiceRequest {
        service_request_id: id.to_string(),
        status: detailed_status.status(),
        detailed_status,
        status_notes: some(notes),
        service_name: name,
        service_code: code,
        description,
        agency_responsible: some(agency),
        service_notice: None,
        requested_datetime: time::iso(requested),
        updated_datetime: time::iso(updated),
        expected_datetime: expected.map(time::iso),
        address,
        address_id: None,
        lat,
        long: lon,
        media_url: media_urls.first().cloned(),
        media_urls,
        rating,
        attributes,
        updates,
    }))
}

/// `staff`, `resident` or `system` of a stored actor such as `staff:<name>`.
fn actor_kind(actor: &str) -> String {
    actor.split(':').next().unwrap_or_default().to_owned()
}

/// A request's stored answers as the public sees them: a list for a
/// `multivaluelist`, one value otherwise; `client_request_id` left out when
/// it is the request's idempotency key (`keyed`), the resident's proof.
pub(super) fn attribute_answers(
    stored: &str,
    definitions: &str,
    keyed: bool,
) -> BTreeMap<String, AttributeAnswer> {
    let stored: BTreeMap<String, Vec<String>> = serde_json::from_str(stored).unwrap_or_default();
    let definitions: Vec<Attribute> = serde_json::from_str(definitions).unwrap_or_default();
    stored
        .into_iter()
        .filter(|(code, _)| !(keyed && code == CLIENT_REQUEST_ID))
        .map(|(code, mut values)| {
            let many = definitions
                .iter()
                .any(|d| d.code == code && d.datatype == Datatype::Multivaluelist);
            let answer = match values.pop() {
                Some(value) if !many && values.is_empty() => AttributeAnswer::One(value),
                last => {
                    values.extend(last);
                    AttributeAnswer::Many(values)
                }
            };
            (code, answer)
        })
        .collect()
}

/// Parsed filters of `GET requests`.
pub(super) struct Filters {
    ids: Vec<i64>,
    service_codes: Vec<String>,
    statuses: Vec<Status>,
    start: Option<i64>,
    end: Option<i64>,
    updated_after: Option<i64>,
    page: u32,
    page_size: u32,
    extensions: bool,
}

/// Reads the query of `GET requests` as the spec says: an empty parameter is
/// no parameter; `service_request_id` overrides every other filter (and
/// paging); with no date, no id and no `updated_after` (our incremental pull,
/// which must see older changes too), the last 90 days by `requested_datetime`.
pub(super) fn filters(query: &[(String, String)], now_ms: i64) -> Result<Filters, ApiFailure> {
    let mut f = Filters {
        ids: Vec::new(),
        service_codes: Vec::new(),
        statuses: Vec::new(),
        start: None,
        end: None,
        updated_after: None,
        page: 1,
        page_size: DEFAULT_PAGE_SIZE,
        extensions: false,
    };
    let given = query.iter().filter(|(_, value)| !value.trim().is_empty());
    let list = |value: &str| {
        value
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    for (key, value) in given.clone() {
        match key.as_str() {
            "service_request_id" => {
                for id in list(value) {
                    f.ids.push(id.parse().map_err(|_| {
                        bad(format!("service_request_id: {id} is not a request id"))
                    })?);
                }
                if f.ids.len() > MAX_IDS {
                    return Err(bad(format!("service_request_id: at most {MAX_IDS} ids")));
                }
            }
            "extensions" => f.extensions = value == "true",
            _ => {}
        }
    }
    if !f.ids.is_empty() {
        f.page_size = u32::try_from(MAX_IDS).unwrap_or(MAX_PAGE_SIZE);
        return Ok(f);
    }
    let date = |name: &str, value: &str| {
        time::parse(value).ok_or_else(|| bad(format!("{name}: not an ISO 8601 date")))
    };
    for (key, value) in given {
        match key.as_str() {
            "service_code" => f.service_codes.extend(list(value)),
            "status" => {
                for status in list(value) {
                    f.statuses.push(match status.as_str() {
                        "open" => Status::Open,
                        "closed" => Status::Closed,
                        other => return Err(bad(format!("status: {other} is not open or closed"))),
                    });
                }
            }
            "start_date" => f.start = Some(date("start_date", value)?),
            "end_date" => f.end = Some(date("end_date", value)?),
            "updated_after" => f.updated_after = Some(date("updated_after", value)?),
            "page" => {
                f.page = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|p| *p >= 1 && *p <= 100_000)
                    .ok_or_else(|| bad("page: a number from 1"))?
            }
            "page_size" => {
                f.page_size = value
                    .trim()
                    .parse()
                    .ok()
                    .filter(|p| (1..=MAX_PAGE_SIZE).contains(p))
                    .ok_or_else(|| bad(format!("page_size: 1 to {MAX_PAGE_SIZE}")))?
            }
            _ => {}
        }
    }
    if f.start.is_none() && f.end.is_none() && f.updated_after.is_none() {
        f.start = Some(now_ms.saturating_sub(DEFAULT_WINDOW_MS));
    }
    Ok(f)
}

pub(super) fn search(
    conn: &Conn,
    public_url: &str,
    f: &Filters,
) -> crate::sql::Result<Vec<ServiceRequest>> {
    let mut sql = String::from("SELECT id FROM requests WHERE 1 = 1");
    let mut args: Vec<crate::sql::Value> = Vec::new();
    let placeholders = |values: Vec<crate::sql::Value>, args: &mut Vec<crate::sql::Value>| {
        let marks: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, _)| format!("?{}", args.len() + i + 1))
            .collect();
        args.extend(values);
        marks.join(", ")
    };
    if !f.ids.is_empty() {
        let marks = placeholders(f.ids.iter().map(|id| (*id).into()).collect(), &mut args);
        sql.push_str(&format!(" AND id IN ({marks})"));
    }
    if !f.service_codes.is_empty() {
        let marks = placeholders(
            f.service_codes.iter().map(|c| c.clone().into()).collect(),
            &mut args,
        );
        sql.push_str(&format!(" AND service_code IN ({marks})"));
    }
    if !f.statuses.is_empty() {
        let detailed: Vec<crate::sql::Value> = DetailedStatus::ALL
            .into_iter()
            .filter(|d| f.statuses.contains(&d.status()))
            .map(|d| d.as_str().to_owned().into())
            .collect();
        let marks = placeholders(detailed, &mut args);
        sql.push_str(&format!(" AND detailed_status IN ({marks})"));
    }
    for (column, op, value) in [
        ("requested_ms", ">=", f.start),
        ("requested_ms", "<=", f.end),
        ("updated_ms", ">", f.updated_after),
    ] {
        if let Some(value) = value {
            args.push(value.into());
            sql.push_str(&format!(" AND {column} {op} ?{}", args.len()));
        }
    }
    // Incremental pulls read oldest change first; listings newest first.
    sql.push_str(if f.updated_after.is_some() {
        " ORDER BY updated_ms, id"
    } else {
        " ORDER BY requested_ms DESC, id DESC"
    });
    args.push(i64::from(f.page_size).into());
    args.push((i64::from(f.page - 1) * i64::from(f.page_size)).into());
    sql.push_str(&format!(
        " LIMIT ?{} OFFSET ?{}",
        args.len() - 1,
        args.len()
    ));
    let mut statement = conn.prepare(&sql)?;
    let ids: Vec<i64> = statement
        .query_map(args, |row| row.get(0))?
        .collect::<crate::sql::Result<_>>()?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(request) = load_request(conn, public_url, id, f.extensions)? {
            out.push(request);
        }
    }
    Ok(out)
}
