//! A new request: its form checked against the service's definition, its
//! photos sniffed, and stored exactly once under its idempotency key.

use super::*;

/// A validated new request, before it is stored.
pub(super) struct NewRequest {
    api_key_id: i64,
    service_code: String,
    description: String,
    lat: Option<f64>,
    lon: Option<f64>,
    address: String,
    attributes: BTreeMap<String, Vec<String>>,
    contact: BTreeMap<String, String>,
    idempotency_key: Option<String>,
    body_hash: String,
    /// Each photo with its kind and its SHA-256 (its file's name).
    media: Vec<(axum::body::Bytes, media::Sniffed, String)>,
}

impl NewRequest {
    /// Writes the photos' files (before the record that names them, and
    /// outside the database's lock).
    pub(super) fn write_photos(
        &self,
        media_dir: &crate::media_store::MediaStore,
    ) -> Result<(), crate::db::DbError> {
        for (bytes, _, hash) in &self.media {
            media_dir.write(bytes, hash)?;
        }
        Ok(())
    }
}

pub(super) fn coordinate(name: &str, value: &str, limit: f64) -> Result<f64, ApiFailure> {
    let parsed: f64 = value
        .trim()
        .parse()
        .map_err(|_| bad(format!("{name}: not a number")))?;
    if !parsed.is_finite() || parsed.abs() > limit {
        return Err(bad(format!("{name}: out of range (±{limit})")));
    }
    Ok(parsed)
}

pub(super) fn idempotency_key(
    headers: &HeaderMap,
    form: &Form,
) -> Result<Option<String>, ApiFailure> {
    let from_header = match headers.get("idempotency-key") {
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| bad("Idempotency-Key: not printable ASCII"))?
                .trim()
                .to_owned(),
        ),
        None => None,
    };
    let from_form = form
        .get("attribute[client_request_id]")
        .map(|v| v.trim().to_owned());
    let key = match (from_header, from_form) {
        (Some(a), Some(b)) if a != b => {
            return Err(bad(
                "Idempotency-Key and attribute[client_request_id] differ",
            ));
        }
        (a, b) => a.or(b),
    };
    if let Some(key) = &key
        && (key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(bad("Idempotency-Key: 1 to 200 printable ASCII characters"));
    }
    Ok(key)
}

/// Checks every field against the spec and the service's attribute definitions.
/// With `ignore_keys`, the `Idempotency-Key` header means nothing and
/// `attribute[client_request_id]` is an attribute like any other, as on a
/// server that does not know our extension.
pub(super) fn validate(
    conn: &Conn,
    headers: &HeaderMap,
    query: &[(String, String)],
    form: Form,
    ignore_keys: bool,
) -> Result<NewRequest, ApiFailure> {
    let api_key = form
        .get("api_key")
        .or_else(|| {
            query
                .iter()
                .find(|(k, _)| k == "api_key")
                .map(|(_, v)| v.as_str())
        })
        .ok_or_else(|| ApiFailure::new(StatusCode::FORBIDDEN, "api_key missing"))?;
    let api_key_id = auth::api_key(conn, api_key)
        .map_err(crate::db::DbError::from)?
        .ok_or_else(|| ApiFailure::new(StatusCode::FORBIDDEN, "api_key not valid"))?;
    let idempotency_key = if ignore_keys {
        None
    } else {
        idempotency_key(headers, &form)?
    };

    let service_code = form
        .get("service_code")
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .ok_or_else(|| bad("service_code missing"))?
        .to_owned();
    let services = load_services(conn).map_err(crate::db::DbError::from)?;
    let (_, definitions) = services
        .iter()
        .find(|(service, _)| service.service_code == service_code)
        .ok_or_else(|| not_found(format!("service_code not found: {service_code}")))?;

    let lat = form.get("lat").filter(|v| !v.trim().is_empty());
    let long = form.get("long").filter(|v| !v.trim().is_empty());
    let (lat, lon) = match (lat, long) {
        (Some(lat), Some(long)) => (
            Some(coordinate("lat", lat, 90.0)?),
            Some(coordinate("long", long, 180.0)?),
        ),
        (None, None) => (None, None),
        _ => return Err(bad("lat and long must be sent together")),
    };
    let address = form
        .get("address_string")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let address_id = form.get("address_id").unwrap_or_default().trim().to_owned();
    if lat.is_none() && address.is_empty() && address_id.is_empty() {
        return Err(bad(
            "a location is required: lat and long, address_string or address_id",
        ));
    }
    check_text("address_string", &address, MAX_ADDRESS, false)?;
    check_text("address_id", &address_id, 100, false)?;
    let description = form.get("description").unwrap_or_default().to_owned();
    check_text("description", &description, MAX_DESCRIPTION, true)?;

    let mut contact = BTreeMap::new();
    for (name, max) in [
        ("email", 254),
        ("first_name", 100),
        ("last_name", 100),
        ("phone", 20),
        ("device_id", 100),
        ("account_id", 100),
    ] {
        if let Some(value) = form.get(name).map(str::trim).filter(|v| !v.is_empty()) {
            check_text(name, value, max, false)?;
            contact.insert(name.to_owned(), value.to_owned());
        }
    }
    if let Some(email) = contact.get("email")
        && (!email.contains('@') || email.starts_with('@') || email.ends_with('@'))
    {
        return Err(bad("email: not an e-mail address"));
    }

    let known: HashMap<&str, &Attribute> =
        definitions.iter().map(|a| (a.code.as_str(), a)).collect();
    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in &form.fields {
        let Some(inner) = key.strip_prefix("attribute[") else {
            continue;
        };
        let code = inner
            .strip_suffix("][]")
            .or_else(|| inner.strip_suffix(']'))
            .ok_or_else(|| bad(format!("{key}: malformed attribute name")))?;
        if code == CLIENT_REQUEST_ID {
            // The client's own id of its report: kept like an answer, never
            // shown while it is the request's idempotency key.
            check_text(&format!("attribute[{code}]"), value, 200, false)?;
            let values = attributes.entry(code.to_owned()).or_default();
            if !values.is_empty() {
                return Err(bad(format!("attribute[{code}]: only one value allowed")));
            }
            values.push(value.trim().to_owned());
            continue;
        }
        let definition = known.get(code).ok_or_else(|| {
            bad(format!(
                "attribute {code} is not defined for {service_code}"
            ))
        })?;
        if !definition.variable {
            continue;
        }
        let label = format!("attribute[{code}]");
        match definition.datatype {
            Datatype::Number => {
                coordinate(&label, value, 1e12)?;
            }
            Datatype::Datetime => {
                time::parse(value).ok_or_else(|| bad(format!("{label}: not an ISO 8601 date")))?;
            }
            Datatype::Singlevaluelist | Datatype::Multivaluelist => {
                if !definition.values.iter().any(|v| v.key == *value) {
                    return Err(bad(format!(
                        "{label}: {value} is not one of the allowed values"
                    )));
                }
            }
            Datatype::String => check_text(&label, value, 500, false)?,
            Datatype::Text => check_text(&label, value, MAX_DESCRIPTION, true)?,
        }
        let values = attributes.entry(code.to_owned()).or_default();
        if definition.datatype != Datatype::Multivaluelist && !values.is_empty() {
            return Err(bad(format!("{label}: only one value allowed")));
        }
        values.push(value.clone());
    }
    for definition in definitions.iter().filter(|a| a.required && a.variable) {
        if !attributes.contains_key(&definition.code) {
            return Err(bad(format!(
                "attribute[{}] is required for {service_code}",
                definition.code
            )));
        }
    }

    let mut media = Vec::new();
    for (index, bytes) in form.media.iter().cloned().enumerate() {
        let sniffed = media::sniff(&bytes).map_err(|err| match err {
            MediaError::TooLarge => ApiFailure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("media {}: {err}", index + 1),
            ),
            _ => bad(format!("media {}: {err}", index + 1)),
        })?;
        let digest = Sha256::digest(&bytes);
        media.push((bytes, sniffed, digest));
    }

    // What the request says, independent of field order: the replay check.
    let mut digest = Sha256::new();
    let mut fields: Vec<&(String, String)> = form
        .fields
        .iter()
        .filter(|(k, _)| k != "api_key" && k != "attribute[client_request_id]")
        .collect();
    fields.sort();
    for (key, value) in fields {
        digest.update(key.as_bytes());
        digest.update([0]);
        digest.update(value.as_bytes());
        digest.update([0]);
    }
    // Each photo's digest (as stored requests' body hashes were made).
    for (_, _, photo) in &media {
        digest.update(photo);
    }
    let media = media
        .into_iter()
        .map(|(bytes, sniffed, photo)| (bytes, sniffed, hex(&photo)))
        .collect();

    Ok(NewRequest {
        api_key_id,
        service_code,
        description,
        lat,
        lon,
        address: if address.is_empty() {
            address_id
        } else {
            address
        },
        attributes,
        contact,
        idempotency_key,
        body_hash: hex(&digest.finalize()),
        media,
    })
}

pub(super) enum Stored {
    New(i64),
    Replay(i64),
    Conflict,
}

/// Stores a request whose photos are written (`NewRequest::write_photos`),
/// once per idempotency key. The transaction does not take PostgreSQL's
/// write lock, so intakes run side by side there: the unique key is what
/// holds. A duplicate sent at the same time (to this or another gateway)
/// waits on the key's index entry, fails as a unique violation once the
/// first commits, and is then answered as the replay (or conflict) it is.
pub(super) fn store(conn: &Conn, request: NewRequest) -> Result<Stored, crate::db::DbError> {
    let token = auth::new_secret().map_err(crate::db::DbError::Worker)?[..32].to_owned();
    let attributes = serde_json::to_string(&request.attributes)?;
    let contact = serde_json::to_string(&request.contact)?;
    match insert(conn, &request, [&token, &attributes, &contact]) {
        Err(err) if err.is_unique_violation() && request.idempotency_key.is_some() => {
            log::info!(
                "a request with the same Idempotency-Key was stored meanwhile: answered as its replay or conflict"
            );
            match existing(conn, &request)? {
                Some(stored) => Ok(stored),
                None => Err(err.into()),
            }
        }
        other => Ok(other?),
    }
}

/// The request already stored under this request's key, as a replay or a conflict.
fn existing(conn: &Conn, request: &NewRequest) -> crate::sql::Result<Option<Stored>> {
    let Some(key) = &request.idempotency_key else {
        return Ok(None);
    };
    let existing: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, body_hash FROM requests WHERE idempotency_key = ?1",
            [key],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(existing.map(|(id, hash)| {
        if hash == request.body_hash {
            Stored::Replay(id)
        } else {
            Stored::Conflict
        }
    }))
}

/// Inserts the request (its token and its attributes and contact as JSON
/// given) unless its key is already stored.
fn insert(
    conn: &Conn,
    request: &NewRequest,
    [token, attributes, contact]: [&String; 3],
) -> crate::sql::Result<Stored> {
    let tx = conn.concurrent_transaction()?;
    if let Some(stored) = existing(&tx, request)? {
        return Ok(stored);
    }
    // Recorded in the order of their hashes: two intakes sharing photos
    // wait for each other in one order, never in a cycle.
    let mut by_hash: Vec<_> = request.media.iter().collect();
    by_hash.sort_by(|a, b| a.2.cmp(&b.2));
    for (bytes, sniffed, hash) in by_hash {
        media::record(&tx, hash, bytes.len(), *sniffed)?;
    }
    let hashes: Vec<&String> = request.media.iter().map(|(_, _, hash)| hash).collect();
    let now = time::now_ms();
    let id: i64 = tx.query_row(
        "INSERT INTO requests (token, service_code, description, lat, lon, address, attributes, contact,
             detailed_status, status_notes, agency, requested_ms, updated_ms, idempotency_key, body_hash, api_key_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'received', '', '', ?9, ?9, ?10, ?11, ?12)
         RETURNING id",
        params![
            token,
            request.service_code,
            request.description,
            request.lat,
            request.lon,
            request.address,
            attributes,
            contact,
            now,
            request.idempotency_key,
            request.body_hash,
            request.api_key_id
        ],
        |row| row.get(0),
    )?;
    for (position, hash) in hashes.iter().enumerate() {
        tx.execute(
            "INSERT INTO request_media (request_id, position, hash, by_staff) VALUES (?1, ?2, ?3, 0)",
            params![id, i64::try_from(position).unwrap_or(0), hash],
        )?;
    }
    tx.execute(
        "INSERT INTO request_updates (request_id, at_ms, detailed_status, note, agency, actor)
         VALUES (?1, ?2, 'received', '', '', 'system')",
        params![id, now],
    )?;
    tx.commit()?;
    Ok(Stored::New(id))
}
