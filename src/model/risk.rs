use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The canonical key order of a risk file.
pub const RISK_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "likelihood",
    "impact",
    "treatment",
    "owner",
    "controls",
    "notes",
];

/// `risks/<ID>.yaml`: one entry of the risk register.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    /// The risk's ID; equal to the file name without `.yaml` (filled from it when left out).
    #[serde(default)]
    #[schemars(regex(pattern = super::ID_PATTERN))]
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 1 (rare) to 5 (almost certain).
    #[schemars(range(min = 1, max = 5))]
    pub likelihood: u8,
    /// 1 (negligible) to 5 (severe).
    #[schemars(range(min = 1, max = 5))]
    pub impact: u8,
    pub treatment: Treatment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Controls that mitigate the risk.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(regex(pattern = super::ID_PATTERN)))]
    pub controls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl Risk {
    pub fn score(&self) -> u32 {
        u32::from(self.likelihood) * u32::from(self.impact)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    Mitigate,
    Accept,
    Transfer,
    Avoid,
}

impl Treatment {
    pub fn as_str(self) -> &'static str {
        match self {
            Treatment::Mitigate => "mitigate",
            Treatment::Accept => "accept",
            Treatment::Transfer => "transfer",
            Treatment::Avoid => "avoid",
        }
    }
}
