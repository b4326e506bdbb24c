//! Open311 servers that are not ours: their words for a refusal, a report one
//! of them keeps failing, the ends of their paged lists, the fields they read,
//! and a report whose send may have reached a server that ignores the
//! idempotency key (looked for before anything is sent again).

use std::{
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
};

use axum::{
    Router,
    extract::RawQuery,
    http::StatusCode,
    response::IntoResponse,
    routing::{get, post},
};
use cds_core::Core;
use cds_domain::outbox::{ATTENTION_AFTER, OutboxState, ServerRef};

use crate::{now_ms, outbox::complete_draft, serve};

/// The engine against an Open311 server at `open311`, retrying after 10 ms.
async fn open_at(data: &Path, open311: &str) -> Core {
    let open311 = open311.to_owned();
    Core::open(data.to_owned(), move |name| match name {
        "CDS_API_URL" => Some("http://127.0.0.1:9/".into()),
        "CDS_OPEN311_URL" => Some(open311.clone()),
        "CDS_OPEN311_API_KEY" => Some("key".into()),
        "CDS_HTTP_TIMEOUT_MS" => Some("1000".into()),
        "CDS_RETRY_BASE_MS" => Some("10".into()),
        _ => None,
    })
    .await
    .unwrap()
}

async fn file(core: &Core) -> String {
    let saved = core
        .save_draft(None, complete_draft("ổ gà trước chợ"))
        .await
        .unwrap();
    core.submit(saved.id).await.unwrap().report_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_words_reach_the_resident() {
    let server = Router::new()
        .route(
            "/drf/requests.json",
            post(|_body: axum::body::Bytes| async {
                (
                    StatusCode::BAD_REQUEST,
                    r#"{"code":400,"detail":{"non_field_errors":["Service code flooding is invalid"]}}"#,
                )
            }),
        )
        .route(
            "/html/requests.json",
            post(|_body: axum::body::Bytes| async {
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [("content-type", "text/html")],
                    "<!doctype html><html><head><title>Server Error (500)</title></head><body><h1>Server Error</h1></body></html>",
                )
                    .into_response()
            }),
        );
    let base = serve(server).await;
    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &format!("{base}drf/")).await;
    let id = file(&core).await;
    core.sync_outbox().await.unwrap();
    let state = core.report(id).await.unwrap().summary.state;
    assert!(
        matches!(&state, OutboxState::Rejected { reason, status: Some(400), .. } if reason == "Service code flooding is invalid"),
        "{state:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &format!("{base}html/")).await;
    let id = file(&core).await;
    core.sync_outbox().await.unwrap();
    let state = core.report(id).await.unwrap().summary.state;
    assert!(
        matches!(&state, OutboxState::Queued { last_error: Some(reason), .. } if reason == "500: Server Error (500)"),
        "{state:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_the_server_keeps_failing_needs_attention_and_is_still_tried() {
    let posts = Arc::new(AtomicU32::new(0));
    let counted = posts.clone();
    // A 5xx may come after the work was done: before each resend the engine
    // looks for the report (this server has no discovery document, so it is
    // not known to honour keys), and finds nothing.
    let server = Router::new().route(
        "/requests.json",
        post(move |_body: axum::body::Bytes| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "<html><title>Missing key 'phone'</title></html>",
                )
            }
        })
        .get(|| async { "[]" }),
    );
    let base = serve(server).await;
    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &base).await;
    let id = file(&core).await;
    for round in 1..=ATTENTION_AFTER {
        let state = core.report(id.clone()).await.unwrap().summary.state;
        assert!(!state.needs_attention(), "before round {round}: {state:?}");
        core.send_now().await.unwrap();
        core.sync_outbox().await.unwrap();
    }
    let before = now_ms();
    let state = core.report(id.clone()).await.unwrap().summary.state;
    assert!(state.needs_attention(), "{state:?}");
    let OutboxState::Queued {
        retry_at_ms,
        last_error: Some(reason),
        ..
    } = &state
    else {
        panic!("{state:?}");
    };
    assert_eq!(reason, "500: Missing key 'phone'");
    assert!(
        *retry_at_ms >= before + 25 * 60_000,
        "retried at the longest interval, not in {} ms",
        retry_at_ms - before
    );
    // The background sync leaves it alone until then...
    core.sync_outbox().await.unwrap();
    assert_eq!(posts.load(Ordering::SeqCst), ATTENTION_AFTER);
    // ...and "send now" still tries at once.
    core.send_now().await.unwrap();
    core.sync_outbox().await.unwrap();
    assert_eq!(posts.load(Ordering::SeqCst), ATTENTION_AFTER + 1);
    assert!(
        core.report(id)
            .await
            .unwrap()
            .summary
            .state
            .needs_attention()
    );
}

/// A request as a foreign server lists it.
fn listed(id: u32, updated: &str) -> serde_json::Value {
    serde_json::json!({
        "service_request_id": id, "service_code": "pothole", "status": "open",
        "lat": "16.4637", "long": "107.5909", "description": format!("ổ gà {id}"),
        "updated_datetime": updated,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paged_lists_end_at_a_404_an_empty_page_or_a_page_read_before() {
    // page 2 → 404 (the server's way of saying "no more").
    let queries = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = queries.clone();
    let server = Router::new()
        .route(
            "/ends-404/requests.json",
            get(move |RawQuery(query): RawQuery| {
                let seen = seen.clone();
                async move {
                    let query = query.unwrap_or_default();
                    seen.lock().unwrap().push(query.clone());
                    if query.contains("page=1&") || query.ends_with("page=1") {
                        let list = [
                            listed(1, "2026-11-20T01:00:00Z"),
                            listed(2, "2026-11-21T01:00:00Z"),
                        ];
                        serde_json::to_string(&list).unwrap().into_response()
                    } else {
                        (StatusCode::NOT_FOUND, "<h1>Not Found</h1>").into_response()
                    }
                }
            }),
        )
        .route(
            "/ignores-page/requests.json",
            get(|| async { serde_json::to_string(&[listed(3, "2026-11-22T01:00:00Z")]).unwrap() }),
        )
        .route(
            "/broken/requests.json",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "oops") }),
        );
    let base = serve(server).await;

    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &format!("{base}ends-404/")).await;
    assert_eq!(core.pull_public_reports().await.unwrap(), Some(2));
    assert_eq!(core.public_reports().await.unwrap().len(), 2);
    // The cursor moved: the next pull asks only for what changed since.
    assert_eq!(core.pull_public_reports().await.unwrap(), Some(2));
    let asked = queries.lock().unwrap().clone();
    assert_eq!(asked.len(), 4, "{asked:?}");
    assert!(!asked[0].contains("updated_after"), "{asked:?}");
    assert!(
        asked[2].contains("updated_after=2026-11-21T01%3A00%3A00Z"),
        "{asked:?}"
    );

    // A server that answers the same page whatever `page` says: read once.
    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &format!("{base}ignores-page/")).await;
    assert_eq!(core.pull_public_reports().await.unwrap(), Some(1));

    // A server's error is not "offline"; a closed port is.
    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &format!("{base}broken/")).await;
    assert_eq!(core.pull_public_reports().await.unwrap(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &format!("{}open311/", crate::closed_port())).await;
    assert_eq!(core.pull_public_reports().await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_address_beside_address_string_and_the_receipt_in_the_description() {
    let bodies = Arc::new(Mutex::new(Vec::<String>::new()));
    let kept = bodies.clone();
    let server = Router::new().route(
        "/requests.json",
        post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&body).into_owned());
                r#"[{"service_request_id":"501"}]"#
            }
        }),
    );
    let base = serve(server).await;
    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &base).await;
    let id = file(&core).await;
    core.sync_outbox().await.unwrap();
    let detail = core.report(id).await.unwrap();
    let body = bodies.lock().unwrap()[0].clone();
    for field in ["address_string", "address"] {
        assert!(
            body.contains(&format!("name=\"{field}\"\r\n\r\n12 Lê Lợi, Huế\r\n")),
            "{field} missing: {body}"
        );
    }
    assert!(
        body.contains(&format!(
            "ổ gà trước chợ\n\nMã tiếp nhận: {}\r\n",
            detail.summary.receipt
        )),
        "{body}"
    );
}

/// A server that ignores idempotency keys and has no discovery document:
/// its `POST` answers are chosen by the test, its `GET requests` too.
struct Foreign {
    posts: AtomicU32,
    post_answer: Mutex<(StatusCode, String)>,
    list: Mutex<(StatusCode, String)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_doubt_report_is_looked_for_before_it_is_sent_again() {
    let foreign = Arc::new(Foreign {
        posts: AtomicU32::new(0),
        // A cut answer: the server may have stored the report.
        post_answer: Mutex::new((StatusCode::OK, "[{\"service_req".into())),
        list: Mutex::new((StatusCode::INTERNAL_SERVER_ERROR, "busy".into())),
    });
    let (on_post, on_get) = (foreign.clone(), foreign.clone());
    let server = Router::new()
        .route(
            "/requests.json",
            post(move |_body: axum::body::Bytes| {
                let foreign = on_post.clone();
                async move {
                    foreign.posts.fetch_add(1, Ordering::SeqCst);
                    foreign.post_answer.lock().unwrap().clone()
                }
            })
            .get(move || {
                let foreign = on_get.clone();
                async move { foreign.list.lock().unwrap().clone() }
            }),
        )
        .route("/discovery.json", get(|| async { StatusCode::NOT_FOUND }));
    let base = serve(server).await;
    let dir = tempfile::tempdir().unwrap();
    let core = open_at(dir.path(), &base).await;
    let id = file(&core).await;

    core.sync_outbox().await.unwrap();
    let state = core.report(id.clone()).await.unwrap().summary.state;
    assert!(state.in_doubt(), "{state:?}");
    assert_eq!(foreign.posts.load(Ordering::SeqCst), 1);

    // The server cannot be asked: nothing is sent.
    core.send_now().await.unwrap();
    core.sync_outbox().await.unwrap();
    assert_eq!(foreign.posts.load(Ordering::SeqCst), 1);
    let state = core.report(id.clone()).await.unwrap().summary.state;
    assert!(state.in_doubt(), "{state:?}");

    // It does not list the report: it is sent again (and still in doubt).
    *foreign.list.lock().unwrap() = (StatusCode::OK, "[]".into());
    core.send_now().await.unwrap();
    core.sync_outbox().await.unwrap();
    assert_eq!(foreign.posts.load(Ordering::SeqCst), 2);

    // Now it lists it (by the receipt line of its description): adopted,
    // not sent a third time.
    let receipt = core.report(id.clone()).await.unwrap().summary.receipt;
    let listed = serde_json::json!([
        {"service_request_id": 900, "description": "khác"},
        {"service_request_id": 901,
         "description": format!("ổ gà trước chợ\r\n\r\nMã tiếp nhận: {receipt}")},
    ]);
    *foreign.list.lock().unwrap() = (StatusCode::OK, listed.to_string());
    core.send_now().await.unwrap();
    core.sync_outbox().await.unwrap();
    assert_eq!(foreign.posts.load(Ordering::SeqCst), 2);
    let state = core.report(id).await.unwrap().summary.state;
    assert!(
        matches!(&state, OutboxState::Confirmed { server: ServerRef::Id(id), .. } if id == "901"),
        "{state:?}"
    );
}
