//! The readiness diff: what a change does to readiness, criterion by criterion and
//! control by control, between two assessments of the same day.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::Category;
use crate::model::Store;
use crate::model::paths::evidence_id;
use crate::readiness::{Assessment, ControlState, CriterionState, Score};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub name: String,
    pub overall: Score,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryChange {
    pub category: Category,
    pub before: Option<f64>,
    pub after: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateChange {
    pub id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Why the control is not ready now, for controls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub base: Side,
    pub target: Side,
    pub categories: Vec<CategoryChange>,
    pub criteria: Vec<StateChange>,
    pub controls: Vec<StateChange>,
    pub new_evidence: Vec<String>,
    pub removed_evidence: Vec<String>,
}

/// Compares the assessment of `before` (named `base`) with that of `after` (`target`).
pub fn compare(
    base: String,
    before: (&Store, &Assessment),
    target: String,
    after: (&Store, &Assessment),
) -> Diff {
    let (a, b) = (before.1, after.1);
    let evidence = |s: &Store| -> BTreeSet<String> {
        s.evidence.iter().map(|e| evidence_id(&e.path)).collect()
    };
    let (old_evidence, new_evidence) = (evidence(before.0), evidence(after.0));
    Diff {
        base: Side {
            name: base,
            overall: a.overall,
        },
        target: Side {
            name: target,
            overall: b.overall,
        },
        categories: category_changes(a, b),
        criteria: changes(
            a.criteria
                .iter()
                .map(|c| (c.id.to_string(), criterion_state(c.state))),
            b.criteria
                .iter()
                .map(|c| (c.id.to_string(), criterion_state(c.state))),
            |_| None,
        ),
        controls: changes(
            a.controls
                .iter()
                .map(|c| (c.id.clone(), c.state.as_str().to_string())),
            b.controls
                .iter()
                .map(|c| (c.id.clone(), c.state.as_str().to_string())),
            |id| {
                b.control(id)
                    .filter(|c| c.state != ControlState::Ready)
                    .and_then(|c| c.primary_reason().map(|r| r.detail.clone()))
            },
        ),
        new_evidence: new_evidence.difference(&old_evidence).cloned().collect(),
        removed_evidence: old_evidence.difference(&new_evidence).cloned().collect(),
    }
}

impl Diff {
    /// Nothing changed state and no evidence came or went.
    pub fn is_empty(&self) -> bool {
        self.criteria.is_empty()
            && self.controls.is_empty()
            && self.new_evidence.is_empty()
            && self.removed_evidence.is_empty()
    }
}

fn criterion_state(state: CriterionState) -> String {
    state.as_str().to_string()
}

fn category_changes(a: &Assessment, b: &Assessment) -> Vec<CategoryChange> {
    let mut map: BTreeMap<Category, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for c in &a.categories {
        map.entry(c.category).or_default().0 = Some(c.score.readiness);
    }
    for c in &b.categories {
        map.entry(c.category).or_default().1 = Some(c.score.readiness);
    }
    map.into_iter()
        .map(|(category, (before, after))| CategoryChange {
            category,
            before,
            after,
        })
        .collect()
}

/// Items whose state differs between the two sides, in ID order.
fn changes(
    before: impl Iterator<Item = (String, String)>,
    after: impl Iterator<Item = (String, String)>,
    reason: impl Fn(&str) -> Option<String>,
) -> Vec<StateChange> {
    let mut map: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for (id, state) in before {
        map.entry(id).or_default().0 = Some(state);
    }
    for (id, state) in after {
        map.entry(id).or_default().1 = Some(state);
    }
    map.into_iter()
        .filter(|(_, (before, after))| before != after)
        .map(|(id, (before, after))| StateChange {
            reason: reason(&id),
            id,
            before,
            after,
        })
        .collect()
}
