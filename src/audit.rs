//! The audited load `check` and `verify` share: the store with its validation
//! findings, its evidence integrity (every file hashed) and what git history says
//! about its approvals (segregation of duties).

use std::collections::BTreeSet;

use anyhow::Result;
use rayon::prelude::*;

use crate::duties;
use crate::findings::{Code, Finding};
use crate::git::Repo;
use crate::history::{self, Depth};
use crate::model::paths::{POLICIES_DIR, join_inside};
use crate::model::{Evidence, History, Record, Sha256Hex, Store};
use crate::store::integrity::{self, Distrusted, Integrity};
use crate::store::{self, Loaded, ParseCache, Source};

/// The store with everything check and verify audit beyond loading it.
pub struct Audited {
    pub loaded: Loaded,
    pub integrity: Integrity,
    /// The store's past, for judging it. `loaded.store` holds only the evidence that
    /// counts; `integrity.distrusted` says which records were set aside and why.
    pub history: History,
    /// Findings from history: self-approvals, or an info finding that the rule was
    /// skipped because the history is not there.
    pub duties: Vec<Finding>,
}

/// Loads the store from `source` and audits it; `repo` (when the store is in one)
/// gives the history walked back from `start`. The walk reads git objects, not the
/// files being loaded and hashed, so it runs on a thread of its own meanwhile. Records
/// and history `cache` kept are reused; evidence files' hashes and secret scans too,
/// unless `rehash` (then every file is read, hashed and scanned again).
pub fn load_audited(
    source: &dyn Source,
    repo: Option<Repo>,
    start: &str,
    cache: Option<&ParseCache>,
    rehash: bool,
) -> Result<Audited> {
    std::thread::scope(|scope| {
        let walk = repo.map(|repo| {
            scope.spawn(move || {
                let kept = cache.and_then(|c| c.kept_dir());
                let touched = duties::approval_history(&repo, start, kept);
                let past = history::read_kept(&repo, start, Depth::WithEvidence, kept);
                (repo, touched, past)
            })
        });
        let mut loaded = store::load_cached(source, cache)?;
        let files_cache = cache.filter(|_| !rehash);
        // Once the walk is done, what people approved of their own changes is read from
        // git on that thread, while the evidence files are checked on this one.
        let (integrity, walked) = std::thread::scope(|inner| {
            let store = &loaded.store;
            let walked = walk.map(|walk| {
                inner.spawn(move || {
                    let (repo, touched, past) = walk
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    let duties = touched.and_then(|touched| match touched {
                        Some(touched) => {
                            let mut versions = repo.versions()?;
                            let mut found = duties::self_approvals(&mut versions, store, &touched)?;
                            found.extend(duties::approvals_not_by_author(
                                &mut versions,
                                store,
                                &touched,
                            )?);
                            Ok(found)
                        }
                        None => Ok(vec![shallow_history()]),
                    });
                    (repo, past, duties)
                })
            });
            let integrity = integrity::check_with(store, source, true, files_cache);
            let walked = walked.map(|walked| {
                walked
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            });
            (integrity, walked)
        });
        let mut integrity = integrity?;
        let mut findings = Vec::new();
        let mut past = History::default();
        if let Some((repo, read, duties)) = walked {
            past = read?;
            if source.is_working_tree() {
                let tracking = Tracking::of(&repo, &loaded.store, source)?;
                integrity
                    .findings
                    .extend(integrity::ignored_by_git(&loaded.store, &tracking.ignored));
                integrity.uncommitted(&loaded.store, &tracking.uncommitted, &tracking.ignored);
            }
            findings = duties?;
        }
        // Evidence that cannot be trusted is no evidence: readiness never sees it.
        let _ = integrity.set_aside(&mut loaded.store);
        Ok(Audited {
            loaded,
            integrity,
            history: past,
            duties: findings,
        })
    })
}

/// The records a reading command sets aside, and why.
#[derive(Debug, Default)]
pub struct SetAside {
    pub distrusted: Vec<Distrusted>,
    /// The records themselves, for commands that show them.
    pub records: Vec<Record<Evidence>>,
}

/// Sets aside from a loaded store the evidence that does not count (see
/// `Integrity::distrusted`), from `integrity` (`integrity::check` of that store) and,
/// for the working tree of a repository, what git does not hold: what `status`,
/// `show` and the lists judge, so that they agree with `check`.
pub fn set_aside(
    loaded: &mut Loaded,
    mut integrity: Integrity,
    source: &dyn Source,
    repo: Option<&Repo>,
) -> Result<SetAside> {
    if let Some(repo) = repo
        && source.is_working_tree()
    {
        let tracking = Tracking::of(repo, &loaded.store, source)?;
        integrity.uncommitted(&loaded.store, &tracking.uncommitted, &tracking.ignored);
    }
    let records = integrity.set_aside(&mut loaded.store);
    Ok(SetAside {
        distrusted: integrity.distrusted,
        records,
    })
}

/// Loads the store from `source` as the reading commands judge it: with the evidence
/// that does not count set aside (`repo`: the repository of a working tree, whose
/// uncommitted files do not count either). `cache` keeps parsed records across loads
/// of one repository's revisions.
pub fn load_judged(
    source: &dyn Source,
    repo: Option<&Repo>,
    cache: Option<&ParseCache>,
) -> Result<(Loaded, SetAside)> {
    let mut loaded = store::load_cached(source, cache)?;
    let integrity = integrity::check_cached(&loaded.store, source, cache)?;
    let set_aside = set_aside(&mut loaded, integrity, source, repo)?;
    Ok((loaded, set_aside))
}

/// The evidence records and files, and policy documents, git does not hold: ignored by
/// its rules, or just never added.
pub struct Tracking {
    pub uncommitted: BTreeSet<String>,
    pub ignored: BTreeSet<String>,
}

impl Tracking {
    /// `source`: the working tree the store was read from; what it knows git's index
    /// holds is not asked of git again.
    pub fn of(repo: &Repo, store: &Store, source: &dyn Source) -> Result<Tracking> {
        // Each record's own path, then its files', those the source does not know git
        // holds: on a large store that is asking the index of 200,000 paths, records
        // side by side, in their order.
        let unknown = |path: &str| !source.known_to_git(path);
        let of_record = |r: &Record<Evidence>| -> Vec<String> {
            unknown(&r.path)
                .then(|| r.path.clone())
                .into_iter()
                .chain(
                    integrity::recorded_files(r)
                        .into_iter()
                        .filter_map(|f| f.target)
                        .filter(|path| unknown(path)),
                )
                .collect()
        };
        let paths: Vec<String> = store
            .evidence
            .par_iter()
            .flat_map_iter(of_record)
            .collect::<Vec<_>>()
            .into_iter()
            .chain(store.policies.iter().filter_map(|p| {
                p.value
                    .document
                    .as_deref()
                    .and_then(|d| join_inside(POLICIES_DIR, d))
                    .filter(|path| unknown(path))
            }))
            .collect();
        let mut tracking = Tracking {
            uncommitted: BTreeSet::new(),
            ignored: BTreeSet::new(),
        };
        for path in repo.uncommitted(paths)? {
            if repo.is_ignored(&path)? {
                tracking.ignored.insert(path);
            } else {
                tracking.uncommitted.insert(path);
            }
        }
        Ok(tracking)
    }
}

/// Said once when a shallow clone stops a rule that needs history.
fn shallow_history() -> Finding {
    Finding::new(
        Code::RuleSkipped,
        "segregation of duties, who wrote each approval, and the dates git vouches for (backdated records, late evidence, exception authors) were not checked: this is a shallow clone, so history does not show who changed what and when",
    )
    .with_hint("fetch the whole history (`git fetch --unshallow`, or `fetch-depth: 0` in CI)")
}

impl Audited {
    /// Every finding `soc2 check` weighs: loading and validation, evidence integrity,
    /// the readiness rules for `assessment` (of this store), and history. The findings
    /// kept in `self` are taken out of it; the store stays.
    pub fn check_findings(&mut self, assessment: &crate::readiness::Assessment) -> Vec<Finding> {
        let mut parts = vec![
            std::mem::take(&mut self.loaded.findings),
            std::mem::take(&mut self.integrity.findings),
        ];
        parts.extend(crate::rules::readiness(
            &self.loaded.store,
            assessment,
            &self.history,
        ));
        parts.push(std::mem::take(&mut self.duties));
        crate::findings::joined(parts)
    }
}

/// What `soc2 verify` reports: every evidence hash and approval digest recomputed.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Verification {
    pub ok: bool,
    pub records: usize,
    pub files_checked: usize,
    pub approvals_checked: usize,
    pub findings: Vec<Finding>,
    /// Files kept elsewhere (Git LFS objects, linked files) whose content was checked.
    #[serde(default)]
    pub elsewhere_checked: usize,
    /// Files whose content could not be checked, and why.
    #[serde(default)]
    pub not_checked: Vec<NotChecked>,
}

impl Verification {
    /// Adds what `check_elsewhere` found.
    pub fn add_elsewhere(&mut self, elsewhere: Elsewhere) {
        if elsewhere
            .findings
            .iter()
            .any(|f| f.severity != crate::findings::Severity::Info)
        {
            self.ok = false;
        }
        self.findings.extend(elsewhere.findings);
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.elsewhere_checked = elsewhere.checked;
        self.not_checked = elsewhere.not_checked;
    }
}

/// A recorded file `verify` could not read, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NotChecked {
    pub id: String,
    /// The store path (LFS) or the URI (a link).
    pub file: String,
    pub reason: String,
}

/// How `verify --fetch-links` gets linked files: `file://` paths are read; other
/// schemes run the command soc2.yaml's `links.fetch` names for them, in `dir`.
pub struct Fetch<'a> {
    pub settings: &'a crate::model::LinkSettings,
    pub dir: &'a std::path::Path,
    pub timeout: std::time::Duration,
}

/// What `verify` found of the files kept outside git's objects.
#[derive(Debug, Default)]
pub struct Elsewhere {
    pub findings: Vec<Finding>,
    pub checked: usize,
    pub not_checked: Vec<NotChecked>,
}

/// Checks the content of Git LFS objects that are present locally (through `repo`),
/// and with `fetch` the linked files it can reach; lists the rest as not checked.
pub fn check_elsewhere(
    integrity: &Integrity,
    repo: Option<&Repo>,
    fetch: Option<&Fetch>,
) -> Result<Elsewhere> {
    let mut out = Elsewhere::default();
    let judge = |file: &integrity::Unchecked,
                 actual: Option<Sha256Hex>,
                 reason: &str,
                 out: &mut Elsewhere| match actual {
        Some(actual) => {
            out.checked += 1;
            if actual != file.sha256 {
                out.findings.push(integrity::unread_changed(file, &actual));
            }
        }
        None => out.not_checked.push(NotChecked {
            id: file.id.clone(),
            file: file.file.clone(),
            reason: reason.to_string(),
        }),
    };
    for file in &integrity.lfs {
        let actual = match repo {
            Some(repo) => repo.lfs_object_sha256(&file.sha256)?,
            None => None,
        };
        judge(
            file,
            actual,
            "Git LFS object not fetched (`git lfs fetch` to check it)",
            &mut out,
        );
    }
    for file in &integrity.external {
        let Some(fetch) = fetch else {
            judge(
                file,
                None,
                "linked: not fetched (`soc2 verify --fetch-links` to check it)",
                &mut out,
            );
            continue;
        };
        match fetch_link(&file.file, fetch) {
            Ok((actual, _size)) => judge(file, Some(actual), "", &mut out),
            Err(reason) => judge(file, None, &reason, &mut out),
        }
    }
    Ok(out)
}

/// The sha256 and size of a linked file, or why it could not be fetched.
fn fetch_link(uri: &str, fetch: &Fetch) -> std::result::Result<(Sha256Hex, u64), String> {
    if let Some(path) = uri.strip_prefix("file://") {
        return crate::store::input::hash_file(std::path::Path::new(path))
            .map_err(|err| format!("could not read it: {err:#}"));
    }
    let scheme = uri.split("://").next().unwrap_or_default();
    let Some(command) = fetch.settings.fetch.get(scheme) else {
        return Err(format!(
            "no command fetches `{scheme}://` links (soc2.yaml: `links: {{fetch: {{{scheme}: [...]}}}}`)"
        ));
    };
    let argv: Vec<String> = command.iter().map(|a| a.replace("{uri}", uri)).collect();
    if argv.is_empty() {
        return Err(format!("the fetch command for `{scheme}://` is empty"));
    }
    crate::process::hash_output(&argv, fetch.dir, fetch.timeout)
        .map_err(|err| format!("fetching it failed: {err:#}"))
}

impl Audited {
    /// The integrity findings: files that do not load, evidence files missing or
    /// changed, approvals that no longer match, and approvals that history contradicts
    /// (self-approvals, another's name, a date before the commit), judged on `today`.
    pub fn verify(self, today: crate::model::Date) -> Verification {
        let store = &self.loaded.store;
        let mut findings: Vec<Finding> = self.loaded.errors().cloned().collect();
        findings.extend(self.integrity.findings);
        findings.extend(crate::rules::stale_approvals(store));
        findings.extend(crate::rules::backdated_approvals(
            store,
            &self.history,
            today,
        ));
        findings.extend(self.duties);
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let approvals_checked = store
            .controls
            .iter()
            .filter(|c| c.value.approval.is_some())
            .count()
            + store
                .policies
                .iter()
                .filter(|p| p.value.approval.is_some())
                .count();
        Verification {
            elsewhere_checked: 0,
            not_checked: Vec::new(),
            ok: !findings
                .iter()
                .any(|f| f.severity != crate::findings::Severity::Info),
            records: self.integrity.records_checked,
            files_checked: self.integrity.files_checked,
            approvals_checked,
            findings,
        }
    }
}
