//! `soc2 report`: the hand-off report for the security lead, the board and the auditor,
//! as one self-contained HTML file (charts inline, nothing fetched) or as Markdown (the
//! same tables, without charts).
//!
//! The report is a header and a list of sections, each built from its own type and
//! rendered by one function per format (`html.rs`, `markdown.rs`): a new section is a
//! variant of [`Section`], its type, and its two renderers. Everything in it comes from
//! the store as committed, its assessment on the day judged and its history, so one
//! commit and one day give the same bytes.

mod chart;
mod html;
mod markdown;

use serde::{Deserialize, Serialize};

use crate::catalog::Category;
use crate::internal_audit::results::default_period;
use crate::internal_audit::{AuditResults, audit_results};
use crate::model::paths::evidence_id;
use crate::model::{AuditType, Date, History, Period, Store};
use crate::program::{ProgramView, StepResult};
use crate::readiness::risks::{self, RiskResult};
use crate::readiness::vendors::VendorResult;
use crate::readiness::{
    Assessment, CategoryScore, ControlState, CriterionResult, CriterionState, EvidenceRule, Score,
    WindowState,
};
use crate::requests::RequestView;
use crate::timeline::{Every, Point};

pub use html::render as html;
pub use markdown::render as markdown;

/// The whole report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub header: Header,
    pub sections: Vec<Section>,
}

/// What the report is of: who, which audit, built from which commit, judged on which
/// day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub organisation: String,
    pub audit: AuditType,
    pub period: Option<Period>,
    pub auditor: Option<String>,
    pub services: Vec<String>,
    pub categories: Vec<Category>,
    /// The commit the store was read from.
    pub commit: String,
    /// The store had uncommitted changes on top of `commit`: the report describes them.
    pub uncommitted: bool,
    /// The day readiness is judged on.
    pub judged_on: Date,
    /// `soc2 <version>`.
    pub tool: String,
}

/// One section of the report. Each is rendered by its own function in every format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "section", rename_all = "kebab-case")]
pub enum Section {
    Readiness(ReadinessSection),
    Criteria(CriteriaSection),
    ControlMatrix(ControlMatrixSection),
    Gaps(GapsSection),
    Exceptions(ExceptionsSection),
    Exclusions(ExclusionsSection),
    Risks(RisksSection),
    Policies(PoliciesSection),
    Program(ProgramSection),
    Vendors(VendorsSection),
    InternalAudit(InternalAuditSection),
    Requests(RequestsSection),
    Evidence(EvidenceSection),
}

impl Section {
    /// The anchor (`id`) and title of the section.
    pub fn heading(&self) -> (&'static str, &'static str) {
        match self {
            Section::Readiness(_) => ("readiness", "Readiness"),
            Section::Criteria(_) => ("criteria", "Criteria"),
            Section::ControlMatrix(_) => ("control-matrix", "Control matrix"),
            Section::Gaps(_) => ("gaps", "Gaps"),
            Section::Exceptions(_) => ("exceptions", "Exceptions"),
            Section::Exclusions(_) => ("exclusions", "Exclusions"),
            Section::Risks(_) => ("risks", "Risks"),
            Section::Policies(_) => ("policies", "Policies"),
            Section::Program(_) => ("program", "The program"),
            Section::Vendors(_) => ("vendors", "Vendors and subservice organisations"),
            Section::InternalAudit(_) => ("internal-audit", "Internal audit"),
            Section::Requests(_) => ("requests", "Auditor requests"),
            Section::Evidence(_) => ("evidence", "Evidence by control"),
        }
    }
}

/// Readiness on the day judged, and over time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadinessSection {
    pub overall: Score,
    pub categories: Vec<CategoryScore>,
    pub min_readiness: Option<u32>,
    /// Type II: windows of the implemented controls, counted.
    pub windows: Option<crate::readiness::WindowCounts>,
    pub timeline: TimelineData,
}

/// The points the readiness-over-time chart draws, and which they are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineData {
    pub every: Every,
    pub from: Date,
    pub to: Date,
    /// The day judged: the last point.
    pub judged_on: Date,
    pub points: Vec<Point>,
    /// Days left out because the store as it stood then did not load.
    pub skipped: Vec<Date>,
    pub history_starts: Option<Date>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriteriaSection {
    pub criteria: Vec<CriterionResult>,
}

/// One row of the control matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub criteria: Vec<String>,
    pub owner: Option<String>,
    pub frequency: String,
    pub status: String,
    /// Type II: windows operated (evidenced) and due.
    pub windows_operated: Option<usize>,
    pub windows_due: Option<usize>,
    pub state: ControlState,
    pub approved: Option<(String, Date)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlMatrixSection {
    pub rows: Vec<MatrixRow>,
}

/// A control that is not ready, with why and who owns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub control: String,
    pub title: String,
    pub owner: Option<String>,
    pub state: ControlState,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GapsSection {
    /// In-scope criteria no control maps to.
    pub uncovered: Vec<(String, String)>,
    pub controls: Vec<Gap>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionRow {
    pub control: String,
    pub reason: String,
    pub approved_by: String,
    pub expires: Date,
    /// In force on the day judged.
    pub in_force: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExceptionsSection {
    pub exceptions: Vec<ExceptionRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExclusionRow {
    pub criterion: String,
    pub reason: String,
    /// Left out of the count: the scope's approval holds.
    pub counted_out: bool,
}

/// A control marked not applicable, with its reason and approval.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NotApplicableRow {
    pub control: String,
    pub reason: String,
    pub approved: Option<(String, Date)>,
    pub counted_out: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExclusionsSection {
    /// The scope's approval: by, at, and whether it holds.
    pub scope_approval: Option<(String, Date)>,
    pub scope_approved: bool,
    pub criteria: Vec<ExclusionRow>,
    pub controls: Vec<NotApplicableRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RisksSection {
    pub risks: Vec<RiskResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyRow {
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    pub version: u32,
    pub approved: Option<(String, Date)>,
    /// The approval holds for the policy as it is.
    pub approval_holds: bool,
    pub last_review: Option<Date>,
    pub review_due: Option<Date>,
    pub overdue: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PoliciesSection {
    pub policies: Vec<PolicyRow>,
}

/// The 20 steps of the program (`soc2 program`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramSection {
    pub done: usize,
    pub late: usize,
    pub steps: Vec<StepResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VendorsSection {
    pub vendors: Vec<VendorResult>,
}

/// The internal audit of the observation period (`soc2 audit-results`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InternalAuditSection {
    pub results: AuditResults,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestsSection {
    pub requests: Vec<RequestView>,
}

/// One evidence record as the report lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceRow {
    pub id: String,
    pub kind: String,
    pub result: String,
    pub covers: (Date, Date),
    pub collected_at: Date,
    /// When git received it: the date of the commit that added it.
    pub received: Option<Date>,
    pub collected_by: Option<String>,
    /// Each file: its path in the store and its sha256.
    pub files: Vec<(String, String)>,
}

/// One window of a control and the evidence that fills it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowRow {
    pub label: String,
    pub start: Date,
    pub end: Date,
    pub due_on: Date,
    pub state: WindowState,
    pub late: bool,
    pub evidence: Vec<String>,
}

/// A control, its windows (Type II) and its evidence records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlEvidence {
    pub control: String,
    pub title: String,
    pub state: ControlState,
    pub windows: Vec<WindowRow>,
    pub records: Vec<EvidenceRow>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceSection {
    pub controls: Vec<ControlEvidence>,
}

/// What the report is built from.
pub struct Inputs<'a> {
    pub store: &'a Store,
    pub assessment: &'a Assessment,
    pub history: &'a History,
    pub timeline: TimelineData,
    /// The program's steps, derived by `program::gather::view`.
    pub program: ProgramView,
    pub requests: Vec<RequestView>,
    pub commit: String,
    pub uncommitted: bool,
}

fn approval_of(approval: Option<&crate::model::Approval>) -> Option<(String, Date)> {
    approval.map(|a| (a.by.clone(), a.at))
}

/// The report of a store judged in `inputs.assessment`.
pub fn build(inputs: Inputs) -> Report {
    let Inputs {
        store,
        assessment,
        history,
        timeline,
        program: steps,
        requests,
        commit,
        uncommitted,
    } = inputs;
    let program = store.program();
    let header = Header {
        organisation: assessment.organisation.clone(),
        audit: assessment.audit,
        period: assessment.period,
        auditor: program.audit.auditor.clone(),
        services: program.scope.services.clone(),
        categories: assessment.categories.iter().map(|c| c.category).collect(),
        commit,
        uncommitted,
        judged_on: assessment.today,
        tool: format!("soc2 {}", env!("CARGO_PKG_VERSION")),
    };
    // The controls a report covers: those of the audit's scope.
    let controls: Vec<_> = assessment.controls.iter().filter(|c| c.in_scope).collect();
    let windowed = matches!(assessment.evidence_rule, EvidenceRule::Windows { .. });

    let readiness = ReadinessSection {
        overall: assessment.overall,
        categories: assessment.categories.clone(),
        min_readiness: program.gate.min_readiness,
        windows: assessment.windows,
        timeline,
    };
    let criteria = CriteriaSection {
        criteria: assessment.criteria.clone(),
    };
    let matrix = ControlMatrixSection {
        rows: controls
            .iter()
            .map(|c| {
                let record = store.control(&c.id).map(|r| &r.value);
                MatrixRow {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    description: record
                        .and_then(|r| r.description.clone())
                        .unwrap_or_default(),
                    criteria: c.criteria.clone(),
                    owner: c.owner.clone(),
                    frequency: c.frequency.as_str().to_string(),
                    status: c.status.as_str().to_string(),
                    windows_operated: c.windows.map(|w| w.operated),
                    windows_due: c.windows.map(|w| w.due),
                    state: c.state,
                    approved: approval_of(record.and_then(|r| r.approval.as_ref())),
                }
            })
            .collect(),
    };
    let gaps = GapsSection {
        uncovered: assessment
            .criteria
            .iter()
            .filter(|c| c.state == CriterionState::Uncovered)
            .map(|c| (c.id.clone(), c.title.clone()))
            .collect(),
        controls: controls
            .iter()
            .filter(|c| !c.is_ready() && !c.state.is_excused())
            .map(|c| Gap {
                control: c.id.clone(),
                title: c.title.clone(),
                owner: c.owner.clone(),
                state: c.state,
                reasons: c.reasons.iter().map(|r| r.detail.clone()).collect(),
            })
            .collect(),
    };
    let exceptions = ExceptionsSection {
        exceptions: store
            .controls
            .iter()
            .flat_map(|c| {
                c.value.exceptions.iter().map(|e| ExceptionRow {
                    control: c.value.id.clone(),
                    reason: e.reason.clone(),
                    approved_by: e.approved_by.clone(),
                    expires: e.expires,
                    in_force: e.expires >= assessment.today,
                })
            })
            .collect(),
    };
    let scope_approved = assessment.scope.approval == crate::model::ApprovalState::Approved;
    let exclusions = ExclusionsSection {
        scope_approval: approval_of(program.scope_approval.as_ref()),
        scope_approved,
        criteria: program
            .scope
            .excluded_criteria
            .iter()
            .map(|e| ExclusionRow {
                criterion: e.criterion.clone(),
                reason: e.reason.clone(),
                counted_out: !assessment
                    .scope
                    .unapproved_exclusions
                    .contains(&e.criterion),
            })
            .collect(),
        controls: store
            .controls
            .iter()
            .filter(|c| c.value.status == crate::model::ControlStatus::NotApplicable)
            .map(|c| NotApplicableRow {
                control: c.value.id.clone(),
                reason: c.value.reason.clone().unwrap_or_default(),
                approved: approval_of(c.value.approval.as_ref()),
                counted_out: assessment
                    .control(&c.value.id)
                    .is_some_and(|r| r.state == ControlState::NotApplicable),
            })
            .collect(),
    };
    let risks = RisksSection {
        risks: risks::assess_risks(store.risks.iter().map(|r| &*r.value), assessment),
    };
    let policies = PoliciesSection {
        policies: assessment
            .policies
            .iter()
            .map(|p| PolicyRow {
                id: p.id.clone(),
                title: p.title.clone(),
                owner: p.owner.clone(),
                version: p.version,
                approved: approval_of(store.policy(&p.id).and_then(|r| r.value.approval.as_ref())),
                approval_holds: p.approval == crate::model::ApprovalState::Approved,
                last_review: p.last_review,
                review_due: p.review_due,
                overdue: p.overdue,
            })
            .collect(),
    };
    let evidence = EvidenceSection {
        controls: evidence_by_control(store, history, &controls, windowed),
    };
    Report {
        header,
        sections: vec![
            Section::Readiness(readiness),
            Section::Gaps(gaps),
            Section::Criteria(criteria),
            Section::ControlMatrix(matrix),
            Section::Exceptions(exceptions),
            Section::Exclusions(exclusions),
            Section::Risks(risks),
            Section::Policies(policies),
            Section::Program(ProgramSection {
                done: steps.done,
                late: steps.late,
                steps: steps.steps,
            }),
            Section::Vendors(VendorsSection {
                vendors: assessment.vendors.clone(),
            }),
            Section::InternalAudit(InternalAuditSection {
                results: audit_results(store, assessment, default_period(store, assessment.today)),
            }),
            Section::Requests(RequestsSection { requests }),
            Section::Evidence(evidence),
        ],
    }
}

/// Each in-scope control's windows and evidence records, newest record last.
fn evidence_by_control(
    store: &Store,
    history: &History,
    controls: &[&crate::readiness::ControlResult],
    windowed: bool,
) -> Vec<ControlEvidence> {
    let by_control = store.evidence_by_control();
    controls
        .iter()
        .map(|c| {
            let records = by_control
                .get(c.id.as_str())
                .map_or(&[][..], |v| v.as_slice());
            ControlEvidence {
                control: c.id.clone(),
                title: c.title.clone(),
                state: c.state,
                windows: if windowed {
                    c.window_results
                        .iter()
                        .map(|w| WindowRow {
                            label: w.window.label.clone(),
                            start: w.window.start,
                            end: w.window.end,
                            due_on: w.due_on,
                            state: w.state,
                            late: w.late,
                            evidence: w.evidence.iter().chain(&w.deviations).cloned().collect(),
                        })
                        .collect()
                } else {
                    Vec::new()
                },
                records: records.iter().map(|r| evidence_row(r, history)).collect(),
            }
        })
        .collect()
}

/// An evidence record's row: its dates (covers, collected, received) and its files.
pub fn evidence_row(
    record: &crate::model::Record<crate::model::Evidence>,
    history: &History,
) -> EvidenceRow {
    let e = &record.value;
    let covers = e.covered();
    EvidenceRow {
        id: evidence_id(&record.path),
        kind: e.kind.as_str().to_string(),
        result: e.result().as_str().to_string(),
        covers: (covers.from, covers.to),
        collected_at: e.collected_at,
        received: history.received(&record.path),
        collected_by: e.collected_by.clone(),
        files: crate::store::integrity::recorded_files(record)
            .into_iter()
            .map(|f| {
                (
                    f.target.unwrap_or_else(|| f.written.to_string()),
                    f.sha256.to_string(),
                )
            })
            .collect(),
    }
}

/// "62.5%".
fn percent(score: &Score) -> String {
    format!("{:.1}%", score.readiness)
}

fn or_dash(text: Option<&str>) -> &str {
    text.filter(|t| !t.trim().is_empty()).unwrap_or("-")
}

fn date_or_dash(date: Option<Date>) -> String {
    date.map_or("-".to_string(), |d| d.to_string())
}

fn period_text(header: &Header) -> String {
    let audit = match header.audit {
        AuditType::Type1 => "SOC 2 Type I",
        AuditType::Type2 => "SOC 2 Type II",
    };
    match header.period {
        Some(p) => format!("{audit}, observation period {} to {}", p.start, p.end),
        None => audit.to_string(),
    }
}

fn commit_text(header: &Header) -> String {
    let short: String = header.commit.chars().take(12).collect();
    if header.uncommitted {
        format!("{short} with uncommitted changes")
    } else {
        short
    }
}

/// Which points the chart draws, in words.
fn timeline_text(t: &TimelineData) -> String {
    let mut text = format!(
        "{}: every {} from {} to {}, replayed from git history exactly as `soc2 timeline --every {} --from {} --to {}` lists them; the last is the day judged ({}), as this report judges it.",
        crate::report::plural(t.points.len(), "point"),
        t.every.as_str(),
        t.from,
        t.to,
        t.every.as_str(),
        t.from,
        t.to,
        t.judged_on
    );
    let before = t.points.iter().filter(|p| p.before_history).count();
    if before > 0 {
        text.push_str(&format!(
            " {before} {} before git history starts{}: judged on the store as its first commit holds it.",
            if before == 1 { "is" } else { "are" },
            t.history_starts
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ));
    }
    if !t.skipped.is_empty() {
        let days: Vec<String> = t.skipped.iter().map(|d| d.to_string()).collect();
        text.push_str(&format!(
            " Left out, because the store did not load as it stood then: {}.",
            days.join(", ")
        ));
    }
    text
}
