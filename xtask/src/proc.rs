//! Running commands and owning background processes (stopped when dropped).

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::Result;

/// Runs `cmd` to completion with inherited output; fails on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let status = cmd
        .status()
        .map_err(|err| format!("cannot start {shown}: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// Runs `cmd` and returns its standard output, or `None` if it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether `program` can be started from PATH.
/// Runs `cmd` under GNU time; returns its wall time in seconds and its peak
/// resident memory in KiB. Fails if the command fails.
pub fn timed_with_peak(cmd: Command) -> Result<(f64, u64)> {
    let program = cmd.get_program().to_owned();
    let run = timed(cmd)?;
    if !run.success {
        return Err(format!("{program:?} failed: {}", run.stderr));
    }
    Ok((run.seconds, run.peak_kib))
}

/// A process run under `/usr/bin/time`, whether it succeeded or not.
pub struct Timed {
    pub seconds: f64,
    pub peak_kib: u64,
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cmd` under `/usr/bin/time`: wall time, peak memory, exit, output.
pub fn timed(cmd: Command) -> Result<Timed> {
    let mut timed = Command::new("/usr/bin/time");
    timed.args(["-f", "peak_kib=%M"]).arg(cmd.get_program());
    timed.args(cmd.get_args());
    let started = std::time::Instant::now();
    let output = timed
        .output()
        .map_err(|err| format!("{:?}: {err}", cmd.get_program()))?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let peak_kib = stderr
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix("peak_kib="))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| format!("no peak memory in: {stderr}"))?;
    Ok(Timed {
        seconds,
        peak_kib,
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr,
    })
}

pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// A background process, stopped with SIGTERM (then SIGKILL) when dropped.
pub struct Background {
    name: String,
    child: Child,
}

impl Background {
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Background> {
        let child = cmd
            .spawn()
            .map_err(|err| format!("cannot start {name}: {err}"))?;
        Ok(Background {
            name: name.to_owned(),
            child,
        })
    }

    /// Reads the first line the process prints on its (piped) standard output.
    pub fn first_line(&mut self) -> Result<String> {
        let stdout = self
            .child
            .stdout
            .take()
            .ok_or_else(|| format!("{}: standard output not captured", self.name))?;
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .map_err(|err| format!("{}: {err}", self.name))?;
        // Keep draining so that the process never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
                eprint!("{sink}");
                sink.clear();
            }
        });
        if line.is_empty() {
            return Err(format!(
                "{} exited before saying where it listens",
                self.name
            ));
        }
        Ok(line.trim().to_owned())
    }

    /// Whether the process has exited.
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits until the process exits.
    pub fn wait(&mut self) {
        let _ = self.child.wait();
    }

    pub fn stop(&mut self) {
        if self.exited() {
            return;
        }
        terminate(self.child.id());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.exited() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Sends SIGTERM (tauri-driver must get SIGTERM, or WebKitWebDriver keeps its port).
fn terminate(pid: u32) {
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// Starts the reference gateway on a free loopback port with environment
/// variables, its log (standard error) written to `log` if given instead of
/// this terminal; returns it and its URL.
pub fn start_gateway_with(
    binary: &Path,
    data: &Path,
    envs: &[(&str, String)],
    log: Option<&Path>,
) -> Result<(Background, String)> {
    let mut command = Command::new(binary);
    command
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .envs(envs.iter().map(|(key, value)| (*key, value.as_str())))
        .stdout(Stdio::piped());
    if let Some(log) = log {
        let file = std::fs::File::create(log)
            .map_err(|err| format!("cannot create {}: {err}", log.display()))?;
        command.stderr(file);
    }
    let mut gateway = Background::spawn("cds-gateway", &mut command)?;
    let line = gateway.first_line()?;
    let url = line
        .strip_prefix("listening on ")
        .ok_or_else(|| format!("cds-gateway said {line:?}"))?
        .to_owned();
    Ok((gateway, url))
}

/// A virtual X display, when there is no real one. `None` when DISPLAY is set.
pub fn virtual_display(size: &str) -> Result<Option<(Background, String)>> {
    if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
        return Ok(None);
    }
    for number in 90..110 {
        if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists()
            || Path::new(&format!("/tmp/.X{number}-lock")).exists()
        {
            continue;
        }
        let display = format!(":{number}");
        let mut xvfb = Background::spawn(
            "Xvfb",
            Command::new("Xvfb")
                .args([&display, "-screen", "0", size, "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{number}")).exists() {
                return Ok(Some((xvfb, display)));
            }
            if xvfb.exited() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Err("cannot start a virtual display (Xvfb)".into())
}
