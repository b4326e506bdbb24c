//! This device's own data: what "delete my data from this device" would take
//! (named before anything goes), and which provincial API the app talks to.

use serde::{Deserialize, Serialize};

/// Longest excerpt of a draft's or report's text named before erasing.
pub const EXCERPT_CHARS: usize = 60;

/// Something of the resident's that has not reached the province: named,
/// so that nothing goes without the resident knowing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsent {
    /// The start of its text (empty when it has none).
    pub excerpt: String,
    /// The receipt code of a submitted report; none for a draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    pub at_ms: i64,
}

/// What erasing would take from this device. The erase request carries the
/// preview the resident saw: if anything changed since, nothing is erased.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ErasePreview {
    /// Drafts never submitted.
    pub drafts: Vec<Unsent>,
    /// Reports submitted on the device that the province has not confirmed.
    pub unsent_reports: Vec<Unsent>,
    /// Reports the province holds (they stay there; only this device forgets).
    pub sent_reports: u32,
    /// Assisted sessions recorded and not yet delivered.
    pub unsent_sessions: u32,
    /// Dossiers and public reports followed.
    pub followed: u32,
    /// The community team joined on this device, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

impl ErasePreview {
    /// Whether erasing would lose something the province has not received.
    pub fn loses_unsent(&self) -> bool {
        !self.drafts.is_empty() || !self.unsent_reports.is_empty() || self.unsent_sessions > 0
    }

    /// Whether there is anything of the resident's to erase at all.
    pub fn is_empty(&self) -> bool {
        !self.loses_unsent() && self.sent_reports == 0 && self.followed == 0 && self.team.is_none()
    }
}

/// The start of `text` for naming it: its first line, trimmed, at most
/// [`EXCERPT_CHARS`] characters with "…" when cut.
pub fn excerpt(text: &str) -> String {
    let line = text.trim().lines().next().unwrap_or_default().trim();
    let mut chars = line.chars();
    let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        format!("{}…", head.trim_end())
    } else {
        head
    }
}

/// The provincial API address: the one in force, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiAddress {
    /// The address the app talks to now.
    pub in_force: String,
    /// The address chosen on this device (none: the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<String>,
    /// The address the app talks to when none is chosen.
    pub default: String,
    /// Set by whoever installed or started the app (an environment
    /// variable): it wins over the choice made here, which cannot be changed.
    pub from_environment: bool,
    /// The chosen address differs from the one in force: it applies when
    /// the app starts again.
    pub restart_needed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_the_first_line_cut_at_a_limit() {
        assert_eq!(excerpt("  Ổ gà lớn\nở Lê Lợi "), "Ổ gà lớn");
        assert_eq!(excerpt(""), "");
        let long = "đ".repeat(EXCERPT_CHARS + 5);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(
            excerpt(&"a".repeat(EXCERPT_CHARS)),
            "a".repeat(EXCERPT_CHARS)
        );
    }

    #[test]
    fn a_preview_says_whether_unsent_work_would_go() {
        let mut preview = ErasePreview::default();
        assert!(preview.is_empty() && !preview.loses_unsent());
        preview.sent_reports = 2;
        assert!(!preview.is_empty() && !preview.loses_unsent());
        preview.unsent_sessions = 1;
        assert!(preview.loses_unsent());
        let draft = ErasePreview {
            drafts: vec![Unsent {
                excerpt: "x".into(),
                receipt: None,
                at_ms: 1,
            }],
            ..ErasePreview::default()
        };
        assert!(draft.loses_unsent());
    }
}
