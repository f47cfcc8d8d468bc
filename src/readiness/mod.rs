//! The readiness core: pure functions of the loaded store, its history and a date. No
//! file or git access here, ever. Everything it returns is plain, serialisable data, so
//! that every output format renders the same numbers.
//!
//! For a Type II period each window is judged against the store as it stood at the
//! window's end (from `History`), and evidence by what it covers and when it was
//! received. A window not yet due (ended, plus the collection grace) is pending and
//! never lowers readiness.

mod control;
pub mod deficient;
pub(crate) mod design;
pub mod due;
pub mod evidence;
pub mod risks;
pub mod vendors;
pub mod windows;

use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::catalog::{self, Category};
use crate::model::Store;
use crate::model::{self, AuditType, ControlStatus, Date, Frequency, History, Period, Program};

pub use crate::model::ApprovalState;
pub use control::{EvidenceRule, evidence_rule};
pub use evidence::Received;
pub use windows::Window;

/// The state of one control, in precedence order after `Ready`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlState {
    Ready,
    NotApplicable,
    /// The control did not exist during any judged window of a past period.
    NotInPeriod,
    Planned,
    Designed,
    NoOwner,
    /// A window ended while the control's design did not hold.
    NotOperating,
    /// An open finding of significant deficiency or worse, not yet retested.
    Deficient,
    MissingEvidence,
    StaleEvidence,
    /// Evidence shows the control failed in a window.
    Deviation,
    Unapproved,
    PolicyOverdue,
    Excepted,
}

impl ControlState {
    pub fn as_str(self) -> &'static str {
        match self {
            ControlState::Ready => "ready",
            ControlState::NotApplicable => "not-applicable",
            ControlState::NotInPeriod => "not-in-period",
            ControlState::Planned => "planned",
            ControlState::Designed => "designed",
            ControlState::NoOwner => "no-owner",
            ControlState::NotOperating => "not-operating",
            ControlState::Deficient => "deficient",
            ControlState::MissingEvidence => "missing-evidence",
            ControlState::StaleEvidence => "stale-evidence",
            ControlState::Deviation => "deviation",
            ControlState::Unapproved => "unapproved",
            ControlState::PolicyOverdue => "policy-overdue",
            ControlState::Excepted => "excepted",
        }
    }

    /// States that take a control out of its criteria's count.
    pub fn is_excused(self) -> bool {
        matches!(
            self,
            ControlState::NotApplicable | ControlState::NotInPeriod
        )
    }
}

/// One reason a control is not ready.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub state: ControlState,
    pub detail: String,
}

/// How a Type II window went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WindowState {
    /// Evidence proves the control operated.
    Operated,
    /// Evidence says nothing happened that the control acts on.
    NoOccurrence,
    /// Evidence shows the control failed, and none shows it operated.
    Deviation,
    /// Due, and nothing proves it.
    Missing,
    /// Not due yet: it never lowers readiness.
    Pending,
    /// The window ended while the control's design did not hold.
    NotOperating,
    /// An exception was in force when the window ended.
    Excepted,
    /// The control was not applicable (with an approval) when the window ended.
    NotApplicable,
    /// The control did not exist when the window ended.
    Absent,
}

impl WindowState {
    pub fn as_str(self) -> &'static str {
        match self {
            WindowState::Operated => "operated",
            WindowState::NoOccurrence => "no-occurrence",
            WindowState::Deviation => "deviation",
            WindowState::Missing => "missing",
            WindowState::Pending => "pending",
            WindowState::NotOperating => "not-operating",
            WindowState::Excepted => "excepted",
            WindowState::NotApplicable => "not-applicable",
            WindowState::Absent => "absent",
        }
    }

    /// Windows the control answers for: not excused by its absence or by not applying.
    pub fn is_judged(self) -> bool {
        !matches!(self, WindowState::NotApplicable | WindowState::Absent)
    }

    /// Windows evidence satisfies.
    pub fn is_satisfied(self) -> bool {
        matches!(self, WindowState::Operated | WindowState::NoOccurrence)
    }
}

/// A Type II window and how it went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowResult {
    #[serde(flatten)]
    pub window: Window,
    pub state: WindowState,
    /// The last day evidence may arrive: the window's end plus the collection grace.
    pub due_on: Date,
    /// Satisfied, but only by evidence received after `due_on`.
    pub late: bool,
    /// Records that prove the window (operated or no occurrence).
    pub evidence: Vec<String>,
    /// Records that show a deviation in the window.
    pub deviations: Vec<String>,
    /// Why the design did not hold when the window ended (`not-operating`), or the
    /// exception in force (`excepted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Where the design was read from: a commit, `before-history`, or `judged`
    /// (the store being judged, for windows not yet ended).
    pub design_from: String,
}

impl WindowResult {
    /// Due: ended, and the collection grace has passed.
    pub fn is_due(&self, today: Date) -> bool {
        today > self.due_on
    }
}

/// Window counts of a control (or of all of them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowCounts {
    /// Windows due (ended, grace passed) that the control answers for.
    pub due: usize,
    /// Due windows satisfied (operated or no occurrence, late ones included).
    pub operated: usize,
    pub missing: usize,
    pub pending: usize,
    pub deviation: usize,
    pub not_operating: usize,
    pub late: usize,
}

impl WindowCounts {
    pub(crate) fn of(windows: &[WindowResult], today: Date) -> WindowCounts {
        let mut counts = WindowCounts::default();
        for w in windows.iter().filter(|w| w.state.is_judged()) {
            if w.state == WindowState::Pending {
                counts.pending += 1;
                continue;
            }
            if !w.is_due(today) && !w.state.is_satisfied() {
                continue;
            }
            counts.due += 1;
            match w.state {
                WindowState::Operated | WindowState::NoOccurrence => {
                    counts.operated += 1;
                    counts.late += usize::from(w.late);
                }
                WindowState::Missing => counts.missing += 1,
                WindowState::Deviation => counts.deviation += 1,
                WindowState::NotOperating => counts.not_operating += 1,
                _ => {}
            }
        }
        counts
    }

    /// The counts of several controls together.
    pub fn sum<'a>(counts: impl Iterator<Item = &'a WindowCounts>) -> WindowCounts {
        let mut total = WindowCounts::default();
        for c in counts {
            total.add(c);
        }
        total
    }

    fn add(&mut self, other: &WindowCounts) {
        self.due += other.due;
        self.operated += other.operated;
        self.missing += other.missing;
        self.pending += other.pending;
        self.deviation += other.deviation;
        self.not_operating += other.not_operating;
        self.late += other.late;
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
    /// The exception in force on the judging day, if any.
    pub exception: Option<ActiveException>,
    /// When every exception has expired: the last one's end date.
    pub expired_exception: Option<Date>,
    /// Evidence records existing on the judging day.
    pub evidence_count: usize,
    /// The newest `covers.to` among evidence that proves operation.
    pub latest_evidence: Option<Date>,
    /// When the current evidence stops being fresh (Type I rule), or the next window's
    /// due date (Type II).
    pub evidence_due: Option<Date>,
    /// Since when the control has had its current status, as far as history tells.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_since: Option<Date>,
    /// Type II: the windows of the period, counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows: Option<WindowCounts>,
    /// Type II windows of the judged period; detail for `soc2 show`, left out of bulk
    /// output.
    #[serde(skip)]
    pub window_results: Vec<WindowResult>,
    /// After the period ended: the following period's windows, for `soc2 due`.
    #[serde(skip)]
    pub next_windows: Vec<WindowResult>,
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
    /// Controls mapped to the criterion that count (not excused).
    pub controls: Vec<String>,
    /// Mapped controls that are not ready.
    pub not_ready: Vec<String>,
    /// Why the criterion is excluded, for excluded criteria.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusion: Option<String>,
    /// Carve-out subservice organisations whose controls carry the criterion, and
    /// whether each holds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carved_out: Vec<vendors::CarveOut>,
}

impl CriterionResult {
    /// Why a partial criterion is partial: its controls not ready, and carve-outs that
    /// do not hold.
    pub fn gaps(&self) -> Vec<String> {
        let mut gaps: Vec<String> = self
            .not_ready
            .iter()
            .map(|c| format!("{c} is not ready"))
            .collect();
        gaps.extend(self.carved_out.iter().filter_map(|c| c.reason.clone()));
        gaps
    }
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

/// Whether the scope (soc2.yaml's exclusions and periods) is approved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopeResult {
    pub approval: ApprovalState,
    /// Exclusions that do not count because the scope is not approved as it is.
    pub unapproved_exclusions: Vec<String>,
}

/// What the judgement knew of history.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryNote {
    /// The day git history starts (the first commit holding the store).
    pub starts: Option<Date>,
    /// Windows that ended before history starts were judged on its first commit.
    pub windows_before_history: usize,
    /// History is a shallow clone's: it starts where the clone was cut.
    pub shallow: bool,
}

/// Readiness of the whole store on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub organisation: String,
    pub today: Date,
    pub audit: AuditType,
    pub period: Option<Period>,
    /// When the observation period has ended: the period now current, whose work
    /// `soc2 due` schedules.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_period: Option<Period>,
    /// How evidence is judged: Type I freshness, or Type II windows.
    pub evidence_rule: EvidenceRule,
    pub overall: Score,
    /// In-scope categories, in catalogue order.
    pub categories: Vec<CategoryScore>,
    /// In-scope criteria (excluded ones included, with their reason).
    pub criteria: Vec<CriterionResult>,
    pub controls: Vec<ControlResult>,
    pub policies: Vec<PolicyResult>,
    /// Vendors and subservice organisations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vendors: Vec<vendors::VendorResult>,
    pub scope: ScopeResult,
    /// Type II: the windows of every in-scope, implemented control, counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows: Option<WindowCounts>,
    pub history: HistoryNote,
    /// Findings open on the judging day.
    pub open_findings: Vec<deficient::OpenFinding>,
}

impl Assessment {
    pub fn control(&self, id: &str) -> Option<&ControlResult> {
        self.controls.iter().find(|c| c.id == id)
    }

    /// Every control's result by ID: for looking up many (one per evidence record).
    pub fn controls_by_id(&self) -> std::collections::HashMap<&str, &ControlResult> {
        self.controls.iter().map(|c| (c.id.as_str(), c)).collect()
    }

    pub fn criterion(&self, id: &str) -> Option<&CriterionResult> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// Computes readiness of `store` (the store as it stands on `today`) with its
/// `history` (empty when the store is not in git: every day is then judged on the
/// store as it is).
pub fn assess(store: &Store, today: Date, history: &History) -> Assessment {
    let program = store.program();
    let rule = evidence_rule(program, today);
    let past = design::Past::new(store, history, today);
    let policies = assess_policies(store, today);
    let scope = assess_scope(program);

    let evidence_by_control = store.evidence_by_control();
    // Controls are judged independently: on every core.
    let mut controls: Vec<ControlResult> = store
        .controls
        .par_iter()
        .map(|record| {
            let evidence = evidence_by_control
                .get(record.value.id.as_str())
                .map_or(&[][..], |v| v.as_slice());
            control::assess_control(&record.value, evidence, &past, rule)
        })
        .collect();

    for control in &mut controls {
        control.in_scope = control.criteria.is_empty()
            || control
                .criteria
                .iter()
                .any(|id| catalog::find(id).is_none_or(|c| program.scope.includes(c.category)));
    }
    let vendors =
        vendors::assess_vendors(store.vendors.iter().map(|v| &*v.value), &controls, today);
    let criteria = assess_criteria(program, &controls, &scope, &vendors);
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
    let windows = match rule {
        EvidenceRule::Windows { .. } => Some(WindowCounts::sum(
            controls
                .iter()
                .filter(|c| c.in_scope && c.status == ControlStatus::Implemented)
                .filter_map(|c| c.windows.as_ref()),
        )),
        EvidenceRule::Freshness { .. } => None,
    };
    let windows_before_history = match history.starts() {
        Some(starts) => controls
            .iter()
            .flat_map(|c| &c.window_results)
            .filter(|w| w.window.end < starts && w.window.end < today)
            .count(),
        None => 0,
    };
    let next_period = program
        .audit
        .period
        .filter(|p| program.audit.kind == AuditType::Type2 && p.end < today)
        .and_then(|_| program.audit.following_period());

    Assessment {
        organisation: program.organisation.clone(),
        today,
        audit: program.audit.kind,
        period: program.audit.period,
        next_period,
        evidence_rule: rule,
        overall,
        categories,
        criteria,
        controls,
        policies,
        vendors,
        scope,
        windows,
        history: HistoryNote {
            starts: history.starts(),
            windows_before_history,
            shallow: history.shallow,
        },
        open_findings: deficient::open_findings(store, today),
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

/// Exclusions count only while the scope's approval holds.
fn assess_scope(program: &Program) -> ScopeResult {
    let approval = ApprovalState::of(
        program.scope_approval.as_ref(),
        &model::digest::scope(program),
    );
    let unapproved_exclusions = if approval == ApprovalState::Approved {
        Vec::new()
    } else {
        program
            .scope
            .excluded_criteria
            .iter()
            .map(|e| e.criterion.clone())
            .collect()
    };
    ScopeResult {
        approval,
        unapproved_exclusions,
    }
}

fn assess_criteria(
    program: &Program,
    controls: &[ControlResult],
    scope: &ScopeResult,
    vendors: &[vendors::VendorResult],
) -> Vec<CriterionResult> {
    let mut mapped: HashMap<&str, Vec<&ControlResult>> = HashMap::new();
    for control in controls.iter().filter(|c| !c.state.is_excused()) {
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
                .filter(|e| !scope.unapproved_exclusions.contains(&e.criterion))
                .map(|e| e.reason.clone());
            let controls = mapped.get(criterion.id).map_or(&[][..], |v| v.as_slice());
            let not_ready: Vec<String> = controls
                .iter()
                .filter(|c| !c.is_ready())
                .map(|c| c.id.clone())
                .collect();
            let carved_out = carved_out(criterion.id, vendors);
            let state = criterion_state(
                exclusion.is_some(),
                controls.len(),
                not_ready.len(),
                &carved_out,
            );
            CriterionResult {
                id: criterion.id.to_string(),
                category: criterion.category,
                title: criterion.title.to_string(),
                state,
                controls: controls.iter().map(|c| c.id.clone()).collect(),
                not_ready,
                exclusion,
                carved_out,
            }
        })
        .collect()
}

/// The carve-outs of the subservice organisations whose controls carry `criterion`.
fn carved_out(criterion: &str, vendors: &[vendors::VendorResult]) -> Vec<vendors::CarveOut> {
    vendors
        .iter()
        .filter(|v| v.criteria.iter().any(|c| c == criterion))
        .filter_map(|v| v.carve_out.clone())
        .collect()
}

/// The one precedence of a criterion's state: excluded (with an approved scope);
/// uncovered when no control counts and no carve-out carries it; met when every
/// control that counts is ready and every carve-out holds; otherwise partial. A
/// criterion whose only controls are not-applicable is uncovered, not met: if it truly
/// does not apply, it belongs in `scope.excluded_criteria`.
fn criterion_state(
    excluded: bool,
    controls: usize,
    not_ready: usize,
    carved_out: &[vendors::CarveOut],
) -> CriterionState {
    if excluded {
        CriterionState::Excluded
    } else if controls == 0 && carved_out.is_empty() {
        CriterionState::Uncovered
    } else if not_ready == 0 && carved_out.iter().all(|c| c.holds) {
        CriterionState::Met
    } else {
        CriterionState::Partial
    }
}

#[cfg(test)]
mod tests;
