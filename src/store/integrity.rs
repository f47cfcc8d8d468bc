//! Evidence integrity: every recorded file is there and still has the sha256 it was
//! recorded with, and every file under evidence/ belongs to a record.

use std::collections::BTreeSet;

use anyhow::Result;
use rayon::prelude::*;

use super::Source;
use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::paths::{join_inside, parent_dir};
use crate::model::{EntryKind, Record, Store};
use crate::model::{Evidence, Sha256Hex};

#[derive(Debug, Default)]
pub struct Integrity {
    pub findings: Vec<Finding>,
    /// Files read and hashed.
    pub files_checked: usize,
}

/// Hashes every evidence file the records list, through `source` (working tree or revision).
pub fn check(store: &Store, source: &dyn Source) -> Result<Integrity> {
    // Records are independent: hash their files on every core.
    let checked: Vec<Result<RecordCheck>> = store
        .evidence
        .par_iter()
        .map(|r| check_record(r, store, source))
        .collect();
    let mut out = Integrity::default();
    let mut recorded: BTreeSet<String> = BTreeSet::new();
    for result in checked {
        let result = result?;
        out.findings.extend(result.findings);
        out.files_checked += result.files_checked;
        recorded.extend(result.recorded);
    }
    for path in store
        .evidence_files
        .keys()
        .filter(|p| !recorded.contains(*p))
    {
        out.findings.push(
            Finding::new(
                Code::UnrecordedFile,
                format!("{path} is not listed by any evidence record"),
            )
            .in_file(path)
            .with_hint(format!(
                "record it with `soc2 evidence add {} {path}`, or remove it",
                control_of(path)
            )),
        );
    }
    Ok(out)
}

#[derive(Default)]
struct RecordCheck {
    findings: Vec<Finding>,
    files_checked: usize,
    recorded: Vec<String>,
}

fn check_record(
    record: &Record<Evidence>,
    store: &Store,
    source: &dyn Source,
) -> Result<RecordCheck> {
    let mut out = RecordCheck::default();
    let dir = parent_dir(&record.path);
    for (i, file) in record.value.files.iter().enumerate() {
        let (field, target) = match (&file.path, &file.link) {
            (Some(path), None) => ("path", join_inside(dir, path)),
            (None, Some(link)) => ("link", join_inside("", link)),
            // Both or neither: validation reports it.
            _ => continue,
        };
        // An escaping path is reported by validation and never read.
        let Some(target) = target else {
            continue;
        };
        out.recorded.push(target.clone());
        let here = |code, message: String| {
            Finding::new(code, message)
                .in_file(&record.path)
                .at(locate::value(&record.text, &format!("files[{i}].{field}")))
                .with_source(&record.text)
        };
        // Files under evidence/ were listed with their kind when the store loaded.
        let kind = match store.evidence_files.get(&target) {
            Some(kind) => Some(*kind),
            None => source.kind(&target)?,
        };
        match kind {
            None | Some(EntryKind::Dir | EntryKind::Other) => out.findings.push(
                here(Code::EvidenceMissing, format!("evidence file {target} is missing"))
                    .with_hint(format!("restore it from history (`git log --all -- {target}`), or remove the entry and add the evidence again")),
            ),
            Some(EntryKind::Symlink) => out.findings.push(
                here(Code::BadPath, format!("evidence file {target} is a symbolic link"))
                    .with_hint("replace the link with the file's content: evidence must not change under its record"),
            ),
            Some(EntryKind::File) => {
                let actual = Sha256Hex::of(&source.read(&target)?);
                out.files_checked += 1;
                if actual != file.sha256 {
                    out.findings.push(
                        here(
                            Code::HashMismatch,
                            format!(
                                "{target} has changed: sha256 {} was recorded, the file is now {}",
                                file.sha256.short(),
                                actual.short()
                            ),
                        )
                        .with_hint("restore the original from git history; if the new file is the right evidence, add it with `soc2 evidence add`"),
                    );
                }
            }
        }
    }
    Ok(out)
}

fn control_of(path: &str) -> &str {
    path.split('/').nth(1).unwrap_or_default()
}
