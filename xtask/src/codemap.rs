//! Keeps ARCHITECTURE.md's code map true: every Rust file of a package in the
//! map is named in that package's row.

use std::path::{Path, PathBuf};

/// The Rust files under `dir`, as paths relative to it with `/`.
fn rust_files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs")
                && let Ok(relative) = path.strip_prefix(dir)
            {
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

/// The files of a mapped package's `src/` that its row does not name.
pub fn unnamed(root: &Path, map: &str) -> Vec<String> {
    let mut missing = Vec::new();
    for row in map.lines().filter(|line| line.starts_with("| `")) {
        let Some(package) = row.split('`').nth(1) else {
            continue;
        };
        let src: PathBuf = root.join(package).join("src");
        if !src.is_dir() {
            continue;
        }
        for file in rust_files(&src) {
            if !row.contains(&format!("`{file}`")) {
                missing.push(format!("{package}/src/{file}"));
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_map_names_every_module() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask lives in the workspace");
        let map = std::fs::read_to_string(root.join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md is readable");
        let missing = unnamed(root, &map);
        assert!(
            missing.is_empty(),
            "ARCHITECTURE.md's code map does not name: {missing:?}"
        );
        // The check itself sees a file that is not named.
        assert_eq!(
            unnamed(root, "| `crates/ipc` | `cds-ipc` | `lib.rs` |").len(),
            rust_files(&root.join("crates/ipc/src")).len() - 1
        );
    }
}
