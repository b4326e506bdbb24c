//! `cargo xtask bench [NAME]`: benchmarks, each printed as a table with its
//! baseline measured in the same run.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, proc, root, step};

/// Benchmarks by name.
const BENCHES: &[&str] = &["outbox", "gateway", "sync", "photos", "geo", "scan", "app"];

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
            "app" => crate::bench_app::app()?,
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

/// Requests per second and latency percentiles of the gateway (release
/// build), `POST requests` with a 250 KB photo and `GET requests/{id}`, on
/// SQLite and on PostgreSQL (a fresh cluster, its durable defaults), with one
/// gateway and with two on the same database, driven by two load tools in
/// turn: the project's load process and wrk (Debian's; a Lua script varies
/// every photo, else content addressing would store one). All on these 2
/// cores, server and load together, over loopback.
fn gateway() -> Result {
    crate::setup::apt_install_missing(&["wrk", "postgresql"])?;
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
    let mut rows = Vec::new();
    for (store, replicas) in [
        ("SQLite", 1),
        ("SQLite", 2),
        ("PostgreSQL", 1),
        ("PostgreSQL", 2),
    ] {
        let data = crate::target_dir().join("bench-gateway");
        if data.exists() {
            std::fs::remove_dir_all(&data).map_err(|err| format!("{}: {err}", data.display()))?;
        }
        std::fs::create_dir_all(&data).map_err(|err| format!("{}: {err}", data.display()))?;
        let cluster = match store {
            "PostgreSQL" => Some(crate::postgres::Cluster::start("pg-bench", &[])?),
            _ => None,
        };
        let envs: Vec<(&str, String)> = cluster
            .iter()
            .map(|cluster| ("CDS_GATEWAY_DATABASE", format!("{}/postgres", cluster.url)))
            .collect();
        let mut gateways = Vec::new();
        let mut urls = Vec::new();
        for replica in 0..replicas {
            let log = crate::target_dir().join(format!("bench-gateway-{replica}.log"));
            let (gateway, url) =
                proc::start_gateway_with(&release.join("cds-gateway"), &data, &envs, Some(&log))?;
            gateways.push(gateway);
            urls.push(url);
        }
        let setup = format!(
            "{store}, {replicas} gateway{}",
            if replicas > 1 { "s" } else { "" }
        );
        for mode in ["post", "get"] {
            let (count, seconds) = if mode == "post" {
                ("2000", "5s")
            } else {
                ("20000", "5s")
            };
            step(&format!(
                "gateway: {setup}: {mode}, load process then wrk, 16 connections"
            ));
            let out = proc::output(Command::new(release.join("examples/load")).args([
                urls.join(",").as_str(),
                mode,
                count,
                "16",
            ]))
            .ok_or("the load generator failed")?;
            rows.push((setup.clone(), mode, "load process", out.trim().to_owned()));
            rows.push((setup.clone(), mode, "wrk", wrk(&urls, mode, seconds)?));
        }
        drop(gateways);
        drop(cluster);
        std::fs::remove_dir_all(&data).map_err(|err| format!("{}: {err}", data.display()))?;
    }
    println!(
        "\ngateway benchmark: 16 connections (split evenly across the gateways), \
         2 cores shared by gateways, database and load tool; loopback\n"
    );
    println!(
        "| records, gateways        | operation                   | tool         | requests | errors |  req/s |  p50 ms |  p90 ms |  p99 ms |"
    );
    println!(
        "|--------------------------|-----------------------------|--------------|----------|--------|--------|---------|---------|---------|"
    );
    for (setup, mode, tool, row) in rows {
        let v = |key: &str| -> String {
            row.split(&format!("\"{key}\":"))
                .nth(1)
                .and_then(|r| r.split([',', '}']).next())
                .unwrap_or("?")
                .trim_matches('"')
                .to_owned()
        };
        let name = if mode == "post" {
            "POST requests, 250 KB photo"
        } else {
            "GET requests/{id}"
        };
        let num = |key: &str| v(key).parse::<f64>().unwrap_or(f64::NAN);
        let rps = num("requests") / num("seconds");
        println!(
            "| {setup:<24} | {name:<27} | {tool:<12} | {:>8} | {:>6} | {rps:>6.0} | {:>7.2} | {:>7.2} | {:>7.2} |",
            v("requests"),
            v("errors"),
            num("p50_ms"),
            num("p90_ms"),
            num("p99_ms")
        );
    }
    println!(
        "\nwrk: one process per gateway (16 connections split), requests and errors summed, \
         percentiles the worst of the processes'."
    );
    Ok(())
}

/// wrk against every gateway at once for `duration`, 16 connections split
/// across them; one JSON line: requests and errors summed, the worst percentiles.
fn wrk(urls: &[String], mode: &str, duration: &str) -> Result<String> {
    let scripts = root().join("xtask/wrk");
    let photo = root().join("assets/test-images/pothole_hue_synthetic.jpg");
    let connections = (16 / urls.len()).to_string();
    let mut children = Vec::new();
    for (index, url) in urls.iter().enumerate() {
        let mut command = Command::new("wrk");
        command.args([
            "-t1",
            "-c",
            &connections,
            "-d",
            duration,
            "--timeout",
            "30s",
            "-s",
        ]);
        if mode == "post" {
            command
                .arg(scripts.join("post.lua"))
                .arg(url)
                .arg("--")
                .arg(&photo)
                .arg(format!("r{index}"));
        } else {
            // The ids the load process's 2,000 posts made first.
            command
                .arg(scripts.join("get.lua"))
                .arg(url)
                .args(["--", "2000"]);
        }
        children.push(
            command
                .stdout(std::process::Stdio::piped())
                .spawn()
                .map_err(|err| format!("cannot run wrk: {err}"))?,
        );
    }
    let mut lines = Vec::new();
    for child in children {
        let output = child
            .wait_with_output()
            .map_err(|err| format!("wrk: {err}"))?;
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let line = text
            .lines()
            .find(|line| line.starts_with('{'))
            .ok_or_else(|| format!("wrk printed no summary: {text}"))?
            .to_owned();
        lines.push(line);
    }
    let field = |line: &str, key: &str| -> f64 {
        line.split(&format!("\"{key}\":"))
            .nth(1)
            .and_then(|rest| rest.split([',', '}']).next())
            .and_then(|value| value.parse().ok())
            .unwrap_or(f64::NAN)
    };
    let sum = |key: &str| lines.iter().map(|line| field(line, key)).sum::<f64>();
    let worst = |key: &str| {
        lines
            .iter()
            .map(|line| field(line, key))
            .fold(f64::NAN, f64::max)
    };
    Ok(format!(
        "{{\"requests\":{},\"seconds\":{},\"errors\":{},\"p50_ms\":{},\"p90_ms\":{},\"p99_ms\":{}}}",
        sum("requests"),
        worst("seconds"),
        sum("errors"),
        worst("p50_ms"),
        worst("p90_ms"),
        worst("p99_ms")
    ))
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
/// runs each: median wall time, output bytes, peak memory, and SSIM against a
/// high-quality reference (Lanczos3 in floats from the full-size original,
/// `examples/quality.rs`). Then large photos (50 MP baseline and progressive,
/// 108 MP, a 20,000 px panorama, Display P3, a 12 MP HEIC; made by
/// `examples/samples.rs`), 3 runs each through both, and the hostile set,
/// once each through both: the worst time and memory.
fn photos() -> Result {
    const RUNS: usize = 15;
    crate::setup::apt_install_missing(&["libvips-tools", "time", "libheif-dev"])?;
    step("photos: building the pipeline (release build)");
    proc::run(Command::new("cargo").current_dir(root()).args([
        "build",
        "--release",
        "--package",
        "cds-imaging",
        "--examples",
        "--features",
        "heif,samples",
    ]))?;
    let examples = crate::target_dir().join("release/examples");
    let ours = examples.join("photo");
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
            ours_command(&ours, &input, &ours_out),
            vips_command(&input, &vips_out),
        ]
        .into_iter()
        .enumerate()
        {
            let (seconds, peak_kib) = proc::timed_with_peak(command)?;
            timings[k].push(seconds);
            peaks[k] = peaks[k].max(peak_kib);
        }
    }
    let ssim = ssim(&examples.join("quality"), &input, &[&ours_out, &vips_out])?;
    let (ours_ms, vips_ms) = (median(&mut timings[0]) * 1e3, median(&mut timings[1]) * 1e3);
    println!(
        "\nphoto pipeline: {} (3264×2448, {} bytes) → long edge 1600, JPEG quality 80, no metadata; {RUNS} runs each as a process, alternating; SSIM (luma, 11×11 Gaussian) against the original scaled by Lanczos3 in floats\n",
        file_name(&input),
        size(&input)
    );
    println!("| pipeline                | median ms | output bytes | peak memory MiB | SSIM   |");
    println!("|-------------------------|-----------|--------------|-----------------|--------|");
    println!(
        "| ours (cds-imaging)      | {ours_ms:>9.1} | {:>12} | {:>15.1} | {:.4} |",
        size(&ours_out),
        mib(peaks[0]),
        ssim[0]
    );
    println!(
        "| vipsthumbnail (libvips) | {vips_ms:>9.1} | {:>12} | {:>15.1} | {:.4} |",
        size(&vips_out),
        mib(peaks[1]),
        ssim[1]
    );
    println!(
        "\nratio ours / vipsthumbnail: {:.2}× the time",
        ours_ms / vips_ms
    );

    step("photos: large photos (made by examples/samples.rs), 3 runs each");
    let large = out_dir.join("large");
    proc::run(
        Command::new(examples.join("samples"))
            .arg("large")
            .arg(&large),
    )?;
    println!(
        "\nlarge photos → long edge 1600; median of 3 runs as processes; peak memory of the process\n"
    );
    println!("| photo | bytes | ours ms | ours MiB | ours | vips ms | vips MiB | vips |");
    println!("|---|---|---|---|---|---|---|---|");
    for photo in files(&large, |name| !name.starts_with("out-"))? {
        let ours_out = large.join(format!("out-ours-{}.jpg", file_name(&photo)));
        let vips_out = large.join(format!("out-vips-{}.jpg", file_name(&photo)));
        let mut rows = Vec::new();
        for vips in [false, true] {
            let command = || {
                if vips {
                    vips_command(&photo, &vips_out)
                } else {
                    ours_command(&ours, &photo, &ours_out)
                }
            };
            let mut runs: Vec<proc::Timed> = Vec::new();
            for _ in 0..3 {
                runs.push(proc::timed(command())?);
            }
            let mut times: Vec<f64> = runs.iter().map(|r| r.seconds).collect();
            let peak = runs.iter().map(|r| r.peak_kib).max().unwrap_or(0);
            rows.push((median(&mut times) * 1e3, peak, outcome(&runs[0])));
        }
        println!(
            "| {} | {} | {:.0} | {:.1} | {} | {:.0} | {:.1} | {} |",
            file_name(&photo),
            size(&photo),
            rows[0].0,
            mib(rows[0].1),
            rows[0].2,
            rows[1].0,
            mib(rows[1].1),
            rows[1].2
        );
    }

    step("photos: the hostile set, once each");
    let hostile_dir = root().join("assets/test-images/hostile");
    let scratch = out_dir.join("hostile-out.jpg");
    println!("\nhostile set (assets/test-images/hostile): each file once through both\n");
    println!("| file | ours ms | ours MiB | ours | vips ms | vips MiB | vips |");
    println!("|---|---|---|---|---|---|---|");
    let mut worst = [(0f64, String::new()), (0f64, String::new())];
    let mut worst_peak = [(0u64, String::new()), (0u64, String::new())];
    for file in files(&hostile_dir, |_| true)? {
        let runs = [
            proc::timed(ours_command(&ours, &file, &scratch))?,
            proc::timed(vips_command(&file, &scratch))?,
        ];
        for (k, run) in runs.iter().enumerate() {
            if run.seconds > worst[k].0 {
                worst[k] = (run.seconds, file_name(&file));
            }
            if run.peak_kib > worst_peak[k].0 {
                worst_peak[k] = (run.peak_kib, file_name(&file));
            }
        }
        println!(
            "| {} | {:.0} | {:.1} | {} | {:.0} | {:.1} | {} |",
            file_name(&file),
            runs[0].seconds * 1e3,
            mib(runs[0].peak_kib),
            outcome(&runs[0]),
            runs[1].seconds * 1e3,
            mib(runs[1].peak_kib),
            outcome(&runs[1])
        );
    }
    for (k, name) in ["ours", "vipsthumbnail"].iter().enumerate() {
        println!(
            "\nworst case, {name}: {:.0} ms ({}), {:.1} MiB ({})",
            worst[k].0 * 1e3,
            worst[k].1,
            mib(worst_peak[k].0),
            worst_peak[k].1
        );
    }
    Ok(())
}

fn ours_command(ours: &Path, input: &Path, output: &Path) -> Command {
    let mut c = Command::new(ours);
    c.arg(input).arg(output).arg("1600");
    c
}

fn vips_command(input: &Path, output: &Path) -> Command {
    let mut c = Command::new("vipsthumbnail");
    c.arg(input)
        .args(["--size", "1600x1600", "-o"])
        .arg(format!("{}[Q=80,strip]", output.display()));
    c
}

/// A run's outcome in a few words: ours prints it; vips succeeds or not.
fn outcome(run: &proc::Timed) -> String {
    if let Some(line) = run.stdout.lines().find_map(|l| l.strip_prefix("outcome=")) {
        return line.replace('|', "/");
    }
    if run.success {
        "accepted".into()
    } else {
        let reason = run
            .stderr
            .lines()
            .find(|line| !line.trim().is_empty() && !line.starts_with("peak_kib="))
            .unwrap_or_default();
        format!("failed: {}", reason.chars().take(60).collect::<String>()).replace('|', "/")
    }
}

/// SSIM of each output against the reference made from `original`.
fn ssim(quality: &Path, original: &Path, outputs: &[&Path]) -> Result<Vec<f64>> {
    let mut cmd = Command::new(quality);
    cmd.arg(original).args(outputs);
    let printed = proc::output(&mut cmd).ok_or("the quality example failed")?;
    let values: Vec<f64> = printed
        .lines()
        .filter_map(|line| line.strip_prefix("ssim="))
        .filter_map(|rest| rest.split_whitespace().next()?.parse().ok())
        .collect();
    if values.len() == outputs.len() {
        Ok(values)
    } else {
        Err(format!("no SSIM in: {printed}"))
    }
}

fn files(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|err| format!("{}: {err}", dir.display()))?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.is_file() && keep(&file_name(path)))
        .collect();
    files.sort();
    Ok(files)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
