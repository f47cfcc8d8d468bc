//! The audit trail: who changed what in the store, and when, read back from git
//! history. Commits made by soc2 carry their action and object as trailers; other
//! commits and merges that touched the store's files show as `edit`.

use std::collections::BTreeSet;

use anyhow::Result;
use chrono::{FixedOffset, TimeZone};
use serde::{Deserialize, Serialize};

use crate::git::{ACTION_TRAILER, OBJECT_TRAILER, Repo, Touched};
use crate::model::Date;
use crate::model::is_valid_id;
use crate::model::paths::{
    CONTROLS_DIR, EVIDENCE_DIR, FINDINGS_DIR, POLICIES_DIR, POPULATIONS_DIR, REQUESTS_DIR,
    RISKS_DIR, STORE_ROOTS, TESTS_DIR, VENDORS_DIR,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// One entry of the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub commit: String,
    pub date: Date,
    /// The author's time, RFC 3339 in the author's time zone.
    pub time: String,
    pub author: Author,
    pub action: String,
    pub objects: Vec<String>,
    pub summary: String,
    pub paths: Vec<String>,
}

/// The trail of the whole store, or of one record (`id`), walking back from `start`,
/// newest first, limited to the days from `since` to `until` (both included).
pub fn read(
    repo: &Repo,
    start: &str,
    id: Option<&str>,
    since: Option<Date>,
    until: Option<Date>,
) -> Result<Vec<Entry>> {
    let roots = match id {
        Some(id) => paths_of(id),
        None => STORE_ROOTS.iter().map(|r| r.to_string()).collect(),
    };
    let touched = repo.touched_from(start, &roots)?;
    if let Some(id) = id
        && touched.is_empty()
    {
        anyhow::bail!(crate::Hinted::new(
            format!(
                "`{id}` has no changes in this store's history: no control, policy, risk or evidence record by that ID was ever committed"
            ),
            "check the ID: `soc2 controls`, `soc2 policies`, `soc2 risks` and `soc2 evidence list` list them",
        ));
    }
    Ok(touched
        .into_iter()
        // tests/ may hold a project's own tests: only its ID folders are the store's.
        .filter_map(|mut touched| {
            touched.paths.retain(|p| is_store_path(p));
            (!touched.paths.is_empty()).then_some(touched)
        })
        .map(entry)
        .filter(|e| since.is_none_or(|since| e.date >= since))
        .filter(|e| until.is_none_or(|until| e.date <= until))
        .collect())
}

/// Whether a path is the store's: anything but the entries of tests/ that are not a
/// control's folder.
fn is_store_path(path: &str) -> bool {
    match path.strip_prefix("tests/") {
        Some(rest) => rest
            .split_once('/')
            .is_some_and(|(folder, _)| is_valid_id(folder)),
        None => true,
    }
}

/// The files and folders that belong to an ID, whatever kind of record it is.
fn paths_of(id: &str) -> Vec<String> {
    if let Some((control, record)) = id.split_once('/') {
        return vec![
            format!("{EVIDENCE_DIR}/{control}/{record}.yaml"),
            format!("{TESTS_DIR}/{control}/{record}.yaml"),
        ];
    }
    let mut paths = Vec::new();
    for dir in [
        CONTROLS_DIR,
        POLICIES_DIR,
        RISKS_DIR,
        FINDINGS_DIR,
        VENDORS_DIR,
        REQUESTS_DIR,
    ] {
        paths.push(format!("{dir}/{id}.yaml"));
        paths.push(format!("{dir}/{id}.yml"));
    }
    paths.push(format!("{POLICIES_DIR}/{id}.md"));
    paths.push(format!("{EVIDENCE_DIR}/{id}"));
    paths.push(format!("{TESTS_DIR}/{id}"));
    paths.push(format!("{POPULATIONS_DIR}/{id}"));
    paths
}

/// The record a store path belongs to: `evidence/AC-01/x.csv` -> `AC-01`.
fn object_of(path: &str) -> String {
    let mut parts = path.split('/');
    match (parts.next(), parts.next()) {
        (Some(EVIDENCE_DIR | TESTS_DIR | POPULATIONS_DIR), Some(control)) => control.to_string(),
        (
            Some(
                CONTROLS_DIR | POLICIES_DIR | RISKS_DIR | FINDINGS_DIR | VENDORS_DIR | REQUESTS_DIR,
            ),
            Some(file),
        ) => file
            .rsplit_once('.')
            .map_or(file, |(stem, _)| stem)
            .to_string(),
        _ => path.to_string(),
    }
}

fn entry(touched: Touched) -> Entry {
    let commit = touched.commit;
    let soc2_action = commit.trailer(ACTION_TRAILER).map(str::to_string);
    let (action, objects) = match (soc2_action, commit.trailer(OBJECT_TRAILER)) {
        // `soc2 collect` names every control it recorded evidence for.
        (Some(action), Some(object)) if commit.parents <= 1 => {
            (action, object.split(", ").map(str::to_string).collect())
        }
        _ => {
            let objects: BTreeSet<String> = touched.paths.iter().map(|p| object_of(p)).collect();
            ("edit".to_string(), objects.into_iter().collect())
        }
    };
    // soc2's subject repeats action and object; its body's first line says more.
    let summary = if action == "edit" {
        commit.subject.clone()
    } else {
        commit
            .message
            .lines()
            .skip(1)
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("Soc2-"))
            .unwrap_or(&commit.subject)
            .to_string()
    };
    let offset = FixedOffset::east_opt(commit.offset_minutes * 60)
        .unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    let time = offset
        .timestamp_opt(commit.time, 0)
        .single()
        .unwrap_or_default();
    Entry {
        commit: commit.id.clone(),
        date: Date(time.date_naive()),
        time: time.to_rfc3339(),
        author: Author {
            name: commit.author_name.clone(),
            email: commit.author_email.clone(),
        },
        action,
        objects,
        summary,
        paths: touched.paths,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_records() {
        assert_eq!(object_of("evidence/AC-01/2026-10-03-mfa.csv"), "AC-01");
        assert_eq!(object_of("controls/AC-01.yaml"), "AC-01");
        assert_eq!(object_of("policies/POL-ACCESS.md"), "POL-ACCESS");
        assert_eq!(object_of("soc2.yaml"), "soc2.yaml");
        assert_eq!(object_of("tests/CM-03/2026-11-20-period.yaml"), "CM-03");
        assert_eq!(object_of("findings/F-001.yaml"), "F-001");
        assert!(is_store_path("tests/CM-03/2026-11-20-period.yaml"));
        assert!(!is_store_path("tests/cli/main.rs"));
        assert!(!is_store_path("tests/notes.yaml"));
    }

    #[test]
    fn an_evidence_or_test_id_names_its_record() {
        assert_eq!(
            paths_of("AC-01/2026-10-03-mfa"),
            [
                "evidence/AC-01/2026-10-03-mfa.yaml",
                "tests/AC-01/2026-10-03-mfa.yaml"
            ]
        );
        assert!(paths_of("AC-01").contains(&"evidence/AC-01".to_string()));
    }
}
