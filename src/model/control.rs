use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Approval, Collector, Date, EvidenceKind, Interval};

/// The canonical key order of a control file.
pub const CONTROL_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "test_procedure",
    "owner",
    "criteria",
    "status",
    "reason",
    "frequency",
    "grace",
    "point_in_time",
    "policies",
    "collect",
    "approval",
    "exceptions",
    "notes",
];

/// `controls/<ID>.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// The control's ID; equal to the file name without `.yaml` (filled from it when left out).
    #[serde(default)]
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How a tester checks that the control operates: inquiry, inspection or
    /// reperformance, and what to sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_procedure: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "super::criteria_schema")]
    pub criteria: Vec<String>,
    pub status: ControlStatus,
    /// Why the control does not apply; required with `status: not-applicable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub frequency: Frequency,
    /// How long after a window ends its evidence may still arrive (default: the
    /// audit's `grace`, 30d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<Interval>,
    /// Evidence kinds that show a state on one day (besides screenshots), such as a
    /// configuration dump: each satisfies only the window holding its `collected_at`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub point_in_time: Vec<EvidenceKind>,
    /// IDs of the policies that govern the control.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(regex(pattern = super::ID_PATTERN)))]
    pub policies: Vec<String>,
    /// Commands whose output shows the control operating, run by `soc2 collect` when
    /// the control's current window has no evidence from them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collect: Vec<Collector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<Exception>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ControlStatus {
    Planned,
    Designed,
    Implemented,
    NotApplicable,
}

impl Control {
    /// A not-applicable control must say why: auditors read the reason.
    pub fn lacks_reason(&self) -> bool {
        self.status == ControlStatus::NotApplicable
            && self.reason.as_ref().is_none_or(|r| r.trim().is_empty())
    }
}

impl ControlStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlStatus::Planned => "planned",
            ControlStatus::Designed => "designed",
            ControlStatus::Implemented => "implemented",
            ControlStatus::NotApplicable => "not-applicable",
        }
    }
}

/// How often a control operates, which sets how fresh its evidence must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Frequency {
    Continuous,
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Semiannual,
    Annual,
    PerEvent,
}

impl Frequency {
    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::Continuous => "continuous",
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
            Frequency::Semiannual => "semiannual",
            Frequency::Annual => "annual",
            Frequency::PerEvent => "per-event",
        }
    }
}

/// An accepted risk: the control is knowingly not working until `expires`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub reason: String,
    pub approved_by: String,
    pub expires: Date,
}
