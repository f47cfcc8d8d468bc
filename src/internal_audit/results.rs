//! The internal audit results of a period: which key controls were tested and how the
//! tests concluded, and the findings open and closed. This is what the "internal audit
//! results" sign-off approves: its digest covers every test and finding file.

use serde::{Deserialize, Serialize};

use crate::model::paths::test_id;
use crate::model::{
    AuditFinding, Conclusion, ControlStatus, ControlTest, Covers, Date, FindingSource,
    FindingStatus, Record, Severity, Sha256Hex, Store,
};
use crate::readiness::Assessment;
use crate::store::integrity::files_digest;

/// One test, summarised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestSummary {
    pub id: String,
    pub control: String,
    pub tester: String,
    pub drawn_on: Date,
    pub span: Covers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    pub population: usize,
    pub sample: usize,
    pub passed: usize,
    pub exceptions: usize,
    /// Sampled items with no result yet.
    pub unrecorded: usize,
    pub conclusion: Option<Conclusion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concluded_on: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
}

impl TestSummary {
    pub fn of(record: &Record<ControlTest>) -> TestSummary {
        let test = &record.value;
        let exceptions = test.exceptions().len();
        let unrecorded = test.unrecorded().len();
        TestSummary {
            id: test_id(&record.path),
            control: test.control.clone(),
            tester: test.tester.clone(),
            drawn_on: test.drawn_on,
            span: test.span,
            window: test.window.clone(),
            population: test.population.size,
            sample: test.sample.len(),
            passed: test.sample.len() - exceptions - unrecorded,
            exceptions,
            unrecorded,
            conclusion: test.conclusion,
            concluded_on: test.concluded_on,
            finding: test.finding.clone(),
        }
    }
}

/// One finding, summarised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FindingSummary {
    pub id: String,
    pub control: String,
    pub title: String,
    pub source: FindingSource,
    pub severity: Severity,
    pub status: FindingStatus,
    pub owner: String,
    pub found_on: Date,
    pub due: Date,
    /// Open after its due date.
    pub overdue: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<Date>,
}

impl FindingSummary {
    pub fn of(finding: &AuditFinding, today: Date) -> FindingSummary {
        FindingSummary {
            id: finding.id.clone(),
            control: finding.control.clone(),
            title: finding.title.clone(),
            source: finding.source,
            severity: finding.severity,
            status: finding.status,
            owner: finding.owner.clone(),
            found_on: finding.found_on,
            due: finding.due,
            overdue: finding.is_overdue(today),
            closed_on: finding.closed_on,
        }
    }
}

/// A key control and how its tests of the period went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlTesting {
    pub id: String,
    pub title: String,
    pub owner: Option<String>,
    /// Tests of the period, concluded or not.
    pub tests: usize,
    /// The conclusion of its latest concluded test of the period.
    pub conclusion: Option<Conclusion>,
    pub open_findings: usize,
}

/// Internal audit results of a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditResults {
    pub organisation: String,
    pub today: Date,
    pub period: Covers,
    /// Key controls: every in-scope, implemented control (the store does not mark key
    /// controls, so each one counts).
    pub key_controls: usize,
    /// Key controls with a concluded test of the period.
    pub tested: usize,
    /// Of those, how their latest test concluded.
    pub effective: usize,
    pub deficient: usize,
    /// Key controls with no concluded test of the period.
    pub untested: Vec<String>,
    pub controls: Vec<ControlTesting>,
    /// Tests whose days overlap the period, by control and date.
    pub tests: Vec<TestSummary>,
    /// Findings open on `today`.
    pub open_findings: Vec<FindingSummary>,
    /// Findings closed since the period started.
    pub closed_findings: Vec<FindingSummary>,
    /// sha256 over every test and finding file (see `files_digest`): what a sign-off of
    /// these results approves.
    pub digest: Sha256Hex,
}

/// The digest of the internal audit's files: every test and finding record.
pub fn digest(store: &Store) -> Sha256Hex {
    let files: Vec<(String, Sha256Hex)> = store
        .tests
        .iter()
        .map(|r| (r.path.clone(), Sha256Hex::of(r.text.as_bytes())))
        .chain(
            store
                .audit_findings
                .iter()
                .map(|r| (r.path.clone(), Sha256Hex::of(r.text.as_bytes()))),
        )
        .collect();
    files_digest(&files)
}

/// The results of `period` on `assessment.today`.
pub fn audit_results(store: &Store, assessment: &Assessment, period: Covers) -> AuditResults {
    let today = assessment.today;
    let tests: Vec<&Record<ControlTest>> = store
        .tests
        .iter()
        .filter(|t| t.value.span.overlaps(period.from, period.to) && t.value.drawn_on <= today)
        .collect();
    let open: Vec<&AuditFinding> = store
        .audit_findings
        .iter()
        .map(|f| &*f.value)
        .filter(|f| f.is_open() && f.found_on <= today)
        .collect();
    let key: Vec<_> = assessment
        .controls
        .iter()
        .filter(|c| c.in_scope && c.status == ControlStatus::Implemented && !c.state.is_excused())
        .collect();
    let mut controls = Vec::new();
    let mut untested = Vec::new();
    for control in &key {
        let mine: Vec<&&Record<ControlTest>> = tests
            .iter()
            .filter(|t| t.value.control == control.id)
            .collect();
        let conclusion = mine
            .iter()
            .filter(|t| t.value.conclusion.is_some())
            .max_by_key(|t| (t.value.concluded_on, t.value.drawn_on, &t.path))
            .and_then(|t| t.value.conclusion);
        if conclusion.is_none() {
            untested.push(control.id.clone());
        }
        controls.push(ControlTesting {
            id: control.id.clone(),
            title: control.title.clone(),
            owner: control.owner.clone(),
            tests: mine.len(),
            conclusion,
            open_findings: open.iter().filter(|f| f.control == control.id).count(),
        });
    }
    let count = |c: Conclusion| controls.iter().filter(|k| k.conclusion == Some(c)).count();
    let mut summaries: Vec<TestSummary> = tests.iter().map(|t| TestSummary::of(t)).collect();
    summaries.sort_by(|a, b| (&a.control, a.drawn_on, &a.id).cmp(&(&b.control, b.drawn_on, &b.id)));
    let closed_findings = store
        .audit_findings
        .iter()
        .map(|f| &f.value)
        .filter(|f| f.closed_on.is_some_and(|d| d >= period.from && d <= today))
        .map(|f| FindingSummary::of(f, today))
        .collect();
    AuditResults {
        organisation: assessment.organisation.clone(),
        today,
        period,
        key_controls: key.len(),
        tested: key.len() - untested.len(),
        effective: count(Conclusion::Effective),
        deficient: count(Conclusion::Deficient),
        untested,
        controls,
        tests: summaries,
        open_findings: open.iter().map(|f| FindingSummary::of(f, today)).collect(),
        closed_findings,
        digest: digest(store),
    }
}

/// The period internal audit results are for by default: the observation period, or
/// the year up to `today` when the store sets none.
pub fn default_period(store: &Store, today: Date) -> Covers {
    match store.program().audit.period {
        Some(p) => Covers {
            from: p.start,
            to: p.end,
        },
        None => Covers {
            from: today.add_days(-364),
            to: today,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_sha256sum_of_the_files_sorted_by_path() {
        let files = vec![
            ("tests/B/x.yaml".to_string(), Sha256Hex::of(b"b")),
            ("findings/F-001.yaml".to_string(), Sha256Hex::of(b"f")),
        ];
        let expected = Sha256Hex::of(
            format!(
                "{}  findings/F-001.yaml\n{}  tests/B/x.yaml\n",
                Sha256Hex::of(b"f"),
                Sha256Hex::of(b"b")
            )
            .as_bytes(),
        );
        assert_eq!(files_digest(&files), expected);
    }
}
