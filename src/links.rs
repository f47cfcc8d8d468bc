//! What `soc2 show` shows: one record of any kind with everything linked to it, found
//! by ID, as serialisable data.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::catalog::{self, Category, Criterion};
use crate::internal_audit::{FindingSummary, TestSummary};
use crate::model::paths::evidence_id;
use crate::model::{Control, Evidence, History, Policy, Risk, Store};
use crate::readiness::risks::{RiskResult, assess_risk};
use crate::readiness::{self, Received};
use crate::readiness::{Assessment, ControlResult, CriterionResult, PolicyResult, WindowResult};
use crate::store::Source;
use crate::store::integrity::{Distrusted, FileStatus, file_status, recorded_files};
use crate::suggest;

/// One record and what links to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Shown {
    Control {
        #[serde(flatten)]
        result: Box<ControlResult>,
        /// Each window of the judged period (`windows` holds their counts).
        window_results: Vec<WindowResult>,
        record: Control,
        /// The criteria it maps to, with their state (`criteria` holds the IDs).
        linked_criteria: Vec<Linked>,
        policies: Vec<PolicyResult>,
        evidence: Vec<EvidenceSummary>,
        /// Its internal tests, oldest first.
        tests: Vec<TestSummary>,
        /// Its findings, by ID.
        findings: Vec<FindingSummary>,
    },
    Policy {
        #[serde(flatten)]
        result: PolicyResult,
        record: Policy,
        controls: Vec<Linked>,
    },
    Criterion {
        #[serde(flatten)]
        criterion: CriterionInfo,
        result: Option<CriterionResult>,
        controls: Vec<Linked>,
    },
    Risk {
        #[serde(flatten)]
        result: RiskResult,
        record: Risk,
    },
    Evidence {
        id: String,
        #[serde(flatten)]
        record: Evidence,
        checked: Vec<FileCheck>,
        /// Why the record does not count as evidence, when it does not.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        not_counted: Option<String>,
    },
}

impl Shown {
    /// Marks the evidence shown that does not count (see `audit::set_aside`).
    pub fn mark_not_counted(&mut self, distrusted: &[Distrusted]) {
        match self {
            Shown::Control { evidence, .. } => mark_not_counted(evidence, distrusted),
            Shown::Evidence {
                id, not_counted, ..
            } => {
                *not_counted = distrusted
                    .iter()
                    .find(|d| &d.id == id)
                    .map(|d| d.reason.clone());
            }
            _ => {}
        }
    }
}

/// Marks the rows that do not count as evidence, with why.
pub fn mark_not_counted(rows: &mut [EvidenceSummary], distrusted: &[Distrusted]) {
    for row in rows {
        row.not_counted = distrusted
            .iter()
            .find(|d| d.id == row.id)
            .map(|d| d.reason.clone());
    }
}

/// A linked record and its state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Linked {
    pub id: String,
    pub title: String,
    pub state: String,
}

/// A criterion of the catalogue, as shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CriterionInfo {
    pub id: String,
    pub category: Category,
    pub series: String,
    pub series_name: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coso_principle: Option<u8>,
}

impl From<&Criterion> for CriterionInfo {
    fn from(c: &Criterion) -> CriterionInfo {
        CriterionInfo {
            id: c.id.to_string(),
            category: c.category,
            series: c.series.to_string(),
            series_name: c.series_name.to_string(),
            title: c.title.to_string(),
            coso_principle: c.coso_principle,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceSummary {
    pub id: String,
    #[serde(flatten)]
    pub record: Evidence,
    /// When it was received, from git history.
    pub received: Received,
    /// Why it does not count as evidence, when it does not (its files are missing or
    /// changed, or git does not hold it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_counted: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileCheck {
    pub path: String,
    pub status: FileStatus,
}

/// The evidence records of one control (or all), newest first.
pub fn evidence_newest_first(
    store: &Store,
    history: &History,
    control: Option<&str>,
) -> Vec<EvidenceSummary> {
    let mut rows: Vec<EvidenceSummary> = store
        .evidence
        .iter()
        .filter(|e| control.is_none_or(|c| e.value.control == c))
        .map(|e| EvidenceSummary {
            id: evidence_id(&e.path),
            record: e.value.clone(),
            received: readiness::evidence::received(history, &e.path),
            not_counted: None,
        })
        .collect();
    rows.sort_by(|a, b| {
        b.record
            .collected_at
            .cmp(&a.record.collected_at)
            .then(a.id.cmp(&b.id))
    });
    rows
}

fn linked_controls(assessment: &Assessment, ids: impl Iterator<Item = String>) -> Vec<Linked> {
    ids.map(|id| {
        let (title, state) = assessment
            .control(&id)
            .map_or((String::new(), "unknown".to_string()), |c| {
                (c.title.clone(), c.state.as_str().to_string())
            });
        Linked { id, title, state }
    })
    .collect()
}

/// The record named `id` (a control, policy, risk, criterion or evidence ID) with what
/// links to it; an unknown ID is an error that suggests the closest one.
pub fn find(
    store: &Store,
    history: &History,
    assessment: &Assessment,
    source: &dyn Source,
    id: &str,
) -> Result<Shown> {
    if let Some(record) = store.control(id) {
        let result = assessment
            .control(id)
            .expect("every loaded control is assessed");
        let criteria = record
            .value
            .criteria
            .iter()
            .map(|c| Linked {
                id: c.clone(),
                title: catalog::find(c).map_or("", |k| k.title).to_string(),
                state: assessment
                    .criterion(c)
                    .map_or("out of scope", |r| r.state.as_str())
                    .to_string(),
            })
            .collect();
        let policies = assessment
            .policies
            .iter()
            .filter(|p| record.value.policies.contains(&p.id))
            .cloned()
            .collect();
        let evidence = evidence_newest_first(store, history, Some(id));
        let mut tests: Vec<TestSummary> = store
            .tests
            .iter()
            .filter(|t| t.value.control == id)
            .map(TestSummary::of)
            .collect();
        tests.sort_by(|a, b| (a.drawn_on, &a.id).cmp(&(b.drawn_on, &b.id)));
        let findings = store
            .audit_findings
            .iter()
            .filter(|f| f.value.control == id)
            .map(|f| FindingSummary::of(&f.value, assessment.today))
            .collect();
        return Ok(Shown::Control {
            result: Box::new(result.clone()),
            window_results: result.window_results.clone(),
            record: record.value.clone(),
            linked_criteria: criteria,
            policies,
            evidence,
            tests,
            findings,
        });
    }
    if let Some(record) = store.policy(id) {
        let result = assessment
            .policies
            .iter()
            .find(|p| p.id == id)
            .expect("every loaded policy is assessed");
        let controls = linked_controls(assessment, result.controls.iter().cloned());
        return Ok(Shown::Policy {
            result: result.clone(),
            record: record.value.clone(),
            controls,
        });
    }
    if let Some(record) = store.risk(id) {
        return Ok(Shown::Risk {
            result: assess_risk(&record.value, assessment),
            record: record.value.clone(),
        });
    }
    if let Some(criterion) = catalog::find(id) {
        let mapped = store
            .controls
            .iter()
            .filter(|c| c.value.criteria.iter().any(|k| k == id));
        let controls = linked_controls(assessment, mapped.map(|c| c.value.id.clone()));
        return Ok(Shown::Criterion {
            criterion: criterion.into(),
            result: assessment.criterion(id).cloned(),
            controls,
        });
    }
    if let Some(record) = store.evidence.iter().find(|e| evidence_id(&e.path) == id) {
        let mut checked = Vec::new();
        for file in recorded_files(record) {
            checked.push(FileCheck {
                path: file.written.to_string(),
                status: file_status(store, source, &file)?.0,
            });
        }
        return Ok(Shown::Evidence {
            id: id.to_string(),
            record: record.value.clone(),
            checked,
            not_counted: None,
        });
    }
    let mut ids: Vec<String> = store.controls.iter().map(|c| c.value.id.clone()).collect();
    ids.extend(store.policies.iter().map(|p| p.value.id.clone()));
    ids.extend(store.risks.iter().map(|r| r.value.id.clone()));
    ids.extend(catalog::CRITERIA.iter().map(|c| c.id.to_string()));
    ids.extend(store.evidence.iter().map(|e| evidence_id(&e.path)));
    bail!(crate::Hinted::new(
        suggest::unknown("ID", id, ids.iter().map(String::as_str)),
        "`soc2 controls`, `soc2 policies`, `soc2 risks`, `soc2 criteria` and `soc2 evidence list` list the IDs",
    ))
}
