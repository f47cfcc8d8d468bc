//! Readiness rules as findings, for `verify` and `check`: pure functions of the store,
//! its history and its assessment. Each finding code is raised in one file: the
//! readiness states here, evidence records in `evidence`, what git says about when
//! things happened in `provenance`, and the scope in `scope`.

mod evidence;
mod internal_audit;
mod provenance;
mod scope;
mod system;
mod vendors;

use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::{Approval, ContentDigest, Control, ControlStatus, Policy, digest, owner_is_set};
use crate::model::{History, Record, Store};
use crate::readiness::{
    ApprovalState, Assessment, ControlResult, ControlState, CriterionState, PolicyResult,
};

/// Every approval whose digest no longer matches its record's content.
pub(crate) fn stale_approvals(store: &Store) -> Vec<Finding> {
    let mut findings = Vec::new();
    for record in &store.controls {
        if let Some(approval) = &record.value.approval {
            check_approval(
                record,
                approval,
                &digest::control(&record.value),
                "control",
                &mut findings,
            );
        }
    }
    for record in &store.policies {
        if let Some(approval) = &record.value.approval {
            let current = digest::policy_in(store, &record.value);
            check_approval(record, approval, &current, "policy", &mut findings);
        }
    }
    if let (Some(record), Some(current)) = (&store.system, digest::system_in(store))
        && let Some(approval) = &record.value.approval
    {
        check_approval(
            record,
            approval,
            &current,
            "system description",
            &mut findings,
        );
    }
    findings
}

fn check_approval<T>(
    record: &Record<T>,
    approval: &Approval,
    content: &ContentDigest,
    what: &str,
    out: &mut Vec<Finding>,
) {
    if content.is_legacy(&approval.digest) {
        out.push(
            Finding::new(
                Code::LegacyDigest,
                format!(
                    "the approval of {} by {} on {} holds, but its digest follows soc2 0.1's rule, which also covered `notes`",
                    record.stem(),
                    approval.by,
                    approval.at
                ),
            )
            .in_file(&record.path)
            .at(locate::value(&record.text, "approval.digest"))
            .with_source(&record.text)
            .with_hint(format!(
                "nothing to do; to record today's digest, have it approved again (`soc2 approve {}`); editing `notes` voids an approval of this kind",
                record.stem()
            )),
        );
        return;
    }
    if ApprovalState::of(Some(approval), content) == ApprovalState::Approved {
        return;
    }
    let current = &content.current;
    out.push(
        Finding::new(
            Code::Unapproved,
            format!(
                "the {what} changed after {} approved it on {} (approved sha256 {}, now {})",
                approval.by,
                approval.at,
                approval.digest.short(),
                current.short()
            ),
        )
        .in_file(&record.path)
        .at(locate::value(&record.text, "approval.digest"))
        .with_source(&record.text)
        .with_hint(format!(
            "review the change and have someone other than its author run `soc2 approve {}`",
            record.stem()
        )),
    );
}

/// The readiness warnings `check` reports, from the assessment of the store.
/// Approvals dated well before the commit that wrote them, for `verify`.
pub(crate) fn backdated_approvals(
    store: &Store,
    history: &History,
    today: crate::model::Date,
) -> Vec<Finding> {
    provenance::approvals(store, history, today)
}

/// The findings come as lists, in their order, for the caller to join once.
pub(crate) fn readiness(
    store: &Store,
    assessment: &Assessment,
    history: &History,
) -> Vec<Vec<Finding>> {
    let mut parts = vec![evidence::findings(store, assessment)];
    provenance::findings(store, assessment, history, &mut parts);
    parts.push(scope::findings(store, assessment));
    parts.push(internal_audit::findings(store, assessment));
    parts.push(system::findings(store));
    parts.push(vendors::findings(store, assessment));
    let mut findings = Vec::new();
    system_description_findings(store, assessment.today, &mut findings);
    for (record, result) in store.vendors.iter().zip(&assessment.vendors) {
        if let (true, Some(due)) = (result.overdue, result.review_due) {
            findings.push(
                at(
                    record,
                    Code::OverdueReview,
                    format!("vendor {} was due for review on {due}", result.id),
                    "last_reviewed",
                )
                .with_hint(format!(
                    "review it (and its SOC report), then `soc2 vendor review {}`",
                    result.id
                )),
            );
        }
    }
    for (record, result) in store.controls.iter().zip(&assessment.controls) {
        debug_assert_eq!(record.value.id, result.id);
        control_findings(record, result, &mut findings);
    }
    for (record, result) in store.policies.iter().zip(&assessment.policies) {
        policy_findings(record, result, &mut findings);
    }
    if let Some(program) = &store.program {
        for criterion in assessment
            .criteria
            .iter()
            .filter(|c| c.state == CriterionState::Uncovered)
        {
            findings.push(
                Finding::new(
                    Code::UncoveredCriterion,
                    format!("criterion {} ({}) has no applicable control", criterion.id, criterion.title),
                )
                .in_file(&program.path)
                .with_hint(format!(
                    "map a control to it (`soc2 control set ID --add-criteria {}`), or exclude it under `scope.excluded_criteria` with a reason",
                    criterion.id
                )),
            );
        }
    }
    findings.extend(stale_approvals(store));
    parts.push(findings);
    parts
}

/// The system description is owned, approved and reviewed like a policy.
fn system_description_findings(store: &Store, today: crate::model::Date, out: &mut Vec<Finding>) {
    let Some(record) = &store.system else {
        return;
    };
    let description = &record.value;
    if !owner_is_set(description.owner.as_deref()) {
        out.push(
            at(
                record,
                Code::NoOwner,
                "the system description has no owner".to_string(),
                "owner",
            )
            .with_hint("set `owner` in system/description.yaml to the person accountable for it"),
        );
    }
    if description.approval.is_none() {
        out.push(
            Finding::new(
                Code::Unapproved,
                "the system description has never been approved",
            )
            .in_file(&record.path)
            .with_hint("someone other than its author runs `soc2 approve system`"),
        );
    }
    if let Some(due) = description.review_due().filter(|due| *due < today) {
        out.push(
            at(
                record,
                Code::OverdueReview,
                format!("the system description was due for review on {due}"),
                "last_reviewed",
            )
            .with_hint(
                "review it; approving it again, or setting `last_reviewed`, records the review",
            ),
        );
    }
}

/// A finding pointing at a record's field (or its id when the field is absent).
fn at<T>(record: &Record<T>, code: Code, message: String, field: &str) -> Finding {
    let text = &record.text;
    Finding::new(code, message)
        .in_file(&record.path)
        .at(locate::field(text, field).or_else(|| locate::field(text, "id")))
        .with_source(text)
}

fn control_findings(record: &Record<Control>, result: &ControlResult, out: &mut Vec<Finding>) {
    let here = |code, message, field: &str| at(record, code, message, field);
    if result.status == ControlStatus::NotApplicable || !result.in_scope {
        return;
    }
    if !owner_is_set(record.value.owner.as_deref()) {
        out.push(
            here(
                Code::NoOwner,
                format!("control {} has no owner", result.id),
                "owner",
            )
            .with_hint(format!("`soc2 control set {} --owner PERSON`", result.id)),
        );
    }
    if let Some(expired) = result.expired_exception {
        out.push(
            here(
                Code::ExpiredException,
                format!("the exception for {} expired on {expired}", result.id),
                "exceptions",
            )
            .with_hint("fix the gap, or renew the exception with a new end date and approver"),
        );
    }
    // Evidence and approval matter once a control claims to operate.
    if result.status != ControlStatus::Implemented {
        return;
    }
    for reason in &result.reasons {
        let (code, hint) = match reason.state {
            ControlState::MissingEvidence | ControlState::StaleEvidence => (
                if reason.state == ControlState::MissingEvidence {
                    Code::MissingEvidence
                } else {
                    Code::StaleEvidence
                },
                format!(
                    "add evidence with `soc2 evidence add {} FILE --covers FROM..TO`",
                    result.id
                ),
            ),
            ControlState::NotOperating => (
                Code::NotOperating,
                format!(
                    "past windows stay as they were; `soc2 show {}` lists them and the commit each was judged on",
                    result.id
                ),
            ),
            _ => continue,
        };
        out.push(
            here(
                code,
                format!("{}: {}", result.id, reason.detail),
                "frequency",
            )
            .with_hint(hint),
        );
    }
    if result.approval == ApprovalState::Missing {
        out.push(
            here(
                Code::Unapproved,
                format!("implemented control {} has never been approved", result.id),
                "status",
            )
            .with_hint(format!(
                "someone other than its author runs `soc2 approve {}`",
                result.id
            )),
        );
    }
}

fn policy_findings(record: &Record<Policy>, result: &PolicyResult, out: &mut Vec<Finding>) {
    let here = |code, message, field: &str| at(record, code, message, field);
    if !owner_is_set(record.value.owner.as_deref()) {
        out.push(
            here(
                Code::NoOwner,
                format!("policy {} has no owner", result.id),
                "owner",
            )
            .with_hint(format!("`soc2 policy set {} --owner PERSON`", result.id)),
        );
    }
    if result.approval == ApprovalState::Missing {
        out.push(
            here(
                Code::Unapproved,
                format!("policy {} has never been approved", result.id),
                "title",
            )
            .with_hint(format!(
                "someone other than its author runs `soc2 approve {}`",
                result.id
            )),
        );
    }
    if let (true, Some(due)) = (result.overdue, result.review_due) {
        out.push(
            here(
                Code::OverdueReview,
                format!("policy {} was due for review on {due}", result.id),
                "last_reviewed",
            )
            .with_hint(format!(
                "review it, then `soc2 policy review {}`",
                result.id
            )),
        );
    }
}
