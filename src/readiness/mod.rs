//! The readiness core: pure functions of the loaded store and a date. No file or git
//! access here, ever. Everything it returns is plain, serialisable data, so that every
//! output format renders the same numbers.

mod control;
pub mod due;
pub mod risks;
pub mod windows;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::catalog::{self, Category};
use crate::model::{self, AuditType, ControlStatus, Date, Frequency, Period, Program};
use crate::model::{Record, Store};

pub use crate::model::ApprovalState;
pub use control::{EvidenceRule, evidence_rule};
pub use windows::Window;

/// The state of one control on `today`, in precedence order after `Ready`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlState {
    Ready,
    NotApplicable,
    Planned,
    Designed,
    NoOwner,
    MissingEvidence,
    StaleEvidence,
    Unapproved,
    PolicyOverdue,
    Excepted,
}

impl ControlState {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlState::Ready => "ready",
            ControlState::NotApplicable => "not-applicable",
            ControlState::Planned => "planned",
            ControlState::Designed => "designed",
            ControlState::NoOwner => "no-owner",
            ControlState::MissingEvidence => "missing-evidence",
            ControlState::StaleEvidence => "stale-evidence",
            ControlState::Unapproved => "unapproved",
            ControlState::PolicyOverdue => "policy-overdue",
            ControlState::Excepted => "excepted",
        }
    }
}

/// One reason a control is not ready.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub state: ControlState,
    pub detail: String,
}

/// A Type II window and the evidence covering it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowResult {
    #[serde(flatten)]
    pub window: Window,
    /// The window ended before today, so it needs evidence.
    pub ended: bool,
    /// Evidence IDs (`AC-01/2026-10-03-mfa`) whose `covers` overlaps the window.
    pub evidence: Vec<String>,
}

impl WindowResult {
    pub fn is_missing(&self) -> bool {
        self.ended && self.evidence.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveException {
    pub reason: String,
    pub approved_by: String,
    pub expires: Date,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlResult {
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    pub status: ControlStatus,
    pub frequency: Frequency,
    pub criteria: Vec<String>,
    /// False when every criterion the control maps to is outside the audit's scope.
    pub in_scope: bool,
    pub state: ControlState,
    /// Every reason the control is not ready, in precedence order.
    pub reasons: Vec<Reason>,
    pub approval: ApprovalState,
    /// The exception in force today, if any.
    pub exception: Option<ActiveException>,
    /// When every exception has expired: the last one's end date.
    pub expired_exception: Option<Date>,
    pub evidence_count: usize,
    /// The newest `covers.to` among evidence collected by today.
    pub latest_evidence: Option<Date>,
    /// When the current evidence stops being fresh (Type I rule).
    pub evidence_due: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_total: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows_missing: Option<usize>,
    /// Type II windows; detail for `soc2 show`, left out of bulk output.
    #[serde(skip)]
    pub windows: Vec<WindowResult>,
}

impl ControlResult {
    pub fn is_owned_by(&self, who: &str) -> bool {
        model::owner_is(self.owner.as_deref(), who)
    }

    /// Whether the control maps to a criterion of `category`.
    pub fn maps_to(&self, category: Category) -> bool {
        self.criteria
            .iter()
            .any(|id| catalog::find(id).is_some_and(|c| c.category == category))
    }

    pub fn is_ready(&self) -> bool {
        self.state == ControlState::Ready
    }

    /// The first reason, which sets the state.
    pub fn primary_reason(&self) -> Option<&Reason> {
        self.reasons.first()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CriterionState {
    Met,
    Partial,
    Uncovered,
    Excluded,
}

impl CriterionState {
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionState::Met => "met",
            CriterionState::Partial => "partial",
            CriterionState::Uncovered => "uncovered",
            CriterionState::Excluded => "excluded",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriterionResult {
    pub id: String,
    pub category: Category,
    pub title: String,
    pub state: CriterionState,
    /// Applicable controls mapped to the criterion.
    pub controls: Vec<String>,
    /// Mapped controls that are not ready.
    pub not_ready: Vec<String>,
    /// Why the criterion is excluded, for excluded criteria.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusion: Option<String>,
}

/// Counts of criteria by state, and readiness as a percentage of the in-scope ones.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub met: usize,
    pub partial: usize,
    pub uncovered: usize,
    pub excluded: usize,
    /// Criteria that count: met + partial + uncovered.
    pub total: usize,
    /// met / total, rounded down to one decimal.
    pub readiness: f64,
}

impl Score {
    fn add(&mut self, state: CriterionState) {
        match state {
            CriterionState::Met => self.met += 1,
            CriterionState::Partial => self.partial += 1,
            CriterionState::Uncovered => self.uncovered += 1,
            CriterionState::Excluded => self.excluded += 1,
        }
        self.total = self.met + self.partial + self.uncovered;
        self.readiness = (self.met * 1000).checked_div(self.total).unwrap_or(0) as f64 / 10.0;
    }

    /// Whether readiness reaches `min` percent, compared exactly (not rounded).
    pub fn reaches(&self, min: u32) -> bool {
        self.met * 100 >= min as usize * self.total
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CategoryScore {
    pub category: Category,
    #[serde(flatten)]
    pub score: Score,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyResult {
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    pub version: u32,
    pub approval: ApprovalState,
    pub last_review: Option<Date>,
    pub review_due: Option<Date>,
    pub overdue: bool,
    /// Controls that name this policy.
    pub controls: Vec<String>,
}

/// Readiness of the whole store on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub organisation: String,
    pub today: Date,
    pub audit: AuditType,
    pub period: Option<Period>,
    /// How evidence is judged today: Type I freshness, or Type II windows.
    pub evidence_rule: EvidenceRule,
    pub overall: Score,
    /// In-scope categories, in catalogue order.
    pub categories: Vec<CategoryScore>,
    /// In-scope criteria (excluded ones included, with their reason).
    pub criteria: Vec<CriterionResult>,
    pub controls: Vec<ControlResult>,
    pub policies: Vec<PolicyResult>,
}

impl Assessment {
    pub fn control(&self, id: &str) -> Option<&ControlResult> {
        self.controls.iter().find(|c| c.id == id)
    }

    pub fn criterion(&self, id: &str) -> Option<&CriterionResult> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// Computes readiness of `store` on `today`.
pub fn assess(store: &Store, today: Date) -> Assessment {
    let program = store.program();
    let rule = evidence_rule(program, today);
    let policies = assess_policies(store, today);
    let policy_index: HashMap<&str, &PolicyResult> =
        policies.iter().map(|p| (p.id.as_str(), p)).collect();

    let mut evidence_by_control: HashMap<&str, Vec<&Record<model::Evidence>>> = HashMap::new();
    for record in &store.evidence {
        evidence_by_control
            .entry(record.value.control.as_str())
            .or_default()
            .push(record);
    }
    let mut controls: Vec<ControlResult> = store
        .controls
        .iter()
        .map(|record| {
            let evidence = evidence_by_control
                .get(record.value.id.as_str())
                .map_or(&[][..], |v| v.as_slice());
            control::assess_control(&record.value, evidence, &policy_index, rule, today)
        })
        .collect();

    for control in &mut controls {
        control.in_scope = control.criteria.is_empty()
            || control
                .criteria
                .iter()
                .any(|id| catalog::find(id).is_none_or(|c| program.scope.includes(c.category)));
    }
    let criteria = assess_criteria(program, &controls);
    let mut overall = Score::default();
    let mut by_category: BTreeMap<Category, Score> = BTreeMap::new();
    for criterion in &criteria {
        overall.add(criterion.state);
        by_category
            .entry(criterion.category)
            .or_default()
            .add(criterion.state);
    }
    let categories = by_category
        .into_iter()
        .map(|(category, score)| CategoryScore { category, score })
        .collect();

    Assessment {
        organisation: program.organisation.clone(),
        today,
        audit: program.audit.kind,
        period: program.audit.period,
        evidence_rule: rule,
        overall,
        categories,
        criteria,
        controls,
        policies,
    }
}

fn assess_policies(store: &Store, today: Date) -> Vec<PolicyResult> {
    let mut citing: HashMap<&str, Vec<String>> = HashMap::new();
    for control in &store.controls {
        for policy in &control.value.policies {
            citing
                .entry(policy.as_str())
                .or_default()
                .push(control.value.id.clone());
        }
    }
    store
        .policies
        .iter()
        .map(|record| {
            let policy = &record.value;
            let digest = model::digest::policy_in(store, policy);
            let review_due = policy.review_due();
            PolicyResult {
                id: policy.id.clone(),
                title: policy.title.clone(),
                owner: policy.owner.clone(),
                version: policy.version,
                approval: ApprovalState::of(policy.approval.as_ref(), &digest),
                last_review: policy.last_review(),
                review_due,
                overdue: review_due.is_some_and(|due| due < today),
                controls: citing.remove(policy.id.as_str()).unwrap_or_default(),
            }
        })
        .collect()
}

fn assess_criteria(program: &Program, controls: &[ControlResult]) -> Vec<CriterionResult> {
    let mut mapped: HashMap<&str, Vec<&ControlResult>> = HashMap::new();
    for control in controls
        .iter()
        .filter(|c| c.status != ControlStatus::NotApplicable)
    {
        for criterion in &control.criteria {
            mapped.entry(criterion.as_str()).or_default().push(control);
        }
    }
    catalog::CRITERIA
        .iter()
        .filter(|c| program.scope.includes(c.category))
        .map(|criterion| {
            let exclusion = program
                .scope
                .excluded_criteria
                .iter()
                .find(|e| e.criterion == criterion.id)
                .map(|e| e.reason.clone());
            let controls = mapped.get(criterion.id).map_or(&[][..], |v| v.as_slice());
            let not_ready: Vec<String> = controls
                .iter()
                .filter(|c| !c.is_ready())
                .map(|c| c.id.clone())
                .collect();
            // A criterion whose only controls are not-applicable is uncovered, not met:
            // if it truly does not apply, it belongs in `scope.excluded_criteria`.
            let state = if exclusion.is_some() {
                CriterionState::Excluded
            } else if controls.is_empty() {
                CriterionState::Uncovered
            } else if not_ready.is_empty() {
                CriterionState::Met
            } else {
                CriterionState::Partial
            };
            CriterionResult {
                id: criterion.id.to_string(),
                category: criterion.category,
                title: criterion.title.to_string(),
                state,
                controls: controls.iter().map(|c| c.id.clone()).collect(),
                not_ready,
                exclusion,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
