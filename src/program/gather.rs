//! What the sign-offs cover, read from the store's files (the working tree or a
//! revision) and, for the state each covered when it was given, from git history.

use std::collections::BTreeMap;

use anyhow::Result;

use super::signoff::{self, Coverage, Covered};
use crate::git::Repo;
use crate::model::paths::{EVIDENCE_DIR, FINDINGS_DIR, TESTS_DIR, is_yaml, join_inside};
use crate::model::{
    EntryKind, FindingSource, FindingStatus, History, Sha256Hex, SignOff, Store, is_valid_id,
};
use crate::store::{Source, integrity};

/// The internal audit results: the test records in `tests/<ID>/` (folders of `tests/`
/// named by a valid ID; anything else under `tests/` is not the store's) and the
/// finding records in `findings/`, each with the sha256 of its bytes. These are the
/// files `soc2 audit-results` summarises, and its digest is theirs.
pub fn internal_audit_files(source: &dyn Source) -> Result<Covered> {
    let roots = internal_audit_roots(source)?;
    Ok(integrity::hashed_files(source, &roots)?
        .into_iter()
        .filter(|(path, _)| is_record_of(path))
        .collect())
}

/// A YAML file directly in `tests/<ID>/` or `findings/`: what the store loads as a test
/// or a finding.
fn is_record_of(path: &str) -> bool {
    let depth = path.split('/').count();
    is_yaml(path)
        && ((path.starts_with("tests/") && depth == 3)
            || (path.starts_with("findings/") && depth == 2))
}

/// The folders internal audit results live in: `tests/<ID>` and `findings`.
pub fn internal_audit_roots(source: &dyn Source) -> Result<Vec<String>> {
    let mut roots: Vec<String> = source
        .list(TESTS_DIR)?
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e.kind == EntryKind::Dir && is_valid_id(&e.name))
        .map(|e| format!("{TESTS_DIR}/{}", e.name))
        .collect();
    roots.push(FINDINGS_DIR.to_string());
    Ok(roots)
}

/// The digest the internal-audit-results sign-off approves: the sorted list of (path,
/// sha256 of the file's bytes) of `internal_audit_files`, one `<sha256>  <path>` line
/// each, hashed.
pub fn internal_audit_digest(source: &dyn Source) -> Result<Sha256Hex> {
    Ok(signoff::digest_of(&internal_audit_files(source)?))
}

/// The path of an evidence record by its ID (`AC-01/2026-10-03-report`).
pub fn evidence_path(source: &dyn Source, id: &str) -> Result<Option<String>> {
    for ext in ["yaml", "yml"] {
        let Some(path) = join_inside(EVIDENCE_DIR, &format!("{id}.{ext}")) else {
            return Ok(None);
        };
        if source.kind(&path)? == Some(EntryKind::File) {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// A document (a path in the repository) or an evidence record, as a covered list of
/// one: empty when it is not there.
pub fn document_files(
    source: &dyn Source,
    document: Option<&str>,
    evidence: Option<&str>,
) -> Result<Covered> {
    let path = match (document, evidence) {
        (Some(document), _) => join_inside("", document),
        (None, Some(id)) => evidence_path(source, id)?,
        (None, None) => None,
    };
    let Some(path) = path else {
        return Ok(Covered::new());
    };
    Ok(integrity::hashed_files(source, &[path])?
        .into_iter()
        .collect())
}

/// What the sign-off `name` covers in the store read from `source`.
pub fn covered(
    name: &str,
    document: Option<&str>,
    evidence: Option<&str>,
    store: &Store,
    source: &dyn Source,
) -> Result<Covered> {
    match name {
        "control-implementation" => Ok(signoff::controls(
            store.program(),
            store.controls.iter().map(|c| &*c.value),
        )),
        "internal-audit-results" => internal_audit_files(source),
        _ => document_files(source, document, evidence),
    }
}

/// Every sign-off of soc2.yaml with what it covers now and when it was given.
pub fn coverages(
    store: &Store,
    source: &dyn Source,
    history: &History,
    repo: Option<&Repo>,
) -> Result<BTreeMap<String, Coverage>> {
    let mut out = BTreeMap::new();
    for (name, given) in &store.program().signoffs {
        out.insert(
            name.clone(),
            coverage(name, given, store, source, history, repo)?,
        );
    }
    Ok(out)
}

fn coverage(
    name: &str,
    given: &SignOff,
    store: &Store,
    source: &dyn Source,
    history: &History,
    repo: Option<&Repo>,
) -> Result<Coverage> {
    let (document, evidence) = (given.document.as_deref(), given.evidence.as_deref());
    let now = covered(name, document, evidence, store, source)?;
    let Some(index) = signoff::recorded_at(history, name, given) else {
        return Ok(Coverage {
            now,
            then: None,
            commit: None,
        });
    };
    let commit = history.commits.get(index).map(|c| c.id.clone());
    let then = match (name, repo, &commit) {
        ("control-implementation", _, _) => Some(signoff::controls_at(history, index)),
        (_, Some(repo), Some(id)) => match repo.tree_source(id) {
            Ok(tree) => Some(covered(name, document, evidence, store, &tree)?),
            // A commit a shallow clone does not hold: what changed cannot be told.
            Err(_) => None,
        },
        _ => None,
    };
    Ok(Coverage { now, then, commit })
}

/// The program on the assessment's day: the sign-offs' coverage read from `source`
/// and history, the steps derived.
pub fn view(
    store: &Store,
    assessment: &crate::readiness::Assessment,
    source: &dyn Source,
    history: &History,
    repo: Option<&Repo>,
) -> Result<super::ProgramView> {
    let signoffs = coverages(store, source, history, repo)?;
    Ok(super::assess(&super::Inputs {
        store,
        assessment,
        signoffs,
        internal_audit: internal_audit(store),
    }))
}

/// The internal tests and the findings they raised, as steps 13 and 15 read them.
pub fn internal_audit(store: &Store) -> super::InternalAudit {
    super::InternalAudit {
        tests: store
            .tests
            .iter()
            .map(|t| super::TestSummary {
                control: t.value.control.clone(),
                concluded: t.value.conclusion.is_some(),
            })
            .collect(),
        findings: store
            .audit_findings
            .iter()
            .filter(|f| f.value.source == FindingSource::InternalTest)
            .map(|f| super::FindingSummary {
                id: f.value.id.clone(),
                open: f.value.status != FindingStatus::Closed,
                due: Some(f.value.due),
            })
            .collect(),
    }
}
