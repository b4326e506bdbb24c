//! The load generator of `cargo xtask bench gateway`: a separate process that
//! drives a running gateway over loopback and prints one line of JSON with
//! throughput and latency percentiles.
//!
//! `load URL[,URL…] post|get COUNT CONCURRENCY` — `post` files COUNT requests,
//! each with its own 250 KB JPEG; `get` reads COUNT times `GET requests/{id}`
//! of the requests already there. With several URLs (gateways on one
//! database) the requests go to each in turn.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // A benchmark program.

use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

const PHOTO: &[u8] = include_bytes!("../../../assets/test-images/pothole_hue_synthetic.jpg");
const PHOTO_BYTES: usize = 250 * 1024;

/// A valid JPEG of 250 KB, unique per `n`: comment segments after the start marker.
fn photo(n: usize) -> Vec<u8> {
    let mut out = PHOTO[..2].to_vec();
    let mut filler = format!("cds load test photo {n} ").into_bytes();
    while out.len() + PHOTO.len() < PHOTO_BYTES {
        let room = (PHOTO_BYTES - out.len() - PHOTO.len()).min(65_000);
        if room < 8 {
            break;
        }
        let body = room - 4;
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&u16::try_from(body + 2).unwrap().to_be_bytes());
        filler.resize(body, b'.');
        out.extend_from_slice(&filler);
    }
    out.extend_from_slice(&PHOTO[2..]);
    out
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank].as_secs_f64() * 1e3
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [urls, mode, count, concurrency] = args.as_slice() else {
        eprintln!("usage: load URL[,URL…] post|get COUNT CONCURRENCY");
        std::process::exit(2);
    };
    let urls: Arc<Vec<String>> = Arc::new(urls.split(',').map(str::to_owned).collect());
    let url = &urls[0];
    let count: usize = count.parse().unwrap();
    let concurrency: usize = concurrency.parse().unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let ids: Arc<Vec<String>> = Arc::new(if mode == "get" {
        let list: serde_json::Value = client
            .get(format!("{url}/open311/v2/requests.json?page_size=200"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_owned())
            .collect()
    } else {
        Vec::new()
    });
    // Photos are made before the clock starts.
    let photos: Arc<Vec<Vec<u8>>> = Arc::new(if mode == "post" {
        (0..count).map(photo).collect()
    } else {
        Vec::new()
    });
    let next = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, urls, mode) = (client.clone(), urls.clone(), mode.clone());
        let (next, errors, ids, photos) =
            (next.clone(), errors.clone(), ids.clone(), photos.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    break latencies;
                }
                let url = &urls[n % urls.len()];
                let begun = Instant::now();
                let ok = if mode == "post" {
                    let form = reqwest::multipart::Form::new()
                        .text("api_key", "cds-demo-key")
                        .text("service_code", "pothole")
                        .text("lat", "16.4637")
                        .text("long", "107.5909")
                        .text("attribute[size]", "large")
                        .text("description", format!("Tải thử {n}"))
                        .part(
                            "media",
                            reqwest::multipart::Part::bytes(photos[n].clone()).file_name("p.jpg"),
                        );
                    client
                        .post(format!("{url}/open311/v2/requests.json"))
                        .header(
                            "Idempotency-Key",
                            format!("load-{}-{n}", std::process::id()),
                        )
                        .multipart(form)
                        .send()
                        .await
                        .is_ok_and(|r| r.status() == 200)
                } else {
                    let id = &ids[n % ids.len()];
                    match client
                        .get(format!("{url}/open311/v2/requests/{id}.json"))
                        .send()
                        .await
                    {
                        Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                };
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
                latencies.push(begun.elapsed());
            }
        }));
    }
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    println!(
        "{}",
        serde_json::json!({
            "mode": mode,
            "requests": count,
            "concurrency": concurrency,
            "errors": errors.load(Ordering::Relaxed),
            "seconds": seconds,
            "rps": count as f64 / seconds,
            "p50_ms": percentile(&latencies, 0.50),
            "p90_ms": percentile(&latencies, 0.90),
            "p99_ms": percentile(&latencies, 0.99),
        })
    );
}
