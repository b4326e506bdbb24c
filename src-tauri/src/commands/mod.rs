//! The commands the UI calls, a file per feature, as in `cds-ipc`. Each is
//! request → `cds-core` → response; the contract (names and types) is `cds-ipc`.

pub mod alerts;
pub mod areas;
pub mod awareness;
pub mod device;
pub mod dossiers;
pub mod home;
pub mod inbox;
pub mod links;
pub mod places;
pub mod products;
pub mod public_reports;
pub mod reports;
pub mod sync;
pub mod teams;
