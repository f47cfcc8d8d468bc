//! The whole program: the 20 steps of a SOC 2 program, each with a state derived from
//! the store (never ticked by hand), its owner and target date, and the sign-offs
//! people give at the three milestones and at the steps only they can judge.
//!
//! `assess` is pure: the store, its readiness and what the sign-offs cover (gathered
//! from files and history by `gather`) in, the steps out. Each step's rule is a small
//! function in `steps`.

pub mod gather;
pub mod plan;
pub mod signoff;
mod steps;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use gather::internal_audit_digest;
pub use signoff::{Coverage, Covered, SignOffResult};

use crate::model::{Date, STEPS, Step, StepKind, Store};
use crate::readiness::Assessment;
use crate::readiness::due::{DueItem, DueKind};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    Done,
    InProgress,
    NotStarted,
    /// Nothing to show yet, and an earlier step it builds on is not done.
    Blocked,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::InProgress => "in-progress",
            StepState::NotStarted => "not-started",
            StepState::Blocked => "blocked",
        }
    }
}

/// What a step's rule says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    pub state: StepState,
    pub reason: String,
    /// What to do next, when the step is not done.
    pub next: Option<String>,
}

impl Derived {
    fn new(state: StepState, reason: impl Into<String>, next: Option<String>) -> Derived {
        Derived {
            state,
            reason: reason.into(),
            next,
        }
    }

    pub(crate) fn done(reason: impl Into<String>) -> Derived {
        Derived::new(StepState::Done, reason, None)
    }

    pub(crate) fn in_progress(reason: impl Into<String>, next: impl Into<String>) -> Derived {
        Derived::new(StepState::InProgress, reason, Some(next.into()))
    }

    pub(crate) fn not_started(reason: impl Into<String>, next: impl Into<String>) -> Derived {
        Derived::new(StepState::NotStarted, reason, Some(next.into()))
    }
}

/// One step as judged on a day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepResult {
    pub number: u8,
    pub slug: String,
    pub title: String,
    pub kind: StepKind,
    pub state: StepState,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    pub owner: Option<String>,
    pub target: Option<Date>,
    /// Not done, and its target date has passed.
    pub late: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signoff: Option<SignOffResult>,
}

/// The program on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramView {
    pub organisation: String,
    pub today: Date,
    pub steps: Vec<StepResult>,
    pub done: usize,
    pub late: usize,
}

impl ProgramView {
    pub fn step(&self, number: u8) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.number == number)
    }
}

/// Internal control tests and their findings, as the program needs them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InternalAudit {
    pub tests: Vec<TestSummary>,
    pub findings: Vec<FindingSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestSummary {
    pub control: String,
    /// The test reached a conclusion (effective or not).
    pub concluded: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingSummary {
    pub id: String,
    pub open: bool,
    pub due: Option<Date>,
}

/// One entry of the auditor's request list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditorRequest {
    pub id: String,
    pub provided: bool,
}

/// Everything the steps are derived from.
pub struct Inputs<'a> {
    pub store: &'a Store,
    pub assessment: &'a Assessment,
    /// What each sign-off in soc2.yaml covers, now and when it was given, by name.
    pub signoffs: BTreeMap<String, Coverage>,
    /// Internal testing (steps 13 and 15): the tests and the findings they raised.
    pub internal_audit: InternalAudit,
}

/// The 20 steps on the assessment's day.
pub fn assess(inputs: &Inputs) -> ProgramView {
    let today = inputs.assessment.today;
    let roadmap = &inputs.store.program().roadmap;
    let mut results: Vec<StepResult> = Vec::with_capacity(STEPS.len());
    for step in &STEPS {
        let signoff = inputs
            .store
            .program()
            .signoffs
            .get(step.slug)
            .map(|given| signoff::result(given, inputs.signoffs.get(step.slug)));
        let derived = steps::derive(step, inputs, signoff.as_ref());
        let derived = blocked_by_earlier(step, derived, &results);
        let target = roadmap.target(step.number);
        let owner = roadmap
            .owner_of(step.number)
            .map(str::to_string)
            .or_else(|| steps::default_owner(step, inputs.store));
        results.push(StepResult {
            number: step.number,
            slug: step.slug.to_string(),
            title: step.title.to_string(),
            kind: step.kind,
            late: derived.state != StepState::Done && target.is_some_and(|t| t < today),
            state: derived.state,
            reason: derived.reason,
            next: derived.next,
            owner,
            target,
            signoff,
        });
    }
    ProgramView {
        organisation: inputs.assessment.organisation.clone(),
        today,
        done: results
            .iter()
            .filter(|s| s.state == StepState::Done)
            .count(),
        late: results.iter().filter(|s| s.late).count(),
        steps: results,
    }
}

/// A step with nothing to show yet is blocked while a step it builds on is not done.
fn blocked_by_earlier(step: &Step, derived: Derived, earlier: &[StepResult]) -> Derived {
    if derived.state != StepState::NotStarted {
        return derived;
    }
    let waiting: Vec<&StepResult> = step
        .after
        .iter()
        .filter_map(|n| earlier.iter().find(|s| s.number == *n))
        .filter(|s| s.state != StepState::Done)
        .collect();
    if waiting.is_empty() {
        return derived;
    }
    let names: Vec<String> = waiting
        .iter()
        .map(|s| format!("step {} ({})", s.number, s.slug))
        .collect();
    Derived {
        state: StepState::Blocked,
        reason: format!("waits for {}; {}", names.join(" and "), derived.reason),
        ..derived
    }
}

/// Steps not done whose target falls by `until`, for `soc2 due`: late ones are overdue.
pub fn due_items(view: &ProgramView, until: Date) -> Vec<DueItem> {
    view.steps
        .iter()
        .filter(|s| s.state != StepState::Done)
        .filter_map(|s| {
            let target = s.target.filter(|t| *t <= until)?;
            Some(DueItem {
                date: target,
                overdue: target < view.today,
                kind: DueKind::Step,
                id: format!("step-{}", s.number),
                owner: s.owner.clone(),
                what: format!(
                    "program step {}: {} ({}: {})",
                    s.number,
                    s.title,
                    s.state.as_str(),
                    s.reason
                ),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
