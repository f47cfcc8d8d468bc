//! What is overdue or falls due soon: evidence windows closing, evidence going stale,
//! policy and vendor reviews, exceptions expiring and controls still to build.

use serde::{Deserialize, Serialize};

use super::{Assessment, EvidenceRule, WindowResult, WindowState};
use crate::model::{AuditType, ControlStatus, Date, Program};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueKind {
    Evidence,
    Review,
    Exception,
    Build,
    Finding,
    /// A step of the program past (or near) its target date.
    Step,
    /// An auditor's request waiting on the team (`requests::due`).
    Request,
}

impl DueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DueKind::Evidence => "evidence",
            DueKind::Review => "review",
            DueKind::Exception => "exception",
            DueKind::Build => "build",
            DueKind::Finding => "finding",
            DueKind::Step => "step",
            DueKind::Request => "request",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueItem {
    pub date: Date,
    pub overdue: bool,
    pub kind: DueKind,
    /// The control, policy or program step (`step-4`) the work is for.
    pub id: String,
    pub owner: Option<String>,
    pub what: String,
}

impl DueItem {
    pub fn is_owned_by(&self, who: &str) -> bool {
        crate::model::owner_is(self.owner.as_deref(), who)
    }
}

/// Work due on or before `until`, and everything already overdue, in date order.
pub fn due(program: &Program, assessment: &Assessment, until: Date) -> Vec<DueItem> {
    let today = assessment.today;
    let mut items = Vec::new();
    let mut push = |date: Date, kind, id: &str, owner: &Option<String>, what: String| {
        if date <= until {
            items.push(DueItem {
                date,
                overdue: date < today,
                kind,
                id: id.to_string(),
                owner: owner.clone(),
                what,
            });
        }
    };
    // Controls must be built by the start of a Type II period, or now.
    let build_by = match (program.audit.kind, program.audit.period) {
        (AuditType::Type2, Some(period)) if period.start > today => period.start,
        _ => today,
    };

    for control in assessment.controls.iter().filter(|c| c.in_scope) {
        let (id, owner) = (control.id.as_str(), &control.owner);
        match control.status {
            ControlStatus::NotApplicable => continue,
            ControlStatus::Planned | ControlStatus::Designed => {
                let what = format!(
                    "{} is {}: build and implement it",
                    id,
                    control.status.as_str()
                );
                push(build_by, DueKind::Build, id, owner, what);
            }
            ControlStatus::Implemented => match assessment.evidence_rule {
                EvidenceRule::Freshness { .. } => match control.evidence_due {
                    Some(due) => push(
                        due,
                        DueKind::Evidence,
                        id,
                        owner,
                        format!("fresh {} evidence", control.frequency.as_str()),
                    ),
                    None => push(
                        today,
                        DueKind::Evidence,
                        id,
                        owner,
                        "first evidence".to_string(),
                    ),
                },
                EvidenceRule::Windows { .. } => {
                    // After the period, SOC 2 goes on: what the period still lacks is
                    // overdue, and the next period's windows fall due.
                    for windows in [&control.window_results, &control.next_windows] {
                        for run in gaps(windows, today, until) {
                            push(run.0, DueKind::Evidence, id, owner, run.1);
                        }
                    }
                }
            },
        }
        if let Some(exception) = &control.exception {
            let what = format!("exception expires: {}", exception.reason);
            push(exception.expires, DueKind::Exception, id, owner, what);
        }
        if let Some(expired) = control.expired_exception {
            let what = "exception expired: fix the gap or renew it".to_string();
            push(expired, DueKind::Exception, id, owner, what);
        }
    }
    for policy in &assessment.policies {
        if let Some(due) = policy.review_due {
            push(
                due,
                DueKind::Review,
                &policy.id,
                &policy.owner,
                format!("review {}", policy.title),
            );
        }
    }
    for finding in &assessment.open_findings {
        let (date, what) = super::deficient::due_item(finding);
        push(
            date,
            DueKind::Finding,
            &finding.id,
            &Some(finding.owner.clone()),
            what,
        );
    }
    // A vendor never reviewed is due for its first review now.
    for vendor in &assessment.vendors {
        let what = match vendor.review_due {
            Some(_) => format!("review vendor {}", vendor.name),
            None => format!("first review of vendor {}", vendor.name),
        };
        let date = vendor.review_due.unwrap_or(today);
        push(date, DueKind::Review, &vendor.id, &vendor.owner, what);
    }
    sort(&mut items);
    items
}

/// Due items in date order (then kind, then ID), however many lists they came from.
pub fn sort(items: &mut [DueItem]) {
    items.sort_by(|a, b| (a.date, a.kind, &a.id).cmp(&(b.date, b.kind, &b.id)));
}

/// Runs of consecutive windows waiting for evidence (pending or missing) that fall due
/// by `until`, split where the windows stop being overdue: (due date of the run's first
/// window, description).
fn gaps(windows: &[WindowResult], today: Date, until: Date) -> Vec<(Date, String)> {
    let mut runs: Vec<Vec<&WindowResult>> = Vec::new();
    let mut previous: Option<(usize, bool)> = None;
    for (index, window) in windows.iter().enumerate() {
        let waiting = matches!(window.state, WindowState::Pending | WindowState::Missing);
        if !waiting || window.due_on > until {
            continue;
        }
        let overdue = window.due_on < today;
        match (previous, runs.last_mut()) {
            (Some((i, was_overdue)), Some(run)) if i + 1 == index && was_overdue == overdue => {
                run.push(window)
            }
            _ => runs.push(vec![window]),
        }
        previous = Some((index, overdue));
    }
    runs.into_iter()
        .map(|run| {
            let (first, last) = (run[0], run[run.len() - 1]);
            let what = if run.len() == 1 {
                format!(
                    "evidence for window {} ({}..{})",
                    first.window.label, first.window.start, first.window.end
                )
            } else {
                format!(
                    "evidence for {} windows, {} to {} ({}..{})",
                    run.len(),
                    first.window.label,
                    last.window.label,
                    first.window.start,
                    last.window.end
                )
            };
            (first.due_on, what)
        })
        .collect()
}
