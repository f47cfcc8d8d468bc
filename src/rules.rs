//! Readiness rules as findings, for `verify` and `check`: pure functions of the store
//! and its assessment.

use crate::findings::{Code, Finding};
use crate::model::{Approval, Sha256Hex, digest};
use crate::store::{Record, Store, locate};

/// Every approval whose digest no longer matches its record's content.
pub fn stale_approvals(store: &Store) -> Vec<Finding> {
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
            let document = store.documents.get(&record.value.id).map(Vec::as_slice);
            let current = digest::policy(&record.value, document);
            check_approval(record, approval, &current, "policy", &mut findings);
        }
    }
    findings
}

fn check_approval<T>(
    record: &Record<T>,
    approval: &Approval,
    current: &Sha256Hex,
    what: &str,
    out: &mut Vec<Finding>,
) {
    if &approval.digest == current {
        return;
    }
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
