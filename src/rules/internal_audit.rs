//! Findings of the internal audit as `check` findings: open past their due date.

use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::Store;
use crate::readiness::Assessment;

pub(super) fn findings(store: &Store, assessment: &Assessment) -> Vec<Finding> {
    let mut out = Vec::new();
    for open in assessment.open_findings.iter().filter(|f| f.overdue) {
        let Some(record) = store.audit_finding(&open.id) else {
            continue;
        };
        out.push(
            Finding::new(
                Code::FindingOverdue,
                format!(
                    "{} on {} ({}) is {} and was due on {}: {}",
                    open.id,
                    open.control,
                    open.severity.as_str(),
                    open.status.as_str(),
                    open.due,
                    open.title
                ),
            )
            .in_file(&record.path)
            .at(locate::value(&record.text, "due"))
            .with_source(&record.text)
            .with_hint(format!(
                "{} remediates it (`soc2 finding remediate {}`), or agrees a new `due` date",
                open.owner, open.id
            )),
        );
    }
    out
}
