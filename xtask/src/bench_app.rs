//! `cargo xtask bench app`: the release app next to WebKitGTK's own
//! MiniBrowser (the same engine showing a static page), interleaved in one
//! run: start time to the first interactive screen, idle memory of all
//! their processes, the UI bundle's bytes and the `.deb`'s size.
//!
//! Start: from exec to the home screen's tiles painted (the UI's mark, two
//! animation frames after the tiles are set, written by the shell to
//! `CDS_READY_FILE`); for MiniBrowser, to its page's own mark two frames
//! after load (a request to a local server). Memory: PSS summed over the
//! process and every descendant (WebKit's web and network processes), idle
//! on the home screen, then — the app driven through WebDriver by the e2e
//! binary's ignored `tour` test — before and after visiting every page,
//! twice, to show what a tour costs and whether it grows.
//!
//! MiniBrowser runs twice per round: as WebKit sets it up (the issue's
//! baseline) and drawing without accelerated compositing, which is how the
//! app draws on a machine without a GPU (the shell's `webview.rs`), so that
//! the engine's mode and the app's own cost can be told apart.

use std::{
    io::{Read, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use crate::{Result, package, proc, root, setup, step, target_dir, ui};

const MINIBROWSER: &str = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const ROUNDS: usize = 10;
const IDLE: Duration = Duration::from_secs(20);
const READY_WITHIN: Duration = Duration::from_secs(30);

/// The static page MiniBrowser shows: a heading and tiles, like a home
/// screen without an app behind it; it marks itself two frames after load.
const PAGE: &str = r#"<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Trang tĩnh</title><style>body{font-family:sans-serif;margin:0}
header{background:#991b1b;color:#fff;padding:12px}.tiles{display:grid;
grid-template-columns:repeat(4,1fr);gap:8px;padding:12px}.tile{border:1px solid #ccc;
border-radius:12px;padding:12px;min-height:64px}</style></head><body>
<header><h1>Công Dân Số</h1></header><main class="tiles">
<div class="tile">Phản ánh</div><div class="tile">Hồ sơ</div><div class="tile">Thủ tục</div>
<div class="tile">Cảnh báo</div><div class="tile">Y tế</div><div class="tile">Du lịch</div>
<div class="tile">OCOP</div><div class="tile">Hóa đơn</div></main>
<script>addEventListener('load',()=>requestAnimationFrame(()=>requestAnimationFrame(
()=>fetch('/ready'))));</script></body></html>"#;

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// A local server for MiniBrowser's page; keeps the time of its mark.
struct PageServer {
    url: String,
    ready_ms: Arc<Mutex<Option<u128>>>,
}

impl PageServer {
    fn start() -> Result<PageServer> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|err| format!("page server: {err}"))?;
        let url = format!(
            "http://{}/",
            listener
                .local_addr()
                .map_err(|err| format!("page server: {err}"))?
        );
        let ready_ms = Arc::new(Mutex::new(None));
        let mark = Arc::clone(&ready_ms);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                let mut buf = [0u8; 2048];
                let n = stream.read(&mut buf).unwrap_or(0);
                let request = String::from_utf8_lossy(&buf[..n]);
                let answer = if request.starts_with("GET /ready") {
                    if let Ok(mut slot) = mark.lock() {
                        slot.get_or_insert(unix_ms());
                    }
                    "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".to_owned()
                } else {
                    format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                        PAGE.len()
                    )
                };
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Ok(PageServer { url, ready_ms })
    }

    fn take(&self) -> Option<u128> {
        self.ready_ms.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Every descendant of `pid`, from `/proc`.
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // After the command's closing parenthesis: state, then the parent.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse().ok());
            if let Some(ppid) = ppid {
                parents.push((child, ppid));
            }
        }
    }
    let mut found = vec![pid];
    let mut at = 0;
    while at < found.len() {
        let parent = found[at];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        at += 1;
    }
    found
}

/// PSS of `pid` and its descendants, in KiB.
fn pss_kib(pid: u32) -> u64 {
    descendants(pid)
        .iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/smaps_rollup")).ok())
        .filter_map(|text| {
            text.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<u64>().ok())
        })
        .sum()
}

/// Stops `child` and every process it started.
fn stop(mut child: Child) {
    let all = descendants(child.id());
    let _ = child.kill();
    for pid in all.iter().skip(1) {
        // Some have ended with their parent already: say nothing of those.
        let _ = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.wait();
}

enum Subject {
    MiniBrowser { composited: bool },
    App { data: PathBuf },
}

/// WebKit's switch for drawing without accelerated compositing.
const NO_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// Whether the app at `pid` draws with accelerated compositing, as its
/// processes show it: the shell decides before WebKit starts its web process,
/// which inherits the switch when it is set.
fn composites(pid: u32) -> bool {
    let switch = format!("{NO_COMPOSITING}=1");
    !descendants(pid).into_iter().any(|process| {
        std::fs::read(format!("/proc/{process}/environ")).is_ok_and(|environ| {
            environ
                .split(|byte| *byte == 0)
                .any(|entry| entry == switch.as_bytes())
        })
    })
}

struct Launched {
    child: Child,
    /// From exec to the mark.
    ms: u128,
    /// The app's steps from exec: the shell set up, the UI's first command,
    /// the home screen answered.
    steps: Option<[u128; 3]>,
}

/// Starts the subject and waits for its mark; the time from exec to it.
fn launch(
    subject: &Subject,
    app: &Path,
    server: &PageServer,
    display: &str,
    api: &str,
) -> Result<Launched> {
    let mark = target_dir().join("bench-app/ready");
    let _ = std::fs::remove_file(&mark);
    let _ = server.take();
    let mut cmd = match subject {
        Subject::MiniBrowser { composited } => {
            let mut cmd = Command::new(MINIBROWSER);
            cmd.arg(&server.url).env_remove(NO_COMPOSITING);
            if !composited {
                cmd.env(NO_COMPOSITING, "1");
            }
            cmd
        }
        Subject::App { data } => {
            let mut cmd = Command::new(app);
            cmd.env("CDS_DATA_DIR", data)
                .env("CDS_API_URL", api)
                .env("CDS_HTTP_TIMEOUT_MS", "1000")
                .env("CDS_READY_FILE", &mark);
            cmd
        }
    };
    cmd.env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = unix_ms();
    let child = cmd.spawn().map_err(|err| {
        format!(
            "cannot start {}: {err}",
            cmd.get_program().to_string_lossy()
        )
    })?;
    let deadline = Instant::now() + READY_WITHIN;
    loop {
        let ready = match subject {
            Subject::MiniBrowser { .. } => server.take().map(|at| (at, None)),
            Subject::App { .. } => std::fs::read_to_string(&mark).ok().and_then(|line| {
                let times: Vec<u128> = line
                    .split_whitespace()
                    .filter_map(|t| t.parse().ok())
                    .collect();
                match times[..] {
                    [setup, first, home, ready] => Some((ready, Some([setup, first, home]))),
                    _ => None,
                }
            }),
        };
        if let Some((at, steps)) = ready {
            return Ok(Launched {
                child,
                ms: at.saturating_sub(started),
                steps: steps.map(|times| times.map(|at| at.saturating_sub(started))),
            });
        }
        if Instant::now() > deadline {
            stop(child);
            let what = match subject {
                Subject::MiniBrowser { .. } => "MiniBrowser",
                Subject::App { .. } => "the app",
            };
            return Err(format!("no ready mark from {what} within 30 s"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn stats(values: &mut [u128]) -> (u128, u128, u128) {
    values.sort_unstable();
    let median = values.get(values.len() / 2).copied().unwrap_or(0);
    (
        median,
        values.first().copied().unwrap_or(0),
        values.last().copied().unwrap_or(0),
    )
}

fn gzip_len(path: &Path) -> u64 {
    Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .map_or(0, |out| out.stdout.len() as u64)
}

#[allow(clippy::cast_precision_loss)]
fn ratio(a: u128, b: u128) -> String {
    if b == 0 {
        "—".into()
    } else {
        format!("{:.2}×", a as f64 / b as f64)
    }
}

pub fn app() -> Result {
    setup::setup(setup::Needs::Run)?;
    if !Path::new(MINIBROWSER).is_file() {
        return Err(format!("{MINIBROWSER} is missing (libwebkit2gtk-4.1-0)"));
    }
    ui::build()?;
    let deb = package::build()?;
    let app = target_dir().join("release/cong-dan-so");
    let display = proc::virtual_display("1280x1024x24")?;
    let display_name = display
        .as_ref()
        .map(|(_, name)| name.clone())
        .or_else(|| std::env::var("DISPLAY").ok())
        .unwrap_or_default();
    let server = PageServer::start()?;
    // Nothing answers at the API: the home screen comes from the device.
    let api = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|addr| format!("http://{addr}/"))
        .map_err(|err| err.to_string())?;
    let work = target_dir().join("bench-app");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|err| format!("{}: {err}", work.display()))?;
    let existing = work.join("existing");
    // The existing data folder: one start first, then kept.
    let first = launch(
        &Subject::App {
            data: existing.clone(),
        },
        &app,
        &server,
        &display_name,
        &api,
    )?;
    let app_composites = composites(first.child.id());
    stop(first.child);

    step(&format!(
        "start: exec to the first interactive screen, {ROUNDS} interleaved rounds"
    ));
    let mut mini = Vec::new();
    let mut flat = Vec::new();
    let mut empty = Vec::new();
    let mut kept = Vec::new();
    let (mut setups, mut firsts, mut homes) = (Vec::new(), Vec::new(), Vec::new());
    let mut missed = 0;
    for round in 0..ROUNDS {
        let fresh = work.join(format!("empty-{round}"));
        let mut order = [0, 1, 2, 3];
        order.rotate_left(round % 4);
        for which in order {
            let (subject, into) = match which {
                0 => (Subject::MiniBrowser { composited: true }, &mut mini),
                1 => (Subject::MiniBrowser { composited: false }, &mut flat),
                2 => (
                    Subject::App {
                        data: fresh.clone(),
                    },
                    &mut empty,
                ),
                _ => (
                    Subject::App {
                        data: existing.clone(),
                    },
                    &mut kept,
                ),
            };
            // A start that never marks is counted and tried once more.
            let launched = match launch(&subject, &app, &server, &display_name, &api) {
                Ok(launched) => launched,
                Err(err) => {
                    eprintln!("    round {round}: {err}; once more");
                    missed += 1;
                    launch(&subject, &app, &server, &display_name, &api)?
                }
            };
            into.push(launched.ms);
            if let Some([setup, first, home]) = launched.steps {
                setups.push(setup);
                firsts.push(first);
                homes.push(home);
            }
            stop(launched.child);
        }
    }
    let (m, m_min, m_max) = stats(&mut mini);
    let (n, n_min, n_max) = stats(&mut flat);
    let (e, e_min, e_max) = stats(&mut empty);
    let (k, k_min, k_max) = stats(&mut kept);
    println!(
        "\nThe app draws {} accelerated compositing on this machine.",
        if app_composites { "with" } else { "without" }
    );
    println!(
        "\n| start (ms) | median | min | max | vs MiniBrowser | vs MiniBrowser without compositing |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| MiniBrowser, static page | {m} | {m_min} | {m_max} | 1.00× | {} |",
        ratio(m, n)
    );
    println!(
        "| MiniBrowser without compositing, static page | {n} | {n_min} | {n_max} | {} | 1.00× |",
        ratio(n, m)
    );
    println!(
        "| app, empty data folder | {e} | {e_min} | {e_max} | {} | {} |",
        ratio(e, m),
        ratio(e, n)
    );
    println!(
        "| app, existing data folder | {k} | {k_min} | {k_max} | {} | {} |",
        ratio(k, m),
        ratio(k, n)
    );
    if missed > 0 {
        println!("\n{missed} start(s) never marked within 30 s and were run again.");
    }
    let (s, s_min, s_max) = stats(&mut setups);
    let (f, f_min, f_max) = stats(&mut firsts);
    let (h, h_min, h_max) = stats(&mut homes);
    println!("\n| the app's steps (ms from exec, both folders) | median | min | max |");
    println!("|---|---:|---:|---:|");
    println!("| shell set up (Tauri, GTK) | {s} | {s_min} | {s_max} |");
    println!("| UI's first command (page, wasm loaded and started) | {f} | {f_min} | {f_max} |");
    println!("| home screen answered (engine opened, home read) | {h} | {h_min} | {h_max} |");
    println!(
        "| home tiles painted (the answer read, drawn, two frames) | {} | — | — |",
        (e + k) / 2
    );

    step(&format!(
        "idle memory: PSS of all processes after {} s on the first screen",
        IDLE.as_secs()
    ));
    let mut memory = Vec::new();
    for subject in [
        Subject::MiniBrowser { composited: true },
        Subject::MiniBrowser { composited: false },
        Subject::App {
            data: existing.clone(),
        },
    ] {
        let launched = launch(&subject, &app, &server, &display_name, &api)?;
        std::thread::sleep(IDLE);
        let pid = launched.child.id();
        memory.push((pss_kib(pid), descendants(pid).len()));
        stop(launched.child);
    }
    step(&format!(
        "memory after touring every page: PSS of the app's processes {} s after each stage (WebDriver)",
        IDLE.as_secs()
    ));
    let toured = tour_memory(&app, &display_name)?;
    let (mini_kib, flat_kib) = (memory[0].0, memory[1].0);
    println!(
        "\n| idle memory, {} s after | PSS (MiB) | processes | vs MiniBrowser | vs MiniBrowser without compositing |",
        IDLE.as_secs()
    );
    println!("|---|---:|---:|---:|---:|");
    let row = |what: &str, (kib, procs): (u64, usize)| {
        println!(
            "| {what} | {} | {procs} | {} | {} |",
            kib / 1024,
            ratio(u128::from(kib), u128::from(mini_kib)),
            ratio(u128::from(kib), u128::from(flat_kib))
        );
    };
    row("MiniBrowser, static page", memory[0]);
    row("MiniBrowser without compositing, static page", memory[1]);
    row("app, home screen (no API)", memory[2]);
    for (what, figure) in [
        "app under WebDriver, home screen (gateway's content pulled, team joined)",
        "app under WebDriver, after visiting every page once",
        "app under WebDriver, after a second visit of every page",
    ]
    .into_iter()
    .zip(toured)
    {
        row(what, figure);
    }
    println!(
        "\nMiniBrowser has no pages to visit: its static page after {} s is the \
         baseline of every row. Growth from the first tour to the second: {} KiB.",
        IDLE.as_secs(),
        i128::from(toured[2].0) - i128::from(toured[1].0)
    );

    step("UI bundle and package");
    println!("\n| file | raw (KiB) | gzip -9 (KiB) |");
    println!("|---|---:|---:|");
    let dist = root().join("app/dist");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dist)
        .map_err(|err| format!("{}: {err}", dist.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm" || x == "js"))
        .collect();
    files.sort();
    // (raw, gzip) of what the first screen loads, and of everything.
    let (mut first, mut all) = ((0, 0), (0, 0));
    for file in files {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let raw = std::fs::metadata(&file).map_or(0, |m| m.len());
        let gzip = gzip_len(&file);
        println!("| {name} | {} | {} |", raw / 1024, gzip / 1024);
        all = (all.0 + raw, all.1 + gzip);
        if !is_chunk(&name) {
            first = (first.0 + raw, first.1 + gzip);
        }
    }
    println!(
        "| first screen (main module and JS) | {} | {} |",
        first.0 / 1024,
        first.1 / 1024
    );
    println!(
        "| all, with the pages' chunks | {} | {} |",
        all.0 / 1024,
        all.1 / 1024
    );
    let deb_bytes = std::fs::metadata(&deb).map_or(0, |m| m.len());
    println!(
        "| {} | {} | — |",
        deb.file_name().unwrap_or_default().to_string_lossy(),
        deb_bytes / 1024
    );
    by_crate()
}

/// The release app driven through WebDriver by the e2e binary's ignored
/// test `tour::every_page_twice_for_the_memory_bench`: PSS of the app and its
/// WebKit processes `IDLE` after each of its stages — home before any tour,
/// after the first visit of every page, after the second.
fn tour_memory(app: &Path, display: &str) -> Result<[(u64, usize); 3]> {
    setup::webdriver()?;
    let cargo = |args: &[&str]| {
        let mut cmd = Command::new("cargo");
        cmd.current_dir(root()).args(args);
        cmd
    };
    // The gateway (the test serves the pages' content from it) and the test binary.
    proc::run(&mut cargo(&["build", "-p", "cds-gateway"]))?;
    proc::run(&mut cargo(&[
        "test",
        "--workspace",
        "--test",
        "e2e",
        "--no-run",
    ]))?;
    let marks = target_dir().join("bench-app/tour");
    let _ = std::fs::remove_dir_all(&marks);
    std::fs::create_dir_all(&marks).map_err(|err| format!("{}: {err}", marks.display()))?;
    let mut test = cargo(&[
        "test",
        "--workspace",
        "--test",
        "e2e",
        "--",
        "--ignored",
        "--exact",
        "tour::every_page_twice_for_the_memory_bench",
        "--nocapture",
    ]);
    test.env("CDS_E2E_APP", app)
        .env("CDS_E2E_GATEWAY", target_dir().join("debug/cds-gateway"))
        .env(
            "CDS_E2E_ARTIFACTS",
            target_dir().join("bench-app/artifacts"),
        )
        .env(
            "CDS_E2E_AXE",
            setup::npm_tools_dir().join("axe-core/axe.min.js"),
        )
        .env("CDS_E2E_TOUR_DIR", &marks)
        .env("DISPLAY", display);
    // The test's and the gateway's logs: read when the tour fails.
    let log = target_dir().join("bench-app/tour.log");
    let log_file =
        std::fs::File::create(&log).map_err(|err| format!("{}: {err}", log.display()))?;
    let log_err = log_file
        .try_clone()
        .map_err(|err| format!("{}: {err}", log.display()))?;
    test.stdout(log_file).stderr(log_err);
    let mut child = test
        .spawn()
        .map_err(|err| format!("cannot start the tour: {err}"))?;
    let app = std::fs::canonicalize(app).map_err(|err| format!("{}: {err}", app.display()))?;
    let mut figures = [(0, 0); 3];
    for (n, figure) in figures.iter_mut().enumerate() {
        let deadline = Instant::now() + Duration::from_secs(300);
        while !marks.join(format!("stage-{n}")).exists() {
            if Instant::now() > deadline || matches!(child.try_wait(), Ok(Some(_))) {
                stop(child);
                return Err(format!(
                    "the tour stopped before its stage {n} (see {})",
                    log.display()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(IDLE);
        // The app's own process (WebKitWebDriver started it) and its children.
        let pid = descendants(child.id())
            .into_iter()
            .find(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|exe| exe == app));
        let Some(pid) = pid else {
            stop(child);
            return Err("the tour's app process is not found".into());
        };
        *figure = (pss_kib(pid), descendants(pid).len());
        std::fs::write(marks.join(format!("measured-{n}")), "")
            .map_err(|err| format!("{}: {err}", marks.display()))?;
    }
    let status = child.wait().map_err(|err| format!("the tour: {err}"))?;
    if !status.success() {
        return Err(format!("the tour failed: {status} (see {})", log.display()));
    }
    Ok(figures)
}

/// A wasm chunk of `app/dist` (`cargo xtask build-ui` splits the pages off
/// the main module): fetched when a page first opens, not at start.
fn is_chunk(file_name: &str) -> bool {
    file_name.ends_with(".wasm") && file_name != "cds_app_bg.wasm"
}

/// twiggy from crates.io (it reads the wasm's function names).
const TWIGGY_VERSION: &str = "0.7.0";

/// The crate a function's symbol belongs to: its first path segment
/// (`<impl … for X>` counts as the crate of its first segment too).
fn crate_of(name: &str) -> &str {
    if name.starts_with("data[") {
        return "(data)";
    }
    // `<T as tachys::view::Render>::build`, `<(A, B) as …>`, `<&u8 as …>`:
    // a trait's impl for a generic or built-in type counts to the trait's crate.
    if let Some((ty, tr)) = name
        .strip_prefix('<')
        .and_then(|rest| rest.split_once(" as "))
        && !ty.contains("::")
    {
        return crate_of(tr);
    }
    let name = name.trim_start_matches(['<', '&', '*', ' ']);
    let end = name
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(name.len());
    // v0 symbols name a crate with its disambiguator: `core[1f2e3d]::`.
    let rest = &name[end..];
    let rest = rest
        .strip_prefix('[')
        .and_then(|rest| rest.split_once(']'))
        .map_or(rest, |(_, after)| after);
    match &name[..end] {
        "" => "(other)",
        "impl" | "dyn" | "mut" | "const" => "(generic)",
        head if rest.starts_with("::") => head,
        _ => "(other)",
    }
}

/// Code and data bytes of the UI's wasm by crate, before wasm-opt (which
/// drops the names it needs): where the bytes go.
fn by_crate() -> Result {
    if !proc::on_path("twiggy") {
        step(&format!(
            "installing twiggy {TWIGGY_VERSION} (cargo install)"
        ));
        proc::run(Command::new("cargo").args([
            "install",
            "twiggy",
            "--locked",
            "--version",
            TWIGGY_VERSION,
        ]))?;
    }
    let wasm = target_dir().join("wasm32-unknown-unknown/wasm-release/cds-app.wasm");
    let out = Command::new("twiggy")
        .args(["top", "-n", "1000000", "--format", "json"])
        .arg(&wasm)
        .output()
        .map_err(|err| format!("twiggy: {err}"))?;
    let items: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).map_err(|err| format!("twiggy's answer: {err}"))?;
    let mut sizes: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let mut descriptors = 0;
    for item in &items {
        let name = item["name"].as_str().unwrap_or_default();
        let bytes = item["shallow_size"].as_u64().unwrap_or(0);
        // Name and custom sections: wasm-opt and wasm-bindgen remove them.
        if name.contains("subsection") || name.starts_with("custom section") {
            continue;
        }
        // wasm-bindgen reads its descriptor functions and removes them.
        if name.contains("__wbindgen_describe") {
            descriptors += bytes;
            continue;
        }
        *sizes.entry(crate_of(name).to_owned()).or_default() += bytes;
    }
    let total: u64 = sizes.values().sum();
    let mut sorted: Vec<(String, u64)> = sizes.into_iter().collect();
    sorted.sort_by_key(|(_, bytes)| std::cmp::Reverse(*bytes));
    println!("\n| UI wasm by crate (before the split and wasm-opt) | KiB | share |");
    println!("|---|---:|---:|");
    for (name, bytes) in sorted.iter().take(15) {
        #[allow(clippy::cast_precision_loss)]
        let share = 100.0 * *bytes as f64 / total.max(1) as f64;
        println!("| {name} | {} | {share:.1}% |", bytes / 1024);
    }
    println!(
        "\nLeft out: {} KiB of wasm-bindgen's descriptor functions (it reads and removes them).",
        descriptors / 1024
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{crate_of, is_chunk};

    #[test]
    fn symbols_are_counted_to_their_crate() {
        assert_eq!(crate_of("tachys::view::Render::build::h1"), "tachys");
        assert_eq!(
            crate_of("<core::marker::PhantomData<T> as serde::de::DeserializeSeed>::deserialize"),
            "core"
        );
        assert_eq!(crate_of("data[0]"), "(data)");
        assert_eq!(
            crate_of("<T as tachys::view::any_view::IntoAny>::into_any::rebuild::h1"),
            "tachys"
        );
        assert_eq!(
            crate_of("<(A,B) as tachys::html::attribute::Attribute>::build"),
            "tachys"
        );
        assert_eq!(
            crate_of("<&isize as core[c5930c85]::fmt::Debug>::fmt"),
            "core"
        );
        assert_eq!(crate_of("memcpy"), "(other)");
        assert_eq!(crate_of("<impl Foo for Bar>::x"), "(generic)");
        assert_eq!(
            crate_of("core[c2c3a5de1]::fmt::float::float_to_decimal_common_exact"),
            "core"
        );
        assert_eq!(
            crate_of("<dlmalloc[e1a2]::dlmalloc::Dlmalloc<A>>::malloc"),
            "dlmalloc"
        );
    }

    #[test]
    fn the_first_screen_loads_the_main_module_and_the_scripts() {
        assert!(!is_chunk("cds_app_bg.wasm"));
        assert!(!is_chunk("cds_app.js"));
        assert!(!is_chunk("__wasm_split.js"));
        assert!(is_chunk("split_page_view_4675358943965373082.wasm"));
        assert!(is_chunk("chunk_21.wasm"));
    }
}
