//! The program's 20 steps, and what `soc2.yaml` says about them: under `program:` an
//! owner and target dates, under `signoffs:` the sign-offs people give.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Date, Sha256Hex};

/// How a step is completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// Its state is derived from the store.
    Derived,
    /// One of the three formal approvals: `soc2 approve milestone SLUG`.
    Milestone,
    /// Only people can judge it: `soc2 program sign-off STEP` with a document.
    SignOff,
}

/// One step of the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub number: u8,
    pub slug: &'static str,
    pub title: &'static str,
    pub kind: StepKind,
    /// Steps whose work this one builds on: until they are done, a step with nothing
    /// to show yet is blocked.
    pub after: &'static [u8],
}

const fn step(
    number: u8,
    slug: &'static str,
    title: &'static str,
    kind: StepKind,
    after: &'static [u8],
) -> Step {
    Step {
        number,
        slug,
        title,
        kind,
        after,
    }
}

use StepKind::{Derived, Milestone, SignOff as PeopleSignOff};

/// The 20 steps, in order.
pub const STEPS: [Step; 20] = [
    step(
        1,
        "services",
        "Identify and document the services in scope",
        Derived,
        &[],
    ),
    step(
        2,
        "criteria",
        "Define the Trust Services Criteria relevant to them",
        Derived,
        &[1],
    ),
    step(
        3,
        "owners",
        "Assign people responsible for each criterion",
        Derived,
        &[2],
    ),
    step(
        4,
        "system-description",
        "Develop a system description and process flow",
        Derived,
        &[1],
    ),
    step(
        5,
        "existing-controls",
        "Identify, review and document existing controls",
        Derived,
        &[2],
    ),
    step(
        6,
        "effectiveness",
        "Evaluate the effectiveness of existing controls",
        Derived,
        &[5],
    ),
    step(7, "risks", "Identify and document the risks", Derived, &[2]),
    step(
        8,
        "design",
        "Design new controls or modify existing ones",
        Derived,
        &[6, 7],
    ),
    step(
        9,
        "implementation",
        "Implement the controls not yet in place",
        Derived,
        &[8],
    ),
    step(
        10,
        "control-implementation",
        "Approval: control implementation",
        Milestone,
        &[9],
    ),
    step(
        11,
        "documentation",
        "Document the implementation and operation of the controls",
        Derived,
        &[9],
    ),
    step(
        12,
        "evidence",
        "Compile and manage the evidence for each control",
        Derived,
        &[9],
    ),
    step(
        13,
        "internal-audit",
        "Conduct ongoing internal audit and control activities",
        Derived,
        &[12],
    ),
    step(
        14,
        "internal-audit-results",
        "Approval: internal audit results",
        Milestone,
        &[13],
    ),
    step(
        15,
        "remediation",
        "Remediate issues found by the internal audit",
        Derived,
        &[13],
    ),
    step(
        16,
        "report-documentation",
        "Prepare and review the final report documentation",
        Derived,
        &[4, 11],
    ),
    step(
        17,
        "engage-auditor",
        "Engage the external auditor",
        PeopleSignOff,
        &[1],
    ),
    step(
        18,
        "auditor-engagement",
        "Approval: external auditor engagement",
        Milestone,
        &[17],
    ),
    step(
        19,
        "audit-support",
        "Support the auditor during the audit",
        Derived,
        &[18],
    ),
    step(
        20,
        "final-report",
        "Review, accept and share the final SOC 2 report",
        PeopleSignOff,
        &[19],
    ),
];

/// The three formal approvals, by slug.
pub const MILESTONES: [&str; 3] = [
    "control-implementation",
    "internal-audit-results",
    "auditor-engagement",
];

impl Step {
    /// The step a number (`10`) or slug (`control-implementation`) names.
    pub fn find(key: &str) -> Option<&'static Step> {
        let key = key.trim();
        match key.parse::<u8>() {
            Ok(number) => STEPS.iter().find(|s| s.number == number),
            Err(_) => STEPS.iter().find(|s| s.slug == key),
        }
    }

    /// `10 control-implementation`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.number, self.slug)
    }
}

/// A step as `soc2.yaml` names it: its number or its slug. Sorted in step order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepRef(pub String);

impl StepRef {
    pub fn step(&self) -> Option<&'static Step> {
        Step::find(&self.0)
    }

    fn sort_key(&self) -> (u8, &str) {
        (self.step().map_or(u8::MAX, |s| s.number), &self.0)
    }
}

impl Ord for StepRef {
    fn cmp(&self, other: &StepRef) -> std::cmp::Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for StepRef {
    fn partial_cmp(&self, other: &StepRef) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for StepRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for StepRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0.parse::<u64>() {
            Ok(number) => serializer.serialize_u64(number),
            Err(_) => serializer.serialize_str(&self.0),
        }
    }
}

impl<'de> Deserialize<'de> for StepRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl Visitor<'_> for StepVisitor {
            type Value = StepRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a step's number (1-20) or name, like 4 or system-description")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<StepRef, E> {
                Ok(StepRef(n.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<StepRef, E> {
                Ok(StepRef(n.to_string()))
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<StepRef, E> {
                Ok(StepRef(text.to_string()))
            }
        }
        deserializer.deserialize_any(StepVisitor)
    }
}

impl JsonSchema for StepRef {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Step".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^([1-9]|1[0-9]|20|[a-z]+(-[a-z]+)*)$",
            "description": "A program step: its number (1-20) or name (`soc2 program` lists them)"
        })
    }
}

/// `program:` in soc2.yaml.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Roadmap {
    /// Who runs the program: the owner of every step that names none of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// A step's owner, by its number or name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub owners: BTreeMap<StepRef, String>,
    /// The day each step should be done by, by its number or name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub targets: BTreeMap<StepRef, Date>,
}

impl Roadmap {
    pub fn is_empty(&self) -> bool {
        self == &Roadmap::default()
    }

    /// The target of step `number`, however the file names it.
    pub fn target(&self, number: u8) -> Option<Date> {
        self.targets
            .iter()
            .find(|(k, _)| k.step().is_some_and(|s| s.number == number))
            .map(|(_, d)| *d)
    }

    /// The owner of step `number`: its own, or the program's.
    pub fn owner_of(&self, number: u8) -> Option<&str> {
        self.owners
            .iter()
            .find(|(k, _)| k.step().is_some_and(|s| s.number == number))
            .map(|(_, o)| o.as_str())
            .or(self.owner.as_deref())
    }
}

/// Someone signed a milestone or a step off: who, when, and the digest of what it
/// covered then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignOff {
    pub by: String,
    pub at: Date,
    pub digest: Sha256Hex,
    /// The document it names: a file of the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The evidence record it names (CONTROL/RECORD).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_are_numbered_in_order_and_build_on_earlier_ones() {
        for (i, step) in STEPS.iter().enumerate() {
            assert_eq!(usize::from(step.number), i + 1);
            assert!(step.after.iter().all(|a| *a < step.number), "{}", step.slug);
        }
        for slug in MILESTONES {
            assert_eq!(Step::find(slug).unwrap().kind, StepKind::Milestone);
        }
    }

    #[test]
    fn steps_are_found_by_number_or_name() {
        assert_eq!(Step::find("4").unwrap().slug, "system-description");
        assert_eq!(Step::find("system-description").unwrap().number, 4);
        assert!(Step::find("21").is_none());
        assert!(Step::find("0").is_none());
        assert!(Step::find("system").is_none());
    }

    #[test]
    fn targets_read_numbers_and_names() {
        let roadmap: Roadmap = crate::store::from_yaml(
            "owner: erin\nowners: {4: dana}\ntargets: {1: 2026-01-10, system-description: 2026-02-01}\n",
        )
        .unwrap();
        assert_eq!(roadmap.target(1), Some(Date::from_ymd(2026, 1, 10)));
        assert_eq!(roadmap.target(4), Some(Date::from_ymd(2026, 2, 1)));
        assert_eq!(roadmap.target(5), None);
        assert_eq!(roadmap.owner_of(4), Some("dana"));
        assert_eq!(roadmap.owner_of(5), Some("erin"));
        let text = crate::store::render::to_yaml(&roadmap);
        assert!(text.contains("1: 2026-01-10"), "{text}");
    }
}
