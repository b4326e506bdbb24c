//! `cargo xtask bench sync`: time to deliver 1,000 reports with three 250 KB
//! photos each to the gateway over loopback, next to curl uploading the same
//! bytes as the same multipart requests in the same run.
//!
//! Needs `CDS_BENCH_GATEWAY` (a release `cds-gateway` binary); `cargo xtask
//! bench sync` sets it.

#![allow(clippy::unwrap_used, clippy::print_stdout)] // A benchmark program.

use std::{
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    time::Instant,
};

use cds_core::Core;
use cds_domain::report::{Contact, Location, LocationSource, ReportDraft};

const PHOTO: &[u8] = include_bytes!("../../../assets/test-images/pothole_hue_synthetic.jpg");
const PHOTO_BYTES: usize = 250 * 1024;

/// A valid 250 KB JPEG, unique per `n` (comment segments after the start marker).
fn photo(n: usize) -> Vec<u8> {
    let mut out = PHOTO[..2].to_vec();
    let mut filler = format!("bench photo {n} ").into_bytes();
    while out.len() + PHOTO.len() + 8 < PHOTO_BYTES {
        let body = (PHOTO_BYTES - out.len() - PHOTO.len() - 4).min(65_000);
        out.extend_from_slice(&[0xFF, 0xFE]);
        out.extend_from_slice(&u16::try_from(body + 2).unwrap().to_be_bytes());
        filler.resize(body, b'.');
        out.extend_from_slice(&filler);
    }
    out.extend_from_slice(&PHOTO[2..]);
    out
}

fn draft(i: usize) -> ReportDraft {
    ReportDraft {
        service_code: Some("pothole".into()),
        description: format!("Ổ gà số {i}"),
        location: Some(Location {
            lat: 16.46,
            lon: 107.59,
            accuracy_m: Some(8.0),
            source: LocationSource::DeviceGps,
        }),
        device_fix: None,
        address: String::new(),
        attributes: [("size".to_owned(), "large".to_owned())].into(),
        contact: Contact::Anonymous,
        assisted_by: None,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let reports: usize = std::env::var("CDS_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    let binary = std::env::var("CDS_BENCH_GATEWAY")
        .expect("CDS_BENCH_GATEWAY: run through `cargo xtask bench sync`");
    let gw_dir = tempfile::tempdir().unwrap();
    let mut gateway = Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(gw_dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(gateway.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();

    let app_dir = tempfile::tempdir().unwrap();
    let api = format!("{url}/");
    let core = Core::open(app_dir.path().to_owned(), move |name| match name {
        "CDS_API_URL" => Some(api.clone()),
        "CDS_OPEN311_API_KEY" => Some("cds-demo-key".into()),
        _ => None,
    })
    .await
    .unwrap();
    let files = tempfile::tempdir().unwrap();
    let mut curl_config = String::new();
    for i in 0..reports {
        let saved = core.save_draft(None, draft(i)).await.unwrap();
        let mut forms = String::new();
        for j in 0..3 {
            let bytes = photo(i * 3 + j);
            core.attach_photo(saved.id.clone(), bytes.clone())
                .await
                .unwrap();
            // The same bytes for curl, in files it uploads (different ids, so both are stored).
            let path = files.path().join(format!("{i}-{j}.jpg"));
            std::fs::write(&path, photo(1_000_000 + i * 3 + j)).unwrap();
            forms.push_str(&format!("form = \"media=@{}\"\n", path.display()));
        }
        core.submit(saved.id).await.unwrap();
        curl_config.push_str(&format!(
            "url = \"{url}/open311/v2/requests.json\"\nheader = \"Idempotency-Key: curl-{i}\"\nform = \"api_key=cds-demo-key\"\nform = \"service_code=pothole\"\nform = \"lat=16.4600000\"\nform = \"long=107.5900000\"\nform = \"attribute[size]=large\"\nform = \"description=Ổ gà số {i}\"\n{forms}output = \"/dev/null\"\nwrite-out = \"%{{http_code}}\\\\n\"\nnext\n"
        ));
    }

    let started = Instant::now();
    let mut delivered = 0;
    while delivered < reports {
        let pass = core.sync_outbox().await.unwrap();
        delivered += pass.confirmed as usize;
        assert_eq!(pass.rejected, 0);
        if pass.confirmed == 0 && pass.retrying > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let ours = started.elapsed().as_secs_f64();

    let config_path = files.path().join("curl.conf");
    std::fs::File::create(&config_path)
        .unwrap()
        .write_all(curl_config.as_bytes())
        .unwrap();
    let started = Instant::now();
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--config"])
        .arg(&config_path)
        .output()
        .unwrap();
    let theirs = started.elapsed().as_secs_f64();
    let created = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| l.trim() == "200")
        .count();
    assert_eq!(
        created,
        reports,
        "curl uploads: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = gateway.kill();
    let _ = gateway.wait();

    let megabytes = (reports * 3 * PHOTO_BYTES) as f64 / 1_048_576.0;
    println!(
        "\nsync benchmark: {reports} reports × 3 photos × 250 KB = {megabytes:.0} MiB over loopback, one request at a time\n"
    );
    println!("| client | seconds | reports/s | MiB/s |");
    println!("|---|---|---|---|");
    println!(
        "| Công Dân Số outbox (sync_outbox) | {ours:.2} | {:.1} | {:.1} |",
        reports as f64 / ours,
        megabytes / ours
    );
    println!(
        "| curl, same multipart requests (baseline) | {theirs:.2} | {:.1} | {:.1} |",
        reports as f64 / theirs,
        megabytes / theirs
    );
    println!("\nratio ours/curl: {:.2}× the time", ours / theirs);
}
