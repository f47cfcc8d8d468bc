//! Reading the store's past from git into `model::History`: one walk over the current
//! branch's first-parent history, each distinct file version read and parsed once.
//! History starts at the first commit that holds soc2.yaml; what came before it is
//! folded into that commit.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::Result;
use chrono::{FixedOffset, TimeZone};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::git::{ChangedCommit, ObjectId, Repo, Roots};
use crate::model::paths::{
    CONTROLS_DIR, EVIDENCE_DIR, POLICIES_DIR, PROGRAM_FILE, file_stem, is_yaml,
};
use crate::model::{
    Commit, Control, Date, History, Policy, PolicyVersion, Program, Stood, Version, digest,
};
use crate::store::{keep_file, keep_newest, kept_file, parse_version};

/// What a read of history includes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// soc2.yaml, controls and policies: what judging a control's design needs.
    Design,
    /// Also when each evidence record arrived: for provenance warnings and past days.
    WithEvidence,
}

/// How many walks are kept (a few branches, the two sides of a `diff`, and the
/// approvals `check` reads).
const KEPT_HISTORIES: usize = 12;

/// `read`, or the history an earlier run read from the same commit and kept in `dir`
/// (`None`: read it).
pub fn read_kept(repo: &Repo, start: &str, depth: Depth, dir: Option<&Path>) -> Result<History> {
    let what = match depth {
        Depth::Design => "design",
        Depth::WithEvidence => "evidence",
    };
    kept(repo, start, what, dir, || read(repo, start, depth))
}

/// What `walk` gives for the history from `start` (`what` names it), or what an
/// earlier run kept of it in `dir` (`None`: walk). What is read from history depends
/// only on the commits walked, so the commit's id is the key, with what a shallow
/// clone's boundary adds (`git fetch --unshallow` changes the history of the same
/// commit).
pub fn kept<T: Serialize + DeserializeOwned>(
    repo: &Repo,
    start: &str,
    what: &str,
    dir: Option<&Path>,
    walk: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let (Some(dir), Ok(commit)) = (dir, repo.resolve(start)) else {
        return walk();
    };
    let name = format!("{commit}-{what}");
    let dir = dir.join("history");
    let key = format!("{commit} {}", repo.shallow_id());
    if let Some(bytes) = kept_file(&dir, &name, &key)
        && let Ok(value) = serde_json::from_slice::<T>(&bytes)
    {
        return Ok(value);
    }
    let value = walk()?;
    if let Ok(bytes) = serde_json::to_vec(&value) {
        // Only a convenience: what cannot be kept is read again next time.
        if keep_file(&dir, &name, &key, &bytes).is_ok() {
            keep_newest(&dir, KEPT_HISTORIES);
        }
    }
    Ok(value)
}

/// The history of the store walking back from `start` (`HEAD`, or a revision).
pub fn read(repo: &Repo, start: &str, depth: Depth) -> Result<History> {
    let mut folders: Vec<(&'static str, usize, &'static [&'static str])> = vec![
        (CONTROLS_DIR, 1, &[".yaml", ".yml"]),
        (POLICIES_DIR, 1, &[""]),
    ];
    if depth == Depth::WithEvidence {
        folders.push((EVIDENCE_DIR, 2, &[".yaml", ".yml"]));
    }
    let walked = repo.first_parent_history(
        start,
        Roots {
            files: vec![PROGRAM_FILE],
            folders,
        },
    )?;
    let mut builder = Builder {
        repo,
        controls: HashMap::new(),
        policies: HashMap::new(),
        programs: HashMap::new(),
        documents: HashMap::new(),
        received: HashMap::new(),
    };
    builder.build(walked.commits, walked.shallow)
}

struct Builder<'r> {
    repo: &'r Repo,
    /// Parsed versions by blob: a file that goes back to an earlier content, or two
    /// files with one content, are read once.
    controls: HashMap<ObjectId, Stood<Control>>,
    policies: HashMap<ObjectId, Stood<Policy>>,
    programs: HashMap<ObjectId, Stood<Program>>,
    documents: HashMap<ObjectId, Vec<u8>>,
    /// Each evidence record's first commit, as commits are walked (`History::received`
    /// is made of it at the end).
    received: HashMap<String, usize>,
}

impl Builder<'_> {
    fn build(&mut self, walked: Vec<ChangedCommit>, shallow: bool) -> Result<History> {
        let mut history = History {
            shallow,
            ..History::default()
        };
        // The files as they stand after each commit.
        let mut tree: BTreeMap<String, ObjectId> = BTreeMap::new();
        let mut started = false;
        let mut last_date: Option<Date> = None;
        for commit in walked {
            let mut changed: Vec<String> = Vec::new();
            for (path, id) in &commit.changes {
                match id {
                    Some(id) => {
                        tree.insert(path.clone(), *id);
                    }
                    None => {
                        tree.remove(path);
                    }
                }
                changed.push(path.clone());
            }
            if !started {
                if !tree.contains_key(PROGRAM_FILE) {
                    continue;
                }
                // History starts here: everything so far is this commit's.
                started = true;
                changed = tree.keys().cloned().collect();
            }
            let index = history.commits.len();
            let date = local_date(commit.time, commit.offset_minutes);
            // Dates never go back along the branch, whatever the clocks said.
            let date = last_date.map_or(date, |last| date.max(last));
            last_date = Some(date);
            history.commits.push(Commit {
                id: commit.id.clone(),
                date,
                author_email: commit.author_email.clone(),
                committer_email: commit.committer_email.clone(),
                action: commit.action.clone(),
            });
            self.record(&mut history, index, &tree, &changed)?;
        }
        history.received =
            std::sync::Arc::new(std::mem::take(&mut self.received).into_iter().collect());
        Ok(history)
    }

    /// The versions commit `index` gave the files it `changed`.
    fn record(
        &mut self,
        history: &mut History,
        index: usize,
        tree: &BTreeMap<String, ObjectId>,
        changed: &[String],
    ) -> Result<()> {
        let mut policies_touched: Vec<String> = Vec::new();
        for path in changed {
            let mut parts = path.split('/');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(PROGRAM_FILE), None, _) => {
                    let value = self.program(tree.get(path).copied())?;
                    history.programs.push(Version {
                        commit: index,
                        value,
                    });
                }
                (Some(CONTROLS_DIR), Some(name), None) if is_yaml(name) => {
                    let value = self.control(tree.get(path).copied(), file_stem(name))?;
                    history
                        .controls
                        .entry(file_stem(name).to_string())
                        .or_default()
                        .push(Version {
                            commit: index,
                            value,
                        });
                }
                (Some(POLICIES_DIR), Some(name), None) => {
                    if is_yaml(name) {
                        policies_touched.push(file_stem(name).to_string());
                    } else {
                        // A document: every policy that names it has a new version.
                        for (id, versions) in &history.policies {
                            let names_it = versions
                                .last()
                                .and_then(|v| v.value.present())
                                .is_some_and(|p| p.policy.document.as_deref() == Some(name));
                            if names_it {
                                policies_touched.push(id.clone());
                            }
                        }
                    }
                }
                (Some(EVIDENCE_DIR), Some(_), Some(name))
                    if is_yaml(name) && tree.contains_key(path) =>
                {
                    self.received.entry(path.clone()).or_insert(index);
                }
                _ => {}
            }
        }
        policies_touched.sort();
        policies_touched.dedup();
        for id in policies_touched {
            let value = self.policy(tree, &id)?;
            let versions = history.policies.entry(id).or_default();
            if versions.last().map(|v| &v.value) != Some(&value) {
                versions.push(Version {
                    commit: index,
                    value,
                });
            }
        }
        Ok(())
    }

    fn control(&mut self, blob: Option<ObjectId>, stem: &str) -> Result<Stood<Control>> {
        let Some(blob) = blob else {
            return Ok(Stood::Absent);
        };
        let value = match self.controls.get(&blob) {
            Some(known) => known.clone(),
            None => {
                let value = parsed(&self.repo.read_blob(blob)?);
                self.controls.insert(blob, value.clone());
                value
            }
        };
        Ok(with_id(value, stem, |c: &mut Control| &mut c.id))
    }

    fn program(&mut self, id: Option<ObjectId>) -> Result<Stood<Program>> {
        let Some(id) = id else {
            return Ok(Stood::Absent);
        };
        if let Some(known) = self.programs.get(&id) {
            return Ok(known.clone());
        }
        let bytes = self.repo.read_blob(id)?;
        let value = parsed(&bytes);
        self.programs.insert(id, value.clone());
        Ok(value)
    }

    /// A policy as the tree holds it, with its document.
    fn policy(
        &mut self,
        tree: &BTreeMap<String, ObjectId>,
        id: &str,
    ) -> Result<Stood<PolicyVersion>> {
        let path = ["yaml", "yml"]
            .iter()
            .map(|ext| format!("{POLICIES_DIR}/{id}.{ext}"))
            .find(|p| tree.contains_key(p));
        let Some(blob) = path.and_then(|p| tree.get(&p).copied()) else {
            return Ok(Stood::Absent);
        };
        let policy = match self.policies.get(&blob) {
            Some(known) => known.clone(),
            None => {
                let value = parsed(&self.repo.read_blob(blob)?);
                self.policies.insert(blob, value.clone());
                value
            }
        };
        let policy = with_id(policy, id, |p: &mut Policy| &mut p.id);
        let Stood::Present(policy) = policy else {
            return Ok(match policy {
                Stood::Unreadable => Stood::Unreadable,
                _ => Stood::Absent,
            });
        };
        let document = match policy
            .document
            .as_ref()
            .and_then(|name| tree.get(&format!("{POLICIES_DIR}/{name}")))
        {
            Some(doc) => Some(match self.documents.get(doc) {
                Some(bytes) => bytes.clone(),
                None => {
                    let bytes = self.repo.read_blob(*doc)?;
                    self.documents.insert(*doc, bytes.clone());
                    bytes
                }
            }),
            None => None,
        };
        let digest = digest::policy(&policy, document.as_deref());
        Ok(Stood::Present(PolicyVersion { policy, digest }))
    }
}

/// A record as a blob holds it.
fn parsed<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Stood<T> {
    match parse_version::<T>(bytes) {
        Some(value) => Stood::Present(value),
        None => Stood::Unreadable,
    }
}

/// Records may leave `id` out; it is then the file name, as when the store loads.
fn with_id<T>(value: Stood<T>, stem: &str, id: impl Fn(&mut T) -> &mut String) -> Stood<T> {
    match value {
        Stood::Present(mut record) => {
            let field = id(&mut record);
            if field.is_empty() {
                *field = stem.to_string();
            }
            Stood::Present(record)
        }
        other => other,
    }
}

/// The calendar day of a timestamp in its own time zone.
fn local_date(seconds: i64, offset_minutes: i32) -> Date {
    let offset = FixedOffset::east_opt(offset_minutes * 60)
        .unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    let time = offset
        .timestamp_opt(seconds, 0)
        .single()
        .unwrap_or_default();
    Date(time.date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_the_committers_local_day() {
        // 2026-06-30T23:30:00Z is already July 1st in Berlin.
        let seconds = 1_782_861_000;
        assert_eq!(local_date(seconds, 0), Date::from_ymd(2026, 6, 30));
        assert_eq!(local_date(seconds, 120), Date::from_ymd(2026, 7, 1));
    }
}
