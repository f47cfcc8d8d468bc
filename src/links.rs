//! What `soc2 show` shows: one record of any kind with everything linked to it, found
//! by ID, as serialisable data.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::catalog::{self, Category, Criterion};
use crate::internal_audit::{FindingSummary, TestSummary};
use crate::model::paths::evidence_id;
use crate::model::{
    ApprovalState, Control, Date, Evidence, History, Policy, Risk, Store, SystemDescription,
    Vendor, digest,
};
use crate::readiness::risks::{RiskResult, assess_risk};
use crate::readiness::vendors::VendorResult;
use crate::readiness::{self, Received};
use crate::readiness::{Assessment, ControlResult, CriterionResult, PolicyResult, WindowResult};
use crate::store::Source;
use crate::store::integrity::{Distrusted, FileStatus, file_status, recorded_files};
use crate::suggest;
use crate::system::{self, SectionProblem};

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
        /// The controls that name it, with their state (`controls` holds the IDs).
        #[serde(rename = "linked_controls")]
        controls: Vec<Linked>,
        /// Every approved version, oldest first, from git history.
        versions: Vec<ApprovedVersion>,
    },
    Vendor {
        #[serde(flatten)]
        result: VendorResult,
        record: Vendor,
    },
    System {
        record: Option<SystemDescription>,
        approval: ApprovalState,
        /// Sections missing or left empty.
        problems: Vec<SectionProblem>,
        /// The description as a reader gets it, with the lists soc2 writes.
        text: Option<String>,
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

/// One approved version of a policy: the version approved, by whom and when, the
/// commit that recorded the approval, and the controls that named the policy then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovedVersion {
    pub version: u32,
    pub by: String,
    pub at: Date,
    pub commit: String,
    pub controls: Vec<String>,
}

/// Every approval of policy `id` that held when it was recorded, oldest first, from
/// history: one per approval (a commit that changes nothing approved adds none), in
/// the commit that first recorded it.
pub fn approved_versions(history: &History, id: &str) -> Vec<ApprovedVersion> {
    let Some(versions) = history.policies.get(id) else {
        return Vec::new();
    };
    let mut out: Vec<ApprovedVersion> = Vec::new();
    for version in versions {
        let Some(stood) = version.value.present() else {
            continue;
        };
        let Some(approval) = stood.policy.approval.as_ref() else {
            continue;
        };
        if !stood.digest.matches(&approval.digest) {
            continue;
        }
        // The same approval recorded again (its digest re-derived under a new rule, or
        // the file reformatted) is not a new version.
        let same = out.last().is_some_and(|v| {
            v.version == stood.policy.version && v.by == approval.by && v.at == approval.at
        });
        if same {
            continue;
        }
        let controls = history
            .controls
            .iter()
            .filter_map(|(control, versions)| {
                let at = History::version_at(versions, version.commit)?;
                at.value
                    .present()
                    .filter(|c| c.policies.iter().any(|p| p == id))
                    .map(|_| control.clone())
            })
            .collect();
        out.push(ApprovedVersion {
            version: stood.policy.version,
            by: approval.by.clone(),
            at: approval.at,
            commit: history
                .commits
                .get(version.commit)
                .map_or(String::new(), |c| c.id.clone()),
            controls,
        });
    }
    out
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
            record: (*e.value).clone(),
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
            record: (*record.value).clone(),
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
            record: (*record.value).clone(),
            controls,
            versions: approved_versions(history, id),
        });
    }
    if let Some(record) = store.vendor(id) {
        let result = assessment
            .vendors
            .iter()
            .find(|v| v.id == id)
            .expect("every loaded vendor is assessed");
        return Ok(Shown::Vendor {
            result: result.clone(),
            record: (*record.value).clone(),
        });
    }
    if id == "system" {
        let approval = match (&store.system, digest::system_in(store)) {
            (Some(record), Some(content)) => {
                ApprovalState::of(record.value.approval.as_ref(), &content)
            }
            _ => ApprovalState::Missing,
        };
        return Ok(Shown::System {
            record: store.system.as_ref().map(|r| (*r.value).clone()),
            approval,
            problems: store
                .system_text
                .as_deref()
                .map(system::check)
                .unwrap_or_default(),
            text: store
                .system_text
                .as_deref()
                .map(|text| system::render(text, store)),
        });
    }
    if let Some(record) = store.risk(id) {
        return Ok(Shown::Risk {
            result: assess_risk(&record.value, assessment),
            record: (*record.value).clone(),
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
            record: (*record.value).clone(),
            checked,
            not_counted: None,
        });
    }
    let mut ids: Vec<String> = store.controls.iter().map(|c| c.value.id.clone()).collect();
    ids.extend(store.policies.iter().map(|p| p.value.id.clone()));
    ids.extend(store.risks.iter().map(|r| r.value.id.clone()));
    ids.extend(store.vendors.iter().map(|v| v.value.id.clone()));
    ids.push("system".to_string());
    ids.extend(catalog::CRITERIA.iter().map(|c| c.id.to_string()));
    ids.extend(store.evidence.iter().map(|e| evidence_id(&e.path)));
    bail!(crate::Hinted::new(
        suggest::unknown("ID", id, ids.iter().map(String::as_str)),
        "`soc2 controls`, `soc2 policies`, `soc2 risks`, `soc2 vendors`, `soc2 criteria` and `soc2 evidence list` list the IDs; `system` is the system description",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Approval, Commit, PolicyVersion, Stood, Version};

    fn policy(version: u32, text: &str, by: &str, at: Date) -> Stood<PolicyVersion> {
        let mut policy: Policy =
            crate::store::from_yaml(&format!("id: POL-A\ntitle: A\nversion: {version}\n")).unwrap();
        let digest = digest::policy(&policy, Some(text.as_bytes()));
        policy.approval = Some(Approval {
            by: by.into(),
            at,
            digest: digest.current.clone(),
        });
        Stood::Present(PolicyVersion { policy, digest })
    }

    #[test]
    fn approved_versions_are_listed_once_each_with_the_controls_naming_them() {
        let day = |d| Date::from_ymd(2026, 3, d);
        let commit = |id: &str, d| Commit {
            id: id.into(),
            date: day(d),
            author_email: "a".into(),
            committer_email: "a".into(),
            action: None,
        };
        let control = |policies: &str| {
            Stood::Present(
                crate::store::from_yaml::<Control>(&format!(
                    "id: AC-01\ntitle: t\nstatus: implemented\nfrequency: daily\npolicies: [{policies}]\n"
                ))
                .unwrap(),
            )
        };
        let mut history = History {
            commits: vec![commit("c0", 1), commit("c1", 2), commit("c2", 3)],
            ..History::default()
        };
        history.policies.insert(
            "POL-A".into(),
            vec![
                Version {
                    commit: 0,
                    value: policy(1, "v1", "erin", day(1)),
                },
                // The same approval, recorded again: not a new version.
                Version {
                    commit: 1,
                    value: policy(1, "v1", "erin", day(1)),
                },
                Version {
                    commit: 2,
                    value: policy(2, "v2", "vera", day(3)),
                },
            ],
        );
        history.controls.insert(
            "AC-01".into(),
            vec![
                Version {
                    commit: 0,
                    value: control("POL-A"),
                },
                Version {
                    commit: 2,
                    value: control("POL-B"),
                },
            ],
        );
        let versions = approved_versions(&history, "POL-A");
        let listed: Vec<(u32, &str, &str, Vec<String>)> = versions
            .iter()
            .map(|v| {
                (
                    v.version,
                    v.by.as_str(),
                    v.commit.as_str(),
                    v.controls.clone(),
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                (1, "erin", "c0", vec!["AC-01".to_string()]),
                (2, "vera", "c2", vec![]),
            ]
        );
    }
}
