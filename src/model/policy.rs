use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Approval, Date, Interval};

/// The canonical key order of a policy file.
pub const POLICY_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "owner",
    "version",
    "document",
    "review_every",
    "last_reviewed",
    "approval",
    "notes",
];

/// `policies/<ID>.yaml`; the policy text sits beside it in `document`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// The policy's ID; equal to the file name without `.yaml` (filled from it when left out).
    #[serde(default)]
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default = "first_version")]
    pub version: u32,
    /// File name of the policy text, relative to `policies/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_every: Option<Interval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reviewed: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

pub(super) fn first_version() -> u32 {
    1
}

/// The last time a reviewed document (a policy, the system description) was looked at:
/// the later of its last review and its approval.
pub(super) fn last_review(
    last_reviewed: Option<Date>,
    approval: Option<&Approval>,
) -> Option<Date> {
    let approved = approval.map(|a| a.at);
    match (last_reviewed, approved) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl Policy {
    /// Review cadence when the file names none: yearly, as auditors expect.
    pub const DEFAULT_REVIEW_EVERY: Interval = Interval::days(365);

    pub fn review_every(&self) -> Interval {
        self.review_every.unwrap_or(Self::DEFAULT_REVIEW_EVERY)
    }

    /// The date the policy was last looked at: a review, or else its approval.
    pub fn last_review(&self) -> Option<Date> {
        last_review(self.last_reviewed, self.approval.as_ref())
    }

    /// When the next review falls due, if the policy was ever reviewed or approved.
    pub fn review_due(&self) -> Option<Date> {
        self.last_review().map(|d| self.review_every().after(d))
    }
}
