//! The store's past as plain data: each commit of the current branch's first-parent
//! history, and the versions of the records the judgement of a past day needs. Read
//! from git by `history::read`; the readiness core takes it as it is, so it is tested
//! with histories built by hand.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ContentDigest, Control, Date, Policy, Program};

/// One commit of the first-parent history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub id: String,
    /// The committer's date, in the committer's time zone, and never before the
    /// previous commit's (clocks disagree; the branch's order does not).
    pub date: Date,
    pub author_email: String,
    #[serde(default)]
    pub committer_email: String,
    /// The `Soc2-Action` trailer of a commit soc2 made.
    pub action: Option<String>,
}

/// A record as one commit left it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Stood<T> {
    /// The file was not there.
    Absent,
    /// The file was there but did not load.
    Unreadable,
    Present(T),
}

impl<T> Stood<T> {
    pub fn present(&self) -> Option<&T> {
        match self {
            Stood::Present(value) => Some(value),
            _ => None,
        }
    }
}

/// The version a commit (by index into `History::commits`) gave a record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version<T> {
    pub commit: usize,
    pub value: Stood<T>,
}

/// A policy as it stood, with the digest of its content and document then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub policy: Policy,
    pub digest: ContentDigest,
}

/// Serializable so that a run can keep the history it read (see `history::read_kept`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Oldest first. Empty when the store is not in git (or has no commits): every
    /// day is then judged on the store as it is.
    pub commits: Vec<Commit>,
    /// A shallow clone: history is cut short, and its first commit is not the store's.
    pub shallow: bool,
    /// Each control's versions by ID, oldest first, from the first commit that held it.
    pub controls: BTreeMap<String, Vec<Version<Control>>>,
    pub policies: BTreeMap<String, Vec<Version<PolicyVersion>>>,
    /// soc2.yaml.
    pub programs: Vec<Version<Program>>,
    /// When each evidence record (by path) was received: the first commit that held it.
    pub received: BTreeMap<String, usize>,
}

impl History {
    /// The day history starts: the first commit's date.
    pub fn starts(&self) -> Option<Date> {
        self.commits.first().map(|c| c.date)
    }

    /// The index of the last commit dated on or before `day`, if any.
    pub fn commit_at(&self, day: Date) -> Option<usize> {
        // Dates never decrease along the history (see `Commit::date`).
        self.commits
            .partition_point(|c| c.date <= day)
            .checked_sub(1)
    }

    /// The version of a record in effect after commit `commit`: `None` when the record
    /// has no version that early (its file came later).
    pub fn version_at<T>(versions: &[Version<T>], commit: usize) -> Option<&Version<T>> {
        versions
            .partition_point(|v| v.commit <= commit)
            .checked_sub(1)
            .map(|i| &versions[i])
    }

    /// The history as it stood after commit `last`: later commits and versions gone.
    pub fn cut(&self, last: usize) -> History {
        fn cut_versions<T: Clone>(versions: &[Version<T>], last: usize) -> Vec<Version<T>> {
            versions
                .iter()
                .filter(|v| v.commit <= last)
                .cloned()
                .collect()
        }
        History {
            commits: self.commits.iter().take(last + 1).cloned().collect(),
            shallow: self.shallow,
            controls: self
                .controls
                .iter()
                .map(|(id, v)| (id.clone(), cut_versions(v, last)))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            policies: self
                .policies
                .iter()
                .map(|(id, v)| (id.clone(), cut_versions(v, last)))
                .filter(|(_, v)| !v.is_empty())
                .collect(),
            programs: cut_versions(&self.programs, last),
            received: self
                .received
                .iter()
                .filter(|(_, commit)| **commit <= last)
                .map(|(path, commit)| (path.clone(), *commit))
                .collect(),
        }
    }

    /// The day a record's evidence file at `path` was received, if history holds it.
    pub fn received(&self, path: &str) -> Option<Date> {
        self.received
            .get(path)
            .and_then(|i| self.commits.get(*i))
            .map(|c| c.date)
    }
}
