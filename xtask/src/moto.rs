//! An S3-compatible server for the gateway's photo-store tests and benchmark:
//! moto's server (PyPI, pure Python, installs in about half a minute into its
//! own virtual environment under `target/`), on 127.0.0.1 only.
//!
//! Why moto: it is on PyPI (the registries are all this machine reaches),
//! speaks the S3 REST API the `object_store` crate uses (path-style requests,
//! PUT/GET/list), needs no credentials setup, and keeps everything in memory.

use std::{
    net::TcpStream,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::{Result, proc, step, target_dir};

/// moto from PyPI, pinned.
pub const MOTO_VERSION: &str = "5.2.5";

fn venv() -> std::path::PathBuf {
    target_dir().join("py-moto")
}

/// Installs moto's server unless this version is there.
pub fn install() -> Result {
    let venv = venv();
    let have =
        proc::output(Command::new(venv.join("bin/pip")).args(["show", "moto"])).unwrap_or_default();
    if have.contains(&format!("Version: {MOTO_VERSION}")) && venv.join("bin/moto_server").exists() {
        return Ok(());
    }
    step(&format!(
        "installing moto {MOTO_VERSION} (an S3-compatible server) from PyPI into {}",
        venv.display()
    ));
    crate::setup::pip_venv(&venv, &format!("moto[server]=={MOTO_VERSION}"))
}

/// A running moto server; `endpoint` is `http://127.0.0.1:PORT`.
pub struct Moto {
    pub endpoint: String,
    _process: proc::Background,
}

impl Moto {
    pub fn start() -> Result<Moto> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|err| format!("cannot find a free port: {err}"))?
            .port();
        let mut process = proc::Background::spawn(
            "moto_server",
            Command::new(venv().join("bin/moto_server"))
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if process.exited() || Instant::now() > deadline {
                return Err("moto_server did not start listening within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(Moto {
            endpoint: format!("http://127.0.0.1:{port}"),
            _process: process,
        })
    }

    /// The variables the gateway's S3 client reads to reach this server.
    pub fn env(&self) -> [(&'static str, String); 5] {
        [
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "cds-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "cds-test-secret".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }
}
