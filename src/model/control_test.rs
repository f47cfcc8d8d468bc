use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Covers, Date, Sha256Hex};

/// The canonical key order of a test file.
pub const TEST_FIELDS: &[&str] = &[
    "control",
    "title",
    "tester",
    "drawn_on",
    "drawn_at",
    "span",
    "window",
    "procedure",
    "population",
    "seed",
    "sample",
    "conclusion",
    "concluded_on",
    "concluded_by",
    "finding",
    "notes",
];

/// `tests/<CONTROL>/<DATE>-<SLUG>.yaml`: an internal test of whether a control
/// operated, over a window or a period: its population, a seeded sample, the result of
/// each sampled item and the conclusion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ControlTest {
    /// The control tested; equal to the folder's name.
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub control: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Who tests (a git identity's email): neither the control's owner nor the author
    /// of evidence in the sample.
    pub tester: String,
    /// The day the sample was drawn.
    pub drawn_on: Date,
    /// The commit the population was read from (and, by default, the seed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn_at: Option<String>,
    /// The days tested: a window of the observation period, or the period.
    pub span: Covers,
    /// The window's label, when one window was tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// How the tester checks each item (from the control's `test_procedure`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<String>,
    pub population: TestPopulation,
    /// The text the sample was drawn with (see README, Sampling).
    pub seed: String,
    /// The sampled items, numbered from 1.
    #[serde(default)]
    pub sample: Vec<TestItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<Conclusion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concluded_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concluded_by: Option<String>,
    /// The finding a deficient conclusion filed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub finding: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// What the sample was drawn from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestPopulation {
    /// `evidence` (the control's evidence records) or `populations` (the rows of its
    /// population files).
    pub source: PopulationSource,
    /// How many items the population held.
    pub size: usize,
    /// sha256 of the population's item IDs, one per line in population order.
    pub digest: Sha256Hex,
    /// `no-occurrence` evidence records covering the span (for an empty population).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub no_occurrence: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PopulationSource {
    Evidence,
    Populations,
}

impl PopulationSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PopulationSource::Evidence => "evidence",
            PopulationSource::Populations => "populations",
        }
    }
}

/// One sampled item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestItem {
    /// The item's number in the sample, from 1.
    pub item: usize,
    /// The population item: an evidence ID, or a population row's ID.
    pub id: String,
    pub date: Date,
    /// The evidence records that show it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<ItemResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ItemResult {
    Pass,
    Exception,
}

impl ItemResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemResult::Pass => "pass",
            ItemResult::Exception => "exception",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Conclusion {
    /// Every sampled item passed.
    Effective,
    /// At least one sampled item was an exception.
    Deficient,
}

impl Conclusion {
    pub fn as_str(self) -> &'static str {
        match self {
            Conclusion::Effective => "effective",
            Conclusion::Deficient => "deficient",
        }
    }
}

impl ControlTest {
    /// Items with no result yet.
    pub fn unrecorded(&self) -> Vec<usize> {
        self.sample
            .iter()
            .filter(|i| i.result.is_none())
            .map(|i| i.item)
            .collect()
    }

    pub fn exceptions(&self) -> Vec<&TestItem> {
        self.sample
            .iter()
            .filter(|i| i.result == Some(ItemResult::Exception))
            .collect()
    }
}
