//! Operations: `/health` and `/ready`, request ids, refusing to start on a
//! bad database address, answering 503 with `Retry-After` while the database
//! is gone and recovering when it returns, draining on SIGTERM.

use std::{
    io::{Read, Write},
    time::Duration,
};

use reqwest::{StatusCode, header};

use crate::{Fixture, client, gateway_command, half_upload, start_gateway, test_server};

#[test]
fn health_ready_and_request_ids() {
    let gw = Fixture::new();
    let (status, health) = gw.get("/health");
    assert_eq!(
        (status, health["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let response = client()
        .get(format!("{}/ready", gw.url))
        .header("X-Request-Id", "lb-7f3a.1")
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["x-request-id"],
        "lb-7f3a.1",
        "the balancer's id is kept"
    );
    let response = client()
        .get(format!("{}/ready", gw.url))
        .header("X-Request-Id", "no spaces or <markup> allowed")
        .send()
        .unwrap();
    let made = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(made.len(), 16, "a new id instead: {made}");

    // The photo store stops answering (its folder replaced by a file):
    // not ready, with Retry-After; alive all the same.
    let media = gw.dir.path().join("media");
    std::fs::rename(&media, gw.dir.path().join("media-away")).unwrap();
    std::fs::write(&media, b"not a folder").unwrap();
    let response = client().get(format!("{}/ready", gw.url)).send().unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body[0]["description"], "photo store unavailable");
    assert_eq!(gw.get("/health").0, StatusCode::OK);
    std::fs::remove_file(&media).unwrap();
    std::fs::rename(gw.dir.path().join("media-away"), &media).unwrap();
    assert_eq!(gw.get("/ready").0, StatusCode::OK);
}

#[test]
fn a_bad_database_address_stops_the_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let start = |url: &str| {
        let output = gateway_command(dir.path())
            .args(["--listen", "127.0.0.1:0", "--database", url])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{url} was accepted");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let said = start("postgres://postgres:secret@127.0.0.1:1/nothing");
    assert!(
        said.contains(
            "cannot connect to the PostgreSQL database at postgres://postgres@127.0.0.1:1/nothing"
        ),
        "{said}"
    );
    assert!(
        !said.contains("secret"),
        "the password is never shown: {said}"
    );
    let said = start("postgres://host:notaport/db");
    assert!(said.contains("not a PostgreSQL address"), "{said}");
    if let Some(server) = test_server() {
        let said = start(&format!(
            "{}/postgres",
            server.replace("postgres@", "nobody@")
        ));
        assert!(said.contains("\"nobody\" does not exist"), "{said}");
    }
}

#[test]
fn while_the_database_is_gone_requests_get_503_with_retry_after_then_recover() {
    let Some(_) = test_server() else {
        // SQLite is a file of this process: it does not go away. The
        // PostgreSQL run of the suite checks this.
        return;
    };
    let gw = Fixture::new();
    let before = gw.file("before-the-cut", "Trước khi mất kết nối");
    // The server ends every connection of this gateway's database, as a
    // restart of PostgreSQL would.
    let database: String = gw
        .db()
        .query_row("SELECT current_database()", [], |row| row.get(0))
        .unwrap();
    let admin = gw.db();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = ?1 AND pid <> pg_backend_pid()",
            [&database],
        )
        .unwrap();
    let response = client()
        .get(format!("{}/open311/v2/requests/{before}.json", gw.url))
        .send()
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    // The next request finds the database again, and nothing was lost.
    let (status, body) = gw.get(&format!("/open311/v2/requests/{before}.json"));
    assert_eq!(status, StatusCode::OK, "{body}");
    gw.file("after-the-cut", "Sau khi có lại kết nối");
}

#[test]
fn sigterm_lets_an_upload_in_flight_finish_then_stops() {
    let gw = Fixture::new();
    let (mut gateway, url) = start_gateway(gw.dir.path());
    let (mut stream, rest) = half_upload(&url, "drained");
    // The request has begun to arrive before the signal.
    assert_eq!(gw.get("/health").0, StatusCode::OK);
    gateway.terminate();
    stream.write_all(&rest).unwrap();
    let mut answer = String::new();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let status = gateway
        .exited_within(Duration::from_secs(20))
        .expect("the gateway stops after draining");
    assert!(status.success(), "{status}");
    assert_eq!(gw.stored_with_key("drained"), 1);
}

#[test]
fn behind_a_trusted_proxy_the_wrong_guess_limit_counts_each_forwarded_client() {
    // The gateway believes X-Forwarded-For only from its load balancer
    // (here the test itself, 127.0.0.1).
    let gw = Fixture::with(&["--trusted-proxy", "127.0.0.1"], &[]);
    let plain = Fixture::new();
    let guess = |url: &str, code: &str, forwarded: &str| {
        client()
            .get(format!("{url}/api/v1/dossiers/{code}?phone_last4=0000"))
            .header("X-Forwarded-For", forwarded)
            .send()
            .unwrap()
            .status()
    };
    let via_balancer =
        |code: &str, from: &str| guess(&gw.url, code, &format!("198.51.100.99, {from}"));
    for n in 0..cds_gateway::dossiers::CLIENT_LIMIT {
        let code = format!("H46.99-260101-{n:04}");
        assert_eq!(via_balancer(&code, "203.0.113.7"), StatusCode::NOT_FOUND);
    }
    assert_eq!(
        via_balancer("H46.99-260101-9999", "203.0.113.7"),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        via_balancer("H46.99-260101-9999", "203.0.113.8"),
        StatusCode::NOT_FOUND,
        "another client"
    );

    // Without the option the header is ignored: changing it dodges nothing.
    for n in 0..cds_gateway::dossiers::CLIENT_LIMIT {
        let code = format!("H46.99-260101-{n:04}");
        let status = guess(&plain.url, &code, &format!("203.0.113.{n}"));
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    assert_eq!(
        guess(&plain.url, "H46.99-260101-9999", "203.0.113.250"),
        StatusCode::TOO_MANY_REQUESTS
    );
}
