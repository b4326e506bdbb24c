//! The commands the UI calls, a file per feature, as in `cds-ipc`. Each is
//! request → `cds-core` → response; the contract (names and types) is `cds-ipc`.

pub mod areas;
pub mod home;
pub mod public_reports;
pub mod reports;
pub mod sync;
