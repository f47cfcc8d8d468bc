use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Date, Interval, Period};

/// The canonical key order of a vendor file.
pub const VENDOR_FIELDS: &[&str] = &[
    "id",
    "name",
    "description",
    "owner",
    "services",
    "data",
    "criticality",
    "review_every",
    "last_reviewed",
    "method",
    "csoc",
    "monitoring_control",
    "soc_report",
    "cuec",
    "notes",
];

/// `vendors/<ID>.yaml`: a vendor, and when it performs part of our controls, a
/// subservice organisation (`method`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vendor {
    /// The vendor's ID; equal to the file name without `.yaml` (filled from it when left out).
    #[serde(default)]
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The person accountable for the relationship and its reviews.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The vendor's services the company uses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// The data the company shares with the vendor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<String>,
    pub criticality: Criticality,
    /// How often the vendor is reviewed (default 365d).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_every: Option<Interval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reviewed: Option<Date>,
    /// For a subservice organisation: `carve-out` (its controls stay out of our audit
    /// and its own SOC report covers them) or `inclusive` (they are tested in ours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    /// The criteria its controls carry (complementary subservice organisation
    /// controls), each with what the company expects it to do.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub csoc: Vec<Csoc>,
    /// The control that reviews its SOC report (default VM-02, the starter library's
    /// vendor SOC report review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub monitoring_control: Option<String>,
    /// Its latest SOC report and our review of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soc_report: Option<SocReport>,
    /// The complementary user-entity controls it expects of the company, each carried
    /// out by one of our controls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cuec: Vec<Cuec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl Vendor {
    /// Review cadence when the file names none: yearly.
    pub const DEFAULT_REVIEW_EVERY: Interval = Interval::days(365);

    /// The monitoring control when the file names none.
    pub const DEFAULT_MONITORING_CONTROL: &str = "VM-02";

    pub fn review_every(&self) -> Interval {
        self.review_every.unwrap_or(Self::DEFAULT_REVIEW_EVERY)
    }

    pub fn monitoring_control(&self) -> &str {
        self.monitoring_control
            .as_deref()
            .unwrap_or(Self::DEFAULT_MONITORING_CONTROL)
    }

    /// A subservice organisation performs part of our controls.
    pub fn is_subservice(&self) -> bool {
        self.method.is_some()
    }

    pub fn is_carve_out(&self) -> bool {
        self.method == Some(Method::CarveOut)
    }

    /// The last review: `last_reviewed`, or the review of its SOC report, whichever is later.
    pub fn last_review(&self) -> Option<Date> {
        let report = self.soc_report.as_ref().and_then(|r| r.reviewed_on);
        match (self.last_reviewed, report) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// When the next review falls due, if the vendor was ever reviewed.
    pub fn review_due(&self) -> Option<Date> {
        self.last_review().map(|d| self.review_every().after(d))
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Criticality {
    Low,
    Medium,
    High,
    Critical,
}

impl Criticality {
    pub fn as_str(self) -> &'static str {
        match self {
            Criticality::Low => "low",
            Criticality::Medium => "medium",
            Criticality::High => "high",
            Criticality::Critical => "critical",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Its controls are left out of our audit; its own SOC report covers them.
    CarveOut,
    /// Its controls are described in our system description and tested in our audit.
    Inclusive,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::CarveOut => "carve-out",
            Method::Inclusive => "inclusive",
        }
    }
}

/// A criterion a subservice organisation's controls carry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Csoc {
    #[schemars(schema_with = "super::criterion_schema")]
    pub criterion: String,
    /// What the company expects the subservice organisation to do, in a line.
    pub description: String,
}

/// A control a vendor expects of the company, and ours that carries it out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cuec {
    pub description: String,
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub control: String,
}

/// A vendor's SOC report and our review of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SocReport {
    #[serde(rename = "type")]
    pub kind: ReportType,
    /// The period it covers (a Type 1 report: its date as both ends).
    pub period: Period,
    pub received_on: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewed_on: Option<Date>,
    /// The vendor's letter that nothing material changed after the report's period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge_letter: Option<BridgeLetter>,
}

impl SocReport {
    pub fn is_reviewed(&self) -> bool {
        self.reviewed_by
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty())
            && self.reviewed_on.is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportType {
    Type1,
    Type2,
}

impl ReportType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::Type1 => "type1",
            ReportType::Type2 => "type2",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BridgeLetter {
    /// The last day the letter vouches for.
    pub through: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<Date>,
}
