//! The `cong-dan-so` desktop binary.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    cds_shell::run();
}
