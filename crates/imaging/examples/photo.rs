//! `photo INPUT OUTPUT [MAX_EDGE]`: runs the photo pipeline on one file and
//! writes the JPEG it makes; prints `outcome=accepted W×H` or
//! `outcome=refused: REASON` (a refusal is an answer, not a failure: the exit
//! is 0 either way) and `peak_rss_kib=N` (this process's high-water mark).
//! `cargo xtask bench photos` times it next to `vipsthumbnail`.

#![allow(clippy::print_stdout)]

use cds_imaging::{Settings, process};

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = &args[..] else {
        return Err("usage: photo INPUT OUTPUT [MAX_EDGE]".into());
    };
    let max_edge = match rest.first() {
        Some(edge) => edge.parse().map_err(|err| format!("{edge}: {err}"))?,
        None => Settings::default().max_edge,
    };
    let bytes = std::fs::read(input).map_err(|err| format!("{input}: {err}"))?;
    let settings = Settings {
        max_edge,
        ..Settings::default()
    };
    match process(&bytes, &settings) {
        Ok(processed) => {
            std::fs::write(output, &processed.jpeg).map_err(|err| format!("{output}: {err}"))?;
            println!("outcome=accepted {}×{}", processed.width, processed.height);
        }
        Err(refused) => println!("outcome=refused: {refused}"),
    }
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .map(|v| v.trim().trim_end_matches(" kB").to_owned())
        })
        .unwrap_or_default();
    println!("peak_rss_kib={peak}");
    Ok(())
}
