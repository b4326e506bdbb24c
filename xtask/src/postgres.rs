//! A throwaway PostgreSQL cluster under `target/` for the gateway's tests and
//! benchmarks: Debian's server binaries, a fresh data folder each time,
//! listening on 127.0.0.1 only, stopped when dropped.
//!
//! PostgreSQL refuses to run as root; as root the cluster's folder belongs to
//! the `postgres` user (made by Debian's package) and its commands run as that
//! user through `runuser`.

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{Result, proc, target_dir};

/// A running cluster; `url` is `postgres://postgres@127.0.0.1:PORT` (no
/// database: add `/name`).
pub struct Cluster {
    pub url: String,
    bin: PathBuf,
    data: PathBuf,
}

/// Settings that make a test cluster fast: it is thrown away after the run,
/// so it need not survive a power cut. The benchmark keeps the defaults.
pub const FAST: &[&str] = &[
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
];

impl Cluster {
    /// Makes and starts a cluster in `target/<name>` with `settings` (`key=value`).
    pub fn start(name: &str, settings: &[&str]) -> Result<Cluster> {
        let bin = server_bin()?;
        let root = target_dir().join(name);
        if root.exists() {
            fs::remove_dir_all(&root)
                .map_err(|err| format!("cannot clear {}: {err}", root.display()))?;
        }
        let data = root.join("data");
        fs::create_dir_all(&data)
            .map_err(|err| format!("cannot create {}: {err}", data.display()))?;
        if as_root() {
            proc::run(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&root),
            )?;
        }
        proc::run(
            as_postgres(&bin.join("initdb"))
                .args([
                    "--auth=trust",
                    "--username=postgres",
                    "--encoding=UTF8",
                    "--locale=C",
                ])
                .arg("--no-sync")
                .arg("-D")
                .arg(&data)
                .stdout(std::process::Stdio::null()),
        )?;
        let port = free_port()?;
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={} \
             -c max_connections=300",
            data.display()
        );
        for setting in settings {
            options.push_str(" -c ");
            options.push_str(setting);
        }
        proc::run(
            as_postgres(&bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(root.join("server.log"))
                .args(["-o", &options, "-w", "-s", "start"]),
        )?;
        Ok(Cluster {
            url: format!("postgres://postgres@127.0.0.1:{port}"),
            bin,
            data,
        })
    }

    /// Stops the server now, without waiting for clients (the data is thrown away).
    pub fn stop(&self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "-s", "stop"])
            .status();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Debian's server binaries: the newest `/usr/lib/postgresql/<version>/bin`.
fn server_bin() -> Result<PathBuf> {
    let base = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir(base)
        .map_err(|err| {
            format!(
                "PostgreSQL's server is not installed ({}: {err})",
                base.display()
            )
        })?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions
        .pop()
        .map(|(_, bin)| bin)
        .ok_or_else(|| format!("no PostgreSQL server in {}", base.display()))
}

fn as_root() -> bool {
    proc::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

/// `program` run as the `postgres` user when this is root, else as this user.
fn as_postgres(program: &Path) -> Command {
    if as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|err| format!("cannot find a free port: {err}"))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|err| format!("cannot find a free port: {err}"))
}
