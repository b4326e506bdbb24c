//! The binary, health, the catalogue with ETag, the database across restarts.

use std::process::{Command, Stdio};

use cds_domain::Catalogue;
use reqwest::{StatusCode, header};

use crate::{client, start_gateway};

#[test]
fn serves_health_and_a_seeded_catalogue_with_etag_and_304() {
    let dir = tempfile::tempdir().unwrap();
    let (_gateway, url) = start_gateway(dir.path());
    let http = client();

    let health = http.get(format!("{url}/health")).send().unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let body: serde_json::Value = serde_json::from_slice(&health.bytes().unwrap()).unwrap();
    assert_eq!(body["status"], "ok");

    let response = http.get(format!("{url}/api/v1/catalogue")).send().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let catalogue = Catalogue::parse(&response.bytes().unwrap()).unwrap();
    assert_eq!(catalogue.province.code, "46");
    assert_eq!(catalogue.blocks.len(), 5);

    let again = http
        .get(format!("{url}/api/v1/catalogue"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()[header::ETAG].to_str().unwrap(), etag);
    assert!(again.bytes().unwrap().is_empty());

    let stale = http
        .get(format!("{url}/api/v1/catalogue"))
        .header(header::IF_NONE_MATCH, "\"something-else\"")
        .send()
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);

    let missing = http.get(format!("{url}/no/such/thing")).send().unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let errors: Vec<cds_provincial_api::ApiError> =
        serde_json::from_slice(&missing.bytes().unwrap()).unwrap();
    assert_eq!(errors[0].code, 404);
}

#[test]
fn keeps_its_database_in_the_data_folder_in_wal_mode_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let first_etag = {
        let (_gateway, url) = start_gateway(dir.path());
        let response = client()
            .get(format!("{url}/api/v1/catalogue"))
            .send()
            .unwrap();
        response.headers()[header::ETAG]
            .to_str()
            .unwrap()
            .to_owned()
    };
    if crate::test_server().is_none() {
        let db = dir.path().join(cds_gateway::db::DB_FILE);
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    let (_gateway, url) = start_gateway(dir.path());
    let response = client()
        .get(format!("{url}/api/v1/catalogue"))
        .send()
        .unwrap();
    assert_eq!(
        response.headers()[header::ETAG].to_str().unwrap(),
        first_etag
    );
}

#[test]
fn refuses_bad_arguments_and_a_database_from_a_newer_gateway() {
    let status = Command::new(env!("CARGO_BIN_EXE_cds-gateway"))
        .args(["--listen", "not-an-address"])
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let conn = crate::open_db(dir.path());
    match conn.engine() {
        cds_gateway::sql::Engine::Sqlite => conn.execute_batch("PRAGMA user_version = 99"),
        cds_gateway::sql::Engine::Postgres => conn.execute_batch(
            "CREATE TABLE schema_version (version BIGINT NOT NULL);
             INSERT INTO schema_version VALUES (99);",
        ),
    }
    .unwrap();
    drop(conn);
    let output = crate::gateway_command(dir.path())
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("newer gateway"), "{stderr}");
}
