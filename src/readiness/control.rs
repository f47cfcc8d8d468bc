//! One control's state: its design (status, owner, approval, policies, exceptions) and
//! its evidence, on the judging day and, for Type II, in every window of the period.

use serde::{Deserialize, Serialize};

use super::design::{Design, Past, Source};
use super::evidence::{self, Counted};
use super::windows::windows;
use super::{
    ActiveException, ControlResult, ControlState, Reason, WindowCounts, WindowResult, WindowState,
};
use crate::model::{
    self, AuditType, Control, ControlStatus, Date, Evidence, EvidenceResult, Frequency, Period,
    Program, Record,
};

/// How evidence is judged on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "kebab-case")]
pub enum EvidenceRule {
    /// Type I, and Type II before its period starts: the newest evidence must be fresh
    /// on `on` (the judging day, or a Type I audit's `as_of` when that is earlier).
    Freshness { on: Date },
    /// Type II from the period's start: every window that is due needs evidence.
    Windows { start: Date, end: Date },
}

pub fn evidence_rule(program: &Program, today: Date) -> EvidenceRule {
    match (program.audit.kind, program.audit.period) {
        (AuditType::Type2, Some(period)) if today >= period.start => EvidenceRule::Windows {
            start: period.start,
            end: period.end,
        },
        (AuditType::Type1, _) => EvidenceRule::Freshness {
            on: program.audit.as_of.filter(|d| *d <= today).unwrap_or(today),
        },
        _ => EvidenceRule::Freshness { on: today },
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

pub(crate) fn assess_control<'a>(
    control: &'a Control,
    records: &[&Record<Evidence>],
    past: &Past<'a>,
    rule: EvidenceRule,
) -> ControlResult {
    let today = past.today;
    let approval = past.approval(control);
    let judged_on = match rule {
        EvidenceRule::Freshness { on } => on,
        EvidenceRule::Windows { .. } => today,
    };
    let counted = evidence::counted(control, records, past.history, judged_on);
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
        latest_evidence: counted.iter().filter(|c| c.proves).map(|c| c.span.to).max(),
        evidence_due: None,
        status_since: status_since(control, past),
        windows: None,
        window_results: Vec::new(),
        next_windows: Vec::new(),
    };

    let mut reasons = Vec::new();
    // A not-applicable control claims nothing to operate: its approval is the question.
    if control.status == ControlStatus::NotApplicable {
        let on = match rule {
            EvidenceRule::Freshness { on } => on,
            EvidenceRule::Windows { .. } => today,
        };
        match past.design(&control.id, on) {
            Design::Fails(design) => {
                result.state = design.first().map_or(ControlState::Ready, |r| r.state);
                result.reasons = design;
            }
            _ => result.state = ControlState::NotApplicable,
        }
        return result;
    }
    match rule {
        EvidenceRule::Freshness { on } => {
            match past.design(&control.id, on) {
                Design::NotApplicable => {
                    result.state = ControlState::NotApplicable;
                    return result;
                }
                Design::Fails(design) => reasons.extend(design),
                Design::Holds | Design::Absent => {}
            }
            freshness(control, &counted, on, today, &mut result, &mut reasons);
        }
        EvidenceRule::Windows { start, end } => {
            let period = Period { start, end };
            let program = past.store.program();
            let grace = control.grace.unwrap_or(program.audit.grace());
            let cut = past.windows(period, control.frequency, program.audit.windows);
            let judged: Vec<WindowResult> = cut
                .iter()
                .map(|w| judge_window(control, w.clone(), period, &counted, past, grace))
                .collect();
            let open = today <= end;
            let current = past.design(&control.id, today);
            if current == Design::NotApplicable && open {
                result.state = ControlState::NotApplicable;
                return result;
            }
            if open && let Design::Fails(design) = current {
                reasons.extend(design);
            }
            let absent = judged.iter().all(|w| w.state == WindowState::Absent);
            let ended: Vec<&WindowResult> =
                judged.iter().filter(|w| w.window.end < today).collect();
            if !open && !ended.is_empty() && absent {
                result.state = ControlState::NotInPeriod;
                result.window_results = judged;
                return result;
            }
            if !open && ended.iter().all(|w| w.state == WindowState::NotApplicable) {
                result.state = ControlState::NotApplicable;
                result.window_results = judged;
                return result;
            }
            window_reasons(&judged, today, &mut reasons);
            result.evidence_due = judged
                .iter()
                .filter(|w| matches!(w.state, WindowState::Pending | WindowState::Missing))
                .map(|w| w.due_on)
                .min();
            result.windows = Some(WindowCounts::of(&judged, today));
            if !open && let Some(next) = program.audit.following_period() {
                result.next_windows = windows(next, control.frequency, program.audit.windows)
                    .into_iter()
                    .map(|w| upcoming_window(w, next, &counted, grace, today))
                    .collect();
            }
            result.window_results = judged;
        }
    }
    reasons.extend(super::deficient::reasons(past.store, &control.id, today));
    // Stable: reasons of one state keep the order they were found in.
    reasons.sort_by_key(|r| r.state);

    let exception_day = match rule {
        EvidenceRule::Freshness { on } => on,
        EvidenceRule::Windows { .. } => today,
    };
    match past.exception(&control.id, exception_day) {
        Some(exception) => {
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
            result.exception = Some(ActiveException {
                reason: exception.reason,
                approved_by: exception.approved_by,
                expires: exception.expires,
            });
        }
        None => result.expired_exception = control.exceptions.iter().map(|e| e.expires).max(),
    }
    if result.exception.is_none() {
        let excepted: Vec<&str> = result
            .window_results
            .iter()
            .filter(|w| w.state == WindowState::Excepted)
            .map(|w| w.window.label.as_str())
            .collect();
        if !excepted.is_empty() {
            reasons.insert(
                0,
                Reason {
                    state: ControlState::Excepted,
                    detail: format!(
                        "an exception was in force at the end of {}",
                        list(&excepted, 5)
                    ),
                },
            );
        }
    }
    result.state = reasons.first().map_or(ControlState::Ready, |r| r.state);
    result.reasons = reasons;
    result
}

/// Since when the control has had its current status: history's account, or the
/// judging day for a status the history does not hold yet.
fn status_since(control: &Control, past: &Past) -> Option<Date> {
    let history = past.history;
    let latest = history
        .controls
        .get(&control.id)
        .and_then(|v| v.last())
        .and_then(|v| v.value.present());
    match latest {
        Some(committed) if committed.status == control.status => {
            past.status_since(&control.id, control.status)
        }
        _ if history.commits.is_empty() => None,
        _ => Some(past.today),
    }
}

/// Type I (and Type II before its period): the newest evidence that proves operation
/// must be fresh on `on`.
fn freshness(
    control: &Control,
    counted: &[Counted],
    on: Date,
    today: Date,
    result: &mut ControlResult,
    reasons: &mut Vec<Reason>,
) {
    let fresh_for = fresh_for_days(control.frequency);
    match result.latest_evidence {
        None => {
            let detail = match counted
                .iter()
                .find(|c| c.result == EvidenceResult::Deviation)
            {
                Some(deviation) => {
                    reasons.push(Reason {
                        state: ControlState::Deviation,
                        detail: format!("{} records a deviation", deviation.id),
                    });
                    "no evidence proves it operated".to_string()
                }
                None if counted.is_empty() => "no evidence yet".to_string(),
                None => format!(
                    "no evidence proves it operated ({} record{} without content)",
                    counted.len(),
                    if counted.len() == 1 { "" } else { "s" }
                ),
            };
            reasons.push(Reason {
                state: ControlState::MissingEvidence,
                detail,
            });
        }
        Some(latest) => {
            let due = latest.add_days(fresh_for);
            result.evidence_due = Some(due);
            if due < on {
                reasons.push(Reason {
                    state: ControlState::StaleEvidence,
                    detail: format!(
                        "newest evidence ends {latest}, {} days {}; {} evidence is stale after {fresh_for} days",
                        latest.days_until(on),
                        if on == today {
                            "ago".to_string()
                        } else {
                            format!("before {on}")
                        },
                        control.frequency.as_str()
                    ),
                });
            }
        }
    }
}

/// One window: its design when it ended (or the judging day's, while it is open),
/// then its evidence.
fn judge_window(
    control: &Control,
    window: super::Window,
    period: Period,
    counted: &[Counted],
    past: &Past,
    grace: model::Interval,
) -> WindowResult {
    let today = past.today;
    let ended = window.end < today;
    let day = if ended { window.end } else { today };
    let design_from = match past.source(day) {
        Source::Judged => "judged".to_string(),
        Source::BeforeHistory => "before-history".to_string(),
        Source::Commit(i) => past.history.commits[i].id.chars().take(12).collect(),
    };
    let due_on = grace.after(window.end);
    let mut result = WindowResult {
        due_on,
        late: false,
        evidence: Vec::new(),
        deviations: Vec::new(),
        detail: None,
        design_from,
        state: WindowState::Pending,
        window,
    };
    let (from, to) = (result.window.start, result.window.end);
    for c in evidence::overlapping(counted, period, from, to) {
        if c.proves {
            result.evidence.push(c.id.to_string());
        } else if c.result == EvidenceResult::Deviation {
            result.deviations.push(c.id.to_string());
        }
    }
    let design = if ended {
        past.design(&control.id, day)
    } else {
        Design::Holds
    };
    let exception = ended.then(|| past.exception(&control.id, day)).flatten();
    result.state = match design {
        Design::Absent => WindowState::Absent,
        Design::NotApplicable => WindowState::NotApplicable,
        Design::Fails(reasons) => match exception {
            Some(e) => {
                result.detail = Some(format!("exception until {}: {}", e.expires, e.reason));
                WindowState::Excepted
            }
            None => {
                let first = reasons.first().map(|r| r.detail.as_str()).unwrap_or("");
                result.detail = Some(format!("{} {first}", control.id));
                WindowState::NotOperating
            }
        },
        Design::Holds => {
            let proofs: Vec<&Counted> = evidence::overlapping(counted, period, from, to)
                .filter(|c| c.proves)
                .collect();
            if !proofs.is_empty() {
                // Late only when every proof arrived after the window was due.
                result.late = proofs
                    .iter()
                    .all(|c| c.received.is_some_and(|r| r > due_on));
                if proofs
                    .iter()
                    .all(|c| c.result == EvidenceResult::NoOccurrence)
                {
                    WindowState::NoOccurrence
                } else {
                    WindowState::Operated
                }
            } else if !result.deviations.is_empty() {
                WindowState::Deviation
            } else if let Some(e) = exception {
                result.detail = Some(format!("exception until {}: {}", e.expires, e.reason));
                WindowState::Excepted
            } else if today > due_on {
                WindowState::Missing
            } else {
                WindowState::Pending
            }
        }
    };
    result
}

/// A window of the period after the judged one: its evidence only, for `soc2 due`.
fn upcoming_window(
    window: super::Window,
    period: Period,
    counted: &[Counted],
    grace: model::Interval,
    today: Date,
) -> WindowResult {
    let due_on = grace.after(window.end);
    let evidence: Vec<String> = evidence::overlapping(counted, period, window.start, window.end)
        .filter(|c| c.proves)
        .map(|c| c.id.to_string())
        .collect();
    let state = if !evidence.is_empty() {
        WindowState::Operated
    } else if today > due_on {
        WindowState::Missing
    } else {
        WindowState::Pending
    };
    WindowResult {
        window,
        state,
        due_on,
        late: false,
        evidence,
        deviations: Vec::new(),
        detail: None,
        design_from: "judged".to_string(),
    }
}

/// The reasons the windows give: windows that ended while the design did not hold,
/// due windows without evidence (only the most recent one: stale), deviations.
fn window_reasons(windows: &[WindowResult], today: Date, reasons: &mut Vec<Reason>) {
    let ended: Vec<&WindowResult> = windows
        .iter()
        .filter(|w| w.window.end < today && w.state.is_judged())
        .collect();
    let not_operating: Vec<&WindowResult> = ended
        .iter()
        .copied()
        .filter(|w| w.state == WindowState::NotOperating)
        .collect();
    if let Some(first) = not_operating.first() {
        let labels: Vec<&str> = not_operating
            .iter()
            .map(|w| w.window.label.as_str())
            .collect();
        reasons.push(Reason {
            state: ControlState::NotOperating,
            detail: format!(
                "{} of {} ended windows not operating ({}): {}",
                not_operating.len(),
                ended.len(),
                list(&labels, 5),
                first.detail.as_deref().unwrap_or_default()
            ),
        });
    }
    let due: Vec<&WindowResult> = windows
        .iter()
        .filter(|w| w.is_due(today) && w.state.is_judged())
        .collect();
    let missing: Vec<&WindowResult> = due
        .iter()
        .copied()
        .filter(|w| w.state == WindowState::Missing)
        .collect();
    let last_due = due
        .iter()
        .rev()
        .find(|w| w.state != WindowState::NotOperating);
    match missing.as_slice() {
        [] => {}
        [only] if last_due.is_some_and(|last| std::ptr::eq(*only, *last)) => reasons.push(Reason {
            state: ControlState::StaleEvidence,
            detail: format!(
                "window {} ({}..{}) was due on {} without evidence",
                only.window.label, only.window.start, only.window.end, only.due_on
            ),
        }),
        _ => {
            let labels: Vec<&str> = missing.iter().map(|w| w.window.label.as_str()).collect();
            reasons.push(Reason {
                state: ControlState::MissingEvidence,
                detail: format!(
                    "{} of {} due windows {} no evidence: {}",
                    missing.len(),
                    due.len(),
                    if missing.len() == 1 { "has" } else { "have" },
                    list(&labels, 5)
                ),
            });
        }
    }
    let deviations: Vec<&WindowResult> = windows
        .iter()
        .filter(|w| w.state == WindowState::Deviation)
        .collect();
    if !deviations.is_empty() {
        let records: Vec<&str> = deviations
            .iter()
            .flat_map(|w| w.deviations.iter().map(String::as_str))
            .collect();
        let labels: Vec<&str> = deviations.iter().map(|w| w.window.label.as_str()).collect();
        reasons.push(Reason {
            state: ControlState::Deviation,
            detail: format!("deviation in {} ({})", list(&labels, 5), list(&records, 3)),
        });
    }
}

/// `a, b, c and 2 more`.
fn list(items: &[&str], max: usize) -> String {
    let shown = items
        .iter()
        .take(max)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    match items.len().saturating_sub(max) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_for_follows_the_frequency() {
        assert_eq!(fresh_for_days(Frequency::Quarterly), 113);
        assert_eq!(fresh_for_days(Frequency::PerEvent), 90);
        assert_eq!(fresh_for_days(Frequency::Daily), 1);
    }

    #[test]
    fn lists_are_cut_short() {
        assert_eq!(list(&["a", "b"], 5), "a, b");
        assert_eq!(list(&["a", "b", "c"], 2), "a, b and 1 more");
    }
}
