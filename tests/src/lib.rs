//! The end-to-end harness: the real gateway process, tauri-driver with
//! WebKitWebDriver, a small W3C WebDriver client, screenshots and axe-core.
//!
//! The paths come from `cargo xtask test` (`CDS_E2E_*`); run the tests through it.

pub mod webdriver;

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub use webdriver::{Element, Session};

/// What `cargo xtask test` hands the tests.
pub struct Env {
    pub app: PathBuf,
    pub gateway: PathBuf,
    pub artifacts: PathBuf,
    pub axe: PathBuf,
}

impl Env {
    pub fn get() -> Env {
        let var = |name: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    panic!("{name} is not set: run the end-to-end tests with `cargo xtask test`")
                })
        };
        let env = Env {
            app: var("CDS_E2E_APP"),
            gateway: var("CDS_E2E_GATEWAY"),
            artifacts: var("CDS_E2E_ARTIFACTS"),
            axe: var("CDS_E2E_AXE"),
        };
        std::fs::create_dir_all(&env.artifacts).expect("artifacts folder");
        env
    }
}

/// A child process stopped with SIGTERM (then SIGKILL) when dropped.
pub struct Process {
    child: Child,
}

impl Process {
    pub fn stop(&mut self) {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The reference gateway, started from its binary on a free loopback port.
pub struct Gateway {
    pub url: String,
    process: Process,
}

impl Gateway {
    pub fn start(binary: &Path, data: &Path) -> Gateway {
        Gateway::start_on(binary, data, "127.0.0.1:0")
    }

    /// Starts it on `listen` (to bring a stopped gateway back at the same address).
    pub fn start_on(binary: &Path, data: &Path, listen: &str) -> Gateway {
        let mut child = Command::new(binary)
            .args(["--listen", listen, "--data"])
            .arg(data)
            // Warnings and errors only (not a line per request) unless
            // RUST_LOG says otherwise.
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .spawn()
            .expect("cds-gateway starts");
        let stdout = child.stdout.take().expect("piped");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("gateway prints its address");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("gateway said {line:?}"))
            .to_owned();
        Gateway {
            url,
            process: Process { child },
        }
    }

    pub fn stop(&mut self) {
        self.process.stop();
    }
}

/// tauri-driver (with WebKitWebDriver) on free ports; the app it starts inherits `env`.
pub struct Driver {
    pub url: String,
    _process: Process,
}

impl Driver {
    pub fn start(env: &[(&str, &str)]) -> Driver {
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .stdout(Stdio::null());
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = cmd
            .spawn()
            .expect("tauri-driver starts (cargo xtask test installs it)");
        let driver = Driver {
            url: format!("http://127.0.0.1:{port}"),
            _process: Process { child },
        };
        wait_ready(&driver.url, "tauri-driver");
        driver
    }

    /// Starts the app and opens a WebDriver session on its main window.
    pub fn launch(&self, app: &Path) -> Session {
        Session::new(&self.url, app)
    }
}

/// Waits (bounded) until the WebDriver server at `url` answers `/status`.
fn wait_ready(url: &str, what: &str) {
    let http = webdriver::http_client();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{url}/status")).send().is_err() {
        assert!(Instant::now() < deadline, "{what} did not start in 30 s");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Debian's chromedriver on a free loopback port, for web pages (the staff
/// console) in headless Chromium. `CDS_E2E_CHROMEDRIVER` and
/// `CDS_E2E_CHROMIUM` name other binaries than Debian's.
pub struct Chromium {
    pub url: String,
    profile: PathBuf,
    _process: Process,
}

impl Chromium {
    pub fn start() -> Chromium {
        let port = free_port();
        let driver =
            std::env::var("CDS_E2E_CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into());
        let child = Command::new(&driver)
            .args([&format!("--port={port}"), "--allowed-ips=127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("{driver} starts (Debian's chromium-driver): {err}"));
        let chromium = Chromium {
            url: format!("http://127.0.0.1:{port}"),
            profile: std::env::temp_dir().join(format!("cds-e2e-chromium-{port}")),
            _process: Process { child },
        };
        wait_ready(&chromium.url, "chromedriver");
        chromium
    }

    /// A headless Chromium window of `width` × `height`, its own empty profile.
    pub fn open(&self, width: u32, height: u32) -> Session {
        let binary =
            std::env::var("CDS_E2E_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        Session::with_capabilities(
            &self.url,
            serde_json::json!({
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": binary,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--no-first-run",
                        format!("--window-size={width},{height}"),
                        format!("--user-data-dir={}", self.profile.display()),
                    ]
                }
            }),
        )
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// A violation axe-core found.
#[derive(Debug)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub targets: Vec<String>,
}

/// Runs axe-core on the current page; returns serious and critical violations.
pub fn accessibility_problems(session: &Session, axe_path: &Path) -> Vec<Violation> {
    let source = std::fs::read_to_string(axe_path).expect("axe-core is installed");
    session.execute(&format!("{source}\n;return true;"), &[]);
    let result = session.execute_async(
        "const done = arguments[arguments.length - 1];
         axe.run(document, { resultTypes: ['violations'] })
           .then(r => done(r.violations.map(v => ({
               id: v.id, impact: v.impact || '', help: v.help,
               targets: v.nodes.map(n => n.target.join(' ')) }))))
           .catch(e => done({ error: String(e) }));",
        &[],
    );
    if let Some(error) = result.get("error") {
        panic!("axe-core failed: {error}");
    }
    result
        .as_array()
        .expect("axe returns a list")
        .iter()
        .map(|v| Violation {
            id: v["id"].as_str().unwrap_or_default().to_owned(),
            impact: v["impact"].as_str().unwrap_or_default().to_owned(),
            help: v["help"].as_str().unwrap_or_default().to_owned(),
            targets: v["targets"]
                .as_array()
                .map(|t| {
                    t.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .filter(|v| v.impact == "serious" || v.impact == "critical")
        .collect()
}
