//! Two gateway processes on one database behave as one: an idempotency key,
//! the wrong-guess limit, and a replica killed mid-upload. Against
//! PostgreSQL (`CDS_TEST_DATABASE`) they share its database; against SQLite,
//! the data folder's file.

use std::{
    sync::{Arc, Barrier, mpsc},
    thread,
    time::Duration,
};

use reqwest::StatusCode;

use crate::{DEMO_KEY, Fixture, PHOTO, answer, client, post_form, start_gateway};

fn pothole(description: &str) -> Vec<(&'static str, String)> {
    vec![
        ("api_key", DEMO_KEY.to_owned()),
        ("service_code", "pothole".to_owned()),
        ("lat", "16.4637".to_owned()),
        ("long", "107.5909".to_owned()),
        ("attribute[size]", "large".to_owned()),
        ("description", description.to_owned()),
    ]
}

fn post(
    base: &str,
    fields: &[(&'static str, String)],
    key: &str,
) -> reqwest::Result<reqwest::blocking::Response> {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post_form(base, "requests.json", &fields, &[PHOTO], Some(key))
}

/// Each key's report text: a retry sends the same body.
fn description(key: &str) -> String {
    format!("Phản ánh {key}")
}

#[test]
fn sixteen_concurrent_posts_with_one_key_across_two_gateways_store_one_request() {
    let a = Fixture::new();
    let (_b, b_url) = start_gateway(a.dir.path());
    let fields = pothole("Ổ gà gửi qua hai máy chủ cùng lúc");
    let start = Arc::new(Barrier::new(16));
    let posts: Vec<_> = (0..16)
        .map(|i| {
            let url = if i % 2 == 0 {
                a.url.clone()
            } else {
                b_url.clone()
            };
            let (fields, start) = (fields.clone(), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                answer(post(&url, &fields, "one-key-two-gateways").unwrap())
            })
        })
        .collect();
    let mut ids = Vec::new();
    for post in posts {
        let (status, body) = post.join().unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(body[0]["service_request_id"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every answer names the same request: {ids:?}");
    assert_eq!(a.stored_with_key("one-key-two-gateways"), 1);
    // Each gateway serves it.
    for url in [&a.url, &b_url] {
        let (status, body) = answer(
            client()
                .get(format!("{url}/open311/v2/requests/{}.json", ids[0]))
                .send()
                .unwrap(),
        );
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body[0]["description"], "Ổ gà gửi qua hai máy chủ cùng lúc");
    }
}

#[test]
fn the_wrong_guess_limit_holds_across_two_gateways() {
    let a = Fixture::new();
    let (_b, b_url) = start_gateway(a.dir.path());
    let (code, last4): (String, String) = a
        .db()
        .query_row(
            "SELECT code, phone_last4 FROM dossiers ORDER BY code LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    let wrong = if last4 == "0000" { "1111" } else { "0000" };
    let lookup = |url: &str, digits: &str| {
        client()
            .get(format!("{url}/api/v1/dossiers/{code}?phone_last4={digits}"))
            .send()
            .unwrap()
            .status()
    };
    for i in 0..cds_gateway::dossiers::CODE_LIMIT {
        let url = if i % 2 == 0 { &a.url } else { &b_url };
        assert_eq!(lookup(url, wrong), StatusCode::NOT_FOUND);
    }
    // Held on both, even with the right digits.
    assert_eq!(lookup(&a.url, &last4), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(lookup(&b_url, &last4), StatusCode::TOO_MANY_REQUESTS);
}

#[test]
fn a_gateway_killed_mid_upload_loses_nothing_it_answered() {
    let a = Fixture::new();
    let (mut victim, victim_url) = start_gateway(a.dir.path());
    // Four senders file reports at the victim until it dies; each answered
    // key is reported at once.
    let (answered_tx, answered_rx) = mpsc::channel::<(String, String)>();
    let senders: Vec<_> = (0..4)
        .map(|sender| {
            let (url, answered) = (victim_url.clone(), answered_tx.clone());
            thread::spawn(move || {
                let mut in_flight = Vec::new();
                for n in 0..1000 {
                    let key = format!("kill-{sender}-{n}");
                    let fields = pothole(&description(&key));
                    match post(&url, &fields, &key) {
                        Ok(response) if response.status() == StatusCode::OK => {
                            let body: serde_json::Value = response.json().unwrap();
                            let id = body[0]["service_request_id"].as_str().unwrap().to_owned();
                            if answered.send((key, id)).is_err() {
                                break;
                            }
                        }
                        // No answer: the gateway died with this one in flight.
                        _ => {
                            in_flight.push(key);
                            break;
                        }
                    }
                }
                in_flight
            })
        })
        .collect();
    drop(answered_tx);
    let mut answered = Vec::new();
    while answered.len() < 12 {
        answered.push(answered_rx.recv_timeout(Duration::from_secs(60)).unwrap());
    }
    // An upload half sent: headers and half its body, then the gateway dies.
    let (half, _rest) = crate::half_upload(&victim_url, "kill-half");
    victim.kill();
    drop(half);

    let mut in_flight: Vec<String> = senders
        .into_iter()
        .flat_map(|sender| sender.join().unwrap())
        .collect();
    answered.extend(answered_rx.iter());
    in_flight.push("kill-half".to_owned());

    // Everything answered 2xx is there, once, served by the other gateway.
    for (key, id) in &answered {
        assert_eq!(a.stored_with_key(key), 1, "{key}");
        let (status, body) = a.get(&format!("/open311/v2/requests/{id}.json"));
        assert_eq!(status, StatusCode::OK, "{key} → {id}");
        assert_eq!(body[0]["service_request_id"], id.as_str());
    }
    assert_eq!(
        a.stored_with_key("kill-half"),
        0,
        "half an upload stores nothing"
    );
    // What was in flight is sent again to the survivor: stored once each,
    // whether or not the victim had committed it before dying.
    for key in &in_flight {
        let (status, body) = answer(post(&a.url, &pothole(&description(key)), key).unwrap());
        assert_eq!(status, StatusCode::OK, "{key}: {body}");
        assert_eq!(a.stored_with_key(key), 1, "{key}");
    }
    eprintln!(
        "replica killed: {} answered before the kill, all kept; {} in flight, each stored once after a retry",
        answered.len(),
        in_flight.len()
    );
}
