use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Approval, Date, Interval};

/// The canonical key order of `system/description.yaml`.
pub const SYSTEM_FIELDS: &[&str] = &[
    "title",
    "owner",
    "version",
    "review_every",
    "last_reviewed",
    "approval",
    "notes",
];

/// `system/description.yaml`: who owns the system description (`system/description.md`
/// beside it), its review cadence and its approval, as for a policy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemDescription {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Kept by `soc2 approve system`: one more each time changed text is approved.
    #[serde(default = "super::policy::first_version")]
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_every: Option<Interval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reviewed: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl SystemDescription {
    pub const DEFAULT_REVIEW_EVERY: Interval = Interval::days(365);

    pub fn review_every(&self) -> Interval {
        self.review_every.unwrap_or(Self::DEFAULT_REVIEW_EVERY)
    }

    /// The later of `last_reviewed` and the approval's date.
    pub fn last_review(&self) -> Option<Date> {
        super::policy::last_review(self.last_reviewed, self.approval.as_ref())
    }

    pub fn review_due(&self) -> Option<Date> {
        self.last_review().map(|d| self.review_every().after(d))
    }
}
