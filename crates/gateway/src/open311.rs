//! Open311 GeoReport v2 under `/open311/v2`, in XML and JSON: services,
//! requests (with photos and exactly-once idempotency), tokens, discovery.

use std::collections::{BTreeMap, HashMap};

use axum::{
    extract::{Path, RawQuery, Request, State, rejection::PathRejection},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use cds_provincial_api::open311::{
    Attribute, AttributeAnswer, Created, Datatype, DetailedStatus, Discovery, Endpoint, Service,
    ServiceDefinition, ServiceRequest, Status, TokenAnswer, Update,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::{
    ApiFailure, AppState, auth,
    db::hex,
    form::{self, Form, check_text},
    format::Format,
    media::{self, MediaError},
    time,
    xml::List,
};

pub const MAX_MEDIA: usize = 5;
/// The attribute a client names its report with (`attribute[client_request_id]`).
pub const CLIENT_REQUEST_ID: &str = "client_request_id";
pub const MAX_DESCRIPTION: usize = 4000;
pub const MAX_ADDRESS: usize = 500;
const MAX_PAGE_SIZE: u32 = 200;
const DEFAULT_PAGE_SIZE: u32 = 50;
const MAX_IDS: usize = 200;
/// What `GET requests` covers when no date (and no id, no `updated_after`) is given.
pub const DEFAULT_WINDOW_MS: i64 = 90 * 86_400_000;

fn bad(description: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::BAD_REQUEST, description)
}

fn not_found(description: impl Into<String>) -> ApiFailure {
    ApiFailure::new(StatusCode::NOT_FOUND, description)
}

/// `services/pothole.xml` → `pothole` (the format is [`Format`]'s business);
/// a path segment that cannot be read is a resource that does not exist.
fn strip_format(file: Result<Path<String>, PathRejection>) -> Result<String, ApiFailure> {
    let Path(file) = file.map_err(|_| not_found("no such resource"))?;
    match file.rsplit_once('.') {
        Some((name, "json" | "xml")) => Ok(name.to_owned()),
        Some(_) => Err(not_found("no such resource")),
        None => Ok(file),
    }
}

fn load_services(conn: &Connection) -> rusqlite::Result<Vec<(Service, Vec<Attribute>)>> {
    let mut statement = conn.prepare_cached(
        "SELECT code, name, description, keywords, grp, attributes FROM services ORDER BY sort, code",
    )?;
    let rows = statement.query_map([], |row| {
        let attributes: String = row.get(5)?;
        let attributes: Vec<Attribute> = serde_json::from_str(&attributes).unwrap_or_default();
        Ok((
            Service {
                service_code: row.get(0)?,
                service_name: row.get(1)?,
                description: row.get(2)?,
                metadata: !attributes.is_empty(),
                kind: "realtime".into(),
                keywords: row.get(3)?,
                group: row.get(4)?,
            },
            attributes,
        ))
    })?;
    rows.collect()
}

/// `GET /open311/v2/discovery.xml` (or `.json`)
#[utoipa::path(get, path = "/open311/v2/discovery.{format}", tag = "open311",
    params(("format" = inline(crate::format::Extension), Path, description = "xml (the spec's required format) or json")),
    responses((status = 200, content((Discovery = "application/json"), (String = "text/xml")))))]
pub async fn discovery(State(state): State<AppState>, format: Format) -> Response {
    let discovery = Discovery {
        changeset: "2026-11-21T00:00:00Z".into(),
        contact: "Trung tâm Giám sát, điều hành đô thị thông minh tỉnh Huế (demo)".into(),
        key_service: format!("{}/ (cds-gateway create-api-key)", state.public_url),
        endpoints: vec![Endpoint {
            specification: "http://wiki.open311.org/GeoReport_v2".into(),
            url: format!("{}/open311/v2", state.public_url),
            changeset: "2026-11-21T00:00:00Z".into(),
            kind: "production".into(),
            formats: vec!["text/xml".into(), "application/json".into()],
        }],
        idempotency_keys: !state.ignore_idempotency_keys,
    };
    format.answer(StatusCode::OK, &discovery)
}

/// `GET /open311/v2/services.xml` (or `.json`)
#[utoipa::path(get, path = "/open311/v2/services.{format}", tag = "open311",
    params(("format" = inline(crate::format::Extension), Path, description = "xml (the spec's required format) or json")),
    responses((status = 200, content((Vec<Service> = "application/json"), (String = "text/xml")))))]
pub async fn services(
    State(state): State<AppState>,
    format: Format,
) -> Result<Response, ApiFailure> {
    let services = state.db.call(load_services).await?;
    let list = List {
        root: "services",
        items: services.into_iter().map(|(service, _)| service).collect(),
    };
    Ok(format.answer(StatusCode::OK, &list))
}

/// `GET /open311/v2/services/{code}.xml` (or `.json`)
#[utoipa::path(get, path = "/open311/v2/services/{service_code}", tag = "open311",
    params(("service_code" = String, Path, description = "e.g. pothole.xml or pothole.json")),
    responses(
        (status = 200, content((ServiceDefinition = "application/json"), (String = "text/xml"))),
        (status = 404, body = [cds_provincial_api::ApiError], description = "No such service_code (an `<errors>` document on a .xml path)")))]
pub async fn service_definition(
    State(state): State<AppState>,
    format: Format,
    file: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiFailure> {
    let code = strip_format(file)?;
    let services = state.db.call(load_services).await?;
    let (service, attributes) = services
        .into_iter()
        .find(|(service, _)| service.service_code == code)
        .ok_or_else(|| not_found(format!("service_code not found: {code}")))?;
    let definition = ServiceDefinition {
        service_code: service.service_code,
        attributes,
    };
    Ok(format.answer(StatusCode::OK, &definition))
}

/// The fields of `POST requests`, for the OpenAPI document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PostRequestForm {
    api_key: String,
    service_code: String,
    lat: Option<f64>,
    long: Option<f64>,
    address_string: Option<String>,
    address_id: Option<String>,
    description: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    device_id: Option<String>,
    account_id: Option<String>,
    /// Photos: 0 to 5 JPEG, PNG or WebP files.
    #[schema(value_type = Vec<String>, format = Binary)]
    media: Vec<Vec<u8>>,
}

/// A validated new request, before it is stored.
struct NewRequest {
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
    media: Vec<(axum::body::Bytes, media::Sniffed)>,
}

fn coordinate(name: &str, value: &str, limit: f64) -> Result<f64, ApiFailure> {
    let parsed: f64 = value
        .trim()
        .parse()
        .map_err(|_| bad(format!("{name}: not a number")))?;
    if !parsed.is_finite() || parsed.abs() > limit {
        return Err(bad(format!("{name}: out of range (±{limit})")));
    }
    Ok(parsed)
}

fn idempotency_key(headers: &HeaderMap, form: &Form) -> Result<Option<String>, ApiFailure> {
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
fn validate(
    conn: &Connection,
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
        media.push((bytes, sniffed));
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
    for (bytes, _) in &media {
        digest.update(Sha256::digest(bytes));
    }

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

enum Stored {
    New(i64),
    Replay(i64),
    Conflict,
}

fn store(
    conn: &mut Connection,
    media_dir: &media::MediaDir,
    request: NewRequest,
) -> Result<Stored, crate::db::DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(key) = &request.idempotency_key {
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, body_hash FROM requests WHERE idempotency_key = ?1",
                [key],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        if let Some((id, hash)) = existing {
            return Ok(if hash == request.body_hash {
                Stored::Replay(id)
            } else {
                Stored::Conflict
            });
        }
    }
    let mut hashes = Vec::new();
    for (bytes, sniffed) in &request.media {
        hashes.push(media_dir.store(&tx, bytes, *sniffed)?);
    }
    let token = auth::new_secret().map_err(crate::db::DbError::Worker)?[..32].to_owned();
    let now = time::now_ms();
    tx.execute(
        "INSERT INTO requests (token, service_code, description, lat, lon, address, attributes, contact,
             detailed_status, status_notes, agency, requested_ms, updated_ms, idempotency_key, body_hash, api_key_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'received', '', '', ?9, ?9, ?10, ?11, ?12)",
        params![
            token,
            request.service_code,
            request.description,
            request.lat,
            request.lon,
            request.address,
            serde_json::to_string(&request.attributes)?,
            serde_json::to_string(&request.contact)?,
            now,
            request.idempotency_key,
            request.body_hash,
            request.api_key_id
        ],
    )?;
    let id = tx.last_insert_rowid();
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

/// `POST /open311/v2/requests.xml` (or `.json`)
///
/// A created request is answered 200, as widely used Open311 servers do and
/// as every Open311 client accepts (ARCHITECTURE.md says why); a replay (same
/// key, same body) gets the same 200 with the same body. Only the request's id is returned, never its
/// token ("should not be returned if service_request_id is returned").
#[utoipa::path(post, path = "/open311/v2/requests.{format}", tag = "open311",
    params(("format" = inline(crate::format::Extension), Path, description = "xml (the spec's required format) or json"),
        ("Idempotency-Key" = Option<String>, Header, description = "Client-made id; a replay returns the original request")),
    request_body(content = PostRequestForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, content((Vec<Created> = "application/json"), (String = "text/xml")), description = "Created, or a replay of an earlier request with the same key and body (the same answer)"),
        (status = 400, body = [cds_provincial_api::ApiError]),
        (status = 403, body = [cds_provincial_api::ApiError]),
        (status = 404, body = [cds_provincial_api::ApiError], description = "No such service_code"),
        (status = 409, body = [cds_provincial_api::ApiError], description = "The key was used with a different body"),
        (status = 413, body = [cds_provincial_api::ApiError])))]
pub async fn post_request(
    State(state): State<AppState>,
    format: Format,
    RawQuery(raw): RawQuery,
    request: Request,
) -> Result<Response, ApiFailure> {
    let query = form::query(raw.as_deref())?;
    let headers = request.headers().clone();
    let form = form::read(request, &state, MAX_MEDIA).await?;
    let media_dir = state.media.clone();
    let ignore_keys = state.ignore_idempotency_keys;
    let outcome = state
        .db
        .call_with(move |conn| {
            let new = validate(conn, &headers, &query, form, ignore_keys)?;
            Ok(store(conn, &media_dir, new)?)
        })
        .await?;
    let id = match outcome {
        Stored::New(id) | Stored::Replay(id) => id,
        Stored::Conflict => {
            return Err(ApiFailure::new(
                StatusCode::CONFLICT,
                "this Idempotency-Key was already used for a different request",
            ));
        }
    };
    let created = List {
        root: "service_requests",
        items: vec![Created {
            service_request_id: Some(id.to_string()),
            token: None,
            service_notice: Some("Đã tiếp nhận phản ánh / Report received".into()),
            account_id: None,
        }],
    };
    Ok(format.answer(StatusCode::OK, &created))
}

/// Builds the public view of request `id` (contact details are never included).
/// `extensions` adds the history and the attributes' answers.
pub fn load_request(
    conn: &Connection,
    public_url: &str,
    id: i64,
    extensions: bool,
) -> rusqlite::Result<Option<ServiceRequest>> {
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
        .collect::<rusqlite::Result<_>>()?;
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
                by: row.get(6)?,
            })
        })?;
        Some(rows.collect::<rusqlite::Result<Vec<_>>>()?)
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

/// A request's stored answers as the public sees them: a list for a
/// `multivaluelist`, one value otherwise; `client_request_id` left out when
/// it is the request's idempotency key (`keyed`), the resident's proof.
fn attribute_answers(
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
struct Filters {
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
fn filters(query: &[(String, String)], now_ms: i64) -> Result<Filters, ApiFailure> {
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

fn search(
    conn: &Connection,
    public_url: &str,
    f: &Filters,
) -> rusqlite::Result<Vec<ServiceRequest>> {
    let mut sql = String::from("SELECT id FROM requests WHERE 1 = 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    let placeholders = |values: Vec<rusqlite::types::Value>,
                        args: &mut Vec<rusqlite::types::Value>| {
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
        let detailed: Vec<rusqlite::types::Value> = DetailedStatus::ALL
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
        .query_map(rusqlite::params_from_iter(args), |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(request) = load_request(conn, public_url, id, f.extensions)? {
            out.push(request);
        }
    }
    Ok(out)
}

/// `GET /open311/v2/requests.xml` (or `.json`)
#[utoipa::path(get, path = "/open311/v2/requests.{format}", tag = "open311",
    params(
        ("format" = inline(crate::format::Extension), Path, description = "xml (the spec's required format) or json"),
        ("service_request_id" = Option<String>, Query, description = "Comma-separated ids; overrides every other filter"),
        ("service_code" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "open, closed, or both comma-separated"),
        ("start_date" = Option<String>, Query, description = "With end_date, on requested_datetime; without either (and without ids or updated_after): the last 90 days"),
        ("end_date" = Option<String>, Query),
        ("updated_after" = Option<String>, Query, description = "Extension: changes after this time, oldest first"),
        ("page" = Option<u32>, Query), ("page_size" = Option<u32>, Query),
        ("extensions" = Option<bool>, Query, description = "Include the update history and the attributes' answers")),
    responses((status = 200, content((Vec<ServiceRequest> = "application/json"), (String = "text/xml"))),
        (status = 400, body = [cds_provincial_api::ApiError])))]
pub async fn get_requests(
    State(state): State<AppState>,
    format: Format,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiFailure> {
    let filters = filters(&form::query(raw.as_deref())?, time::now_ms())?;
    let public_url = state.public_url.clone();
    let requests = state
        .db
        .call(move |conn| search(conn, &public_url, &filters))
        .await?;
    let list = List {
        root: "service_requests",
        items: requests,
    };
    Ok(format.answer(StatusCode::OK, &list))
}

/// `GET /open311/v2/requests/{id}.xml` (or `.json`)
#[utoipa::path(get, path = "/open311/v2/requests/{service_request_id}", tag = "open311",
    params(("service_request_id" = String, Path, description = "e.g. 12.xml or 12.json"), ("extensions" = Option<bool>, Query)),
    responses((status = 200, content((Vec<ServiceRequest> = "application/json"), (String = "text/xml"))),
        (status = 404, body = [cds_provincial_api::ApiError])))]
pub async fn get_request(
    State(state): State<AppState>,
    format: Format,
    file: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiFailure> {
    let id: i64 = strip_format(file)?
        .parse()
        .map_err(|_| not_found("no such service request"))?;
    let extensions = form::query(raw.as_deref())?
        .iter()
        .any(|(k, v)| k == "extensions" && v == "true");
    let public_url = state.public_url.clone();
    let request = state
        .db
        .call(move |conn| load_request(conn, &public_url, id, extensions))
        .await?
        .ok_or_else(|| not_found("no such service request"))?;
    let list = List {
        root: "service_requests",
        items: vec![request],
    };
    Ok(format.answer(StatusCode::OK, &list))
}

/// `GET /open311/v2/tokens/{token}.xml` (or `.json`)
#[utoipa::path(get, path = "/open311/v2/tokens/{token}", tag = "open311",
    params(("token" = String, Path, description = "e.g. 5f0c….xml or 5f0c….json")),
    responses((status = 200, content((Vec<TokenAnswer> = "application/json"), (String = "text/xml"))),
        (status = 404, body = [cds_provincial_api::ApiError])))]
pub async fn get_token(
    State(state): State<AppState>,
    format: Format,
    file: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiFailure> {
    let token = strip_format(file)?;
    let lookup = token.clone();
    let id: Option<i64> = state
        .db
        .call(move |conn| {
            conn.query_row(
                "SELECT id FROM requests WHERE token = ?1",
                [lookup],
                |row| row.get(0),
            )
            .optional()
        })
        .await?;
    let id = id.ok_or_else(|| not_found("no such token"))?;
    let list = List {
        root: "service_requests",
        items: vec![TokenAnswer {
            token,
            service_request_id: Some(id.to_string()),
        }],
    };
    Ok(format.answer(StatusCode::OK, &list))
}
