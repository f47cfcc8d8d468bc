//! One control's state: its status, owner, approval, policies, evidence and exceptions.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::windows::windows;
use super::{
    ActiveException, ApprovalState, ControlResult, ControlState, PolicyResult, Reason, WindowResult,
};
use crate::model::Record;
use crate::model::paths::evidence_id;
use crate::model::{self, AuditType, Control, ControlStatus, Date, Evidence, Frequency, Program};

/// How evidence is judged on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum EvidenceRule {
    /// Type I, and Type II before its period starts: the newest evidence must be fresh.
    Freshness,
    /// Type II from the period's start: every ended window needs evidence.
    Windows { start: Date, end: Date },
}

pub fn evidence_rule(program: &Program, today: Date) -> EvidenceRule {
    match (program.audit.kind, program.audit.period) {
        (AuditType::Type2, Some(period)) if today >= period.start => EvidenceRule::Windows {
            start: period.start,
            end: period.end,
        },
        _ => EvidenceRule::Freshness,
    }
}

/// Days after its `covers.to` that evidence stays fresh: one window plus 25% grace,
/// or 90 days for continuous and per-event controls.
pub(super) fn fresh_for_days(frequency: Frequency) -> i64 {
    let window = match frequency {
        Frequency::Continuous | Frequency::PerEvent => return 90,
        Frequency::Daily => 1,
        Frequency::Weekly => 7,
        Frequency::Monthly => 30,
        Frequency::Quarterly => 91,
        Frequency::Semiannual => 182,
        Frequency::Annual => 365,
    };
    window * 5 / 4
}

pub(super) fn assess_control(
    control: &Control,
    evidence: &[&Record<Evidence>],
    policies: &HashMap<&str, &PolicyResult>,
    rule: EvidenceRule,
    today: Date,
) -> ControlResult {
    // Evidence collected after `today` did not exist yet on that day.
    let counted: Vec<&Record<Evidence>> = evidence
        .iter()
        .copied()
        .filter(|e| e.value.collected_at <= today)
        .collect();
    let latest_evidence = counted.iter().map(|e| e.value.covered().to).max();
    let approval = ApprovalState::of(control.approval.as_ref(), &model::digest::control(control));
    let mut result = ControlResult {
        id: control.id.clone(),
        title: control.title.clone(),
        owner: control.owner.clone(),
        status: control.status,
        frequency: control.frequency,
        criteria: control.criteria.clone(),
        in_scope: true,
        state: ControlState::Ready,
        reasons: Vec::new(),
        approval,
        exception: None,
        expired_exception: None,
        evidence_count: counted.len(),
        latest_evidence,
        evidence_due: None,
        windows_total: None,
        windows_missing: None,
        windows: Vec::new(),
    };
    if control.status == ControlStatus::NotApplicable {
        result.state = ControlState::NotApplicable;
        return result;
    }

    let mut reasons = Vec::new();
    let mut reason = |state, detail: String| reasons.push(Reason { state, detail });
    match control.status {
        ControlStatus::Planned => reason(
            ControlState::Planned,
            "planned: not designed or implemented yet".into(),
        ),
        ControlStatus::Designed => reason(
            ControlState::Designed,
            "designed but not implemented yet".into(),
        ),
        ControlStatus::Implemented | ControlStatus::NotApplicable => {}
    }
    if !model::owner_is_set(control.owner.as_deref()) {
        reason(
            ControlState::NoOwner,
            "no owner: set `owner` to the person accountable".into(),
        );
    }

    match rule {
        EvidenceRule::Freshness => {
            let fresh_for = fresh_for_days(control.frequency);
            match latest_evidence {
                None => reason(ControlState::MissingEvidence, "no evidence yet".into()),
                Some(latest) => {
                    let due = latest.add_days(fresh_for);
                    result.evidence_due = Some(due);
                    if due < today {
                        reason(
                            ControlState::StaleEvidence,
                            format!(
                                "newest evidence ends {latest}, {} days ago; {} evidence is stale after {fresh_for} days",
                                latest.days_until(today),
                                control.frequency.as_str()
                            ),
                        );
                    }
                }
            }
        }
        EvidenceRule::Windows { start, end } => {
            let period = model::Period { start, end };
            let windows = window_results(period, control.frequency, &counted, today);
            if let Some((state, detail)) = window_gap(&windows) {
                reason(state, detail);
            }
            result.evidence_due = windows
                .iter()
                .find(|w| w.evidence.is_empty())
                .map(|w| w.window.end);
            result.windows_total = Some(windows.len());
            result.windows_missing = Some(windows.iter().filter(|w| w.is_missing()).count());
            result.windows = windows;
        }
    }

    match approval {
        ApprovalState::Approved => {}
        ApprovalState::Missing => reason(ControlState::Unapproved, "not approved".into()),
        ApprovalState::Changed => {
            let by = control
                .approval
                .as_ref()
                .map(|a| format!(" by {} on {}", a.by, a.at))
                .unwrap_or_default();
            reason(
                ControlState::Unapproved,
                format!("changed since it was approved{by}"),
            );
        }
    }
    for id in &control.policies {
        let Some(policy) = policies.get(id.as_str()) else {
            continue;
        };
        match policy.approval {
            ApprovalState::Approved => {}
            ApprovalState::Missing => reason(
                ControlState::Unapproved,
                format!("policy {id} is not approved"),
            ),
            ApprovalState::Changed => reason(
                ControlState::Unapproved,
                format!("policy {id} changed since it was approved"),
            ),
        }
        if let (true, Some(due)) = (policy.overdue, policy.review_due) {
            reason(
                ControlState::PolicyOverdue,
                format!("policy {id} was due for review on {due}"),
            );
        }
    }
    // Stable: reasons of one state keep the order they were found in.
    reasons.sort_by_key(|r| r.state);

    let active = control
        .exceptions
        .iter()
        .filter(|e| e.expires >= today)
        .max_by_key(|e| e.expires);
    match active {
        Some(exception) => {
            result.exception = Some(ActiveException {
                reason: exception.reason.clone(),
                approved_by: exception.approved_by.clone(),
                expires: exception.expires,
            });
            reasons.insert(
                0,
                Reason {
                    state: ControlState::Excepted,
                    detail: format!(
                        "exception approved by {} until {}: {}",
                        exception.approved_by, exception.expires, exception.reason
                    ),
                },
            );
        }
        None => result.expired_exception = control.exceptions.iter().map(|e| e.expires).max(),
    }
    result.state = reasons.first().map_or(ControlState::Ready, |r| r.state);
    result.reasons = reasons;
    result
}

/// Each window of the period with the evidence whose `covers` overlaps it.
fn window_results(
    period: model::Period,
    frequency: Frequency,
    evidence: &[&Record<Evidence>],
    today: Date,
) -> Vec<WindowResult> {
    let mut results: Vec<WindowResult> = windows(period, frequency)
        .into_iter()
        .map(|window| WindowResult {
            ended: window.end < today,
            evidence: Vec::new(),
            window,
        })
        .collect();
    for record in evidence {
        let covers = record.value.covered();
        let first = results.partition_point(|w| w.window.end < covers.from);
        for window in results[first..]
            .iter_mut()
            .take_while(|w| w.window.start <= covers.to)
        {
            window.evidence.push(evidence_id(&record.path));
        }
    }
    results
}

/// The evidence reason for a Type II control, if any: a gap in ended windows is missing
/// evidence, except when only the most recently ended window lacks it (stale).
fn window_gap(windows: &[WindowResult]) -> Option<(ControlState, String)> {
    let ended: Vec<&WindowResult> = windows.iter().filter(|w| w.ended).collect();
    if ended.is_empty() {
        if windows.iter().all(|w| w.evidence.is_empty()) {
            let first = windows.first()?;
            return Some((
                ControlState::MissingEvidence,
                format!(
                    "no evidence yet in the observation period (the first window, {}, ends {})",
                    first.window.label, first.window.end
                ),
            ));
        }
        return None;
    }
    let missing: Vec<&WindowResult> = ended
        .iter()
        .copied()
        .filter(|w| w.evidence.is_empty())
        .collect();
    match missing.as_slice() {
        [] => None,
        [only] if std::ptr::eq(*only, *ended.last()?) => Some((
            ControlState::StaleEvidence,
            format!(
                "window {} ({}..{}) ended without evidence",
                only.window.label, only.window.start, only.window.end
            ),
        )),
        _ => {
            let labels: Vec<&str> = missing
                .iter()
                .take(5)
                .map(|w| w.window.label.as_str())
                .collect();
            let more = missing.len().saturating_sub(5);
            let more_text = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            Some((
                ControlState::MissingEvidence,
                format!(
                    "{} of {} ended windows {} no evidence: {}{more_text}",
                    missing.len(),
                    ended.len(),
                    if missing.len() == 1 { "has" } else { "have" },
                    labels.join(", ")
                ),
            ))
        }
    }
}
