//! Approvals: who approved a record's content, identified by its digest, and whether
//! the approval still holds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Date, Sha256Hex};

/// Someone other than the author approved the record's content, identified by its digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub by: String,
    pub at: Date,
    pub digest: Sha256Hex,
}

/// Whether a record's approval still holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalState {
    Approved,
    /// Never approved.
    Missing,
    /// Approved, then changed: the digest no longer matches.
    Changed,
}

impl ApprovalState {
    /// "approved", "not approved", "changed since approval".
    pub fn describe(self) -> &'static str {
        match self {
            ApprovalState::Approved => "approved",
            ApprovalState::Missing => "not approved",
            ApprovalState::Changed => "changed since approval",
        }
    }

    /// The one rule: an approval holds when its digest is the content's digest now.
    pub fn of(approval: Option<&Approval>, current: &Sha256Hex) -> ApprovalState {
        match approval {
            None => ApprovalState::Missing,
            Some(a) if &a.digest == current => ApprovalState::Approved,
            Some(_) => ApprovalState::Changed,
        }
    }
}
