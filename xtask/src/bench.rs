//! `cargo xtask bench [NAME]`: benchmarks, each printed as a table with its
//! baseline measured in the same run.

use std::process::Command;

use crate::{Result, proc, root, step};

/// Benchmarks by name.
const BENCHES: &[&str] = &["outbox"];

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
    proc::run(
        Command::new("cargo")
            .current_dir(root())
            .args([
                "test",
                "--workspace",
                "--test",
                "core",
                "--",
                crate::test::CRASH_TEST,
                "--exact",
                "--nocapture",
            ])
            .env("CDS_CRASH_RUNS", "500"),
    )
}
