//! Findings in readiness: a control with an open finding of significant deficiency or
//! worse, whose fix no retest has shown to work yet, is `deficient`; open findings past
//! their due date are work overdue.

use serde::{Deserialize, Serialize};

use super::{ControlState, Reason};
use crate::model::{Date, FindingSource, FindingStatus, Severity, Store};

/// A finding still open on the judging day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenFinding {
    pub id: String,
    pub control: String,
    pub title: String,
    pub source: FindingSource,
    pub severity: Severity,
    pub status: FindingStatus,
    pub owner: String,
    pub due: Date,
    pub overdue: bool,
}

/// The findings open on `today` (found by then, not closed).
pub(crate) fn open_findings(store: &Store, today: Date) -> Vec<OpenFinding> {
    store
        .audit_findings
        .iter()
        .map(|r| &r.value)
        .filter(|f| f.is_open() && f.found_on <= today)
        .map(|f| OpenFinding {
            id: f.id.clone(),
            control: f.control.clone(),
            title: f.title.clone(),
            source: f.source,
            severity: f.severity,
            status: f.status,
            owner: f.owner.clone(),
            due: f.due,
            overdue: f.is_overdue(today),
        })
        .collect()
}

/// A finding as work falling due: closed by its due date.
pub(crate) fn due_item(finding: &OpenFinding) -> (Date, String) {
    let step = match finding.status {
        FindingStatus::Open => "remediate",
        FindingStatus::Remediated if finding.source.needs_retest() => "retest and close",
        FindingStatus::Remediated | FindingStatus::Retested | FindingStatus::Closed => "close",
    };
    (
        finding.due,
        format!(
            "{step} {} on {} ({}): {}",
            finding.id,
            finding.control,
            finding.severity.as_str(),
            finding.title
        ),
    )
}

/// The `deficient` reasons of one control.
pub(crate) fn reasons(store: &Store, control: &str, today: Date) -> Vec<Reason> {
    store
        .audit_findings
        .iter()
        .map(|r| &r.value)
        .filter(|f| f.control == control && f.found_on <= today && f.makes_deficient())
        .map(|f| Reason {
            state: ControlState::Deficient,
            detail: format!(
                "{} ({}, {}): {}",
                f.id,
                f.severity.as_str(),
                f.status.as_str(),
                f.title
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Record;

    fn store(findings: &[&str]) -> Store {
        let mut store = Store::default();
        for (i, text) in findings.iter().enumerate() {
            store.audit_findings.push(Record {
                path: format!("findings/F-00{}.yaml", i + 1),
                text: (*text).into(),
                value: crate::store::from_yaml::<_>(text)
                    .map(std::sync::Arc::new)
                    .unwrap(),
            });
        }
        store
    }

    const BASE: &str = "control: CM-03\ntitle: Deployed before approval\nsource: internal-test\nowner: bob@example.com\nfound_on: 2026-10-01\ndue: 2026-11-30\n";

    #[test]
    fn deficient_comes_after_not_operating_and_before_missing_evidence() {
        assert!(ControlState::NotOperating < ControlState::Deficient);
        assert!(ControlState::Deficient < ControlState::MissingEvidence);
    }

    #[test]
    fn significant_open_findings_make_a_control_deficient() {
        let day = Date::from_ymd(2026, 11, 1);
        let s = store(&[&format!(
            "id: F-001\n{BASE}severity: significant-deficiency\nstatus: open\n"
        )]);
        let found = reasons(&s, "CM-03", day);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].state, ControlState::Deficient);
        assert!(
            found[0]
                .detail
                .starts_with("F-001 (significant-deficiency, open)")
        );
        assert!(reasons(&s, "AC-01", day).is_empty());
        // Not before it was found.
        assert!(reasons(&s, "CM-03", Date::from_ymd(2026, 9, 30)).is_empty());
        // A deficiency alone, or a finding retested, does not.
        let s = store(&[
            &format!("id: F-001\n{BASE}severity: deficiency\nstatus: open\n"),
            &format!(
                "id: F-002\n{BASE}severity: material-weakness\nstatus: retested\nremediated_on: 2026-10-10\nretest: CM-03/x\n"
            ),
        ]);
        assert!(reasons(&s, "CM-03", day).is_empty());
        let open = open_findings(&s, Date::from_ymd(2026, 12, 1));
        assert_eq!(open.len(), 2);
        assert!(open.iter().all(|f| f.overdue));
    }
}
