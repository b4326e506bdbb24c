//! GeoReport v2 to the letter, in both formats: 404 for an unknown
//! service_code, `service_request_id` over every filter, the 90-day default,
//! dates before 1970, fields without a value left out, 200 for a created
//! request and its replay, XML on every endpoint (errors too, hostile text
//! escaped), and the mode that ignores idempotency keys.

use std::{
    collections::BTreeMap,
    io::{Read, Write},
    net::TcpStream,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use reqwest::{StatusCode, blocking::multipart::Form};
use serde_json::Value;

use crate::{DEMO_KEY, Fixture, PHOTO, answer, answer_xml, client, xml::Element};

const FORMATS: [&str; 2] = ["json", "xml"];
const DAY_MS: i64 = 86_400_000;

/// One request (or answer) as plain fields, name → text, from either format.
/// Reading JSON, a `null` anywhere at the top level fails the test.
type Fields = BTreeMap<String, String>;

fn now_ms() -> i64 {
    i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn json_fields(object: &Value, context: &str) -> Fields {
    object
        .as_object()
        .unwrap_or_else(|| panic!("not an object in {context}: {object}"))
        .iter()
        .filter_map(|(key, value)| match value {
            Value::Null => panic!("{key} is null in {context}: {object}"),
            Value::String(text) => Some((key.clone(), text.clone())),
            Value::Number(n) => Some((key.clone(), n.to_string())),
            Value::Bool(b) => Some((key.clone(), b.to_string())),
            Value::Array(_) | Value::Object(_) => None,
        })
        .collect()
}

fn xml_fields(element: &Element) -> Fields {
    element
        .children
        .iter()
        .filter(|child| child.children.is_empty())
        .map(|child| (child.name.clone(), child.text.clone()))
        .collect()
}

/// The items of a list answer (`<root><item>…` in XML, a JSON array).
fn list(gw: &Fixture, format: &str, path: &str, root: &str, item: &str) -> Vec<Fields> {
    if format == "xml" {
        let (status, doc) = gw.get_xml(path);
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(doc.name, root, "{path}");
        assert!(doc.children.iter().all(|c| c.name == item), "{path}");
        doc.all(item).map(xml_fields).collect()
    } else {
        let (status, body) = gw.get(path);
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        body.as_array()
            .unwrap_or_else(|| panic!("{path}: not a list: {body}"))
            .iter()
            .map(|item| json_fields(item, path))
            .collect()
    }
}

/// `GET requests.{format}?{query}`.
fn requests(gw: &Fixture, format: &str, query: &str) -> Vec<Fields> {
    let path = format!("/open311/v2/requests.{format}?{query}");
    list(gw, format, &path, "service_requests", "request")
}

/// The ids `GET requests.{format}?{query}` answers, in order.
fn ids(gw: &Fixture, format: &str, query: &str) -> Vec<String> {
    requests(gw, format, query)
        .into_iter()
        .map(|r| r["service_request_id"].clone())
        .collect()
}

/// `GET requests/{id}.{format}`: the one request.
fn one(gw: &Fixture, format: &str, id: &str) -> Fields {
    let path = format!("/open311/v2/requests/{id}.{format}");
    let mut found = list(gw, format, &path, "service_requests", "request");
    assert_eq!(found.len(), 1, "{path}");
    found.remove(0)
}

/// Status and error description of an answer that must be an Open311 error
/// list in `format`.
fn error(format: &str, response: reqwest::blocking::Response) -> (StatusCode, String) {
    if format == "xml" {
        let (status, doc) = answer_xml(response);
        assert!(status.is_client_error(), "{status}: {doc:?}");
        let description = doc
            .child("error")
            .and_then(|e| e.text_of("description"))
            .unwrap_or_default()
            .to_owned();
        (status, description)
    } else {
        let (status, body) = answer(response);
        assert!(status.is_client_error(), "{status}: {body}");
        (status, body[0]["description"].as_str().unwrap().to_owned())
    }
}

/// `POST requests.{format}`: status and the one answered request's fields.
fn post(
    gw: &Fixture,
    format: &str,
    fields: &[(&str, &str)],
    key: Option<&str>,
) -> (StatusCode, Fields) {
    let response = gw.post_form(&format!("requests.{format}"), fields, &[], key);
    if format == "xml" {
        let (status, doc) = answer_xml(response);
        if status.is_client_error() {
            return (status, Fields::new());
        }
        assert_eq!(doc.name, "service_requests");
        assert_eq!(doc.names(), ["request"]);
        (status, xml_fields(&doc.children[0]))
    } else {
        let (status, body) = answer(response);
        if status.is_client_error() {
            return (status, Fields::new());
        }
        assert_eq!(body.as_array().unwrap().len(), 1, "{body}");
        (status, json_fields(&body[0], "POST requests.json"))
    }
}

fn pothole(description: &str) -> Vec<(&str, &str)> {
    vec![
        ("api_key", DEMO_KEY),
        ("service_code", "pothole"),
        ("lat", "16.4637"),
        ("long", "107.5909"),
        ("attribute[size]", "large"),
        ("description", description),
    ]
}

/// Files a pothole in `format`; returns its id.
fn file(gw: &Fixture, format: &str, key: &str, description: &str) -> String {
    let (status, created) = post(gw, format, &pothole(description), Some(key));
    assert_eq!(status, StatusCode::OK, "{created:?}");
    created["service_request_id"].clone()
}

#[test]
fn an_unknown_service_code_is_404_wherever_it_is_named() {
    let gw = Fixture::new();
    for format in FORMATS {
        let response = client()
            .get(format!("{}/open311/v2/services/teleport.{format}", gw.url))
            .send()
            .unwrap();
        let (status, description) = error(format, response);
        assert_eq!(status, StatusCode::NOT_FOUND, "{format}");
        assert!(description.contains("teleport"), "{description}");

        let mut fields = pothole("đi đâu?");
        fields[1] = ("service_code", "teleport");
        let response = gw.post_form(&format!("requests.{format}"), &fields, &[], Some("k"));
        let (status, description) = error(format, response);
        assert_eq!(status, StatusCode::NOT_FOUND, "{format}: {description}");
        assert!(description.contains("service_code"), "{description}");
        assert_eq!(gw.count(), 0, "nothing stored");
    }
}

#[test]
fn a_created_request_and_its_replay_are_both_200_with_the_same_answer() {
    let gw = Fixture::new();
    for format in FORMATS {
        let key = format!("replay-{format}");
        let (status, created) = post(&gw, format, &pothole("ổ gà"), Some(key.as_str()));
        assert_eq!(status, StatusCode::OK, "{format}");
        assert!(created.contains_key("service_request_id"), "{created:?}");
        assert!(created.contains_key("service_notice"), "{created:?}");
        for absent in ["token", "account_id"] {
            assert!(!created.contains_key(absent), "{absent}: {created:?}");
        }
        let (status, replay) = post(&gw, format, &pothole("ổ gà"), Some(key.as_str()));
        assert_eq!(
            status,
            StatusCode::OK,
            "a replay answers as the original did"
        );
        assert_eq!(replay, created);
        let response = gw.post_form(
            &format!("requests.{format}"),
            &pothole("khác"),
            &[],
            Some(key.as_str()),
        );
        assert_eq!(error(format, response).0, StatusCode::CONFLICT);
    }
    assert_eq!(gw.count(), 2);
}

#[test]
fn fields_without_a_value_are_left_out_not_null() {
    let gw = Fixture::new();
    let (status, created) = post(
        &gw,
        "json",
        &[
            ("api_key", DEMO_KEY),
            ("service_code", "flooding"),
            ("address_string", "Kiệt 12 Phan Đình Phùng"),
            ("attribute[depth_cm]", "40"),
        ],
        Some("no-values"),
    );
    assert_eq!(status, StatusCode::OK);
    let id = &created["service_request_id"];
    let absent = [
        "status_notes",
        "agency_responsible",
        "service_notice",
        "expected_datetime",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
        "rating",
        "token",
        "account_id",
    ];
    for format in FORMATS {
        for request in [
            one(&gw, format, id),
            requests(&gw, format, &format!("service_request_id={id}")).remove(0),
        ] {
            for name in absent {
                assert!(
                    !request.contains_key(name),
                    "{format}: {name} in {request:?}"
                );
            }
            for name in [
                "service_request_id",
                "status",
                "service_name",
                "service_code",
                "description",
                "requested_datetime",
                "updated_datetime",
                "address",
            ] {
                assert!(
                    request.contains_key(name),
                    "{format}: no {name}: {request:?}"
                );
            }
        }
    }
    // With values, they are there.
    let response = client()
        .post(format!("{}/api/v1/staff/requests/{id}/updates", gw.url))
        .bearer_auth(&gw.staff)
        .multipart(
            Form::new()
                .text("detailed_status", "assigned")
                .text("note", "Đã giao đội thoát nước")
                .text("agency", "Công ty Môi trường")
                .text("expected_datetime", "2099-01-02T03:04:05Z"),
        )
        .send()
        .unwrap();
    assert_eq!(answer(response).0, StatusCode::OK);
    for format in FORMATS {
        let request = one(&gw, format, id);
        assert_eq!(request["status_notes"], "Đã giao đội thoát nước");
        assert_eq!(request["agency_responsible"], "Công ty Môi trường");
        assert_eq!(request["expected_datetime"], "2099-01-02T03:04:05Z");
    }
}

#[test]
fn service_request_id_overrides_every_other_filter() {
    let gw = Fixture::new();
    let old = file(&gw, "json", "o-1", "cũ");
    let recent = file(&gw, "xml", "o-2", "mới");
    gw.backdate(&old, now_ms() - 400 * DAY_MS);
    let others = "service_code=rubbish&status=closed&start_date=2099-01-01T00:00:00Z\
                  &end_date=2099-12-31T00:00:00Z&updated_after=2099-01-01T00:00:00Z\
                  &page=9&page_size=1";
    for format in FORMATS {
        let mut found = ids(
            &gw,
            format,
            &format!("service_request_id={old},{recent}&{others}"),
        );
        found.sort();
        let mut expected = vec![old.clone(), recent.clone()];
        expected.sort();
        assert_eq!(found, expected, "{format}");
        assert!(ids(&gw, format, others).is_empty(), "the filters do filter");
        // Even a filter that would be refused is ignored beside ids.
        assert_eq!(
            ids(
                &gw,
                format,
                &format!("service_request_id={old}&status=maybe")
            ),
            [old.as_str()]
        );
    }
}

#[test]
fn without_dates_requests_cover_the_last_90_days() {
    let gw = Fixture::new();
    let old = gw.file("d-1", "91 ngày trước");
    let edge = gw.file("d-2", "89 ngày trước");
    let new = gw.file("d-3", "hôm nay");
    let now = now_ms();
    gw.backdate(&old, now - 91 * DAY_MS);
    gw.backdate(&edge, now - 89 * DAY_MS);
    for format in FORMATS {
        assert_eq!(ids(&gw, format, ""), [new.as_str(), &edge], "{format}");
        assert_eq!(
            ids(&gw, format, "start_date=&end_date="),
            [new.as_str(), &edge],
            "an empty parameter is no parameter"
        );
        assert_eq!(
            ids(&gw, format, "start_date=2000-01-01T00:00:00Z"),
            [new.as_str(), &edge, &old]
        );
        assert_eq!(
            ids(&gw, format, "end_date=2099-01-01T00:00:00Z"),
            [new.as_str(), &edge, &old]
        );
        assert_eq!(
            ids(&gw, format, "updated_after=2000-01-01T00:00:00Z"),
            [old.as_str(), &edge, &new],
            "the incremental pull still sees older changes, oldest first"
        );
        assert_eq!(
            ids(&gw, format, &format!("service_request_id={old}")),
            [old.as_str()]
        );
    }
}

#[test]
fn a_date_before_1970_is_read() {
    let gw = Fixture::new();
    let id = gw.file("apollo", "Eagle has landed");
    gw.backdate(&id, -14_182_940_000); // 1969-07-20T20:17:40Z
    for format in FORMATS {
        for query in [
            "start_date=1969-07-20T20:17:40Z&end_date=1969-07-21T03:17:40%2B07:00",
            "start_date=1969-07-20T15:17:40-05:00&end_date=1969-07-20T20:17:40Z",
            // A `+` left unencoded arrives as a space.
            "start_date=1969-07-20&end_date=1969-07-21T03:17:40+07:00",
        ] {
            let found = requests(&gw, format, query);
            assert_eq!(found.len(), 1, "{format}: {query}");
            assert_eq!(found[0]["service_request_id"], id);
            assert_eq!(found[0]["requested_datetime"], "1969-07-20T20:17:40Z");
        }
        assert!(
            ids(
                &gw,
                format,
                "start_date=1969-07-20T20:17:41Z&end_date=1969-12-31T23:59:59Z"
            )
            .is_empty(),
            "one second later"
        );
        assert!(ids(&gw, format, "").is_empty(), "not in the last 90 days");
        assert_eq!(
            one(&gw, format, &id)["updated_datetime"],
            "1969-07-20T20:17:40Z"
        );
    }
}

/// Sends raw bytes and returns the whole answer (a real client cannot send these).
fn raw(gw: &Fixture, request: &[u8]) -> String {
    let addr = gw.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    String::from_utf8(response).unwrap()
}

#[test]
fn every_open311_endpoint_answers_in_the_specs_xml() {
    let gw = Fixture::new();
    // Discovery: both formats listed, and our claim.
    let (status, discovery) = gw.get_xml("/open311/v2/discovery.xml");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(discovery.name, "discovery");
    assert_eq!(
        discovery.names(),
        [
            "changeset",
            "contact",
            "key_service",
            "endpoints",
            "idempotency_keys"
        ]
    );
    assert_eq!(discovery.text_of("idempotency_keys"), Some("true"));
    let endpoint = discovery
        .child("endpoints")
        .unwrap()
        .child("endpoint")
        .unwrap();
    assert_eq!(
        endpoint.names(),
        ["specification", "url", "changeset", "type", "formats"]
    );
    let formats: Vec<&str> = endpoint
        .child("formats")
        .unwrap()
        .all("format")
        .map(|f| f.text.as_str())
        .collect();
    assert_eq!(formats, ["text/xml", "application/json"]);
    let (_, json) = gw.get("/open311/v2/discovery.json");
    assert_eq!(json["endpoints"][0]["formats"][0], "text/xml");
    assert_eq!(json["idempotency_keys"], true);
    assert_eq!(
        endpoint.text_of("url"),
        json["endpoints"][0]["url"].as_str()
    );

    // Services, as in the spec's example, and the same as the JSON list.
    let services = list(
        &gw,
        "xml",
        "/open311/v2/services.xml",
        "services",
        "service",
    );
    let (_, json) = gw.get("/open311/v2/services.json");
    assert_eq!(services.len(), json.as_array().unwrap().len());
    let (_, doc) = gw.get_xml("/open311/v2/services.xml");
    assert_eq!(
        doc.children[0].names(),
        [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group"
        ]
    );
    for (xml, json) in services.iter().zip(json.as_array().unwrap()) {
        assert_eq!(json_fields(json, "services.json"), *xml);
    }

    // A service definition with a list.
    let (status, definition) = gw.get_xml("/open311/v2/services/rubbish.xml");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(definition.name, "service_definition");
    assert_eq!(definition.text_of("service_code"), Some("rubbish"));
    let attribute = definition
        .child("attributes")
        .unwrap()
        .all("attribute")
        .find(|a| a.text_of("datatype") == Some("multivaluelist"))
        .unwrap();
    assert_eq!(
        attribute.names(),
        [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values"
        ]
    );
    let value = attribute.child("values").unwrap().child("value").unwrap();
    assert_eq!(value.names(), ["key", "name"]);
    let (_, json) = gw.get("/open311/v2/services/rubbish.json");
    let json_attribute = json["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["datatype"] == "multivaluelist")
        .unwrap();
    assert_eq!(attribute.text_of("code"), json_attribute["code"].as_str());
    assert_eq!(
        value.text_of("key"),
        json_attribute["values"][0]["key"].as_str()
    );

    // Requests: filed, listed, one, by token.
    let id = file(&gw, "xml", "xml-1", "ổ gà");
    let listed = requests(&gw, "xml", "");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["service_request_id"], id);
    assert_eq!(listed[0]["lat"], "16.4637");
    assert_eq!(one(&gw, "xml", &id), listed[0]);
    assert_eq!(
        one(&gw, "json", &id),
        listed[0],
        "the same fields in both formats"
    );
    let token: String = gw
        .db()
        .query_row(
            "SELECT token FROM requests WHERE id = ?1",
            [id.parse::<i64>().unwrap()],
            |row| row.get(0),
        )
        .unwrap();
    let answered = list(
        &gw,
        "xml",
        &format!("/open311/v2/tokens/{token}.xml"),
        "service_requests",
        "request",
    );
    assert_eq!(answered[0]["service_request_id"], id);
    assert_eq!(answered[0]["token"], token);

    // Errors are XML on a .xml path, whoever makes them; JSON on .json.
    for (path, expected) in [
        ("/open311/v2/requests/999999", StatusCode::NOT_FOUND),
        ("/open311/v2/requests/nope", StatusCode::NOT_FOUND),
        ("/open311/v2/tokens/nope", StatusCode::NOT_FOUND),
        ("/open311/v2/services/%FF%FE", StatusCode::NOT_FOUND),
        ("/open311/v2/nothing", StatusCode::NOT_FOUND),
        ("/open311/v2/requests", StatusCode::BAD_REQUEST),
    ] {
        for format in FORMATS {
            let query = if path.ends_with("requests") {
                "?status=maybe"
            } else {
                ""
            };
            let response = client()
                .get(format!("{}{path}.{format}{query}", gw.url))
                .send()
                .unwrap();
            assert_eq!(error(format, response).0, expected, "{path}.{format}");
        }
    }
    for format in FORMATS {
        let url = format!("{}/open311/v2/services.{format}", gw.url);
        let response = client().delete(url).send().unwrap();
        assert_eq!(error(format, response).0, StatusCode::METHOD_NOT_ALLOWED);
        let url = format!("{}/open311/v2/requests.{format}", gw.url);
        let response = client()
            .post(&url)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(
            error(format, response).0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the form reader's refusal"
        );
        let response = client()
            .post(&url)
            .header("content-type", "multipart/form-data; boundary=XYZ")
            .body("--XYZ\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\ncds-demo-key\r\n--XY")
            .send()
            .unwrap();
        assert_eq!(
            error(format, response).0,
            StatusCode::BAD_REQUEST,
            "cut multipart"
        );
        let response = gw.post_form(
            &format!("requests.{format}"),
            &pothole("không khoá")[1..],
            &[],
            None,
        );
        assert_eq!(error(format, response).0, StatusCode::FORBIDDEN);
    }
    // The body limit answers before reading: in XML on a .xml path.
    let answer = raw(
        &gw,
        b"POST /open311/v2/requests.xml HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 900000000\r\nConnection: close\r\n\r\n",
    );
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/xml; charset=utf-8"),
        "{head}"
    );
    let doc = crate::xml::parse(body);
    assert_eq!(
        doc.child("error").unwrap().text_of("code"),
        Some("413"),
        "{body}"
    );
}

#[test]
fn xml_escapes_hostile_report_text() {
    let gw = Fixture::new();
    let hostile = "</description><injected a=\"x\">&amp; &lt;b&gt; <![CDATA[ x ]]> ' \" \
                   ổ gà 🕳\r\ndòng hai\t\u{FFFE}\u{FFFF}hết";
    let address = "<b>12 Lê Lợi</b> & 'x' \"y\"";
    let fields = [
        ("api_key", DEMO_KEY),
        ("service_code", "pothole"),
        ("address_string", address),
        ("attribute[size]", "small"),
        ("description", hostile),
    ];
    let (status, created) = gw.post_request_xml(&fields, &[PHOTO], Some("hostile"));
    assert_eq!(status, StatusCode::OK);
    let id = created
        .child("request")
        .unwrap()
        .text_of("service_request_id")
        .unwrap()
        .to_owned();
    let body = client()
        .get(format!("{}/open311/v2/requests/{id}.xml", gw.url))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!body.contains("<injected"), "{body}");
    assert!(!body.contains("<b>"), "{body}");
    let request = one(&gw, "xml", &id);
    assert_eq!(
        request["description"],
        hostile.replace(['\u{FFFE}', '\u{FFFF}'], ""),
        "the text back, but for what XML cannot carry"
    );
    assert_eq!(request["address"], address);
    assert_eq!(
        one(&gw, "json", &id)["description"],
        hostile,
        "stored whole"
    );
    // Text a client put in a path comes back escaped in the error.
    let response = client()
        .get(format!(
            "{}/open311/v2/services/%3Cscript%3E%26'.xml",
            gw.url
        ))
        .send()
        .unwrap();
    let (status, description) = error("xml", response);
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(description.contains("<script>&'"), "{description}");
}

/// The answers of request `fields` as the `attributes` extension shows them.
fn attributes(gw: &Fixture, format: &str, query: &str) -> Vec<BTreeMap<String, Vec<String>>> {
    let path = format!("/open311/v2/requests.{format}?extensions=true&{query}");
    if format == "xml" {
        let (status, doc) = gw.get_xml(&path);
        assert_eq!(status, StatusCode::OK);
        doc.all("request")
            .map(|request| {
                request
                    .child("attributes")
                    .unwrap()
                    .all("attribute")
                    .map(|a| {
                        let code = a.text_of("code").unwrap().to_owned();
                        let values = match (a.child("value"), a.child("values")) {
                            (Some(one), None) => vec![one.text.clone()],
                            (None, Some(many)) => {
                                many.all("value").map(|v| v.text.clone()).collect()
                            }
                            other => panic!("{other:?}"),
                        };
                        (code, values)
                    })
                    .collect()
            })
            .collect()
    } else {
        let (status, body) = gw.get(&path);
        assert_eq!(status, StatusCode::OK);
        body.as_array()
            .unwrap()
            .iter()
            .map(|request| {
                request["attributes"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(code, value)| {
                        let values = match value {
                            Value::String(one) => vec![one.clone()],
                            Value::Array(many) => many
                                .iter()
                                .map(|v| v.as_str().unwrap().to_owned())
                                .collect(),
                            other => panic!("{other}"),
                        };
                        (code.clone(), values)
                    })
                    .collect()
            })
            .collect()
    }
}

#[test]
fn answers_are_shown_with_extensions_but_never_the_idempotency_key() {
    let gw = Fixture::new();
    let mut fields = pothole("ổ gà");
    fields.push(("attribute[client_request_id]", "secret-key"));
    let (status, created) = post(&gw, "json", &fields, Some("secret-key"));
    assert_eq!(status, StatusCode::OK);
    let pothole_id = &created["service_request_id"];
    let (status, created) = post(
        &gw,
        "xml",
        &[
            ("api_key", DEMO_KEY),
            ("service_code", "rubbish"),
            ("lat", "16.47"),
            ("long", "107.58"),
            ("attribute[kinds][]", "household"),
        ],
        Some("another-key"),
    );
    assert_eq!(status, StatusCode::OK);
    let rubbish_id = &created["service_request_id"];
    for format in FORMATS {
        let found = attributes(&gw, format, &format!("service_request_id={pothole_id}"));
        assert_eq!(
            found,
            [BTreeMap::from([(
                "size".to_owned(),
                vec!["large".to_owned()]
            )])],
            "{format}: the key is the resident's proof, never shown"
        );
        let found = attributes(&gw, format, &format!("service_request_id={rubbish_id}"));
        assert_eq!(
            found,
            [BTreeMap::from([(
                "kinds".to_owned(),
                vec!["household".to_owned()]
            )])],
        );
        assert!(
            requests(&gw, format, "")
                .iter()
                .all(|r| !r.contains_key("attributes")),
            "only with extensions=true"
        );
    }
    let (_, json) = gw.get(&format!(
        "/open311/v2/requests/{rubbish_id}.json?extensions=true"
    ));
    assert!(
        json[0]["attributes"]["kinds"].is_array(),
        "a multivaluelist is a list even with one value: {json}"
    );
}

/// What a client that finds its in-doubt report by `client_request_id` sees.
fn with_client_id(gw: &Fixture, format: &str, client_id: &str) -> usize {
    let today = now_ms() / 1000;
    let query = format!(
        "service_code=pothole&start_date={}&end_date={}",
        iso_day(today - 86_400),
        iso_day(today + 86_400)
    );
    attributes(gw, format, &query)
        .iter()
        .filter(|a| a.get("client_request_id") == Some(&vec![client_id.to_owned()]))
        .count()
}

/// `YYYY-MM-DD` of a Unix time in seconds (days since 1970, proleptic Gregorian).
fn iso_day(secs: i64) -> String {
    let days = secs.div_euclid(86_400) + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn ignoring_keys_stores_every_post(gw: &Fixture) {
    for format in FORMATS {
        if format == "xml" {
            let (_, discovery) = gw.get_xml("/open311/v2/discovery.xml");
            assert!(discovery.child("idempotency_keys").is_none());
        } else {
            let (_, discovery) = gw.get("/open311/v2/discovery.json");
            assert!(discovery.get("idempotency_keys").is_none(), "{discovery}");
        }
        let key = format!("ignored-{format}");
        let mut fields = pothole("ổ gà");
        fields.push(("attribute[client_request_id]", key.as_str()));
        let (status, first) = post(gw, format, &fields, Some(key.as_str()));
        assert_eq!(status, StatusCode::OK);
        let (status, second) = post(gw, format, &fields, Some(key.as_str()));
        assert_eq!(status, StatusCode::OK);
        assert_ne!(
            first["service_request_id"], second["service_request_id"],
            "the same key twice is two requests"
        );
        fields[5] = ("description", "khác");
        let (status, third) = post(gw, format, &fields, Some("the header is ignored"));
        assert_eq!(status, StatusCode::OK, "no 409, no mismatch");
        assert_ne!(third["service_request_id"], second["service_request_id"]);
        assert_eq!(
            with_client_id(gw, format, &key),
            3,
            "{format}: the client finds its reports by client_request_id"
        );
    }
    assert_eq!(gw.count(), 6);
}

#[test]
fn a_gateway_ignoring_idempotency_keys_stores_every_post() {
    ignoring_keys_stores_every_post(&Fixture::with(&["--ignore-idempotency-keys"], &[]));
    ignoring_keys_stores_every_post(&Fixture::with(
        &[],
        &[("CDS_GATEWAY_IGNORE_IDEMPOTENCY_KEYS", "1")],
    ));
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cds-gateway"))
        .args(["--listen", "127.0.0.1:0"])
        .env("CDS_GATEWAY_IGNORE_IDEMPOTENCY_KEYS", "maybe")
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2), "a value that is not a yes or a no");
    // The normal gateway: one request, found by its id, not by its key.
    let gw = Fixture::new();
    let mut fields = pothole("ổ gà");
    fields.push(("attribute[client_request_id]", "kept"));
    for _ in 0..2 {
        assert_eq!(post(&gw, "json", &fields, Some("kept")).0, StatusCode::OK);
    }
    assert_eq!(gw.count(), 1);
    assert_eq!(with_client_id(&gw, "json", "kept"), 0);
}

#[test]
fn serve_configured_runs_in_process_with_its_options() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_owned();
    let (bound_tx, bound_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(cds_gateway::serve_configured(
            "127.0.0.1:0".parse().unwrap(),
            &data,
            cds_gateway::ServeOptions {
                database: crate::database_for(&data),
                media: None,
                trusted_proxies: Vec::new(),
                public_url: Some("https://api.hue.example/".into()),
                ignore_idempotency_keys: true,
            },
            move |addr| bound_tx.send(addr).unwrap(),
            async move {
                let _ = stop_rx.await;
            },
        ))
    });
    let addr = bound_rx.recv_timeout(Duration::from_secs(60)).unwrap();
    let (status, discovery) = answer(
        client()
            .get(format!("http://{addr}/open311/v2/discovery.json"))
            .send()
            .unwrap(),
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        discovery["endpoints"][0]["url"],
        "https://api.hue.example/open311/v2"
    );
    assert!(discovery.get("idempotency_keys").is_none());
    stop_tx.send(()).unwrap();
    server.join().unwrap().unwrap();
}
