//! The store's past as plain data: each commit of the current branch's first-parent
//! history, and the versions of the records the judgement of a past day needs. Read
//! from git by `history::read`; the readiness core takes it as it is, so it is tested
//! with histories built by hand.

use std::collections::BTreeMap;
use std::sync::Arc;

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
    /// Shared: a cut history keeps the whole list (a timeline cuts one history for each
    /// of its points), so read it through `received_in`, which leaves the cut commits out.
    pub received: Arc<ReceivedIn>,
}

/// Evidence record paths and the commit (by index) that first held each, sorted by
/// path. Asked for every record at every point a timeline judges, in the store's
/// order: a lookup looks just after the last one first (`crate::near`), then halves.
/// A table hashed by path waited on memory at each of a large store's 200,000 lookups.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "Vec<(String, usize)>")]
pub struct ReceivedIn(Vec<(String, usize)>);

impl ReceivedIn {
    /// The commit that first held the record at `path`.
    pub fn get(&self, path: &str) -> Option<usize> {
        let paths = &self.0;
        let at = crate::near::find(
            paths.as_slice(),
            paths.len(),
            |i| paths[i].0 == path,
            || paths.binary_search_by(|(p, _)| p.as_str().cmp(path)).ok(),
        )?;
        Some(paths[at].1)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// Sorted, and of a path given twice the first is kept (read back from a file, the
/// order is not trusted).
impl From<Vec<(String, usize)>> for ReceivedIn {
    fn from(mut paths: Vec<(String, usize)>) -> ReceivedIn {
        paths.sort_by(|a, b| a.0.cmp(&b.0));
        paths.dedup_by(|later, first| later.0 == first.0);
        ReceivedIn(paths)
    }
}

impl FromIterator<(String, usize)> for ReceivedIn {
    fn from_iter<I: IntoIterator<Item = (String, usize)>>(paths: I) -> ReceivedIn {
        ReceivedIn::from(paths.into_iter().collect::<Vec<_>>())
    }
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
            received: self.received.clone(),
        }
    }

    /// The commit (by index) that first held the evidence record at `path`, if this
    /// history holds it.
    pub fn received_in(&self, path: &str) -> Option<usize> {
        let commit = self.received.get(path)?;
        (commit < self.commits.len()).then_some(commit)
    }

    /// The day a record's evidence file at `path` was received, if history holds it.
    pub fn received(&self, path: &str) -> Option<Date> {
        self.received_in(path).map(|i| self.commits[i].date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(id: &str, date: &str) -> Commit {
        Commit {
            id: id.into(),
            date: Date::parse(date).unwrap(),
            author_email: "a@example.com".into(),
            committer_email: "a@example.com".into(),
            action: None,
        }
    }

    #[test]
    fn a_cut_history_has_not_received_what_came_after_it() {
        let mut history = History {
            commits: vec![
                commit("c0", "2026-01-01"),
                commit("c1", "2026-02-01"),
                commit("c2", "2026-03-01"),
            ],
            ..History::default()
        };
        history.received = Arc::new(ReceivedIn::from_iter([
            ("evidence/AC-01/b.yaml".into(), 2),
            ("evidence/AC-01/a.yaml".into(), 0),
        ]));

        let cut = history.cut(1);
        assert_eq!(cut.received_in("evidence/AC-01/a.yaml"), Some(0));
        assert_eq!(cut.received_in("evidence/AC-01/b.yaml"), None);
        assert_eq!(cut.received("evidence/AC-01/b.yaml"), None);
        assert_eq!(cut.received_in("evidence/AC-01/c.yaml"), None);
        assert_eq!(
            history.received("evidence/AC-01/b.yaml"),
            Date::parse("2026-03-01").ok()
        );
    }

    #[test]
    fn received_paths_are_found_in_any_order_asked_and_the_first_of_a_path_is_kept() {
        let paths: Vec<String> = (0..40)
            .map(|n| format!("evidence/C-{:02}/r.yaml", n * 2))
            .collect();
        // Given out of order, with a path twice.
        let mut given: Vec<(String, usize)> = paths.iter().cloned().zip(0..40).rev().collect();
        given.push((paths[3].clone(), 99));
        given.insert(0, (paths[5].clone(), 77));
        let received = ReceivedIn::from(given);
        assert_eq!(received.len(), 40);
        assert_eq!(received.get(&paths[5]), Some(77));
        assert_eq!(received.get(&paths[3]), Some(3));
        // In order, backwards, jumping about, absent between and past the ends.
        for n in (0..40).chain((0..40).rev()).chain([7, 31, 0, 39, 12]) {
            let expected = if n == 5 { 77 } else { n };
            assert_eq!(received.get(&paths[n]), Some(expected), "{n}");
        }
        for absent in [
            "evidence/C-01/r.yaml",
            "evidence/A/r.yaml",
            "evidence/D/r.yaml",
            "",
        ] {
            assert_eq!(received.get(absent), None);
        }
        // Kept and read back as it was.
        let kept = serde_json::to_string(&received).unwrap();
        assert_eq!(serde_json::from_str::<ReceivedIn>(&kept).unwrap(), received);
    }
}
