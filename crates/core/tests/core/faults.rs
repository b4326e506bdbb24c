//! The fault test: reports go to the real gateway through a proxy on 127.0.0.1
//! that, for 30% of requests, resets the connection (before or after passing
//! the request on), delays, answers 5xx, cuts the answer short, or returns a
//! Wi-Fi login page with status 200. At the end every report is at the gateway
//! exactly once, with all its photos byte-identical. `CDS_FAULT_REPORTS` sets
//! the number of reports (300 by default; 1,000 in the benchmark command).
//!
//! The same runs against the gateway in its mode that ignores idempotency
//! keys, as most deployed Open311 servers do: there, exactly once rests on the
//! engine looking for an in-doubt report before it sends it again. A control
//! run without that look-up shows the faults do duplicate reports there.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use cds_core::Core;
use cds_domain::outbox::OutboxState;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::{gateway, outbox::complete_draft};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    ResetBefore,
    ResetAfter,
    Delay,
    UnavailableBefore,
    BadGatewayAfter,
    Truncate,
    LoginPageBefore,
    LoginPageAfter,
}

const FAULTS: [Fault; 8] = [
    Fault::ResetBefore,
    Fault::ResetAfter,
    Fault::Delay,
    Fault::UnavailableBefore,
    Fault::BadGatewayAfter,
    Fault::Truncate,
    Fault::LoginPageBefore,
    Fault::LoginPageAfter,
];

const LOGIN_PAGE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 44\r\nconnection: close\r\n\r\n<html><form>Wi-Fi mi\xe1\xbb\x85n ph\xc3\xad</form></html>";

struct Stats {
    requests: AtomicU64,
    faults: AtomicU64,
    /// `GET requests` looking for an in-doubt report (by its date window).
    lookups: AtomicU64,
    rng: AtomicU64,
}

impl Stats {
    fn next(&self) -> u64 {
        let mut x = self.rng.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.store(x, Ordering::Relaxed);
        x
    }
}

/// Reads one HTTP/1.1 request (headers and a Content-Length body).
async fn read_request(conn: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 16 * 1024];
    let header_end = loop {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    // One request per connection: ask the upstream to close when done.
    let mut request = buf[..header_end - 2].to_vec();
    request.extend_from_slice(b"connection: close\r\n\r\n");
    request.extend_from_slice(&buf[header_end..]);
    Some(request)
}

async fn reset(conn: TcpStream) {
    // A zero linger sends a reset at once; it does not block (the deprecation
    // is about non-zero lingers).
    #[allow(deprecated)]
    let _ = conn.set_linger(Some(Duration::ZERO));
    drop(conn);
}

async fn forward(upstream: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(upstream).await.ok()?;
    up.write_all(request).await.ok()?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).await.ok()?;
    Some(response)
}

async fn handle(mut conn: TcpStream, upstream: SocketAddr, stats: Arc<Stats>, percent: u64) {
    let Some(request) = read_request(&mut conn).await else {
        return;
    };
    stats.requests.fetch_add(1, Ordering::Relaxed);
    if request.starts_with(b"GET ")
        && String::from_utf8_lossy(&request[..request.len().min(2048)]).contains("start_date=")
    {
        stats.lookups.fetch_add(1, Ordering::Relaxed);
    }
    let fault = if stats.next() % 100 < percent {
        stats.faults.fetch_add(1, Ordering::Relaxed);
        FAULTS[(stats.next() % FAULTS.len() as u64) as usize]
    } else {
        Fault::None
    };
    match fault {
        Fault::ResetBefore => return reset(conn).await,
        Fault::UnavailableBefore => {
            let _ = conn
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
            return;
        }
        Fault::LoginPageBefore => {
            let _ = conn.write_all(LOGIN_PAGE).await;
            return;
        }
        Fault::Delay => tokio::time::sleep(Duration::from_millis(300)).await,
        _ => {}
    }
    let Some(response) = forward(upstream, &request).await else {
        return reset(conn).await;
    };
    let _ = match fault {
        Fault::ResetAfter => return reset(conn).await,
        Fault::BadGatewayAfter => {
            conn.write_all(
                b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            )
            .await
        }
        Fault::LoginPageAfter => conn.write_all(LOGIN_PAGE).await,
        Fault::Truncate => {
            let cut = response
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(0, |at| at + 4 + 10);
            conn.write_all(&response[..cut.min(response.len())]).await
        }
        _ => conn.write_all(&response).await,
    };
}

/// Starts the proxy; returns its address and counters.
async fn start_proxy(upstream: SocketAddr, percent: u64, seed: u64) -> (SocketAddr, Arc<Stats>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stats = Arc::new(Stats {
        requests: AtomicU64::new(0),
        faults: AtomicU64::new(0),
        lookups: AtomicU64::new(0),
        rng: AtomicU64::new(seed | 1),
    });
    let shared = stats.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(handle(conn, upstream, shared.clone(), percent));
        }
    });
    (addr, stats)
}

/// The server the reports go to, and what the engine is told of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    /// Our gateway, which honours idempotency keys (its discovery says so).
    Ours,
    /// The gateway ignoring idempotency keys; the engine learns it from discovery.
    IgnoringKeys,
    /// The same, but the engine is told (wrongly) that keys are honoured, so
    /// it never looks before resending: the control.
    IgnoringKeysUnchecked,
}

fn fault_reports() -> u64 {
    std::env::var("CDS_FAULT_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_arrives_exactly_once_through_a_faulty_network() {
    let (at_gateway, reports) = deliver_through_faults(Server::Ours, fault_reports()).await;
    assert_eq!(at_gateway, reports, "exactly once at the gateway");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_arrives_exactly_once_at_a_server_that_ignores_idempotency_keys() {
    let (at_gateway, reports) = deliver_through_faults(Server::IgnoringKeys, fault_reports()).await;
    assert_eq!(
        at_gateway, reports,
        "exactly once at the key-ignoring server"
    );
    // The control: the same faults, no look-up before resending.
    let (duplicated, sent) = deliver_through_faults(Server::IgnoringKeysUnchecked, 60).await;
    assert!(
        duplicated > sent,
        "without the look-up the faults should have duplicated reports ({duplicated} of {sent})"
    );
}

/// Files `reports` reports with photos, delivers them through the faulty
/// proxy to `server`, checks each is at the server with its photos (unless the
/// control), and returns how many requests the server holds.
#[allow(clippy::print_stdout)] // The summary a test step shows.
async fn deliver_through_faults(server: Server, reports: u64) -> (u64, u64) {
    let seed = u64::from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos(),
    );
    let gw_dir = tempfile::tempdir().unwrap();
    let app_dir = tempfile::tempdir().unwrap();
    let gateway_url = match server {
        Server::Ours => gateway(gw_dir.path()).await,
        Server::IgnoringKeys | Server::IgnoringKeysUnchecked => {
            crate::gateway_ignoring_keys(gw_dir.path()).await
        }
    };
    let upstream: SocketAddr = gateway_url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let (proxy, stats) = start_proxy(upstream, 30, seed).await;
    let open311 = format!("http://{proxy}/open311/v2/");
    let core = Core::open(app_dir.path().to_owned(), move |name| match name {
        "CDS_API_URL" => Some("http://127.0.0.1:9/".into()),
        "CDS_OPEN311_URL" => Some(open311.clone()),
        "CDS_OPEN311_API_KEY" => Some("cds-demo-key".into()),
        "CDS_HTTP_TIMEOUT_MS" => Some("1500".into()),
        "CDS_RETRY_BASE_MS" => Some("10".into()),
        "CDS_OPEN311_IDEMPOTENCY" if server == Server::IgnoringKeysUnchecked => {
            Some("honoured".into())
        }
        _ => None,
    })
    .await
    .unwrap();

    let mut photos_sent = 0;
    for i in 0..reports {
        let saved = core
            .save_draft(None, {
                let mut draft = complete_draft(&format!("phản ánh {i}"));
                draft.attributes = [("size".to_owned(), "medium".to_owned())].into();
                draft
            })
            .await
            .unwrap();
        for j in 0..=(i % 2) {
            core.attach_photo(saved.id.clone(), crate::real_jpeg(i * 10 + j))
                .await
                .unwrap();
            photos_sent += 1;
        }
        core.submit(saved.id).await.unwrap();
    }

    let started = Instant::now();
    let mut passes = 0;
    loop {
        core.sync_outbox().await.unwrap();
        passes += 1;
        let pending = core.outbox().await.unwrap();
        let rejected: Vec<_> = pending
            .iter()
            .filter(|r| matches!(r.state, OutboxState::Rejected { .. }))
            .collect();
        assert!(
            rejected.is_empty(),
            "a fault made {} reports rejected, e.g. {:?} (seed {seed})",
            rejected.len(),
            rejected.first()
        );
        if pending.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "not delivered in 5 minutes (seed {seed})"
        );
        // What waits is tried again at once ("send now"), whatever its
        // backoff: the test is about exactly once, not about waiting, and a
        // report unlucky enough to fail a dozen times would otherwise wait
        // minutes (the backoff doubles up to 30 minutes).
        core.send_now().await.unwrap();
    }

    // Straight to the gateway (not through the proxy).
    let at_gateway = crate::gateway_requests(&gateway_url).await;
    let held = at_gateway.len() as u64;
    let (requests, faults, lookups) = (
        stats.requests.load(Ordering::Relaxed),
        stats.faults.load(Ordering::Relaxed),
        stats.lookups.load(Ordering::Relaxed),
    );
    if server == Server::IgnoringKeysUnchecked {
        println!(
            "fault test control ({server:?}): {reports} reports became {held} requests \
             without the look-up ({requests} requests, {faults} faulty, seed {seed})"
        );
        return (held, reports);
    }
    assert_eq!(held, reports, "exactly once at the gateway (seed {seed})");

    let mut page = core.reports(None, 100).await.unwrap();
    let mut checked = 0;
    loop {
        for summary in &page.items {
            crate::assert_at_gateway(&core, &at_gateway, &summary.id).await;
            checked += 1;
        }
        match page.next {
            Some(next) => page = core.reports(Some(next), 100).await.unwrap(),
            None => break,
        }
    }
    assert_eq!(checked, reports);
    println!(
        "fault test ({server:?}): {reports} reports with {photos_sent} photos delivered exactly \
         once through {requests} requests, {faults} of them faulty, {lookups} look-ups for \
         in-doubt reports, in {passes} passes and {:.1} s (seed {seed})",
        started.elapsed().as_secs_f64()
    );
    assert!(
        faults * 100 >= requests * 20,
        "the proxy injected too few faults to prove anything"
    );
    if server == Server::IgnoringKeys {
        assert!(
            lookups > 0,
            "no report was in doubt: the look-up was never tried"
        );
    }
    (held, reports)
}
