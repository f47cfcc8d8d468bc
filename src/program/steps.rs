//! One rule per step: what in the store says the step is done, under way, or not
//! begun. Each is a small function of the store and its readiness.

use std::collections::BTreeSet;

use super::{AuditorRequest, Derived, Inputs, InternalAudit, SignOffResult, StepState};
use crate::catalog::{self, Category};
use crate::model::{
    ApprovalState, ControlStatus, Date, MILESTONES, Step, StepKind, Store, Treatment, digest,
    owner_is_set,
};
use crate::readiness::{Assessment, ControlResult, ControlState, CriterionState};
use crate::system::{self, Problem};

/// The rule of `step`.
pub(super) fn derive(step: &Step, inputs: &Inputs, signoff: Option<&SignOffResult>) -> Derived {
    let (store, a) = (inputs.store, inputs.assessment);
    match step.number {
        1 => services(store, a),
        2 => criteria(store, a),
        3 => owners(a),
        4 => system_description(store),
        5 => existing_controls(store, a),
        6 => effectiveness(a),
        7 => risks(store),
        8 => design(a),
        9 => implementation(a),
        11 => documentation(a),
        12 => evidence(a),
        13 => internal_audit(a, &inputs.internal_audit),
        15 => remediation(&inputs.internal_audit, a.today),
        16 => report_documentation(store, a),
        19 => audit_support(&auditor_requests(store)),
        _ => signed_off(step, signoff, store),
    }
}

/// Who owns a step when `program.owners` names nobody and `program.owner` is unset.
pub(super) fn default_owner(step: &Step, store: &Store) -> Option<String> {
    match step.number {
        4 => store
            .system
            .as_ref()
            .and_then(|s| s.value.owner.clone())
            .filter(|o| owner_is_set(Some(o))),
        _ => None,
    }
}

/// "AC-01, AC-02, AC-03 and 4 more".
fn some(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}

/// "1 control", "2 controls".
fn n(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// In-scope controls that apply.
fn applicable(a: &Assessment) -> impl Iterator<Item = &ControlResult> {
    a.controls
        .iter()
        .filter(|c| c.in_scope && c.status != ControlStatus::NotApplicable)
}

/// Step 1: the services are named and the scope is approved.
pub(super) fn services(store: &Store, a: &Assessment) -> Derived {
    let services = &store.program().scope.services;
    if services.is_empty() {
        return Derived::not_started(
            "no services are named in `scope.services`",
            "name the services the audit covers in soc2.yaml (`scope.services`), then have someone else run `soc2 approve scope`",
        );
    }
    let named = services.join(", ");
    match a.scope.approval {
        ApprovalState::Approved => Derived::done(format!("{named}; the scope is approved")),
        state => Derived::in_progress(
            format!("{named}; the scope is {}", state.describe()),
            "someone other than its author runs `soc2 approve scope`",
        ),
    }
}

/// Step 2: the categories and exclusions are approved, and no common criterion is
/// excluded.
pub(super) fn criteria(store: &Store, a: &Assessment) -> Derived {
    let scope = &store.program().scope;
    let categories: Vec<&str> = catalog::Category::ALL
        .iter()
        .filter(|c| scope.includes(**c))
        .map(|c| c.as_str())
        .collect();
    let counted = a.overall.total;
    let summary = format!(
        "{}: {counted} criteria in scope, {} excluded",
        categories.join(", "),
        a.overall.excluded
    );
    let common_excluded: Vec<String> = scope
        .excluded_criteria
        .iter()
        .filter(|e| catalog::find(&e.criterion).is_some_and(|c| c.category == Category::Security))
        .map(|e| e.criterion.clone())
        .collect();
    if a.scope.approval != ApprovalState::Approved {
        let decided = !scope.categories.is_empty() || !scope.excluded_criteria.is_empty();
        let next = "choose the categories (`scope.categories`) and any exclusions with their reasons, then have someone else run `soc2 approve scope`";
        return if decided {
            Derived::in_progress(
                format!("{summary}; the scope is {}", a.scope.approval.describe()),
                next,
            )
        } else {
            Derived::not_started(
                "only security, which is always in scope; the scope is not approved",
                next,
            )
        };
    }
    if !common_excluded.is_empty() {
        return Derived::in_progress(
            format!(
                "{summary}; common criteria excluded: {}",
                common_excluded.join(", ")
            ),
            "keep common criteria in scope: where a vendor performs one, record it in vendors/ as a carve-out subservice organisation carrying it",
        );
    }
    Derived::done(format!("{summary}; the scope is approved"))
}

/// Step 3: every criterion in scope has a control with an owner (or is carried by a
/// subservice organisation whose record has one).
pub(super) fn owners(a: &Assessment) -> Derived {
    let counted: Vec<_> = a
        .criteria
        .iter()
        .filter(|c| c.state != CriterionState::Excluded)
        .collect();
    let without: Vec<String> = counted
        .iter()
        .filter(|criterion| {
            let by_control = applicable(a)
                .any(|c| c.criteria.contains(&criterion.id) && owner_is_set(c.owner.as_deref()));
            let by_vendor = criterion.carved_out.iter().any(|carve| {
                a.vendors
                    .iter()
                    .any(|v| v.id == carve.vendor && owner_is_set(v.owner.as_deref()))
            });
            !by_control && !by_vendor
        })
        .map(|c| c.id.clone())
        .collect();
    let next =
        "name an owner for a control of each criterion: `soc2 control set ID --owner PERSON`";
    if without.is_empty() && !counted.is_empty() {
        Derived::done(format!(
            "each of the {} criteria in scope has a control with an owner",
            counted.len()
        ))
    } else if without.len() == counted.len() {
        Derived::not_started("no criterion in scope has a control with an owner", next)
    } else {
        Derived::in_progress(
            format!(
                "{} of {} criteria have no control with an owner: {}",
                without.len(),
                counted.len(),
                some(&without)
            ),
            next,
        )
    }
}

/// Step 4: the system description has every section written, and is approved.
pub(super) fn system_description(store: &Store) -> Derived {
    let Some(text) = &store.system_text else {
        return Derived::not_started(
            "there is no system description (system/description.md)",
            "write system/description.md and system/description.yaml (a new `soc2 init` in an empty folder writes both)",
        );
    };
    let problems = system::check(text);
    let written = system::SECTIONS
        .iter()
        .filter(|s| !s.container && s.generated.is_none())
        .count();
    let empty = problems
        .iter()
        .filter(|p| p.problem == Problem::Empty)
        .count();
    let missing = problems
        .iter()
        .filter(|p| p.problem == Problem::Missing)
        .count();
    if empty + missing >= written {
        return Derived::not_started(
            "the system description's sections are not written yet",
            "write each section of system/description.md (its comments say what goes there)",
        );
    }
    let approval = match (&store.system, digest::system_in(store)) {
        (Some(record), Some(content)) => {
            ApprovalState::of(record.value.approval.as_ref(), &content)
        }
        _ => ApprovalState::Missing,
    };
    let mut gaps = Vec::new();
    if !problems.is_empty() {
        let names: Vec<String> = problems
            .iter()
            .map(|p| match p.problem {
                Problem::Missing => format!("{} (missing)", p.heading),
                Problem::Empty => p.heading.clone(),
            })
            .collect();
        gaps.push(format!("sections to write: {}", names.join(", ")));
    }
    if approval != ApprovalState::Approved {
        gaps.push(format!("it is {}", approval.describe()));
    }
    match (gaps.is_empty(), &store.system) {
        (true, Some(record)) => Derived::done(format!(
            "every section written; approved{} (version {})",
            record
                .value
                .approval
                .as_ref()
                .map(|a| format!(" by {} on {}", a.by, a.at))
                .unwrap_or_default(),
            record.value.version
        )),
        _ => Derived::in_progress(
            gaps.join("; "),
            "finish the sections, then have someone else run `soc2 approve system`",
        ),
    }
}

/// Step 5: no criterion in scope is uncovered, and every control in scope has an
/// owner, a description and a test procedure.
pub(super) fn existing_controls(store: &Store, a: &Assessment) -> Derived {
    let controls: Vec<&ControlResult> = applicable(a).collect();
    let documented = |c: &&ControlResult| {
        owner_is_set(c.owner.as_deref())
            && store.control(&c.id).is_some_and(|r| {
                r.value
                    .description
                    .as_deref()
                    .is_some_and(|d| !d.trim().is_empty())
                    && r.value
                        .test_procedure
                        .as_deref()
                        .is_some_and(|t| !t.trim().is_empty())
            })
    };
    let undocumented: Vec<String> = controls
        .iter()
        .filter(|c| !documented(c))
        .map(|c| c.id.clone())
        .collect();
    let uncovered: Vec<String> = a
        .criteria
        .iter()
        .filter(|c| c.state == CriterionState::Uncovered)
        .map(|c| c.id.clone())
        .collect();
    let next = "give each control an owner, a description and a test procedure (`soc2 control set`), and map a control to every criterion";
    if controls.is_empty() || undocumented.len() == controls.len() {
        return Derived::not_started(
            "no control in scope has an owner, a description and a test procedure yet",
            next,
        );
    }
    if undocumented.is_empty() && uncovered.is_empty() {
        return Derived::done(format!(
            "{} controls in scope, each owned and documented; every criterion covered",
            controls.len()
        ));
    }
    let mut gaps = Vec::new();
    if !undocumented.is_empty() {
        gaps.push(format!(
            "{} of {} controls lack an owner, description or test procedure: {}",
            undocumented.len(),
            controls.len(),
            some(&undocumented)
        ));
    }
    if !uncovered.is_empty() {
        gaps.push(format!("uncovered criteria: {}", some(&uncovered)));
    }
    Derived::in_progress(gaps.join("; "), next)
}

/// Step 6: every implemented control in scope has evidence of operating.
pub(super) fn effectiveness(a: &Assessment) -> Derived {
    let implemented: Vec<&ControlResult> = applicable(a)
        .filter(|c| c.status == ControlStatus::Implemented)
        .collect();
    let without: Vec<String> = implemented
        .iter()
        .filter(|c| c.evidence_count == 0)
        .map(|c| c.id.clone())
        .collect();
    let next = "add evidence that each implemented control operates (`soc2 evidence add`); mark controls that do not run yet as designed or planned";
    if implemented.is_empty() {
        return Derived::not_started("no control in scope is implemented yet", next);
    }
    if without.is_empty() {
        return Derived::done(format!(
            "each of the {} implemented controls has evidence of operating",
            implemented.len()
        ));
    }
    Derived::in_progress(
        format!(
            "{} of {} implemented controls have no evidence yet: {}",
            without.len(),
            implemented.len(),
            some(&without)
        ),
        next,
    )
}

/// Step 7: the risk register holds risks, each owned, and each mitigated risk names
/// its controls.
pub(super) fn risks(store: &Store) -> Derived {
    let next = "record the risks with `soc2 risk add` (owner, treatment, mitigating controls)";
    if store.risks.is_empty() {
        return Derived::not_started("the risk register (risks/) is empty", next);
    }
    let incomplete: Vec<String> = store
        .risks
        .iter()
        .map(|r| &r.value)
        .filter(|r| {
            !owner_is_set(r.owner.as_deref())
                || (r.treatment == Treatment::Mitigate && r.controls.is_empty())
        })
        .map(|r| r.id.clone())
        .collect();
    if incomplete.is_empty() {
        return Derived::done(format!(
            "{}, each owned and treated",
            n(store.risks.len(), "risk")
        ));
    }
    Derived::in_progress(
        format!(
            "{} of {} risks lack an owner or mitigating controls: {}",
            incomplete.len(),
            store.risks.len(),
            some(&incomplete)
        ),
        next,
    )
}

fn with_status(a: &Assessment, statuses: &[ControlStatus]) -> Vec<String> {
    applicable(a)
        .filter(|c| statuses.contains(&c.status))
        .map(|c| c.id.clone())
        .collect()
}

/// Step 8: no control in scope is still only planned.
pub(super) fn design(a: &Assessment) -> Derived {
    let total = applicable(a).count();
    let planned = with_status(a, &[ControlStatus::Planned]);
    let next = "design each planned control and mark it (`soc2 control set ID --status designed`)";
    if total == 0 || planned.len() == total {
        return Derived::not_started(format!("all {total} controls in scope are planned"), next);
    }
    if planned.is_empty() {
        return Derived::done(format!(
            "each of the {total} controls in scope is designed or implemented"
        ));
    }
    Derived::in_progress(
        format!(
            "{} of {total} controls are still planned: {}",
            planned.len(),
            some(&planned)
        ),
        next,
    )
}

/// Step 9: no control in scope is planned or designed.
pub(super) fn implementation(a: &Assessment) -> Derived {
    let total = applicable(a).count();
    let waiting = with_status(a, &[ControlStatus::Planned, ControlStatus::Designed]);
    let next = "implement them and mark each (`soc2 control set ID --status implemented`)";
    if total == 0 || waiting.len() == total {
        return Derived::not_started("no control in scope is implemented yet", next);
    }
    if waiting.is_empty() {
        return Derived::done(format!(
            "each of the {total} controls in scope is implemented"
        ));
    }
    Derived::in_progress(
        format!(
            "{} of {total} controls are planned or designed: {}",
            waiting.len(),
            some(&waiting)
        ),
        next,
    )
}

/// Step 11: every control in scope is approved as it is, and so is every policy it
/// names.
pub(super) fn documentation(a: &Assessment) -> Derived {
    let controls: Vec<&ControlResult> = applicable(a).collect();
    let unapproved: Vec<String> = controls
        .iter()
        .filter(|c| c.approval != ApprovalState::Approved)
        .map(|c| c.id.clone())
        .collect();
    let named: BTreeSet<&String> = controls
        .iter()
        .filter_map(|c| a.control(&c.id))
        .flat_map(|c| {
            a.policies
                .iter()
                .filter(move |p| p.controls.contains(&c.id))
                .map(|p| &p.id)
        })
        .collect();
    let policies: Vec<String> = a
        .policies
        .iter()
        .filter(|p| named.contains(&p.id) && p.approval != ApprovalState::Approved)
        .map(|p| p.id.clone())
        .collect();
    let next = "have each control and policy approved as it is (`soc2 approve ID`, by someone other than its author)";
    if controls.is_empty() || unapproved.len() == controls.len() {
        return Derived::not_started("no control in scope is approved yet", next);
    }
    if unapproved.is_empty() && policies.is_empty() {
        return Derived::done(format!(
            "each of the {} controls in scope and the {} policies they name are approved",
            controls.len(),
            named.len()
        ));
    }
    let mut gaps = Vec::new();
    if !unapproved.is_empty() {
        gaps.push(format!(
            "{} of {} controls not approved as they are: {}",
            unapproved.len(),
            controls.len(),
            some(&unapproved)
        ));
    }
    if !policies.is_empty() {
        gaps.push(format!("policies not approved: {}", some(&policies)));
    }
    Derived::in_progress(gaps.join("; "), next)
}

/// Step 12: every due window (Type II), or every implemented control's freshness
/// (Type I), has evidence.
pub(super) fn evidence(a: &Assessment) -> Derived {
    let implemented: Vec<&ControlResult> = applicable(a)
        .filter(|c| c.status == ControlStatus::Implemented)
        .collect();
    let lacking: Vec<String> = implemented
        .iter()
        .filter(|c| {
            c.reasons.iter().any(|r| {
                matches!(
                    r.state,
                    ControlState::MissingEvidence | ControlState::StaleEvidence
                )
            })
        })
        .map(|c| c.id.clone())
        .collect();
    let not_built = with_status(a, &[ControlStatus::Planned, ControlStatus::Designed]);
    let next = "collect the missing evidence (`soc2 due` lists it; `soc2 evidence add`)";
    if implemented.is_empty() {
        return Derived::not_started("no control in scope is implemented yet", next);
    }
    let windows = a
        .windows
        .map(|w| format!("{} of {} due windows evidenced", w.operated, w.due))
        .unwrap_or_else(|| {
            format!(
                "{} with fresh evidence",
                n(implemented.len() - lacking.len(), "implemented control")
            )
        });
    if !lacking.is_empty() {
        return Derived::in_progress(
            format!(
                "{windows}; {} {} evidence: {}",
                n(lacking.len(), "control"),
                if lacking.len() == 1 { "lacks" } else { "lack" },
                some(&lacking)
            ),
            next,
        );
    }
    if !not_built.is_empty() {
        return Derived::in_progress(
            format!(
                "{windows}; {} not yet implemented will need evidence: {}",
                n(not_built.len(), "control"),
                some(&not_built)
            ),
            "implement them (step 9), then collect their evidence",
        );
    }
    Derived::done(format!("every due window has evidence ({windows})"))
}

/// Step 13: every implemented control in scope has a concluded internal test.
pub(super) fn internal_audit(a: &Assessment, audit: &InternalAudit) -> Derived {
    let implemented: Vec<&ControlResult> = applicable(a)
        .filter(|c| c.status == ControlStatus::Implemented)
        .collect();
    let tested: BTreeSet<&str> = audit
        .tests
        .iter()
        .filter(|t| t.concluded)
        .map(|t| t.control.as_str())
        .collect();
    let untested: Vec<String> = implemented
        .iter()
        .filter(|c| !tested.contains(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();
    let next = "test each implemented control and conclude the test (`soc2 test`)";
    if implemented.is_empty() || untested.len() == implemented.len() {
        return Derived::not_started("no implemented control has a concluded internal test", next);
    }
    if untested.is_empty() {
        return Derived::done(format!(
            "each of the {} implemented controls has a concluded internal test",
            implemented.len()
        ));
    }
    Derived::in_progress(
        format!(
            "{} of {} implemented controls have no concluded test: {}",
            untested.len(),
            implemented.len(),
            some(&untested)
        ),
        next,
    )
}

/// Step 15: no finding of an internal test is open past its due date.
pub(super) fn remediation(audit: &InternalAudit, today: Date) -> Derived {
    let next = "remediate the findings past due and retest (`soc2 finding`)";
    if audit.tests.is_empty() {
        return Derived::not_started("no internal test has been run yet", next);
    }
    let late: Vec<String> = audit
        .findings
        .iter()
        .filter(|f| f.open && f.due.is_some_and(|d| d < today))
        .map(|f| f.id.clone())
        .collect();
    let open = audit.findings.iter().filter(|f| f.open).count();
    if late.is_empty() {
        return Derived::done(format!(
            "no finding is open past its due date ({open} open, {} closed)",
            audit.findings.len() - open
        ));
    }
    Derived::in_progress(
        format!(
            "{} open past the due date: {}",
            n(late.len(), "finding"),
            some(&late)
        ),
        next,
    )
}

/// Step 16: what the auditor's report is written from is approved as it is: the
/// system description, the scope, and every policy the controls in scope name, none
/// overdue for review.
pub(super) fn report_documentation(store: &Store, a: &Assessment) -> Derived {
    let system = match (&store.system, digest::system_in(store)) {
        (Some(record), Some(content)) => {
            ApprovalState::of(record.value.approval.as_ref(), &content)
        }
        _ => ApprovalState::Missing,
    };
    let named: BTreeSet<&str> = applicable(a)
        .flat_map(|c| {
            a.policies
                .iter()
                .filter(move |p| p.controls.contains(&c.id))
                .map(|p| p.id.as_str())
        })
        .collect();
    let policies: Vec<String> = a
        .policies
        .iter()
        .filter(|p| named.contains(p.id.as_str()))
        .filter(|p| p.approval != ApprovalState::Approved || p.overdue)
        .map(|p| p.id.clone())
        .collect();
    let mut gaps = Vec::new();
    if system != ApprovalState::Approved {
        gaps.push(format!("the system description is {}", system.describe()));
    }
    if a.scope.approval != ApprovalState::Approved {
        gaps.push(format!("the scope is {}", a.scope.approval.describe()));
    }
    if !policies.is_empty() {
        gaps.push(format!(
            "policies not approved or overdue for review: {}",
            some(&policies)
        ));
    }
    let next = "approve the system description, the scope and the policies as they are, and review those overdue";
    if gaps.is_empty() {
        return Derived::done(format!(
            "the system description, the scope and the {} policies in use are approved and within review",
            named.len()
        ));
    }
    let nothing_approved = system != ApprovalState::Approved
        && a.policies
            .iter()
            .all(|p| p.approval != ApprovalState::Approved);
    if nothing_approved {
        return Derived::not_started(gaps.join("; "), next);
    }
    Derived::in_progress(gaps.join("; "), next)
}

/// The request list as step 19 reads it: a request is provided once evidence went to
/// the auditor and they have not rejected it.
fn auditor_requests(store: &Store) -> Vec<AuditorRequest> {
    store
        .requests
        .iter()
        .map(|r| AuditorRequest {
            id: r.value.id.clone(),
            provided: !r.value.status.is_outstanding(),
        })
        .collect()
}

/// Step 19: every auditor request is provided.
pub(super) fn audit_support(requests: &[AuditorRequest]) -> Derived {
    let next = "provide what each open request asks for (`soc2 request`)";
    if requests.is_empty() {
        return Derived::not_started("the auditor has made no request yet", next);
    }
    let open: Vec<String> = requests
        .iter()
        .filter(|r| !r.provided)
        .map(|r| r.id.clone())
        .collect();
    if open.is_empty() {
        return Derived::done(format!("{} provided", n(requests.len(), "request")));
    }
    Derived::in_progress(
        format!(
            "{} of {} requests wait on the team (open, or rejected and not provided again): {}",
            open.len(),
            requests.len(),
            some(&open)
        ),
        next,
    )
}

/// Steps 10, 14 and 18 (the milestones) and 17 and 20 (people's judgement): signed off,
/// and the sign-off still covers the state as it is.
pub(super) fn signed_off(step: &Step, signoff: Option<&SignOffResult>, store: &Store) -> Derived {
    let command = if MILESTONES.contains(&step.slug) {
        format!("soc2 approve milestone {}", step.slug)
    } else {
        format!("soc2 program sign-off {}", step.slug)
    };
    let names_document = step.kind == StepKind::SignOff || step.slug == "auditor-engagement";
    let how = if names_document {
        format!("`{command} --document PATH` (or `--evidence ID`)")
    } else {
        format!("`{command}`")
    };
    let Some(signoff) = signoff else {
        let mut reason = "not signed off".to_string();
        if step.number == 17
            && let Some(auditor) = &store.program().audit.auditor
        {
            reason = format!("{auditor} is named as the auditor; the engagement is not signed off");
            return Derived::in_progress(
                reason,
                format!("sign it off with the engagement letter: {how}"),
            );
        }
        return Derived::not_started(
            reason,
            format!(
                "sign it off: {how}, by someone who did not make the last change to what it covers"
            ),
        );
    };
    let named = signoff
        .document
        .as_deref()
        .or(signoff.evidence.as_deref())
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let given = format!("signed off by {} on {}{named}", signoff.by, signoff.at);
    if signoff.current {
        return Derived::done(given);
    }
    let changed = if signoff.changed.is_empty() {
        "what changed cannot be told from history".to_string()
    } else {
        format!("changed since: {}", some(&signoff.changed))
    };
    Derived {
        state: StepState::InProgress,
        reason: format!("{given}, but it covers an older state; {changed}"),
        next: Some(format!("review the changes and sign off again: {how}")),
    }
}

#[cfg(test)]
#[path = "steps_tests.rs"]
mod tests;
