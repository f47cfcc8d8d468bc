use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Date;
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
    #[serde(default, skip_serializing_if = "Gate::is_empty")]
    pub gate: Gate,
}

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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: Date,
    pub end: Date,
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
