//! The evidence package an auditor receives (`soc2 export`): pinned to one commit, it
//! holds the report, the control matrix, the evidence index, each control's population,
//! the requests, the audit trail, the OSCAL documents, the store's records (controls,
//! policies and their documents, evidence and its files, risks, vendors, the system
//! description, tests, findings, requests, population files) as that commit holds
//! them, a manifest, and `SHA256SUMS` over every other file, in the format `sha256sum
//! -c` checks.
//!
//! Building the package is pure: [`build`] lists its files, sorted by path, each with
//! its bytes or, for evidence files, where the commit's tree holds them and the sha256
//! their record gives. The store writes them (a folder or a zip) and checks each
//! evidence file against its sha256 as it copies it. The same commit and day give the
//! same bytes.

mod readme;
mod tables;
pub mod verify;

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::Hinted;
use crate::internal_audit::populations;
use crate::model::paths::{
    CONTROLS_DIR, EVIDENCE_DIR, FINDINGS_DIR, POLICIES_DIR, POPULATIONS_DIR, PROGRAM_FILE,
    REQUESTS_DIR, RISKS_DIR, SYSTEM_DIR, SYSTEM_DOCUMENT, TESTS_DIR, VENDORS_DIR, evidence_id,
    join_inside,
};
use crate::model::{AuditType, Covers, Date, EntryKind, History, Period, Sha256Hex, Store};
use crate::readiness::{Assessment, Score};
use crate::requests::RequestView;
use crate::store::Source;
use crate::store::integrity::recorded_files;
use crate::trail;

/// The file listing every other file's sha256.
pub const SUMS_FILE: &str = "SHA256SUMS";
pub const MANIFEST_FILE: &str = "manifest.json";
/// Where files an evidence record links to (`link:`, elsewhere in the repository) go.
pub const LINKED_DIR: &str = "linked";
/// The package format, in the manifest.
pub const FORMAT: &str = "soc2-evidence-package";
pub const FORMAT_VERSION: u32 = 1;

/// What a file of the package holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    Bytes(Vec<u8>),
    /// A file of the pinned commit's tree, copied as it is; its record says its sha256.
    Stored {
        path: String,
        sha256: Sha256Hex,
    },
}

impl Content {
    pub fn sha256(&self) -> Sha256Hex {
        match self {
            Content::Bytes(bytes) => Sha256Hex::of(bytes),
            Content::Stored { sha256, .. } => Sha256Hex(sha256.0.to_ascii_lowercase()),
        }
    }
}

/// The package: its files by path (sorted), `SHA256SUMS` and the manifest included.
#[derive(Clone, Debug)]
pub struct Package {
    pub files: BTreeMap<String, Content>,
    pub manifest: Manifest,
}

/// manifest.json: what the package is of, and what it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// `soc2 <version>`: the tool that made the package.
    pub tool: String,
    pub organisation: String,
    pub commit: String,
    /// The id of the commit's tree: `git rev-parse COMMIT^{tree}`.
    pub tree: String,
    /// When the commit was made (RFC 3339, the committer's zone).
    pub committed_at: String,
    /// The day readiness is judged on.
    pub generated_for: Date,
    pub audit: AuditType,
    pub period: Option<Period>,
    pub readiness: Score,
    pub counts: Counts,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Files in the package, this manifest and SHA256SUMS included.
    pub files: usize,
    pub controls: usize,
    pub policies: usize,
    pub evidence_records: usize,
    pub evidence_files: usize,
    pub requests: usize,
    /// Commits in audit-trail.csv.
    pub trail_commits: usize,
}

/// The commit the package is pinned to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pinned {
    pub commit: String,
    pub tree: String,
    pub committed_at: String,
}

/// Everything the package is made of, computed by the caller.
pub struct Inputs<'a> {
    pub store: &'a Store,
    /// Where the store was read from: the pinned commit's tree.
    pub source: &'a dyn Source,
    pub assessment: &'a Assessment,
    pub history: &'a History,
    pub pinned: Pinned,
    pub report_html: String,
    pub oscal: Vec<(String, Vec<u8>)>,
    pub requests: Vec<RequestView>,
    /// The store's git log for the period, newest first.
    pub trail: Vec<trail::Entry>,
}

/// Lists the package's files. Fails, naming it, when an evidence file a record lists
/// is not in the commit's tree.
pub fn build(inputs: Inputs) -> Result<Package> {
    let Inputs {
        store,
        source,
        assessment,
        history,
        pinned,
        report_html,
        oscal,
        requests,
        trail,
    } = inputs;
    let mut files: BTreeMap<String, Content> = BTreeMap::new();

    // The store's own files as the commit holds them.
    if let Some(program) = &store.program {
        files.insert(PROGRAM_FILE.to_string(), text(&program.text));
    }
    for control in &store.controls {
        files.insert(control.path.clone(), text(&control.text));
    }
    for policy in &store.policies {
        files.insert(policy.path.clone(), text(&policy.text));
        if let (Some(document), Some(bytes)) = (
            policy.value.document.as_deref(),
            store.documents.get(&policy.value.id),
        ) && let Some(path) = join_inside(POLICIES_DIR, document)
        {
            files.insert(path, Content::Bytes(bytes.clone()));
        }
    }
    let records = (store.risks.iter().map(|r| (&r.path, &r.text)))
        .chain(store.vendors.iter().map(|r| (&r.path, &r.text)))
        .chain(store.system.iter().map(|r| (&r.path, &r.text)))
        .chain(store.tests.iter().map(|r| (&r.path, &r.text)))
        .chain(store.audit_findings.iter().map(|r| (&r.path, &r.text)))
        .chain(store.requests.iter().map(|r| (&r.path, &r.text)));
    for (path, record) in records {
        files.insert(path.clone(), text(record));
    }
    if let Some(document) = &store.system_text {
        files.insert(SYSTEM_DOCUMENT.to_string(), text(document));
    }
    for file in &store.populations {
        files.insert(file.path.clone(), Content::Bytes(source.read(&file.path)?));
    }
    let mut evidence_files = 0;
    let mut missing = Vec::new();
    for record in &store.evidence {
        files.insert(record.path.clone(), text(&record.text));
        for file in recorded_files(record) {
            let Some(target) = file.target else {
                bail!(Hinted::new(
                    format!(
                        "{}: the evidence file `{}` leaves its folder",
                        record.path, file.written
                    ),
                    "fix the record (`soc2 check` says how) and commit it",
                ));
            };
            let kind = match store.evidence_files.get(&target) {
                Some(kind) => Some(*kind),
                None => source.kind(&target)?,
            };
            if kind != Some(EntryKind::File) {
                missing.push(format!(
                    "{target} (listed by {})",
                    evidence_id(&record.path)
                ));
                continue;
            }
            let in_package = if file.field == "link" {
                format!("{LINKED_DIR}/{target}")
            } else {
                target.clone()
            };
            evidence_files += 1;
            files.insert(
                in_package,
                Content::Stored {
                    path: target,
                    sha256: file.sha256.clone(),
                },
            );
        }
    }
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).map(String::as_str).collect();
        let more = missing.len() - shown.len();
        bail!(Hinted::new(
            format!(
                "{} not in the commit's tree: {}{}",
                if missing.len() == 1 {
                    "1 evidence file is".to_string()
                } else {
                    format!("{} evidence files are", missing.len())
                },
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            "commit the files (or restore them from history) and export again; nothing was written",
        ));
    }

    // What soc2 makes of them.
    files.insert("report.html".to_string(), text(&report_html));
    for (name, bytes) in oscal {
        files.insert(format!("oscal/{name}"), Content::Bytes(bytes));
    }
    let matrix = tables::matrix_rows(store, assessment);
    files.insert(
        "control-matrix.csv".to_string(),
        Content::Bytes(tables::matrix_csv(&matrix)),
    );
    files.insert(
        "control-matrix.xlsx".to_string(),
        Content::Bytes(tables::matrix_xlsx(&matrix, assessment.today)?),
    );
    files.insert(
        "evidence-index.csv".to_string(),
        Content::Bytes(tables::evidence_index(store, assessment, history)),
    );
    // Each control's population over the observation period (all time, without one),
    // as `soc2 population CONTROL --format csv` lists it.
    let span = match assessment.period {
        Some(p) => Covers {
            from: p.start,
            to: p.end,
        },
        None => Covers {
            from: Date::from_ymd(1970, 1, 1),
            to: assessment.today,
        },
    };
    let in_scope = assessment.controls.iter().filter(|c| c.in_scope);
    for population in populations(store, in_scope.map(|c| c.id.as_str()), span) {
        files.insert(
            format!("{POPULATIONS_DIR}/{}.csv", population.control),
            text(&crate::report::internal_audit::population_csv(&population)),
        );
    }
    files.insert(
        "requests.csv".to_string(),
        Content::Bytes(crate::report::requests::csv(&requests)),
    );
    files.insert(
        "audit-trail.csv".to_string(),
        Content::Bytes(tables::trail_csv(&trail)),
    );

    let counts = Counts {
        files: 0,
        controls: store.controls.len(),
        policies: store.policies.len(),
        evidence_records: store.evidence.len(),
        evidence_files,
        requests: requests.len(),
        trail_commits: trail.len(),
    };
    let mut manifest = Manifest {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        tool: format!("soc2 {}", env!("CARGO_PKG_VERSION")),
        organisation: assessment.organisation.clone(),
        commit: pinned.commit.clone(),
        tree: pinned.tree.clone(),
        committed_at: pinned.committed_at.clone(),
        generated_for: assessment.today,
        audit: assessment.audit,
        period: assessment.period,
        readiness: assessment.overall,
        counts,
    };
    // README.txt, manifest.json and SHA256SUMS join the files counted.
    manifest.counts.files = files.len() + 3;
    files.insert(
        "README.txt".to_string(),
        text(&readme::text(&manifest, assessment)),
    );
    files.insert(
        MANIFEST_FILE.to_string(),
        Content::Bytes(manifest_json(&manifest)),
    );
    let sums = sums(&files);
    files.insert(SUMS_FILE.to_string(), Content::Bytes(sums));
    Ok(Package { files, manifest })
}

fn text(text: &str) -> Content {
    Content::Bytes(text.as_bytes().to_vec())
}

pub fn manifest_json(manifest: &Manifest) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(manifest).expect("the manifest serialises");
    bytes.push(b'\n');
    bytes
}

/// `SHA256SUMS`: one line per file but itself, `<sha256>  <path>`, sorted by path, as
/// `sha256sum` writes and `sha256sum -c` reads.
pub fn sums(files: &BTreeMap<String, Content>) -> Vec<u8> {
    let mut out = String::new();
    for (path, content) in files.iter().filter(|(p, _)| p.as_str() != SUMS_FILE) {
        out.push_str(&format!("{}  {path}\n", content.sha256()));
    }
    out.into_bytes()
}

/// The lines of a `SHA256SUMS` file: (path, sha256), or the line that does not read.
pub fn parse_sums(text: &str) -> Result<Vec<(String, String)>, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let (hash, path) = line
                .split_once("  ")
                .or_else(|| line.split_once(" *"))
                .ok_or_else(|| line.to_string())?;
            if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(line.to_string());
            }
            Ok((path.to_string(), hash.to_ascii_lowercase()))
        })
        .collect()
}

/// The paths of a package that copy the store's own files (compared with the commit
/// when verifying), as opposed to what soc2 made of them.
pub fn is_store_file(path: &str) -> bool {
    let Some((dir, rest)) = path.split_once('/') else {
        return path == PROGRAM_FILE;
    };
    match dir {
        CONTROLS_DIR | POLICIES_DIR | EVIDENCE_DIR | LINKED_DIR | RISKS_DIR | VENDORS_DIR
        | SYSTEM_DIR | TESTS_DIR | FINDINGS_DIR | REQUESTS_DIR => true,
        // populations/<CONTROL>.csv is made by soc2; the store's files sit in folders.
        POPULATIONS_DIR => rest.contains('/'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_what_sha256sum_writes() {
        let mut files = BTreeMap::new();
        files.insert("b/x.csv".to_string(), Content::Bytes(b"x\n".to_vec()));
        files.insert("a.txt".to_string(), Content::Bytes(Vec::new()));
        files.insert(SUMS_FILE.to_string(), Content::Bytes(Vec::new()));
        let text = String::from_utf8(sums(&files)).unwrap();
        assert_eq!(
            text,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  a.txt\n\
             5ca2d1b1e4a8c7ad32d6e2bc6a6fd4bd1dae1e15bd8bd9d02d8a0c6d1bd4e8ae  b/x.csv\n"
                .replace(
                    "5ca2d1b1e4a8c7ad32d6e2bc6a6fd4bd1dae1e15bd8bd9d02d8a0c6d1bd4e8ae",
                    &Sha256Hex::of(b"x\n").0
                )
        );
        let parsed = parse_sums(&text).unwrap();
        assert_eq!(parsed[1].0, "b/x.csv");
        assert!(parse_sums("nothing here\n").is_err());
    }
}
