//! The one home of the file rules: where records may be (a directory where a record
//! belongs, a record outside a control's folder), paths in records that stay inside
//! their folder, policy documents that are there, and evidence integrity: every
//! recorded file is a regular file inside the store (never a symbolic link), is there,
//! and still has the sha256 it was recorded with, and every file under evidence/
//! belongs to a record. `check` and `verify` report the findings; `show` reports each
//! file's status.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::{Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{ParseCache, Source};
use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::paths::{
    POLICIES_DIR, PROGRAM_FILE, SYSTEM_DOCUMENT, SYSTEM_FILE, evidence_id, join_inside, parent_dir,
    stays_inside,
};
use crate::model::{
    EntryKind, Evidence, EvidenceFile, LfsPointer, Policy, Record, Sha256Hex, Store, is_uri,
};

#[derive(Debug, Default)]
pub struct Integrity {
    pub findings: Vec<Finding>,
    /// Files read and hashed.
    pub files_checked: usize,
    /// Evidence records checked.
    pub records_checked: usize,
    /// Records that do not count as evidence, and why.
    pub distrusted: Vec<Distrusted>,
    /// Files read as Git LFS pointers whose oid is the recorded sha256: the pointer
    /// vouches for the content, which `verify` checks when the object is fetched.
    pub lfs: Vec<Unchecked>,
    /// Files linked by a URI, kept outside the repository: never read here.
    pub external: Vec<Unchecked>,
}

/// A recorded file whose content was not read: an LFS object or a linked file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unchecked {
    /// The evidence ID.
    pub id: String,
    /// The record's file.
    pub record: String,
    /// Which entry of its `files`.
    pub index: usize,
    /// The store path (LFS) or the URI (a link).
    pub file: String,
    pub sha256: Sha256Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// An evidence record that does not count as evidence anywhere: a file it lists is
/// missing, has changed, is a link or out of reach, or git does not hold it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distrusted {
    /// The evidence ID, `AC-01/2026-10-03-mfa-report`.
    pub id: String,
    pub control: String,
    /// The record's file.
    pub path: String,
    /// What is wrong, e.g. `evidence/AC-01/x.csv has changed since it was recorded`.
    pub reason: String,
}

impl Distrusted {
    fn new(record: &Record<Evidence>, reason: String) -> Distrusted {
        Distrusted {
            id: evidence_id(&record.path),
            control: record.value.control.clone(),
            path: record.path.clone(),
            reason,
        }
    }
}

impl Integrity {
    /// Sets aside from `store` the records that do not count, for judging readiness: a
    /// record whose evidence cannot be trusted is no evidence. `distrusted` is left
    /// sorted, one entry per record.
    pub fn set_aside(&mut self, store: &mut Store) -> Vec<Record<Evidence>> {
        self.distrusted.sort_by(|a, b| a.path.cmp(&b.path));
        self.distrusted.dedup_by(|a, b| a.path == b.path);
        let paths: BTreeSet<&str> = self.distrusted.iter().map(|d| d.path.as_str()).collect();
        // In place: a large store's records are not copied to set a few aside.
        store
            .evidence
            .extract_if(.., |r| paths.contains(r.path.as_str()))
            .collect()
    }

    /// Records and files git does not hold (`uncommitted`, by store path): W-UNCOMMITTED,
    /// and they do not count. Those git ignores (`ignored`) are errors of their own
    /// (`ignored_by_git`) and do not count either.
    pub fn uncommitted(
        &mut self,
        store: &Store,
        uncommitted: &BTreeSet<String>,
        ignored: &BTreeSet<String>,
    ) {
        // The usual case: git holds every path.
        if uncommitted.is_empty() && ignored.is_empty() {
            return;
        }
        for record in &store.evidence {
            let id = evidence_id(&record.path);
            if uncommitted.contains(&record.path) {
                self.findings.push(
                    Finding::new(
                        Code::Uncommitted,
                        format!("evidence record {id} is not committed, so it does not count"),
                    )
                    .in_file(&record.path)
                    .with_hint(format!(
                        "commit it with its files (`git add {} && git commit`), or remove it if an interrupted command left it",
                        parent_dir(&record.path)
                    )),
                );
                self.distrusted.push(Distrusted::new(
                    record,
                    format!("{} is not committed", record.path),
                ));
                continue;
            }
            for file in recorded_files(record) {
                let Some(target) = file.target.as_deref() else {
                    continue;
                };
                if ignored.contains(target) {
                    self.distrusted.push(Distrusted::new(
                        record,
                        format!("{target} is ignored by git"),
                    ));
                } else if uncommitted.contains(target) {
                    self.findings.push(
                        Finding::new(
                            Code::Uncommitted,
                            format!("evidence file {target} of {id} is not committed, so the record does not count"),
                        )
                        .in_file(&record.path)
                        .at(locate::value(&record.text, &format!("files[{}].{}", file.index, file.field)))
                        .with_source(&record.text)
                        .with_hint(format!("commit it (`git add {target} && git commit`)")),
                    );
                    self.distrusted.push(Distrusted::new(
                        record,
                        format!("{target} is not committed"),
                    ));
                }
            }
        }
    }
}

/// What was found at one recorded evidence file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    /// There, with the recorded sha256.
    Ok,
    /// There, with other content.
    Changed,
    Missing,
    /// A symbolic link: evidence must not change under its record.
    Symlink,
    /// The recorded path is absolute or leaves its folder; it is never read.
    UnsafePath,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Ok => "ok",
            FileStatus::Changed => "changed",
            FileStatus::Missing => "missing",
            FileStatus::Symlink => "symlink",
            FileStatus::UnsafePath => "unsafe-path",
        }
    }
}

/// One file entry of a record, resolved against the store.
pub struct RecordedFile<'a> {
    pub index: usize,
    /// `path` or `link`: the field that names the file.
    pub field: &'static str,
    /// The name as written in the record.
    pub written: &'a str,
    /// The path in the store, when it stays inside.
    pub target: Option<String>,
    pub sha256: &'a Sha256Hex,
}

/// The record's file entries with the store paths they name. Entries with both or
/// neither of `path` and `link` are left out (validation reports them).
pub fn recorded_files(record: &Record<Evidence>) -> Vec<RecordedFile<'_>> {
    let dir = parent_dir(&record.path);
    record
        .value
        .files
        .iter()
        .enumerate()
        .filter_map(|(index, file): (usize, &EvidenceFile)| {
            let (field, written, target) = match (&file.path, &file.link) {
                (Some(path), None) => ("path", path.as_str(), join_inside(dir, path)),
                // A URI names a file outside the repository (`external_links`).
                (None, Some(link)) if is_uri(link) => return None,
                (None, Some(link)) => ("link", link.as_str(), join_inside("", link)),
                _ => return None,
            };
            Some(RecordedFile {
                index,
                field,
                written,
                target,
                sha256: &file.sha256,
            })
        })
        .collect()
}

/// The record's files linked by a URI, outside the repository.
pub fn external_links(record: &Record<Evidence>) -> Vec<Unchecked> {
    record
        .value
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| f.path.is_none())
        .filter_map(|(index, file)| {
            Some(Unchecked {
                id: evidence_id(&record.path),
                record: record.path.clone(),
                index,
                file: file.external_link()?.to_string(),
                sha256: file.sha256.clone(),
                size: file.size,
            })
        })
        .collect()
}

/// What was found at one recorded file.
struct Inspected {
    status: FileStatus,
    /// The sha256 it has now: of its bytes, or the oid of the LFS pointer it is.
    actual: Option<Sha256Hex>,
    /// It is a Git LFS pointer.
    pointer: Option<LfsPointer>,
    bytes: Option<Vec<u8>>,
    /// What the secret scan found in it before (kept by its content id).
    hits: Option<Vec<crate::secrets::Hit>>,
    /// Its content id, when what is found in it may be kept by it.
    keep_as: Option<[u8; 20]>,
}

/// Evidence files up to this size are read whole when they are to be scanned for
/// secrets; larger ones are scanned in pieces (`secret_findings_streamed`).
const READ_WHOLE: u64 = 32 << 20;

/// `want_bytes`: the caller scans the file's content, so hand it back when it fits.
fn inspect(
    store: &Store,
    source: &dyn Source,
    cache: Option<&ParseCache>,
    file: &RecordedFile,
    want_bytes: bool,
) -> Result<Inspected> {
    let nothing = |status| Inspected {
        status,
        actual: None,
        pointer: None,
        bytes: None,
        hits: None,
        keep_as: None,
    };
    let Some(target) = &file.target else {
        return Ok(nothing(FileStatus::UnsafePath));
    };
    let kind = match store.evidence_files.get(target) {
        Some(kind) => Some(*kind),
        None => source.kind(target)?,
    };
    Ok(match kind {
        None | Some(EntryKind::Dir | EntryKind::Other) => nothing(FileStatus::Missing),
        Some(EntryKind::Symlink) => nothing(FileStatus::Symlink),
        Some(EntryKind::File) => {
            // A file Git LFS keeps is its pointer wherever the content was not
            // fetched (a revision's tree, a checkout without LFS): its oid is the
            // content's sha256. Pointers are small; anything larger is hashed as it
            // streams by, and read whole only when it is to be scanned and fits.
            let id = cache.and_then(|c| Some((c, source.content_id(target)?)));
            // The scan's hits are looked up only by a caller that scans.
            let kept = id.and_then(|(cache, id)| {
                Some((
                    cache.hashes(id)?,
                    want_bytes.then(|| cache.hits(id)).flatten(),
                ))
            });
            let (mut hits, mut keep_as) = (None, None);
            let (actual, pointer, bytes) = match kept {
                // Scanned before, or a pointer (never scanned): nothing to read.
                Some(((actual, pointer), found))
                    if !want_bytes || found.is_some() || pointer.is_some() =>
                {
                    hits = found;
                    (actual, pointer, None)
                }
                _ => {
                    let (actual, pointer, bytes) = if want_bytes {
                        let (sha256, bytes) = source.hash_file(target, READ_WHOLE)?;
                        match bytes.as_deref().and_then(LfsPointer::parse) {
                            Some(pointer) => (pointer.oid.clone(), Some(pointer), bytes),
                            None => (sha256, None, bytes),
                        }
                    } else {
                        let (actual, pointer) = source.content_hash(target)?;
                        (actual, pointer, None)
                    };
                    // Asked again: a file that changed while it was read is not kept
                    // under the old id.
                    if let Some((cache, id)) = id
                        && source.content_id(target) == Some(id)
                    {
                        cache.put_hashes(id, target, &actual, pointer.as_ref());
                        keep_as = Some(id);
                    }
                    (actual, pointer, bytes)
                }
            };
            let status = if &actual == file.sha256 {
                FileStatus::Ok
            } else {
                FileStatus::Changed
            };
            Inspected {
                status,
                actual: Some(actual),
                pointer,
                bytes,
                hits,
                keep_as,
            }
        }
    })
}

/// Looks at one recorded file: its kind (as listed when the store loaded, or asked
/// of the source), and for a regular file its status and the sha256 it has now (for a
/// Git LFS pointer, the oid it names).
pub fn file_status(
    store: &Store,
    source: &dyn Source,
    file: &RecordedFile,
) -> Result<(FileStatus, Option<Sha256Hex>)> {
    let inspected = inspect(store, source, None, file, false)?;
    Ok((inspected.status, inspected.actual))
}

/// Hashes every evidence file the records list, through `source` (working tree or revision).
pub fn check(store: &Store, source: &dyn Source) -> Result<Integrity> {
    checked(store, source, false, None)
}

/// `check` for one of many revisions of a store: a folder of evidence that did not
/// change since a revision `cache` saw is not checked again.
pub fn check_cached(
    store: &Store,
    source: &dyn Source,
    cache: Option<&ParseCache>,
) -> Result<Integrity> {
    checked(store, source, false, cache)
}

/// `check`, and with `scan_secrets` every stored evidence file and record is also
/// scanned for credentials (E-SECRET-IN-EVIDENCE), from the bytes already read. With
/// `cache`, a file whose content id the source knows without reading it (git's index
/// vouching for a working-tree file, a revision's tree) is hashed and scanned once.
pub fn check_with(
    store: &Store,
    source: &dyn Source,
    scan_secrets: bool,
    cache: Option<&ParseCache>,
) -> Result<Integrity> {
    checked(store, source, scan_secrets, cache)
}

fn checked(
    store: &Store,
    source: &dyn Source,
    scan_secrets: bool,
    cache: Option<&ParseCache>,
) -> Result<Integrity> {
    // Folders and records are independent: hash their files on every core.
    let mut checked = folder_runs(&store.evidence)
        .par_iter()
        .map(|run| check_folder(run, store, source, scan_secrets, cache))
        .collect::<Result<Vec<Arc<RecordCheck>>>>()?;
    let mut out = Integrity {
        records_checked: store.evidence.len(),
        ..Integrity::default()
    };
    for result in &mut checked {
        out.files_checked += result.files_checked;
        // Kept by a cache: copied. Otherwise the only holder: moved (`recorded` stays,
        // for the walk below).
        match Arc::get_mut(result) {
            Some(own) => {
                out.findings.append(&mut own.findings);
                out.distrusted.append(&mut own.distrusted);
                out.lfs.append(&mut own.lfs);
            }
            None => {
                out.findings.extend(result.findings.iter().cloned());
                out.distrusted.extend(result.distrusted.iter().cloned());
                out.lfs.extend(result.lfs.iter().cloned());
            }
        }
    }
    for record in &store.evidence {
        out.external.extend(external_links(record));
    }
    // Records list files of their own folder, so `recorded` is nearly sorted already;
    // the files under evidence/ are sorted. One walk down both finds the files no
    // record lists, without a lookup per file.
    let mut recorded: Vec<&str> = checked
        .iter()
        .flat_map(|c| c.recorded.iter().map(String::as_str))
        .collect();
    // Nearly sorted: a sort that follows the runs already there.
    recorded.sort();
    let mut listed = recorded.into_iter().peekable();
    let unrecorded = store.evidence_files.keys().filter(|path| {
        while listed.next_if(|r| *r < path.as_str()).is_some() {}
        listed.peek() != Some(&path.as_str())
    });
    for path in unrecorded {
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

/// The records of each folder, a slice a folder: records come sorted by path, so a
/// folder's records are one run. Each record's folder is found once (a timeline asks
/// this of 100,000 records at every point).
fn folder_runs(records: &[Record<Evidence>]) -> Vec<&[Record<Evidence>]> {
    let mut runs = Vec::new();
    let (mut start, mut dir) = (0, None);
    for (i, record) in records.iter().enumerate() {
        let this = parent_dir(&record.path);
        if dir.is_some_and(|dir| dir != this) {
            runs.push(&records[start..i]);
            start = i;
        }
        dir = Some(this);
    }
    if start < records.len() {
        runs.push(&records[start..]);
    }
    runs
}

/// What checking one folder's records found, kept by the folder's id for the next
/// revision: `records` says which of its YAML files were records this time.
pub(crate) struct CheckedFolder {
    records: Vec<String>,
    check: Arc<RecordCheck>,
}

/// The records of one evidence folder, checked, or as `cache` checked them in an
/// earlier revision. What a record's `path` entries name lies inside the folder, so
/// the folder's id vouches for it; a record with a `link` may name a file anywhere,
/// and its folder is checked every time.
fn check_folder(
    run: &[Record<Evidence>],
    store: &Store,
    source: &dyn Source,
    scan_secrets: bool,
    cache: Option<&ParseCache>,
) -> Result<Arc<RecordCheck>> {
    let links_out = || {
        run.iter().any(|r| {
            r.value
                .files
                .iter()
                .any(|f| f.path.is_none() && f.link.as_deref().is_some_and(|l| !is_uri(l)))
        })
    };
    let id = match (cache, run.first()) {
        (Some(_), Some(first)) if !scan_secrets && !links_out() => {
            source.folder_id(parent_dir(&first.path))
        }
        _ => None,
    };
    let same_records = |kept: &CheckedFolder| {
        kept.records.len() == run.len() && kept.records.iter().zip(run).all(|(a, r)| *a == r.path)
    };
    if let (Some(cache), Some(id)) = (cache, id)
        && let Some(kept) = cache.checked_folders.get(&id)
        && same_records(&kept)
    {
        return Ok(kept.check.clone());
    }
    let checks = run
        .par_iter()
        .map(|r| check_record(r, store, source, scan_secrets, cache))
        .collect::<Result<Vec<RecordCheck>>>()?;
    let mut all = RecordCheck::default();
    for check in checks {
        all.findings.extend(check.findings);
        all.files_checked += check.files_checked;
        all.recorded.extend(check.recorded);
        all.distrusted.extend(check.distrusted);
        all.lfs.extend(check.lfs);
    }
    let all = Arc::new(all);
    if let (Some(cache), Some(id)) = (cache, id) {
        let kept = CheckedFolder {
            records: run.iter().map(|r| r.path.clone()).collect(),
            check: all.clone(),
        };
        cache.checked_folders.insert(id, Arc::new(kept));
    }
    Ok(all)
}

#[derive(Default)]
struct RecordCheck {
    findings: Vec<Finding>,
    files_checked: usize,
    recorded: Vec<String>,
    distrusted: Vec<Distrusted>,
    lfs: Vec<Unchecked>,
}

fn check_record(
    record: &Record<Evidence>,
    store: &Store,
    source: &dyn Source,
    scan_secrets: bool,
    cache: Option<&ParseCache>,
) -> Result<RecordCheck> {
    let mut out = RecordCheck::default();
    let allowed: &[String] = record
        .value
        .secrets
        .as_ref()
        .map_or(&[], |s| s.allowed.as_slice());
    if scan_secrets {
        // A record is scanned once for its content (its blob id is known when the parse
        // cache has it): the text of one kept by the cache stays unread.
        let hits = match (cache, record.text.id()) {
            (Some(cache), Some(id)) => cache.hits(id).unwrap_or_else(|| {
                let hits = crate::secrets::scan(record.text.as_bytes());
                cache.put_hits(id, &record.path, &hits);
                hits
            }),
            _ => crate::secrets::scan(record.text.as_bytes()),
        };
        out.findings
            .extend(hit_findings(&record.path, hits, allowed));
    }
    for file in recorded_files(record) {
        // An escaping path is reported by validation and never read.
        let Some(target) = file.target.clone() else {
            out.distrusted.push(Distrusted::new(
                record,
                format!("the file `{}` is outside the record's reach", file.written),
            ));
            continue;
        };
        out.recorded.push(target.clone());
        let here = |code, message: String| {
            Finding::new(code, message)
                .in_file(&record.path)
                .at(locate::value(
                    &record.text,
                    &format!("files[{}].{}", file.index, file.field),
                ))
                .with_source(&record.text)
        };
        let Inspected {
            status,
            actual,
            pointer,
            bytes,
            hits,
            keep_as,
        } = inspect(
            store,
            source,
            cache,
            &file,
            scan_secrets && file.field == "path",
        )?;
        if actual.is_some() {
            out.files_checked += 1;
        }
        if let Some(pointer) = pointer.filter(|_| status == FileStatus::Ok) {
            out.lfs.push(Unchecked {
                id: evidence_id(&record.path),
                record: record.path.clone(),
                index: file.index,
                file: target.clone(),
                sha256: pointer.oid,
                size: Some(pointer.size),
            });
        } else if scan_secrets
            && file.field == "path"
            && matches!(status, FileStatus::Ok | FileStatus::Changed)
        {
            let hits = match (hits, bytes) {
                (Some(hits), _) => hits,
                (None, Some(bytes)) => crate::secrets::scan(&bytes),
                (None, None) => scan_streamed(source, &target)?,
            };
            if let (Some(cache), Some(id)) = (cache, keep_as) {
                cache.put_hits(id, &target, &hits);
            }
            out.findings.extend(hit_findings(&target, hits, allowed));
        }
        let problem = match status {
            FileStatus::Ok => None,
            FileStatus::Changed => Some("has changed since it was recorded"),
            FileStatus::Missing => Some("is missing"),
            FileStatus::Symlink => Some("is a symbolic link"),
            FileStatus::UnsafePath => Some("is outside the record's reach"),
        };
        if let Some(problem) = problem {
            out.distrusted
                .push(Distrusted::new(record, format!("{target} {problem}")));
        }
        match (status, actual) {
            (FileStatus::Missing, _) => out.findings.push(
                here(Code::EvidenceMissing, format!("evidence file {target} is missing"))
                    .with_hint(format!("restore it from history (`git log --all -- {target}`), or remove the entry and add the evidence again")),
            ),
            (FileStatus::Symlink, _) => out.findings.push(
                here(Code::BadPath, format!("evidence file {target} is a symbolic link"))
                    .with_hint("replace the link with the file's content: evidence must not change under its record"),
            ),
            (FileStatus::Changed, Some(actual)) => {
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
            _ => {}
        }
    }
    Ok(out)
}

/// The secret scan of a file too large to hold: a piece at a time.
fn scan_streamed(source: &dyn Source, path: &str) -> Result<Vec<crate::secrets::Hit>> {
    let reader = source
        .open(path)
        .with_context(|| format!("reading {path}"))?;
    crate::secrets::scan_reader(reader).with_context(|| format!("reading {path}"))
}

/// E-SECRET-IN-EVIDENCE for each credential in a committed file that its record does
/// not allow. The finding shows the line masked, never the secret.
fn hit_findings(path: &str, hits: Vec<crate::secrets::Hit>, allowed: &[String]) -> Vec<Finding> {
    hits.into_iter()
        .filter(|hit| !allowed.contains(&hit.rule))
        .map(|hit| {
            let title = crate::secrets::rule(&hit.rule).map_or("a secret", |r| r.title);
            let mut finding = Finding::new(
                Code::SecretInEvidence,
                format!("{path} holds {title} ({})", hit.rule),
            )
            .in_file(path)
            .at(Some(crate::findings::Position {
                line: hit.line,
                column: hit.column,
            }))
            .with_hint(format!(
                "revoke the credential (git history keeps it), then record the evidence again with `--redact`; if it is not a secret, `--allow-secret {}`",
                hit.rule
            ));
            finding.source_line = Some(hit.excerpt);
            finding
        })
        .collect()
}

/// E-HASH-MISMATCH for a file whose content was read elsewhere (an LFS object, a
/// linked file) and differs from the record.
pub fn unread_changed(file: &Unchecked, actual: &Sha256Hex) -> Finding {
    Finding::new(
        Code::HashMismatch,
        format!(
            "{} ({}) has changed: sha256 {} was recorded, its content is now {}",
            file.file,
            file.id,
            file.sha256.short(),
            actual.short()
        ),
    )
    .in_file(&file.record)
    .with_hint("restore the recorded content where it is kept; if the new content is the right evidence, record it anew")
}

/// `soc2.yaml` is a directory.
pub(crate) fn program_is_a_directory() -> Finding {
    Finding::new(
        Code::BadPath,
        format!("{PROGRAM_FILE} is a directory; expected the program file"),
    )
    .in_file(PROGRAM_FILE)
    .with_hint("remove the directory and run `soc2 init` or write soc2.yaml by hand")
}

/// A store file or folder that is a symbolic link: soc2 never follows one.
pub(crate) fn symbolic_link(path: &str, what: &str) -> Finding {
    Finding::new(
        Code::BadPath,
        format!("{path} is a symbolic link; soc2 does not follow links in the store"),
    )
    .in_file(path)
    .with_hint(format!(
        "replace the link with the {what} it points to: a link can leave the repository, and git records only the link"
    ))
}

/// A file or folder whose name is not UTF-8: soc2 cannot name it, so it is not read.
pub(crate) fn name_not_utf8(path: &str) -> Finding {
    Finding::new(
        Code::BadPath,
        format!("{path} has a name that is not UTF-8, so soc2 cannot read it"),
    )
    .in_file(path)
    .with_hint("rename it with UTF-8 characters (letters, digits, dashes), as records and evidence files are named")
}

/// A policy document that is a symbolic link (or reached through one): it is not
/// read, so it can never be approved.
pub(crate) fn linked_document(policy: &Record<Policy>, path: &str) -> Finding {
    Finding::new(
        Code::BadPath,
        format!("policy document {path} is a symbolic link"),
    )
    .in_file(&policy.path)
    .at(locate::value(&policy.text, "document"))
    .with_hint(
        "replace the link with the document itself: an approval covers text kept in the repository",
    )
}

/// Evidence files and policy documents git ignores: they can never be committed, so
/// a fresh clone would not have them.
pub fn ignored_by_git(store: &Store, ignored: &BTreeSet<String>) -> Vec<Finding> {
    let mut findings = Vec::new();
    // The usual case, with nothing to look for: git holds every path.
    if ignored.is_empty() {
        return findings;
    }
    let ignored = |path: &str| ignored.contains(path);
    for record in &store.evidence {
        for file in recorded_files(record) {
            let Some(target) = file.target.as_deref().filter(|t| ignored(t)) else {
                continue;
            };
            findings.push(
                Finding::new(Code::BadPath, format!("evidence file {target} is ignored by git"))
                    .in_file(&record.path)
                    .at(locate::value(&record.text, &format!("files[{}].{}", file.index, file.field)))
                    .with_source(&record.text)
                    .with_hint("evidence must be committed: change .gitignore so that git tracks it, or record another file"),
            );
        }
    }
    for policy in &store.policies {
        let Some(path) = policy
            .value
            .document
            .as_deref()
            .and_then(|d| join_inside(POLICIES_DIR, d))
            .filter(|p| ignored(p))
        else {
            continue;
        };
        findings.push(
            Finding::new(Code::BadPath, format!("policy document {path} is ignored by git"))
                .in_file(&policy.path)
                .at(locate::value(&policy.text, "document"))
                .with_source(&policy.text)
                .with_hint("an approval covers committed text: change .gitignore so that git tracks the document"),
        );
    }
    findings
}

/// A directory where `dir/` holds one record per file.
pub(crate) fn directory_for_a_record(path: &str, dir: &str, what: &str) -> Finding {
    Finding::new(
        Code::BadPath,
        format!("{path} is a directory; {dir}/ holds one {what} per file"),
    )
    .in_file(path)
    .with_hint(format!(
        "move the files inside it up into {dir}/ or remove it"
    ))
}

/// A YAML file directly in evidence/.
pub(crate) fn record_outside_a_folder(path: &str) -> Finding {
    Finding::new(
        Code::BadPath,
        format!("{path} is outside a control's folder"),
    )
    .in_file(path)
    .with_hint("evidence records live in evidence/<CONTROL-ID>/; move it there")
}

/// A policy whose document is not in the store.
pub(crate) fn missing_document(policy: &Record<Policy>, path: &str) -> Finding {
    Finding::new(
        Code::EvidenceMissing,
        format!("policy document {path} is missing"),
    )
    .in_file(&policy.path)
    .at(locate::value(&policy.text, "document"))
    .with_hint(format!(
        "write the policy text to {path}, or fix `document`"
    ))
}

/// `system/description.yaml` without the text it describes.
pub(crate) fn missing_system_document() -> Finding {
    Finding::new(
        Code::EvidenceMissing,
        format!("the system description {SYSTEM_DOCUMENT} is missing"),
    )
    .in_file(SYSTEM_FILE)
    .with_hint(format!(
        "write the description to {SYSTEM_DOCUMENT} (a new `soc2 init` in an empty folder shows its sections)"
    ))
}

/// Every file under `roots` (folders, at any depth, or single files) with the sha256 of
/// its bytes, sorted by path. A folder that is not there contributes nothing.
pub fn hashed_files(source: &dyn Source, roots: &[String]) -> Result<Vec<(String, Sha256Hex)>> {
    fn walk(source: &dyn Source, dir: &str, out: &mut Vec<String>) -> Result<()> {
        let Some(entries) = source.list(dir)? else {
            return Ok(());
        };
        for entry in entries {
            let path = format!("{dir}/{}", entry.name);
            match entry.kind {
                EntryKind::Dir => walk(source, &path, out)?,
                EntryKind::File => out.push(path),
                // Links and special files are never followed or read.
                EntryKind::Symlink | EntryKind::Other => {}
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    for root in roots {
        match source.kind(root)? {
            Some(EntryKind::Dir) => walk(source, root, &mut paths)?,
            Some(EntryKind::File) => paths.push(root.clone()),
            _ => {}
        }
    }
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .map(|path| {
            let bytes = source.read(&path)?;
            Ok((path, Sha256Hex::of(&bytes)))
        })
        .collect()
}

/// Paths written in records that leave their folder: a policy's document, and evidence
/// file paths and links. Such paths are never read.
pub(crate) fn paths(store: &Store) -> Vec<Finding> {
    let mut findings = Vec::new();
    for record in &store.policies {
        if let Some(document) = &record.value.document
            && join_inside(POLICIES_DIR, document).is_none()
        {
            findings.push(
                Finding::new(
                    Code::BadPath,
                    format!(
                        "document path `{document}` leaves policies/{}",
                        git_note(document)
                    ),
                )
                .in_file(&record.path)
                .at(locate::value(&record.text, "document"))
                .with_hint("name a file inside policies/, relative to it, like POL-ACCESS.md"),
            );
        }
    }
    for record in &store.evidence {
        // Nearly every record names files inside its folder: only one that may not is
        // looked at closer (`recorded_files` builds each path).
        let inside = |name: Option<&String>| name.is_none_or(|n| stays_inside(n));
        if record
            .value
            .files
            .iter()
            .all(|f| inside(f.path.as_ref()) && inside(f.link.as_ref()))
        {
            continue;
        }
        for file in recorded_files(record).iter().filter(|f| f.target.is_none()) {
            let (message, hint) = match file.field {
                "path" => (
                    format!(
                        "evidence file path `{}` leaves the record's folder",
                        file.written
                    ),
                    "`path` is relative to the record's folder, without `..` or a leading `/`",
                ),
                _ => (
                    format!(
                        "evidence link `{}` leaves the repository{}",
                        file.written,
                        git_note(file.written)
                    ),
                    "`link` is relative to the repository root, without `..` or a leading `/`",
                ),
            };
            findings.push(
                Finding::new(Code::BadPath, message)
                    .in_file(&record.path)
                    .at(locate::value(
                        &record.text,
                        &format!("files[{}].{}", file.index, file.field),
                    ))
                    .with_hint(hint),
            );
        }
    }
    findings
}

/// `(.git/ is git's own data)` when a path points into it.
fn git_note(path: &str) -> &'static str {
    if path.split('/').any(|s| s.eq_ignore_ascii_case(".git")) {
        " (.git/ is git's own data, not the repository's files)"
    } else {
        ""
    }
}

fn control_of(path: &str) -> &str {
    path.split('/').nth(1).unwrap_or_default()
}

/// The digest of a set of files: the sha256 of one line per file, `<sha256>  <path>`
/// (as `sha256sum` prints it), sorted by path in byte order. Recomputable with
/// `sha256sum FILES | LC_ALL=C sort -k2 | sha256sum`.
pub fn files_digest(files: &[(String, Sha256Hex)]) -> Sha256Hex {
    let mut sorted: Vec<&(String, Sha256Hex)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut text = String::new();
    for (path, sha) in sorted {
        text.push_str(&format!("{sha}  {path}\n"));
    }
    Sha256Hex::of(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MemoryTree, load};

    fn record(control: &str, files: &[(&str, &[u8])]) -> String {
        let mut text =
            format!("control: {control}\ncollected_at: 2026-01-05\nkind: export\nfiles:\n");
        for (name, bytes) in files {
            text += &format!("  - path: {name}\n    sha256: {}\n", Sha256Hex::of(bytes));
        }
        text
    }

    #[test]
    fn records_run_folder_by_folder() {
        let mut tree = MemoryTree::new();
        tree.insert("soc2.yaml", "organisation: Test\n");
        for path in [
            "evidence/A-01/one.yaml",
            "evidence/A-01/two.yaml",
            "evidence/A-02/three.yaml",
            "evidence/A-03/four.yaml",
            "evidence/A-03/five.yaml",
        ] {
            tree.insert(path, record(&path[9..13], &[]));
        }
        let loaded = load(&tree).unwrap();
        let runs: Vec<Vec<&str>> = folder_runs(&loaded.store.evidence)
            .iter()
            .map(|run| run.iter().map(|r| r.stem()).collect())
            .collect();
        assert_eq!(
            runs,
            [vec!["one", "two"], vec!["three"], vec!["five", "four"]]
        );
        assert!(folder_runs(&[]).is_empty());
    }

    #[test]
    fn files_no_record_lists_are_found_between_those_listed() {
        let mut tree = MemoryTree::new();
        tree.insert("soc2.yaml", "organisation: Test\n");
        for (path, bytes) in [
            ("evidence/A-01/a.csv", &b"a"[..]),
            ("evidence/A-01/b.csv", b"b"),
            ("evidence/A-01/c.csv", b"c"),
            ("evidence/A-01/z/d.csv", b"d"),
            ("evidence/A-02/a.csv", b"a"),
            ("evidence/A-02/e.csv", b"e"),
        ] {
            tree.insert(path, bytes);
        }
        // Two records list c.csv; b.csv, z/d.csv and the second folder's e.csv are
        // nobody's.
        tree.insert(
            "evidence/A-01/one.yaml",
            record("A-01", &[("c.csv", b"c"), ("a.csv", b"a")]),
        );
        tree.insert("evidence/A-01/two.yaml", record("A-01", &[("c.csv", b"c")]));
        tree.insert(
            "evidence/A-02/three.yaml",
            record("A-02", &[("a.csv", b"a")]),
        );
        let loaded = load(&tree).unwrap();
        let integrity = check(&loaded.store, &tree).unwrap();
        let unrecorded: Vec<&str> = integrity
            .findings
            .iter()
            .filter(|f| f.code == Code::UnrecordedFile)
            .filter_map(|f| f.file.as_deref())
            .collect();
        assert_eq!(
            unrecorded,
            [
                "evidence/A-01/b.csv",
                "evidence/A-01/z/d.csv",
                "evidence/A-02/e.csv"
            ]
        );
        assert!(
            integrity.distrusted.is_empty(),
            "{:?}",
            integrity.distrusted
        );
    }
}
