//! Delivering the outbox to the real gateway, exactly once, and to servers
//! that answer what real networks and servers answer.

use std::{path::Path, time::Duration};

use axum::{Router, http::StatusCode, response::IntoResponse, routing::post};
use cds_core::{Core, DataUse, Network, SyncEvent, sync::Pass};
use cds_domain::outbox::{Event, OutboxState, ServerRef};

use crate::{gateway, outbox::complete_draft, serve};

async fn open_for(data: &Path, api: &str, open311: Option<&str>) -> Core {
    // Hostile servers get a short timeout (a send may take 8 times it).
    let timeout = if open311.is_some() { "500" } else { "2000" };
    let (api, open311) = (api.to_owned(), open311.map(str::to_owned));
    Core::open(data.to_owned(), move |name| match name {
        "CDS_API_URL" => Some(api.clone()),
        "CDS_OPEN311_URL" => open311.clone(),
        "CDS_OPEN311_API_KEY" => Some("cds-demo-key".into()),
        "CDS_HTTP_TIMEOUT_MS" => Some(timeout.into()),
        _ => None,
    })
    .await
    .unwrap()
}

/// Files a complete report with `photos` photos; returns its id.
async fn file(core: &Core, seed: u32, photos: u32) -> String {
    let mut draft = complete_draft(&format!("ổ gà số {seed}"));
    draft.attributes = [("size".to_owned(), "large".to_owned())].into();
    let saved = core.save_draft(None, draft).await.unwrap();
    for i in 0..photos {
        core.attach_photo(saved.id.clone(), crate::real_jpeg(u64::from(seed * 10 + i)))
            .await
            .unwrap();
    }
    core.submit(saved.id).await.unwrap().report_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_reports_with_their_photos_exactly_once() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open_for(app_dir.path(), &url, None).await;
    let mut ids = Vec::new();
    for seed in 0..3 {
        ids.push(file(&core, seed, 2).await);
    }
    let pass = core.sync_outbox().await.unwrap();
    assert_eq!(
        pass,
        Pass {
            confirmed: 3,
            retrying: 0,
            rejected: 0,
            held_for_wifi: 0,
        }
    );
    assert_eq!(
        core.sync_outbox().await.unwrap(),
        Pass::default(),
        "nothing left to send"
    );

    // The app died after the server stored a report but before it recorded
    // the answer: the resend under the same key gets the same request back.
    let late = file(&core, 7, 1).await;
    let report = core.report(late.clone()).await.unwrap();
    core.apply(
        late.clone(),
        Event::Send {
            now_ms: i64::MAX / 2,
        },
    )
    .await
    .ok();
    let photos = cds_core::sync::photo_bytes(core.photo_dir(), &report.photos)
        .await
        .unwrap();
    let config = core.config().clone();
    let first = cds_core::sync::Open311::new(&config)
        .unwrap()
        .send(&report, photos)
        .await;
    let cds_core::sync::Outcome::Confirmed(ServerRef::Id(first_id)) = first else {
        panic!("the gateway did not take it: {first:?}");
    };
    drop(core);
    let core = open_for(app_dir.path(), &url, None).await; // recovery requeues it
    assert_eq!(core.sync_outbox().await.unwrap().confirmed, 1);
    let state = core.report(late).await.unwrap().summary.state;
    assert!(
        matches!(&state, OutboxState::Confirmed { server: ServerRef::Id(id), .. } if *id == first_id),
        "{state:?}"
    );

    let requests = crate::gateway_requests(&url).await;
    assert_eq!(requests.len(), 4, "each report exactly once at the gateway");
    for id in &ids {
        crate::assert_at_gateway(&core, &requests, id).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_servers_answer_decides_retry_rejection_or_confirmation() {
    let hostile = Router::new()
        .route(
            "/portal/requests.json",
            post(|_body: axum::body::Bytes| async {
                (
                    [("content-type", "text/html")],
                    "<html>Đăng nhập Wi-Fi</html>",
                )
            }),
        )
        .route(
            "/cut/requests.json",
            post(|_body: axum::body::Bytes| async { "[{\"service_request_id\":\"4" }),
        )
        .route(
            "/huge/requests.json",
            post(|_body: axum::body::Bytes| async {
                format!(
                    "[{{\"service_request_id\":\"1\",\"x\":\"{}\"}}]",
                    "a".repeat(200_000)
                )
            }),
        )
        .route(
            "/empty/requests.json",
            post(|_body: axum::body::Bytes| async {
                (StatusCode::CREATED, "[{\"service_notice\":\"cảm ơn\"}]")
            }),
        )
        .route(
            "/token/requests.json",
            post(|_body: axum::body::Bytes| async {
                (
                    StatusCode::OK,
                    "{\"token\":\"tok-1\",\"service_request_id\":null}",
                )
            }),
        )
        .route(
            "/number/requests.json",
            post(|_body: axum::body::Bytes| async {
                (StatusCode::CREATED, "[{\"service_request_id\":77}]")
            }),
        )
        .route(
            "/busy/requests.json",
            post(|_body: axum::body::Bytes| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", "120")],
                    "busy",
                )
                    .into_response()
            }),
        )
        .route(
            "/slow-down/requests.json",
            post(|_body: axum::body::Bytes| async { StatusCode::TOO_MANY_REQUESTS }),
        )
        .route(
            "/reject/requests.json",
            post(|_body: axum::body::Bytes| async {
                (
                    StatusCode::BAD_REQUEST,
                    "[{\"code\":400,\"description\":\"service_code not found\"}]",
                )
            }),
        )
        .route(
            "/conflict/requests.json",
            post(|_body: axum::body::Bytes| async {
                (
                    StatusCode::CONFLICT,
                    "[{\"code\":409,\"description\":\"key reused\"}]",
                )
            }),
        )
        .route(
            "/too-big/requests.json",
            post(|_body: axum::body::Bytes| async { StatusCode::PAYLOAD_TOO_LARGE }),
        )
        .route(
            "/never/requests.json",
            post(|_body: axum::body::Bytes| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                "[]"
            }),
        );
    // Each handler reads the body first, as Open311 servers do (parsing the
    // form); an answer sent before the upload ends is a case for the sync issue.
    let base = serve(hostile).await;
    let retry = |min_wait: i64| move |state: &OutboxState, now: i64| matches!(state, OutboxState::Queued { attempts: 1, retry_at_ms, last_error: Some(_), .. } if *retry_at_ms >= now + min_wait);
    type Check = Box<dyn Fn(&OutboxState, i64) -> bool>;
    let cases: Vec<(&str, Check)> = vec![
        ("portal", Box::new(retry(2_000))),
        ("cut", Box::new(retry(2_000))),
        ("huge", Box::new(retry(2_000))),
        ("empty", Box::new(retry(2_000))),
        ("never", Box::new(retry(2_000))),
        ("busy", Box::new(retry(119_000))),
        ("slow-down", Box::new(retry(2_000))),
        (
            "token",
            Box::new(
                |s: &OutboxState, _| matches!(s, OutboxState::Confirmed { server: ServerRef::Token(t), .. } if t == "tok-1"),
            ),
        ),
        (
            "number",
            Box::new(
                |s: &OutboxState, _| matches!(s, OutboxState::Confirmed { server: ServerRef::Id(id), .. } if id == "77"),
            ),
        ),
        (
            "reject",
            Box::new(
                |s: &OutboxState, _| matches!(s, OutboxState::Rejected { reason, status: Some(400), .. } if reason == "service_code not found"),
            ),
        ),
        (
            "conflict",
            Box::new(|s: &OutboxState, _| {
                matches!(
                    s,
                    OutboxState::Rejected {
                        status: Some(409),
                        ..
                    }
                )
            }),
        ),
        (
            "too-big",
            Box::new(|s: &OutboxState, _| {
                matches!(
                    s,
                    OutboxState::Rejected {
                        status: Some(413),
                        ..
                    }
                )
            }),
        ),
    ];
    for (path, check) in cases {
        let dir = tempfile::tempdir().unwrap();
        let core = open_for(
            dir.path(),
            "http://127.0.0.1:9/",
            Some(&format!("{base}{path}/")),
        )
        .await;
        let id = file(&core, 1, 1).await;
        let started = std::time::Instant::now();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        core.sync_outbox().await.unwrap();
        let state = core.report(id).await.unwrap().summary.state;
        assert!(check(&state, now), "{path}: {state:?}");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{path}: took {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulls_the_agency_answer_and_history_of_my_reports() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open_for(app_dir.path(), &url, None).await;
    let id = file(&core, 3, 1).await;
    let other = file(&core, 4, 1).await;
    assert_eq!(core.sync_outbox().await.unwrap().confirmed, 2);
    let first = core.pull_reports().await.unwrap();
    assert!(!first.offline);
    assert_eq!(first.changed.len(), 2, "first news of both");
    assert_eq!(
        core.pull_reports().await.unwrap().changed,
        Vec::<String>::new(),
        "nothing new"
    );

    // Staff resolve one with an answer and a photo of the fix.
    let OutboxState::Confirmed {
        server: ServerRef::Id(server_id),
        ..
    } = core.report(id.clone()).await.unwrap().summary.state
    else {
        panic!("not confirmed");
    };
    let conn = cds_gateway::sql::Conn::sqlite(
        rusqlite::Connection::open(gw_dir.path().join("gateway.sqlite3")).unwrap(),
    );
    cds_gateway::auth::register_staff(&conn, "Cán bộ", "staff-secret").unwrap();
    drop(conn);
    let (base, fix) = (url.clone(), crate::real_jpeg(99));
    let status = tokio::task::spawn_blocking(move || {
        let form = reqwest::blocking::multipart::Form::new()
            .text("detailed_status", "resolved")
            .text("note", "Đã vá xong")
            .part(
                "media",
                reqwest::blocking::multipart::Part::bytes(fix).file_name("fix.jpg"),
            );
        reqwest::blocking::Client::new()
            .post(format!("{base}api/v1/staff/requests/{server_id}/updates"))
            .bearer_auth("staff-secret")
            .multipart(form)
            .send()
            .unwrap()
            .status()
    })
    .await
    .unwrap();
    assert_eq!(status, reqwest::StatusCode::OK);

    let pulled = core.pull_reports().await.unwrap();
    assert_eq!(
        pulled.changed,
        vec![id.clone()],
        "only the answered one changed"
    );
    let remote = core.report(id.clone()).await.unwrap().remote.unwrap();
    assert_eq!(remote.status, "closed");
    assert_eq!(remote.detailed_status.as_deref(), Some("resolved"));
    assert_eq!(remote.note, "Đã vá xong");
    assert_eq!(
        remote.media_urls.len(),
        2,
        "the resident's photo and the fix"
    );
    let states: Vec<&str> = remote
        .updates
        .iter()
        .map(|u| u.detailed_status.as_str())
        .collect();
    assert_eq!(states, ["received", "resolved"]);
    assert_eq!(
        core.report(other.clone())
            .await
            .unwrap()
            .remote
            .unwrap()
            .detailed_status
            .as_deref(),
        Some("received")
    );

    // The agency's photo of the fix, fetched once and kept.
    let fix_photo = core.remote_photo(id.clone(), 1).await.unwrap();
    assert_eq!(fix_photo, crate::real_jpeg(99));
    assert!(matches!(
        core.remote_photo(id.clone(), 7).await,
        Err(cds_core::Error::NotFound)
    ));

    // The resident rates it; a bad rating or an empty reason never leaves the device.
    use cds_provincial_api::open311::FeedbackAction;
    assert!(matches!(
        core.feedback(
            id.clone(),
            FeedbackAction::Rate {
                rating: 9,
                fixed: true
            }
        )
        .await,
        Err(cds_core::Error::Invalid(_))
    ));
    assert!(matches!(
        core.feedback(
            id.clone(),
            FeedbackAction::Reopen {
                reason: "  ".into()
            }
        )
        .await,
        Err(cds_core::Error::Invalid(_))
    ));
    let rated = core
        .feedback(
            id.clone(),
            FeedbackAction::Rate {
                rating: 5,
                fixed: true,
            },
        )
        .await
        .unwrap();
    assert_eq!(rated.remote.unwrap().rating, Some(5));
    // Rating again changes the rating; rating one that is not resolved is
    // the server's to refuse, and the reason comes back.
    let again = core
        .feedback(
            id.clone(),
            FeedbackAction::Rate {
                rating: 4,
                fixed: true,
            },
        )
        .await;
    assert_eq!(again.unwrap().remote.unwrap().rating, Some(4));
    let refused = core
        .feedback(
            other.clone(),
            FeedbackAction::Rate {
                rating: 5,
                fixed: true,
            },
        )
        .await;
    assert!(
        matches!(&refused, Err(cds_core::Error::Refused(reason)) if reason.contains("resolved")),
        "{refused:?}"
    );

    // The categories of the report form, with their questions.
    assert_eq!(core.pull_categories().await.unwrap(), Some(true));
    let categories = core.categories().await.unwrap();
    let pothole = categories
        .iter()
        .find(|c| c.service.service_code == "pothole")
        .unwrap();
    assert!(!pothole.attributes.is_empty());
    assert_eq!(core.pull_categories().await.unwrap(), Some(false));

    // The server gone: an offline pull, nothing lost.
    drop(core);
    let core = open_for(
        app_dir.path(),
        "http://127.0.0.1:9/",
        Some("http://127.0.0.1:9/open311/v2/"),
    )
    .await;
    let pulled = core.pull_reports().await.unwrap();
    assert!(pulled.offline && pulled.changed.is_empty());
    assert_eq!(core.counts().await.unwrap().pending, 0);
    assert_eq!(
        core.remote_photo(id.clone(), 1).await.unwrap(),
        crate::real_jpeg(99),
        "kept on the device"
    );
    assert_eq!(core.pull_categories().await.unwrap(), None);
    assert_eq!(core.categories().await.unwrap().len(), categories.len());
    assert!(matches!(
        core.feedback(
            id,
            FeedbackAction::Reopen {
                reason: "chưa sửa".into()
            }
        )
        .await,
        Err(cds_core::Error::Unreachable(_))
    ));
}

#[test]
fn tolerant_of_what_other_open311_servers_return() {
    let value = serde_json::json!({
        "service_request_id": 4711, "status": "closed", "status_notes": null,
        "media_url": "https://city.example/p.jpg", "updated_datetime": "2026-11-20T10:00:00+07:00",
        "unknown_field": [1, 2, 3]
    });
    let remote = cds_core::sync::remote_status(&value, 5).unwrap();
    assert_eq!(remote.server_id, "4711");
    assert_eq!(remote.status, "closed");
    assert_eq!(remote.note, "");
    assert_eq!(
        remote.media_urls,
        vec!["https://city.example/p.jpg".to_owned()]
    );
    assert!(remote.updates.is_empty());
    assert!(cds_core::sync::remote_status(&serde_json::json!({"status": "open"}), 5).is_none());
    assert!(cds_core::sync::remote_status(&serde_json::json!("<html>"), 5).is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pulls_content_with_etags() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open_for(app_dir.path(), &url, None).await;
    assert!(
        core.alerts().await.unwrap().is_empty(),
        "nothing before the first pull"
    );
    let first = core.pull_content().await.unwrap();
    assert_eq!(
        first.changed.len(),
        8,
        "alerts, articles, guides, areas, procedures, dossier statistics, places, products"
    );
    assert!(!first.offline);
    assert_eq!(
        core.pull_content().await.unwrap().changed,
        vec![],
        "304s: nothing new"
    );
    assert_eq!(
        core.alerts().await.unwrap().len(),
        5,
        "the demo's alerts not expired"
    );
    assert!(!core.articles().await.unwrap().is_empty());
    assert!(core.guides().await.unwrap()[0].steps.len() >= 3);

    drop(core);
    let core = open_for(
        app_dir.path(),
        "http://127.0.0.1:9/",
        Some("http://127.0.0.1:9/"),
    )
    .await;
    assert!(core.pull_content().await.unwrap().offline);
    assert_eq!(core.alerts().await.unwrap().len(), 5, "kept offline");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_the_provinces_open_reports_for_already_reported_nearby() {
    let gw_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    // Someone else's reports, filed through the gateway by another device.
    let other_dir = tempfile::tempdir().unwrap();
    let other = open_for(other_dir.path(), &url, None).await;
    let near = file(&other, 1, 1).await; // at 16.4637, 107.5909
    let mut far = complete_draft("xa");
    far.attributes = [("size".to_owned(), "small".to_owned())].into();
    far.location = Some(cds_domain::report::Location {
        lat: 16.50,
        lon: 107.60,
        accuracy_m: None,
        source: cds_domain::report::LocationSource::Pin,
    });
    let saved = other.save_draft(None, far).await.unwrap();
    other.submit(saved.id).await.unwrap();
    assert_eq!(other.sync_outbox().await.unwrap().confirmed, 2);

    let app_dir = tempfile::tempdir().unwrap();
    let core = open_for(app_dir.path(), &url, None).await;
    assert_eq!(core.pull_public_reports().await.unwrap(), Some(2));
    let found = core
        .nearby(16.4640, 107.5910, 250.0, Some("pothole".into()))
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].distance_m < 50.0);
    assert!(
        core.nearby(16.4640, 107.5910, 250.0, Some("flooding".into()))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        core.nearby(f64::NAN, 107.0, 250.0, None).await,
        Err(cds_core::Error::Invalid(_))
    ));

    // The same issue: the resident follows it instead of filing another.
    core.follow(found[0].server_id.clone()).await.unwrap();
    assert!(matches!(
        core.follow("no-such-report".into()).await,
        Err(cds_core::Error::NotFound)
    ));
    assert_eq!(
        core.pull_followed().await.unwrap(),
        Some(vec![found[0].server_id.clone()]),
        "its status arrives"
    );
    assert_eq!(
        core.pull_followed().await.unwrap(),
        Some(vec![]),
        "nothing new"
    );

    // Resolved at the province: gone from the open reports at the next pull.
    let OutboxState::Confirmed {
        server: ServerRef::Id(server_id),
        ..
    } = other.report(near).await.unwrap().summary.state
    else {
        panic!("not confirmed");
    };
    let conn = cds_gateway::sql::Conn::sqlite(
        rusqlite::Connection::open(gw_dir.path().join("gateway.sqlite3")).unwrap(),
    );
    cds_gateway::auth::register_staff(&conn, "Cán bộ", "s").unwrap();
    drop(conn);
    let base = url.clone();
    tokio::task::spawn_blocking(move || {
        reqwest::blocking::Client::new()
            .post(format!("{base}api/v1/staff/requests/{server_id}/updates"))
            .bearer_auth("s")
            .multipart(
                reqwest::blocking::multipart::Form::new().text("detailed_status", "resolved"),
            )
            .send()
            .unwrap()
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Incremental: what changed since the newest change seen (that second
    // included, so nothing in it is missed; re-reading is harmless).
    let read = core.pull_public_reports().await.unwrap().unwrap();
    assert!((1..=2).contains(&read), "{read}");
    assert!(
        core.nearby(16.4640, 107.5910, 250.0, None)
            .await
            .unwrap()
            .is_empty()
    );
    // …but the followed one is kept, and its resolution arrives.
    assert_eq!(
        core.pull_followed().await.unwrap(),
        Some(vec![found[0].server_id.clone()])
    );
    let followed = core.followed().await.unwrap();
    assert_eq!(
        followed[0]
            .remote
            .as_ref()
            .unwrap()
            .detailed_status
            .as_deref(),
        Some("resolved")
    );
    core.unfollow(found[0].server_id.clone()).await.unwrap();
    assert!(core.followed().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_sync_runs_at_start_and_when_triggered() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = std::sync::Arc::new(open_for(app_dir.path(), &url, None).await);
    let first = file(&core, 1, 1).await;
    let trigger = std::sync::Arc::new(tokio::sync::Notify::new());
    let passes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let worker = {
        let (core, trigger, passes) = (core.clone(), trigger.clone(), passes.clone());
        tokio::spawn(async move {
            core.run_background(
                &trigger,
                Duration::from_secs(3600),
                std::sync::Arc::new(|| Network::Unknown),
                std::sync::Arc::new(move |event| {
                    if let SyncEvent::Finished(summary) = event {
                        assert!(!summary.offline);
                        passes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }),
            )
            .await;
        })
    };
    let confirmed = |id: String| {
        let core = core.clone();
        async move {
            matches!(
                core.report(id).await.unwrap().summary.state,
                OutboxState::Confirmed { .. }
            )
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !confirmed(first.clone()).await {
        assert!(
            std::time::Instant::now() < deadline,
            "not delivered at start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // An hour to the next timed pass: only the trigger can deliver this one.
    let second = file(&core, 2, 1).await;
    while passes.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    trigger.notify_one();
    while !confirmed(second.clone()).await {
        assert!(
            std::time::Instant::now() < deadline,
            "the trigger did not start a sync"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        core.alerts().await.unwrap().len() == 5,
        "content pulled in the same pass"
    );
    worker.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_progress_photo_by_photo() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open_for(app_dir.path(), &url, None).await;
    let id = file(&core, 5, 3).await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let summary = core
        .sync_all_with(
            Network::Unknown,
            std::sync::Arc::new(move |event| sink.lock().unwrap().push(event)),
        )
        .await
        .unwrap();
    assert_eq!(summary.confirmed, 1);
    let events = seen.lock().unwrap().clone();
    assert_eq!(events.first(), Some(&SyncEvent::Started));
    assert_eq!(
        events.get(1),
        Some(&SyncEvent::Sending {
            report_id: id.clone(),
            photos: 3
        })
    );
    assert!(
        matches!(events.last(), Some(SyncEvent::Finished(done)) if *done == summary),
        "{:?}",
        events.last()
    );
    assert!(
        events.iter().any(|event| matches!(event,
            SyncEvent::Sent { report_id, state: OutboxState::Confirmed { .. } } if *report_id == id)),
        "the outcome is announced"
    );
    let progress: Vec<_> = events
        .iter()
        .filter_map(|event| match event {
            SyncEvent::Photo(progress) => Some(progress.clone()),
            _ => None,
        })
        .collect();
    assert!(progress.iter().all(|p| p.report_id == id && p.photos == 3));
    let photos: Vec<u32> = progress.iter().map(|p| p.photo).collect();
    assert!(
        photos.windows(2).all(|w| w[0] <= w[1]),
        "in order: {photos:?}"
    );
    for photo in 1..=3 {
        let last = progress.iter().rfind(|p| p.photo == photo).unwrap();
        assert_eq!(
            last.bytes_sent, last.bytes_total,
            "photo {photo} sent whole"
        );
        assert_eq!(last.photos_done(), photo);
        assert!(last.bytes_total > 5_000);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_wait_for_wifi_when_the_user_asks() {
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let url = gateway(gw_dir.path()).await;
    let core = open_for(app_dir.path(), &url, None).await;
    let with_photos = file(&core, 6, 2).await;
    let text_only = file(&core, 7, 0).await;
    core.set_data_use(DataUse {
        photos_wifi_only: true,
    })
    .await
    .unwrap();
    let noop: cds_core::sync::OnEvent = std::sync::Arc::new(|_| {});
    let pass = core
        .sync_outbox_with(Network::Metered, noop.clone())
        .await
        .unwrap();
    assert_eq!((pass.confirmed, pass.held_for_wifi), (1, 1));
    assert!(matches!(
        core.report(text_only).await.unwrap().summary.state,
        OutboxState::Confirmed { .. }
    ));
    assert!(matches!(
        core.report(with_photos.clone())
            .await
            .unwrap()
            .summary
            .state,
        OutboxState::Queued { attempts: 0, .. }
    ));
    // A network the platform cannot judge holds nothing back.
    let pass = core.sync_outbox_with(Network::Unknown, noop).await.unwrap();
    assert_eq!((pass.confirmed, pass.held_for_wifi), (1, 0));
    let remote = crate::gateway_requests(&url).await;
    assert_eq!(remote.len(), 2);
    crate::assert_at_gateway(&core, &remote, &with_photos).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_now_makes_waiting_reports_due_at_once() {
    let app_dir = tempfile::tempdir().unwrap();
    let nowhere = crate::closed_port();
    let core = open_for(app_dir.path(), &nowhere, None).await;
    let id = file(&core, 8, 1).await;
    let pass = core.sync_outbox().await.unwrap();
    assert_eq!(pass.retrying, 1);
    assert_eq!(core.next_due().await.unwrap(), None, "backing off");
    assert_eq!(core.send_now().await.unwrap(), 1);
    assert_eq!(core.next_due().await.unwrap(), Some(id.clone()));
    let OutboxState::Queued {
        attempts,
        last_error,
        ..
    } = core.report(id).await.unwrap().summary.state
    else {
        panic!("still queued");
    };
    assert_eq!(attempts, 1);
    assert!(last_error.is_some(), "the reason it waited is kept");
    assert_eq!(core.send_now().await.unwrap(), 0, "nothing else waits");
}
