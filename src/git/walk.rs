//! The first-parent history of a branch, oldest first, with the files each commit
//! changed under a few roots and their blob ids: what the judgement of past days is
//! built from. Trees are compared as git does, walking both sorted lists of entries
//! side by side and skipping equal ids without reading below them, so a commit costs
//! what it changed.

use std::collections::HashMap;
use std::rc::Rc;

use anyhow::{Context, Result};
use git2::{ErrorCode, Oid};

use super::history::trailer_in;
use super::pack::Packs;
use super::raw_commit::{self, RawCommits};
use super::{ACTION_TRAILER, Repo, raw};

/// A git object id, opaque outside this module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(Oid);

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One commit of the chain and the files it changed (a `None` id: deleted).
#[derive(Clone, Debug)]
pub struct ChangedCommit {
    pub id: String,
    /// Committer time: seconds since the epoch, and the offset in minutes.
    pub time: i64,
    pub offset_minutes: i32,
    pub author_email: String,
    pub committer_email: String,
    /// The `Soc2-Action` trailer.
    pub action: Option<String>,
    pub changes: Vec<(String, Option<ObjectId>)>,
}

#[derive(Clone, Debug, Default)]
pub struct FirstParentHistory {
    /// Oldest first.
    pub commits: Vec<ChangedCommit>,
    /// The chain stops at a shallow clone's boundary.
    pub shallow: bool,
}

/// Which paths a walk follows: files directly named, and folders whose files at a given
/// depth (1: `controls/x.yaml`; 2: `evidence/AC-01/x.yaml`) with a given suffix count.
#[derive(Clone, Debug)]
pub struct Roots {
    pub files: Vec<&'static str>,
    pub folders: Vec<(&'static str, usize, &'static [&'static str])>,
}

impl Roots {
    /// How far below `path` (a folder) the walk goes, and which names it keeps there.
    fn folder(&self, top: &str) -> Option<(usize, &'static [&'static str])> {
        self.folders
            .iter()
            .find(|(name, _, _)| *name == top)
            .map(|(_, depth, suffixes)| (*depth, *suffixes))
    }
}

/// A raw tree entry: mode, name and id.
struct Entry<'a> {
    is_tree: bool,
    name: &'a [u8],
    id: Oid,
}

/// The entries of a raw tree object, in git's order.
fn entries(data: &[u8]) -> Vec<Entry<'_>> {
    raw::entries(data)
        .map(|e| Entry {
            is_tree: e.is_tree(),
            name: e.name,
            id: e.oid(),
        })
        .collect()
}

/// git's tree order: names compare as bytes, a folder as if its name ended in `/`.
fn order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    raw::compare(a.name, a.is_tree, b.name, b.is_tree)
}

struct Differ<'r> {
    odb: git2::Odb<'r>,
    /// Large folders' versions are read from the packs here, not through libgit2.
    packs: Packs,
    roots: Roots,
    /// Raw trees read for the previous commit, and for this one: a commit's new trees
    /// are the next commit's old ones.
    previous: HashMap<Oid, Rc<[u8]>>,
    current: HashMap<Oid, Rc<[u8]>>,
}

impl Differ<'_> {
    fn tree(&mut self, id: Oid) -> Result<Rc<[u8]>> {
        let data = match self.previous.get(&id).or_else(|| self.current.get(&id)) {
            Some(data) => data.clone(),
            None => self.packs.read(&self.odb, id, git2::ObjectType::Tree)?,
        };
        self.current.insert(id, data.clone());
        Ok(data)
    }

    fn next_commit(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }

    /// Changes between two root trees.
    fn roots(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
        out: &mut Vec<(String, Option<ObjectId>)>,
    ) -> Result<()> {
        self.folder(old, new, "", 0, None, out)
    }

    /// Changes between two versions of a folder at `prefix`; `limit` is the depth and
    /// suffixes a root folder keeps, once inside one.
    fn folder(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
        prefix: &str,
        depth: usize,
        limit: Option<(usize, &'static [&'static str])>,
        out: &mut Vec<(String, Option<ObjectId>)>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let empty: Rc<[u8]> = Rc::from(&[][..]);
        let old_data = old
            .map(|id| self.tree(id))
            .transpose()?
            .unwrap_or(empty.clone());
        let new_data = new.map(|id| self.tree(id)).transpose()?.unwrap_or(empty);
        let (old_entries, new_entries) = (entries(&old_data), entries(&new_data));
        let (mut i, mut j) = (0, 0);
        while i < old_entries.len() || j < new_entries.len() {
            let (a, b) = (old_entries.get(i), new_entries.get(j));
            let (old_entry, new_entry) = match (a, b) {
                (Some(a), Some(b)) => match order(a, b) {
                    std::cmp::Ordering::Less => {
                        i += 1;
                        (Some(a), None)
                    }
                    std::cmp::Ordering::Greater => {
                        j += 1;
                        (None, Some(b))
                    }
                    std::cmp::Ordering::Equal => {
                        i += 1;
                        j += 1;
                        if a.id == b.id {
                            continue;
                        }
                        (Some(a), Some(b))
                    }
                },
                (Some(a), None) => {
                    i += 1;
                    (Some(a), None)
                }
                (None, Some(b)) => {
                    j += 1;
                    (None, Some(b))
                }
                (None, None) => break,
            };
            let name = old_entry
                .or(new_entry)
                .expect("one side has the entry")
                .name;
            let Ok(name) = std::str::from_utf8(name) else {
                continue;
            };
            let path = if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}/{name}")
            };
            let blob = |e: Option<&Entry>| e.filter(|e| !e.is_tree).map(|e| ObjectId(e.id));
            let tree = |e: Option<&Entry>| e.filter(|e| e.is_tree).map(|e| e.id);
            match limit {
                None => {
                    if self.roots.files.contains(&name) {
                        let (o, n) = (blob(old_entry), blob(new_entry));
                        if o != n {
                            out.push((path.clone(), n));
                        }
                    }
                    if let Some(limit) = self.roots.folder(name) {
                        let (o, n) = (tree(old_entry), tree(new_entry));
                        self.folder(o, n, &path, 1, Some(limit), out)?;
                    }
                }
                Some((max, suffixes)) => {
                    if depth == max {
                        let (o, n) = (blob(old_entry), blob(new_entry));
                        if o != n && suffixes.iter().any(|s| name.ends_with(s)) {
                            out.push((path, n));
                        }
                    } else {
                        let (o, n) = (tree(old_entry), tree(new_entry));
                        self.folder(o, n, &path, depth + 1, limit, out)?;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Repo {
    /// The first-parent chain from `start` (`HEAD` when it names nothing yet: empty),
    /// oldest first, with what each commit changed under `roots` against its first
    /// parent. A merge thus counts as the day its branch landed.
    pub fn first_parent_history(&self, start: &str, roots: Roots) -> Result<FirstParentHistory> {
        let head = match self.repo.revparse_single(start) {
            Ok(object) => object.peel_to_commit()?,
            Err(err)
                if start == "HEAD"
                    && matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) =>
            {
                return Ok(FirstParentHistory::default());
            }
            Err(_) => {
                self.resolve(start)?;
                unreachable!("resolve fails for a revision revparse cannot read");
            }
        };
        let odb = self.repo.odb()?;
        // A shallow clone lists its boundary commits in .git/shallow; libgit2 shows
        // them with no parents, or with parents it does not have. The chain stops there.
        let is_shallow = self.repo.is_shallow();
        let boundary: Vec<Oid> = if is_shallow {
            std::fs::read_to_string(self.repo.path().join("shallow"))
                .map(|text| text.lines().filter_map(|l| Oid::from_str(l).ok()).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let mut reader = RawCommits::new(&odb, self.packs(), false);
        let mut chain = Vec::new();
        let mut shallow = false;
        let mut id = head.id();
        loop {
            let (header, raw) = reader.read(id)?;
            chain.push((id, header.tree, raw));
            if boundary.contains(&id) {
                shallow = true;
                break;
            }
            let Some(parent) = header.parent else { break };
            if is_shallow && !odb.exists(parent) {
                shallow = true;
                break;
            }
            id = parent;
        }
        chain.reverse();
        let mut differ = Differ {
            packs: self.packs(),
            odb,
            roots,
            previous: HashMap::new(),
            current: HashMap::new(),
        };
        let mut commits = Vec::with_capacity(chain.len());
        let mut previous_tree: Option<Oid> = None;
        for (id, tree, raw) in &chain {
            let mut changes = Vec::new();
            differ.roots(previous_tree, Some(*tree), &mut changes)?;
            differ.next_commit();
            previous_tree = Some(*tree);
            let commit = raw_commit::with(&self.repo, *id, raw, is_shallow, |commit| {
                let message = String::from_utf8_lossy(commit.message);
                let action = git2::message_trailers_strs(&message)
                    .ok()
                    .and_then(|t| trailer_in(t.iter(), ACTION_TRAILER).map(str::to_string));
                let committer = &commit.committer;
                ChangedCommit {
                    id: id.to_string(),
                    time: committer.time,
                    offset_minutes: committer.offset_minutes,
                    author_email: String::from_utf8_lossy(commit.author.email).into_owned(),
                    committer_email: String::from_utf8_lossy(committer.email).into_owned(),
                    action,
                    changes,
                }
            })?;
            commits.push(commit);
        }
        Ok(FirstParentHistory { commits, shallow })
    }

    /// The bytes of a blob.
    pub fn read_blob(&self, id: ObjectId) -> Result<Vec<u8>> {
        let odb = self.repo.odb()?;
        let object = odb
            .read(id.0)
            .with_context(|| format!("reading blob {}", id.0))?;
        Ok(object.data().to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_sort_folders_as_if_they_ended_in_a_slash() {
        let folder = Entry {
            is_tree: true,
            name: b"a",
            id: Oid::ZERO_SHA1,
        };
        let dotted = Entry {
            is_tree: false,
            name: b"a.b",
            id: Oid::ZERO_SHA1,
        };
        let zero = Entry {
            is_tree: false,
            name: b"a0",
            id: Oid::ZERO_SHA1,
        };
        assert_eq!(order(&dotted, &folder), std::cmp::Ordering::Less);
        assert_eq!(order(&folder, &zero), std::cmp::Ordering::Less);
    }
}
