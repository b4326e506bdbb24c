//! Open311 GeoReport v2 under `/open311/v2`, in XML and JSON: services,
//! requests (with photos and exactly-once idempotency), tokens, discovery.

use std::collections::{BTreeMap, HashMap};

use crate::sql::{Conn, Optional, params};
use axum::{
    extract::{Path, RawQuery, Request, State, rejection::PathRejection},
    http::{HeaderMap, StatusCode},
    response::Response,
};
use cds_provincial_api::open311::{
    Attribute, AttributeAnswer, Created, Datatype, DetailedStatus, Discovery, Endpoint, Service,
    ServiceDefinition, ServiceRequest, Status, TokenAnswer, Update,
};
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

mod intake;
mod listing;

use intake::{Stored, store, validate};
pub use listing::load_request;
use listing::{filters, search};

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

fn load_services(conn: &Conn) -> crate::sql::Result<Vec<(Service, Vec<Attribute>)>> {
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
    let services = state.db.read(load_services).await?;
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
    let services = state.db.read(load_services).await?;
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
    let new = state
        .db
        .call_with(move |conn| validate(conn, &headers, &query, form, ignore_keys))
        .await?;
    // The photos' files first, outside the database's lock (their fsyncs
    // are most of a request's time): only for a request found valid, so
    // that nobody without a key can fill the disk. Content-addressed: a
    // replay writes nothing new; a request refused as a conflict may leave
    // a file no record names (harmless, and only with a valid key).
    let new = tokio::task::spawn_blocking(move || new.write_photos(&media_dir).map(|()| new))
        .await
        .map_err(|err| ApiFailure::from(crate::db::DbError::Worker(err.to_string())))??;
    let outcome = state
        .db
        .call_with(move |conn| Ok(store(conn, new)?))
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
        .read(move |conn| search(conn, &public_url, &filters))
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
        .read(move |conn| load_request(conn, &public_url, id, extensions))
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
        .read(move |conn| {
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
