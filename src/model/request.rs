use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Date;

/// The canonical key order of a request file.
pub const REQUEST_FIELDS: &[&str] = &[
    "id",
    "request",
    "criteria",
    "controls",
    "asked_by",
    "asked_on",
    "due",
    "status",
    "evidence",
    "provided_on",
    "closed_on",
    "comments",
];

/// `requests/<ID>.yaml`: one item of the auditor's request list (PBC, "provided by
/// client").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The request's ID, as the auditor numbers it; equal to the file name without
    /// `.yaml` (filled from it when left out).
    #[serde(default)]
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub id: String,
    /// What the auditor asked for.
    pub request: String,
    /// The criteria the request concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "super::criteria_schema")]
    pub criteria: Vec<String>,
    /// The controls the request concerns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(regex(pattern = super::ID_PATTERN)))]
    pub controls: Vec<String>,
    /// Who asked: the audit firm or a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asked_by: Option<String>,
    pub asked_on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
    #[serde(default)]
    pub status: RequestStatus,
    /// The evidence records provided, by ID (`AC-01/2026-10-03-mfa-report`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// When evidence was last provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provided_on: Option<Date>,
    /// When the auditor accepted or rejected what was provided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Comment>,
}

/// Where a request stands.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    /// Asked, nothing provided yet.
    #[default]
    Open,
    /// Evidence provided; the auditor has not answered.
    Provided,
    /// The auditor accepted what was provided.
    Accepted,
    /// The auditor rejected what was provided: more is needed.
    Rejected,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 4] = [
        RequestStatus::Open,
        RequestStatus::Provided,
        RequestStatus::Accepted,
        RequestStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Provided => "provided",
            RequestStatus::Accepted => "accepted",
            RequestStatus::Rejected => "rejected",
        }
    }

    /// Waiting on the team: nothing provided yet, or what was provided was rejected.
    pub fn is_outstanding(self) -> bool {
        matches!(self, RequestStatus::Open | RequestStatus::Rejected)
    }
}

/// A note on a request: who wrote it, when, and what it says (a rejection's reason).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    pub by: String,
    pub on: Date,
    pub text: String,
}
