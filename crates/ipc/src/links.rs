//! Links opened outside the app, in the system browser.

use serde::{Deserialize, Serialize};

use crate::{Command, Empty};

/// The commands of this feature.
pub const COMMANDS: &[&str] = &[OpenLink::NAME];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OpenLinkRequest {
    pub url: String,
}
command!(
    /// Opens an `https` page of a trusted host in the system browser; any
    /// other link is refused (`LinkNotAllowed`).
    OpenLink, "open_link", OpenLinkRequest, Empty
);
