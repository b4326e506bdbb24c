//! `cargo xtask bench [NAME]`: benchmarks, each printed as a table with its
//! baseline measured in the same run.

use std::process::Command;

use crate::{Result, proc, root, step};

/// Benchmarks by name.
const BENCHES: &[&str] = &["outbox", "gateway", "sync", "photos", "geo", "scan"];

pub fn bench(name: Option<&str>) -> Result {
    let selected: Vec<&str> = match name {
        None => BENCHES.to_vec(),
        Some(name) if BENCHES.contains(&name) => vec![name],
        Some(other) => {
            return Err(format!(
                "no benchmark {other:?}; there are: {}",
                BENCHES.join(", ")
            ));
        }
    };
    for name in selected {
        match name {
            "outbox" => outbox()?,
            "gateway" => gateway()?,
            "sync" => sync()?,
            "photos" => photos()?,
            "geo" => geo()?,
            "scan" => scan()?,
            _ => unreachable!("listed above"),
        }
    }
    Ok(())
}

fn outbox() -> Result {
    step("outbox: enqueue and list timings (release build)");
    proc::run(Command::new("cargo").current_dir(root()).args([
        "bench",
        "--package",
        "cds-core",
        "--bench",
        "outbox",
    ]))?;
    step("outbox: crash test, 500 SIGKILL runs");
    crate::test::core_test(crate::test::CRASH_TEST, Some(("CDS_CRASH_RUNS", "500")))
}

/// Requests per second and latency percentiles of the gateway (release build)
/// under a separate load process on loopback: `POST requests` with a 250 KB
/// photo, then `GET requests/{id}`.
fn gateway() -> Result {
    step("gateway: building the release gateway and the load generator");
    proc::run(Command::new("cargo").current_dir(root()).args([
        "build",
        "--release",
        "--package",
        "cds-gateway",
        "--bin",
        "cds-gateway",
        "--example",
        "load",
    ]))?;
    let release = crate::target_dir().join("release");
    let data = crate::target_dir().join("bench-gateway");
    if data.exists() {
        std::fs::remove_dir_all(&data).map_err(|err| format!("{}: {err}", data.display()))?;
    }
    let (_gateway, url) = proc::start_gateway(&release.join("cds-gateway"), &data)?;
    let mut rows = Vec::new();
    for (mode, count, concurrency) in [("post", "2000", "16"), ("get", "20000", "16")] {
        step(&format!(
            "gateway: {mode} x {count}, {concurrency} at a time"
        ));
        let out = proc::output(Command::new(release.join("examples/load")).args([
            url.as_str(),
            mode,
            count,
            concurrency,
        ]))
        .ok_or("the load generator failed")?;
        rows.push(out.trim().to_owned());
    }
    println!("\ngateway benchmark (2 cores shared by server and load process; loopback)\n");
    println!(
        "| operation                          | requests | errors |  req/s |  p50 ms |  p90 ms |  p99 ms |"
    );
    println!(
        "|------------------------------------|----------|--------|--------|---------|---------|---------|"
    );
    for row in rows {
        let v = |key: &str| -> String {
            row.split(&format!("\"{key}\":"))
                .nth(1)
                .and_then(|r| r.split([',', '}']).next())
                .unwrap_or("?")
                .trim_matches('"')
                .to_owned()
        };
        let name = if v("mode") == "post" {
            "POST requests, 250 KB photo"
        } else {
            "GET requests/{id}"
        };
        let num = |key: &str| v(key).parse::<f64>().unwrap_or(f64::NAN);
        println!(
            "| {name:<34} | {:>8} | {:>6} | {:>6.0} | {:>7.2} | {:>7.2} | {:>7.2} |",
            v("requests"),
            v("errors"),
            num("rps"),
            num("p50_ms"),
            num("p90_ms"),
            num("p99_ms")
        );
    }
    Ok(())
}

/// Delivering 1,000 reports with three 250 KB photos next to curl sending the
/// same requests, and the fault test with 1,000 reports.
fn sync() -> Result {
    crate::setup::apt_install_missing(&["curl"])?;
    step("sync: building the release gateway");
    proc::run(Command::new("cargo").current_dir(root()).args([
        "build",
        "--release",
        "--package",
        "cds-gateway",
        "--bin",
        "cds-gateway",
    ]))?;
    step("sync: delivery next to curl (release build)");
    proc::run(
        Command::new("cargo")
            .current_dir(root())
            .args(["bench", "--package", "cds-core", "--bench", "sync"])
            .env(
                "CDS_BENCH_GATEWAY",
                crate::target_dir().join("release/cds-gateway"),
            ),
    )?;
    step("sync: fault test with 1,000 reports");
    crate::test::core_test(crate::test::FAULT_TEST, Some(("CDS_FAULT_REPORTS", "1000")))?;
    // Each look-up there reads the server's list of the category, which the
    // 1,000 reports of one minute fill: 300, as in `cargo xtask test`.
    step("sync: fault test with 300 reports at a server that ignores idempotency keys");
    crate::test::core_test(
        crate::test::FAULT_TEST_KEYLESS,
        Some(("CDS_FAULT_REPORTS", "300")),
    )
}

/// Ward lookups per point, indexed next to a scan of every area.
fn geo() -> Result {
    step("geo: ward lookup (release build)");
    proc::run(Command::new("cargo").current_dir(root()).args([
        "bench",
        "--package",
        "cds-domain",
        "--bench",
        "geo",
    ]))
}

/// Dossier codes read from generated phone photos of slips (2–12 MP, turned,
/// seen at an angle, blurred, dim; QR codes and Code 128), next to the clean
/// slip images read in the same run.
fn scan() -> Result {
    step("scan: slip photos (release build)");
    proc::run(Command::new("cargo").current_dir(root()).args([
        "bench",
        "--package",
        "cds-scan",
        "--bench",
        "scan",
    ]))
}

/// The 8 MP phone photo through our pipeline and through `vipsthumbnail`
/// (libvips) to the same size and quality, as processes, alternating, several
/// runs each: median wall time, output bytes, peak memory.
fn photos() -> Result {
    const RUNS: usize = 15;
    crate::setup::apt_install_missing(&["libvips-tools", "time"])?;
    step("photos: building the pipeline (release build)");
    proc::run(Command::new("cargo").current_dir(root()).args([
        "build",
        "--release",
        "--package",
        "cds-imaging",
        "--example",
        "photo",
    ]))?;
    let ours = crate::target_dir().join("release/examples/photo");
    let input = root().join("assets/test-images/phone-iphone-3264x2448-gps.jpg");
    let out_dir = crate::target_dir().join("bench-photos");
    std::fs::create_dir_all(&out_dir).map_err(|err| format!("{}: {err}", out_dir.display()))?;
    let ours_out = out_dir.join("ours.jpg");
    let vips_out = out_dir.join("vips.jpg");
    let mut timings: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut peaks: [u64; 2] = [0, 0];
    step(&format!("photos: {RUNS} runs each, alternating"));
    for _ in 0..RUNS {
        for (k, command) in [
            {
                let mut c = Command::new(&ours);
                c.arg(&input).arg(&ours_out).arg("1600");
                c
            },
            {
                let mut c = Command::new("vipsthumbnail");
                c.arg(&input)
                    .args(["--size", "1600x1600", "-o"])
                    .arg(format!("{}[Q=80,strip]", vips_out.display()));
                c
            },
        ]
        .into_iter()
        .enumerate()
        {
            let (seconds, peak_kib) = proc::timed_with_peak(command)?;
            timings[k].push(seconds);
            peaks[k] = peaks[k].max(peak_kib);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours_ms, vips_ms) = (median(&mut timings[0]) * 1e3, median(&mut timings[1]) * 1e3);
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    println!(
        "\nphoto pipeline: {} (3264×2448, {} bytes) → long edge 1600, JPEG quality 80, no metadata; {RUNS} runs each as a process, alternating\n",
        input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        size(&input)
    );
    println!("| pipeline                | median ms | output bytes | peak memory MiB |");
    println!("|-------------------------|-----------|--------------|-----------------|");
    println!(
        "| ours (cds-imaging)      | {ours_ms:>9.1} | {:>12} | {:>15.1} |",
        size(&ours_out),
        peaks[0] as f64 / 1024.0
    );
    println!(
        "| vipsthumbnail (libvips) | {vips_ms:>9.1} | {:>12} | {:>15.1} |",
        size(&vips_out),
        peaks[1] as f64 / 1024.0
    );
    println!(
        "\nratio ours / vipsthumbnail: {:.2}× the time",
        ours_ms / vips_ms
    );
    Ok(())
}
