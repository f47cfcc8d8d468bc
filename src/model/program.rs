use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{Approval, ByteSize, Date, Interval, Roadmap, SignOff};
use crate::catalog::Category;
use crate::findings::WarningKind;

/// `soc2.yaml`: the organisation, the audit's scope, the audit and the CI gate.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Program {
    pub organisation: String,
    #[serde(default, skip_serializing_if = "Scope::is_empty")]
    pub scope: Scope,
    #[serde(default)]
    pub audit: Audit,
    /// How internal tests sample (`soc2 test`).
    #[serde(default, skip_serializing_if = "Testing::is_empty")]
    pub testing: Testing,
    #[serde(default, skip_serializing_if = "Gate::is_empty")]
    pub gate: Gate,
    /// How `soc2 collect` runs the controls' collectors.
    #[serde(default, skip_serializing_if = "CollectSettings::is_empty")]
    pub collect: CollectSettings,
    /// How evidence kept outside the repository (`link: s3://...`) is fetched to be
    /// checked.
    #[serde(default, skip_serializing_if = "LinkSettings::is_empty")]
    pub links: LinkSettings,
    /// The approval of the scope: services, categories, excluded criteria with their
    /// reasons, and the audit's type and periods (written by `soc2 approve scope`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope_approval: Option<Approval>,
    /// The program's steps: owners and target dates.
    #[serde(rename = "program", default, skip_serializing_if = "Roadmap::is_empty")]
    pub roadmap: Roadmap,
    /// Sign-offs, by name: the three milestones (`soc2 approve milestone`) and the
    /// steps only people can judge (`soc2 program sign-off`). Written by the tool.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub signoffs: BTreeMap<String, SignOff>,
}

/// The canonical key order of soc2.yaml.
pub const PROGRAM_FIELDS: &[&str] = &[
    "organisation",
    "scope",
    "audit",
    "testing",
    "gate",
    "collect",
    "links",
    "scope_approval",
    "program",
    "signoffs",
];

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<Category>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_criteria: Vec<Exclusion>,
}

impl Scope {
    fn is_empty(&self) -> bool {
        self == &Scope::default()
    }

    /// Security is always in scope; the other categories when named.
    pub fn includes(&self, category: Category) -> bool {
        category == Category::Security || self.categories.contains(&category)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    #[schemars(schema_with = "super::criterion_schema")]
    pub criterion: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    #[serde(rename = "type", default)]
    pub kind: AuditType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auditor: Option<String>,
    /// How long after a window ends its evidence may still arrive before the window
    /// counts as missing (default 30d; a control may set its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace: Option<Interval>,
    /// How the period is cut into windows: `anchored` (default) counts them from the
    /// period's start; `calendar` follows calendar weeks, months, quarters and years.
    #[serde(default, skip_serializing_if = "WindowAlignment::is_default")]
    pub windows: WindowAlignment,
    /// The period after `period`; by default the next one of the same length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_period: Option<Period>,
    /// Type I: the day the design is judged at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
}

impl Audit {
    /// The collection grace when a control sets none.
    pub const DEFAULT_GRACE: Interval = Interval::days(30);

    pub fn grace(&self) -> Interval {
        self.grace.unwrap_or(Self::DEFAULT_GRACE)
    }

    /// The period that follows the observation period: `next_period`, or the next one
    /// of the same length starting the day after it ends.
    pub fn following_period(&self) -> Option<Period> {
        if let Some(next) = self.next_period {
            return Some(next);
        }
        let period = self.period?;
        let start = period.end.checked_add_days(1)?;
        // A period of whole months is followed by as many months; any other by as
        // many days.
        let end = match period.whole_months() {
            Some(months) => start.add_months(months).checked_add_days(-1)?,
            None => start.checked_add_days(period.start.days_until(period.end))?,
        };
        Some(Period { start, end })
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WindowAlignment {
    /// Windows of the control's frequency counted from the period's start.
    #[default]
    Anchored,
    /// Calendar weeks (from Monday), months, quarters, half-years and years.
    Calendar,
}

impl WindowAlignment {
    fn is_default(&self) -> bool {
        *self == WindowAlignment::Anchored
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuditType {
    #[default]
    Type1,
    Type2,
}

impl AuditType {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditType::Type1 => "type1",
            AuditType::Type2 => "type2",
        }
    }
}

/// An observation period, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: Date,
    pub end: Date,
}

impl Period {
    /// The number of months, when the period runs from a month's first day to a
    /// month's last.
    pub fn whole_months(&self) -> Option<u32> {
        use chrono::Datelike;
        let after = self.end.checked_add_days(1)?;
        if self.start.0.day() != 1 || after.0.day() != 1 {
            return None;
        }
        let months = (after.0.year() - self.start.0.year()) * 12 + after.0.month() as i32
            - self.start.0.month() as i32;
        u32::try_from(months).ok().filter(|m| *m > 0)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// `soc2 check` fails below this overall readiness, in percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 100))]
    pub min_readiness: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fail_on: Vec<WarningKind>,
}

impl Gate {
    fn is_empty(&self) -> bool {
        self == &Gate::default()
    }
}

/// Internal testing: how many items `soc2 test` samples.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Testing {
    #[serde(default, skip_serializing_if = "SampleSizes::is_empty")]
    pub sample_sizes: SampleSizes,
}

impl Testing {
    fn is_empty(&self) -> bool {
        self == &Testing::default()
    }
}

/// Sample sizes by frequency; each one left out keeps its default (annual 1,
/// semiannual 1, quarterly 2, monthly 2, weekly 5, daily 25, continuous 2, per-event
/// 10% of the population, at least 3 and at most 25).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SampleSizes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semiannual: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quarterly: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuous: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_event: Option<PerEventSize>,
}

impl SampleSizes {
    fn is_empty(&self) -> bool {
        self == &SampleSizes::default()
    }
}

/// Per-event controls sample a share of their population, within bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerEventSize {
    /// Percent of the population, rounded up.
    pub percent: u32,
    pub min: u32,
    pub max: u32,
}

/// The output a collector may print before it is refused, when `collect.max_output`
/// does not say.
pub const DEFAULT_MAX_OUTPUT: ByteSize = ByteSize(20 << 20);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CollectSettings {
    /// A collector whose standard output or error grows past this is stopped and
    /// nothing of it is recorded (default 20MB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output: Option<ByteSize>,
}

impl CollectSettings {
    fn is_empty(&self) -> bool {
        self == &CollectSettings::default()
    }

    pub fn max_output(&self) -> ByteSize {
        self.max_output.unwrap_or(DEFAULT_MAX_OUTPUT)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSettings {
    /// For each URI scheme (`s3`, `https`), the command that prints a linked file's
    /// bytes on its standard output; `{uri}` stands for the link. `file://` links need
    /// none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fetch: BTreeMap<String, Vec<String>>,
}

impl LinkSettings {
    fn is_empty(&self) -> bool {
        self == &LinkSettings::default()
    }
}
