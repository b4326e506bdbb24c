//! The crash test: a child process files drafts and reports with photos and is
//! killed with SIGKILL at random moments, many times over the same data folder.
//! After each kill the store is opened again (which runs recovery) and checked:
//! every report whose submit returned is there, whole; every saved draft is
//! there (or was submitted); nothing is half-saved; no photo file is missing or
//! orphaned. `CDS_CRASH_RUNS` sets the number of kills (200 by default; the
//! benchmark command runs 500).

use std::{
    collections::{HashMap, HashSet},
    io::Read,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use rusqlite::Connection;

use crate::{
    closed_port, open,
    outbox::{complete_draft, photo},
};

const CHILD_DIR: &str = "CDS_CRASH_CHILD_DIR";

/// The child: works until it is killed, printing a line after each step returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the crash test's child process, started by reports_survive_sigkill_at_random_moments"]
async fn child() {
    let dir = std::env::var_os(CHILD_DIR).expect("started by the crash test");
    let core = open(Path::new(&dir), &closed_port()).await.unwrap();
    let pid = std::process::id();
    for i in 0u32.. {
        let draft = core
            .save_draft(None, complete_draft(&format!("crash {pid} {i}")))
            .await
            .unwrap();
        let mut hashes = Vec::new();
        for j in 0..=(i % 3) {
            let stored = core
                .attach_photo(
                    draft.id.clone(),
                    photo(pid ^ (i << 8) ^ j, 1500 + 700 * j as usize),
                )
                .await
                .unwrap();
            hashes = stored.photos;
        }
        println!("saved {} {}", draft.id, hashes.join(","));
        if i % 4 != 3 {
            let receipt = core.submit(draft.id.clone()).await.unwrap();
            println!(
                "submitted {} {} {}",
                draft.id,
                receipt.report_id,
                hashes.join(",")
            );
        }
    }
}

/// What the child said before it died.
#[derive(Default)]
struct Said {
    /// Draft id → photo hashes, for drafts whose last save returned.
    saved: HashMap<String, Vec<String>>,
    /// Draft id → (report id, photo hashes), for submits that returned.
    submitted: HashMap<String, (String, Vec<String>)>,
}

fn parse(output: &[u8]) -> Said {
    let text = String::from_utf8_lossy(output);
    // A line cut by the kill has no newline: it was never said.
    let complete = text.rsplit_once('\n').map_or("", |(done, _)| done);
    let mut said = Said::default();
    let hashes = |s: &str| {
        s.split(',')
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect()
    };
    for line in complete.lines() {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["saved", draft, photos] => {
                said.saved.insert((*draft).to_owned(), hashes(photos));
            }
            ["submitted", draft, report, photos] => {
                said.submitted
                    .insert((*draft).to_owned(), ((*report).to_owned(), hashes(photos)));
            }
            _ => {}
        }
    }
    said
}

fn photos_of(conn: &Connection, table: &str, key: &str, id: &str) -> Vec<String> {
    let mut statement = conn
        .prepare(&format!(
            "SELECT hash FROM {table} WHERE {key} = ?1 ORDER BY position"
        ))
        .unwrap();
    statement
        .query_map([id], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Checks the data folder after a kill and recovery. Returns how many of the
/// child's returned submits were verified.
fn verify(dir: &Path, said: &Said) -> usize {
    let conn = Connection::open(dir.join(cds_core::db::DB_FILE)).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let broken_links: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(broken_links, 0, "dangling references");

    for (draft, (report, hashes)) in &said.submitted {
        assert_eq!(
            &photos_of(&conn, "report_photos", "report_id", report),
            hashes,
            "report {report} lost photos"
        );
        let drafts: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM drafts WHERE id = ?1",
                [draft],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(
            drafts, 0,
            "draft {draft} was submitted but is still a draft"
        );
    }
    for (draft, hashes) in said
        .saved
        .iter()
        .filter(|(d, _)| !said.submitted.contains_key(*d))
    {
        let still_draft = photos_of(&conn, "draft_photos", "draft_id", draft);
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM drafts WHERE id = ?1)",
                [draft],
                |row| row.get(0),
            )
            .unwrap();
        if exists {
            assert_eq!(&still_draft, hashes, "draft {draft} lost photos");
        } else {
            // Submitted, and killed before it could say so: the report holds it all.
            let reports: i64 = conn
                .query_row(
                    "SELECT COUNT(*) FROM reports r WHERE
                       (SELECT group_concat(hash, ',') FROM
                          (SELECT hash FROM report_photos p WHERE p.report_id = r.id ORDER BY position)) = ?1",
                    [hashes.join(",")],
                    |row| row.get(0),
                )
                .unwrap();
            assert!(
                reports >= 1,
                "draft {draft} vanished without becoming a report"
            );
        }
    }

    // Nothing half-saved: every report has its photos (the child attaches at least one).
    let bare: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM reports r WHERE NOT EXISTS
                 (SELECT 1 FROM report_photos p WHERE p.report_id = r.id)",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(bare, 0, "a report without its photos");

    // No photo missing or damaged, none orphaned, no temporary file left.
    let referenced: HashSet<String> = {
        let mut statement = conn
            .prepare("SELECT hash FROM draft_photos UNION SELECT hash FROM report_photos")
            .unwrap();
        statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let photo_dir = dir.join("photos");
    let mut on_disk = HashSet::new();
    if let Ok(entries) = std::fs::read_dir(&photo_dir) {
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            let hash = name
                .strip_suffix(".jpg")
                .unwrap_or_else(|| panic!("stray file {name} in the photo folder"))
                .to_owned();
            on_disk.insert(hash);
        }
    }
    for hash in &referenced {
        let bytes = std::fs::read(photo_dir.join(format!("{hash}.jpg")))
            .unwrap_or_else(|err| panic!("photo {hash} is missing: {err}"));
        assert_eq!(
            &cds_core::photos::hash(&bytes),
            hash,
            "photo {hash} is damaged"
        );
    }
    let orphans: Vec<_> = on_disk.difference(&referenced).collect();
    assert!(orphans.is_empty(), "orphaned photo files: {orphans:?}");
    said.submitted.len()
}

/// How many kills (`CDS_CRASH_RUNS`, 200 by default), the seed, and a
/// generator of random numbers from it.
fn kill_plan() -> (u32, u32, impl FnMut() -> u32) {
    let runs = std::env::var("CDS_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
        | 1;
    let mut rng = seed;
    let next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        rng
    };
    (runs, seed, next)
}

/// Runs the ignored test `child` of this test binary with `env`, kills it with
/// SIGKILL after `delay`, and returns what it printed. A child that ends by
/// itself fails the test (`what` names the run for the message).
async fn run_and_kill(
    child: &str,
    env: &[(&str, &std::ffi::OsStr)],
    delay: Duration,
    what: &str,
) -> Vec<u8> {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--ignored",
            "--exact",
            child,
            "--nocapture",
            "--test-threads=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut process = command.spawn().unwrap();
    tokio::time::sleep(delay).await;
    if let Ok(Some(status)) = process.try_wait() {
        let mut stderr = String::new();
        process
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        panic!("{what}: {child} exited by itself ({status}): {stderr}");
    }
    process.kill().unwrap(); // SIGKILL
    process.wait().unwrap();
    let mut output = Vec::new();
    process
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut output)
        .unwrap();
    output
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_survive_sigkill_at_random_moments() {
    let (runs, seed, mut next) = kill_plan();
    let mut dir = tempfile::tempdir().unwrap();
    let mut verified = 0;
    let mut killed_mid_work = 0;
    for run in 0..runs {
        // A fresh folder now and then keeps each check quick; within a folder,
        // every run starts on what the previous kill left.
        if run % 25 == 0 {
            dir = tempfile::tempdir().unwrap();
        }
        let delay = Duration::from_millis(u64::from(5 + next() % 250));
        let what = format!("run {run} (seed {seed})");
        let output = run_and_kill(
            "crash::child",
            &[(CHILD_DIR, dir.path().as_os_str())],
            delay,
            &what,
        )
        .await;
        let said = parse(&output);
        if !said.saved.is_empty() {
            killed_mid_work += 1;
        }
        drop(
            open(dir.path(), &closed_port())
                .await
                .unwrap_or_else(|err| {
                    panic!("run {run} (seed {seed}): the store does not open after the kill: {err}")
                }),
        );
        let path = dir.path().to_owned();
        verified += tokio::task::spawn_blocking(move || verify(&path, &said))
            .await
            .unwrap_or_else(|_| panic!("run {run} (seed {seed}) failed its check (see above)"));
    }
    println!(
        "crash test: {runs} SIGKILL runs passed (seed {seed}), {killed_mid_work} killed after \
         filing something, {verified} returned submits verified"
    );
    assert!(
        killed_mid_work > runs / 4,
        "most kills came before the child did anything: the test proves little"
    );
}

const SENDER_DIR: &str = "CDS_CRASH_SENDER_DIR";
const SENDER_GATEWAY: &str = "CDS_CRASH_SENDER_GATEWAY";

/// Opens the engine on `dir`, sending to the gateway at `gateway`.
async fn open_sender(dir: &Path, gateway: &str) -> cds_core::Core {
    let gateway = gateway.to_owned();
    cds_core::Core::open(dir.to_owned(), move |name| match name {
        "CDS_API_URL" => Some(gateway.clone()),
        "CDS_OPEN311_API_KEY" => Some("cds-demo-key".into()),
        "CDS_HTTP_TIMEOUT_MS" => Some("2000".into()),
        "CDS_RETRY_BASE_MS" => Some("10".into()),
        _ => None,
    })
    .await
    .unwrap()
}

/// The sending child: files reports and delivers them until it is killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the crash test's sending child, started by sending_survives_sigkill_at_random_moments"]
async fn sending_child() {
    let dir = std::env::var_os(SENDER_DIR).expect("started by the crash test");
    let gateway = std::env::var(SENDER_GATEWAY).expect("started by the crash test");
    let core = open_sender(Path::new(&dir), &gateway).await;
    let pid = u64::from(std::process::id());
    for i in 0u64.. {
        let mut draft = complete_draft(&format!("gửi {pid} {i}"));
        draft.attributes = [("size".to_owned(), "small".to_owned())].into();
        let saved = core.save_draft(None, draft).await.unwrap();
        for j in 0..=(i % 2) {
            core.attach_photo(
                saved.id.clone(),
                crate::real_jpeg((pid << 20) ^ (i << 4) ^ j),
            )
            .await
            .unwrap();
        }
        let receipt = core.submit(saved.id).await.unwrap();
        println!("submitted {}", receipt.report_id);
        core.sync_outbox().await.unwrap();
    }
}

/// Every report on the device is confirmed and at the gateway exactly once,
/// with its photos byte-identical. Returns how many reports were checked.
async fn verify_delivery(core: &cds_core::Core, gateway: &str, fresh: &[String]) -> usize {
    let remote = crate::gateway_requests(gateway).await;
    let counts = core.counts().await.unwrap();
    assert_eq!(
        (counts.pending, counts.rejected),
        (0, 0),
        "device and gateway agree after a sync"
    );
    let mut local = 0;
    let mut page = core.reports(None, 100).await.unwrap();
    loop {
        local += page.items.len();
        match page.next {
            Some(next) => page = core.reports(Some(next), 100).await.unwrap(),
            None => break,
        }
    }
    assert_eq!(
        remote.len(),
        local,
        "each report exactly once at the gateway"
    );
    for id in fresh {
        crate::assert_at_gateway(core, &remote, id).await;
    }
    fresh.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_survives_sigkill_at_random_moments() {
    let (runs, seed, mut next) = kill_plan();
    let mut app = tempfile::tempdir().unwrap();
    // The gateway of the current device; kept alive (its folder) until replaced.
    let mut _gw_dir = tempfile::tempdir().unwrap();
    let mut gateway = String::new();
    let (mut filed, mut checked, mut killed_while_sending) = (0, 0, 0);
    for run in 0..runs {
        // A fresh device and gateway now and then keep each check quick.
        if run % 25 == 0 {
            app = tempfile::tempdir().unwrap();
            let dir = tempfile::tempdir().unwrap();
            gateway = crate::gateway(dir.path()).await;
            _gw_dir = dir;
        }
        let delay = Duration::from_millis(u64::from(10 + next() % 300));
        let what = format!("run {run} (seed {seed})");
        let env = [
            (SENDER_DIR, app.path().as_os_str()),
            (SENDER_GATEWAY, std::ffi::OsStr::new(&gateway)),
        ];
        let output = String::from_utf8_lossy(
            &run_and_kill("crash::sending_child", &env, delay, &what).await,
        )
        .into_owned();
        let complete = output.rsplit_once('\n').map_or("", |(done, _)| done);
        let fresh: Vec<String> = complete
            .lines()
            .filter_map(|l| l.strip_prefix("submitted "))
            .map(str::to_owned)
            .collect();
        filed += fresh.len();
        let sending: i64 = Connection::open(app.path().join(cds_core::db::DB_FILE))
            .and_then(|conn| {
                conn.query_row(
                    "SELECT COUNT(*) FROM reports WHERE state_kind = 'sending'",
                    [],
                    |row| row.get(0),
                )
            })
            .unwrap_or(0);
        if sending > 0 {
            killed_while_sending += 1;
        }
        // The next start: recovery, then a sync finishes what the kill interrupted.
        let core = open_sender(app.path(), &gateway).await;
        for _ in 0..50 {
            core.sync_outbox().await.unwrap();
            if core.counts().await.unwrap().pending == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        checked += verify_delivery(&core, &gateway, &fresh).await;
    }
    println!(
        "crash test while sending: {runs} SIGKILL runs passed (seed {seed}), {killed_while_sending} \
         killed in the middle of a send; {filed} reports filed, each at the gateway exactly once \
         with its photos ({checked} checked one by one)"
    );
    assert!(
        killed_while_sending > runs / 10,
        "too few kills landed during a send"
    );
    assert!(
        filed as u32 > runs,
        "the sender filed too little before the kills to prove anything"
    );
}
