//! `cargo xtask bench outbox`: time to enqueue a report with three already
//! processed photos, and to list the first page of "my reports" with 10,000
//! reports stored, each next to a baseline measured in the same run on the same
//! database (a one-row insert transaction; a bare indexed query).

#![allow(clippy::unwrap_used, clippy::print_stdout)] // A benchmark program.

use std::time::{Duration, Instant};

use cds_core::Core;
use cds_domain::report::{Contact, Location, LocationSource, ReportDraft};
use rusqlite::Connection;

const ENQUEUES: usize = 300;
const STORED: usize = 10_000;
const LISTS: usize = 300;
const PAGE: u32 = 20;

fn draft(i: usize) -> ReportDraft {
    ReportDraft {
        service_code: Some("pothole".into()),
        description: format!(
            "Ổ gà sâu khoảng 15 cm trước số {i} Lê Lợi, xe máy dễ ngã khi trời mưa."
        ),
        location: Some(Location {
            lat: 16.46,
            lon: 107.59,
            accuracy_m: Some(8.0),
            source: LocationSource::DeviceGps,
        }),
        device_fix: None,
        address: "Lê Lợi, Huế".into(),
        attributes: Default::default(),
        contact: Contact::Anonymous,
        assisted_by: None,
    }
}

fn photo(seed: usize) -> Vec<u8> {
    // 250 KB, the size of a downscaled phone photo.
    let mut state = (seed as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..250_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state & 0xff) as u8
        })
        .collect()
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let rank = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[rank]
}

fn row(name: &str, samples: &mut [Duration], baseline: &mut [Duration]) {
    let (p50, p99) = (percentile(samples, 0.5), percentile(samples, 0.99));
    let (b50, b99) = (percentile(baseline, 0.5), percentile(baseline, 0.99));
    println!(
        "| {name:<44} | {:>9.3} | {:>9.3} | {:>9.3} | {:>9.3} | {:>6.1}× |",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        b50.as_secs_f64() * 1e3,
        b99.as_secs_f64() * 1e3,
        p50.as_secs_f64() / b50.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(dir.path().to_owned(), |name| {
        (name == "CDS_API_URL").then(|| "http://127.0.0.1:9/".to_owned())
    })
    .await
    .unwrap();

    // Enqueue: drafts with three photos each are ready; only submit is timed.
    let mut ready = Vec::new();
    for i in 0..ENQUEUES {
        let saved = core.save_draft(None, draft(i)).await.unwrap();
        for j in 0..3 {
            core.attach_photo(saved.id.clone(), photo(i * 3 + j))
                .await
                .unwrap();
        }
        ready.push(saved.id);
    }
    let mut enqueue = Vec::new();
    for id in ready {
        let started = Instant::now();
        core.submit(id).await.unwrap();
        enqueue.push(started.elapsed());
    }

    // Baseline: a one-row insert transaction in the same database, same settings.
    let db = dir.path().join(cds_core::db::DB_FILE);
    let mut insert = Vec::new();
    {
        let mut conn = Connection::open(&db).unwrap();
        conn.pragma_update(None, "synchronous", "FULL").unwrap();
        conn.execute_batch("CREATE TABLE baseline (id INTEGER PRIMARY KEY, body TEXT)")
            .unwrap();
        for i in 0..ENQUEUES {
            let started = Instant::now();
            let tx = conn.transaction().unwrap();
            tx.execute(
                "INSERT INTO baseline (body) VALUES (?1)",
                [format!("row {i}")],
            )
            .unwrap();
            tx.commit().unwrap();
            insert.push(started.elapsed());
        }
        // Fill the store to 10,000 reports by copying a real submitted row.
        let tx = conn.transaction().unwrap();
        let have: i64 = tx
            .query_row("SELECT COUNT(*) FROM reports", [], |row| row.get(0))
            .unwrap();
        let have = usize::try_from(have).unwrap();
        for i in have..STORED {
            tx.execute(
                "INSERT INTO reports (id, seq, receipt, body, submitted_at_ms, state, state_kind, retry_at_ms, updated_at_ms)
                 SELECT ?1, -?3, ?2, body, submitted_at_ms - ?3, state, state_kind, retry_at_ms, updated_at_ms
                 FROM reports LIMIT 1",
                rusqlite::params![format!("bench-{i}"), format!("B{i:08}"), i64::try_from(i).unwrap()],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }

    let mut list = Vec::new();
    for _ in 0..LISTS {
        let started = Instant::now();
        let page = core.reports(None, PAGE).await.unwrap();
        list.push(started.elapsed());
        assert_eq!(page.items.len(), PAGE as usize);
    }
    let mut bare = Vec::new();
    {
        let conn = Connection::open(&db).unwrap();
        for _ in 0..LISTS {
            let started = Instant::now();
            let mut statement = conn
                .prepare_cached("SELECT id, body FROM reports ORDER BY seq DESC LIMIT ?1")
                .unwrap();
            let rows: Vec<(String, String)> = statement
                .query_map([PAGE], |row| Ok((row.get(0)?, row.get(1)?)))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(rows.len(), PAGE as usize);
            bare.push(started.elapsed());
        }
    }

    println!("\noutbox benchmark ({ENQUEUES} enqueues, {LISTS} list calls; times in ms)\n");
    println!(
        "| {:<44} | {:>9} | {:>9} | {:>9} | {:>9} | {:>7} |",
        "operation (baseline)", "p50", "p99", "base p50", "base p99", "ratio"
    );
    println!(
        "|{:-<46}|{:-<11}|{:-<11}|{:-<11}|{:-<11}|{:-<9}|",
        "", "", "", "", "", ""
    );
    row(
        "enqueue, 3 photos (1-row insert transaction)",
        &mut enqueue,
        &mut insert,
    );
    row(
        "first page of 20, 10,000 stored (bare query)",
        &mut list,
        &mut bare,
    );
}
