use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Date;

/// The canonical key order of a finding file.
pub const AUDIT_FINDING_FIELDS: &[&str] = &[
    "id",
    "control",
    "title",
    "source",
    "test",
    "evidence",
    "severity",
    "owner",
    "found_on",
    "found_by",
    "due",
    "description",
    "root_cause",
    "plan",
    "status",
    "remediated_on",
    "remediation",
    "retest",
    "closed_on",
    "closed_by",
    "notes",
];

/// `findings/<F-ID>.yaml`: a control deficiency and its remediation, from an internal
/// test, an auditor, the team itself or an incident.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditFinding {
    /// The finding's ID, like F-001; equal to the file name (filled from it when left out).
    #[serde(default)]
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub id: String,
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub control: String,
    pub title: String,
    pub source: FindingSource,
    /// The test that found it (`CONTROL/STEM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<String>,
    /// The `deviation` evidence record that showed it (`CONTROL/STEM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    pub severity: Severity,
    /// Who is accountable for the remediation.
    pub owner: String,
    pub found_on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_by: Option<String>,
    /// The day it should be closed by.
    pub due: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<String>,
    /// What will be done about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    pub status: FindingStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediated_on: Option<Date>,
    /// What was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// The passing test of the control drawn after the remediation (`CONTROL/STEM`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Where a finding came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FindingSource {
    InternalTest,
    Auditor,
    SelfIdentified,
    Incident,
}

impl FindingSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSource::InternalTest => "internal-test",
            FindingSource::Auditor => "auditor",
            FindingSource::SelfIdentified => "self-identified",
            FindingSource::Incident => "incident",
        }
    }

    /// Found by testing (ours or the auditor's): it closes only after a passing retest.
    pub fn needs_retest(self) -> bool {
        matches!(self, FindingSource::InternalTest | FindingSource::Auditor)
    }
}

/// How serious a deficiency is, in the usual order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// A control does not allow people, in the normal course of their work, to prevent
    /// or detect a problem in time.
    Deficiency,
    /// Less than a material weakness, yet important enough to merit the attention of
    /// those charged with governance.
    SignificantDeficiency,
    /// A reasonable possibility that the service commitments and system requirements
    /// would not be achieved.
    MaterialWeakness,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Deficiency => "deficiency",
            Severity::SignificantDeficiency => "significant-deficiency",
            Severity::MaterialWeakness => "material-weakness",
        }
    }
}

/// `open → remediated → retested → closed`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    Open,
    Remediated,
    Retested,
    Closed,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Open => "open",
            FindingStatus::Remediated => "remediated",
            FindingStatus::Retested => "retested",
            FindingStatus::Closed => "closed",
        }
    }
}

impl AuditFinding {
    /// Not closed yet.
    pub fn is_open(&self) -> bool {
        self.status != FindingStatus::Closed
    }

    /// Open, and past its due date on `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.is_open() && self.due < today
    }

    /// Makes its control `deficient`: significant or worse, and its fix not yet shown
    /// to work by a retest.
    pub fn makes_deficient(&self) -> bool {
        self.severity >= Severity::SignificantDeficiency
            && matches!(self.status, FindingStatus::Open | FindingStatus::Remediated)
    }
}
