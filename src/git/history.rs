//! Reading history: which commits touched which store paths (files as they were in a
//! commit: `versions`). Walks read raw objects (each commit and each version of a
//! folder once); the raw readers assume 20-byte SHA-1 ids, which `Repo::discover`
//! guarantees by refusing SHA-256 repositories.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::rc::Rc;

use anyhow::{Context, Result};
use git2::{ErrorCode, Oid};

use super::Repo;
use super::pack::Packs;
use super::raw::{self, RawEntry};
use super::raw_commit::{self, Header, RawCommits};

/// A commit as the audit trail shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    pub committer_email: String,
    /// Author time: seconds since the epoch, and the offset in minutes.
    pub time: i64,
    pub offset_minutes: i32,
    pub subject: String,
    pub message: String,
    /// `Key: value` trailers at the end of the message.
    pub trailers: Vec<(String, String)>,
    pub parents: usize,
}

/// The trailer every commit soc2 makes carries: what it did (`evidence-add`).
pub const ACTION_TRAILER: &str = "Soc2-Action";
/// The trailer every commit soc2 makes carries: the ID it is about.
pub const OBJECT_TRAILER: &str = "Soc2-Object";

/// The value of the first of `trailers` named `key`, in any case (as git reads them).
pub(super) fn trailer_in<'a>(
    trailers: impl IntoIterator<Item = (&'a str, &'a str)>,
    key: &str,
) -> Option<&'a str> {
    (trailers.into_iter())
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

impl CommitInfo {
    fn new(id: Oid, commit: &raw_commit::Commit) -> CommitInfo {
        let message = String::from_utf8_lossy(commit.message).into_owned();
        let trailers = git2::message_trailers_strs(&message)
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let author = &commit.author;
        CommitInfo {
            id: id.to_string(),
            author_name: String::from_utf8_lossy(author.name).into_owned(),
            author_email: String::from_utf8_lossy(author.email).into_owned(),
            committer_email: String::from_utf8_lossy(commit.committer.email).into_owned(),
            time: author.time,
            offset_minutes: author.offset_minutes,
            subject: message.lines().next().unwrap_or_default().to_string(),
            message,
            trailers,
            parents: commit.parents,
        }
    }

    pub fn trailer(&self, key: &str) -> Option<&str> {
        let trailers = self.trailers.iter();
        trailer_in(trailers.map(|(k, v)| (k.as_str(), v.as_str())), key)
    }

    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }
}

/// A commit and the store paths it changed relative to its first parent.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Touched {
    pub commit: CommitInfo,
    pub paths: Vec<String>,
}

impl Repo {
    /// Commits reachable from `start`, newest first; empty on a branch with no commits.
    fn walk(&self, start: &str) -> Result<Vec<Oid>> {
        let mut walk = self.repo.revwalk()?;
        // Topological order keeps children before parents even when clocks disagree.
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)?;
        if start == "HEAD" {
            match walk.push_head() {
                Ok(()) => {}
                Err(err)
                    if err.code() == ErrorCode::UnbornBranch
                        || err.code() == ErrorCode::NotFound =>
                {
                    return Ok(Vec::new());
                }
                Err(err) => return Err(err).context("reading HEAD"),
            }
        } else {
            walk.push(self.commit(start)?.id())?;
        }
        walk.collect::<Result<Vec<Oid>, _>>()
            .context("walking the history")
    }

    /// The commit a walk starts from; `None` on a branch with no commits.
    fn start_commit(&self, start: &str) -> Result<Option<Oid>> {
        if start != "HEAD" {
            return Ok(Some(self.commit(start)?.id()));
        }
        Ok(self.head_commit()?.map(|commit| commit.id()))
    }

    /// Every commit that changed a path under `roots` (files or folders, relative to the
    /// repository's top), newest first, with the changed paths. Merges are compared
    /// with their first parent: what they brought into the branch.
    pub fn touched(&self, roots: &[String]) -> Result<Vec<Touched>> {
        self.touched_from("HEAD", roots)
    }

    /// Like `touched`, walking back from `start` instead of HEAD.
    pub fn touched_from(&self, start: &str, roots: &[String]) -> Result<Vec<Touched>> {
        let odb = self.repo.odb()?;
        let mut differ = TreeDiff::new(&odb, self.packs(), roots);
        let mut commits = RawCommits::new(&odb, self.packs(), self.repo.is_shallow());
        // A history without merges is its chain of first parents, newest first: the
        // order the topological walk gives, without the walk. The chain is followed
        // until a merge shows the history is not that.
        let mut out = Vec::new();
        let mut next = self.start_commit(start)?;
        while let Some(oid) = next {
            let (header, raw) = commits.read(oid)?;
            if header.merge {
                out.clear();
                for oid in self.walk(start)? {
                    let (header, raw) = commits.read(oid)?;
                    self.touched_by(&mut differ, &mut commits, oid, header, &raw, &mut out)?;
                }
                break;
            }
            self.touched_by(&mut differ, &mut commits, oid, header, &raw, &mut out)?;
            next = header.parent;
        }
        Ok(out)
    }

    /// Adds commit `oid` to `out` if it changed the paths `differ` compares.
    fn touched_by(
        &self,
        differ: &mut TreeDiff,
        commits: &mut RawCommits,
        oid: Oid,
        header: Header,
        raw: &[u8],
        out: &mut Vec<Touched>,
    ) -> Result<()> {
        let old = match header.parent {
            Some(parent) => Some(commits.read(parent)?.0.tree),
            None => None,
        };
        let mut paths = Vec::new();
        differ.changed(old, Some(header.tree), &mut paths)?;
        if paths.is_empty() {
            return Ok(());
        }
        let commit = raw_commit::with(&self.repo, oid, raw, commits.shallow, |commit| {
            CommitInfo::new(oid, commit)
        })?;
        out.push(Touched { commit, paths });
        Ok(())
    }
}

/// A map keyed by object ids, hashed by `OidHasher`.
pub(super) type OidMap<K, V> = HashMap<K, V, BuildHasherDefault<OidHasher>>;

/// Object ids are already uniformly random: their first bytes make a fine hash.
#[derive(Default)]
pub(super) struct OidHasher(u64);

impl std::hash::Hasher for OidHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(29) ^ u64::from_le_bytes(word))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write(&n.to_le_bytes());
    }
}

/// Compares trees of a fixed set of paths (files or folders, relative to the
/// repository's top) as git does: both raw trees' entries are walked side by side in
/// git's order, an entry whose id and mode are the same on both sides is skipped
/// without reading below it or allocating, and only the folders on the way to a path
/// are entered, stopping once past the last name needed. Below a path, every file
/// that differs counts. Raw trees read are kept, up to a budget, the least recently
/// used going first: a commit's parent is usually the next commit walked, and a
/// folder's version is read again when the next commit that changes it comes.
struct TreeDiff<'o, 'r> {
    odb: &'o git2::Odb<'r>,
    /// Large folders' versions are read from the packs here, not through libgit2.
    packs: Packs,
    /// The paths as a trie of names; node 0 is the top of the repository.
    nodes: Vec<PathNode>,
    /// Raw trees read, with the number of the commit that last used them.
    trees: OidMap<Oid, (Rc<[u8]>, u64)>,
    /// The bytes `trees` holds, and the commit being compared.
    kept: usize,
    commit: u64,
}

/// How many bytes of raw trees a walk keeps, and how many trees: a long history of
/// small folders would otherwise keep thousands of versions never read again.
const TREE_BUDGET: usize = 16 << 20;
const MAX_TREES: usize = 1024;

#[derive(Default)]
struct PathNode {
    name: Vec<u8>,
    children: Vec<usize>,
    /// A path ends here: everything below counts.
    end: bool,
    /// The child name that sorts last (as a folder, the latest it can be).
    last: Vec<u8>,
}

impl<'o, 'r> TreeDiff<'o, 'r> {
    fn new(odb: &'o git2::Odb<'r>, packs: Packs, paths: &[String]) -> TreeDiff<'o, 'r> {
        let mut nodes = vec![PathNode::default()];
        for path in paths {
            let mut node = 0;
            for name in path.split('/') {
                let existing = nodes[node]
                    .children
                    .iter()
                    .copied()
                    .find(|c| nodes[*c].name == name.as_bytes());
                node = match existing {
                    Some(child) => child,
                    None => {
                        nodes.push(PathNode {
                            name: name.as_bytes().to_vec(),
                            ..PathNode::default()
                        });
                        let child = nodes.len() - 1;
                        nodes[node].children.push(child);
                        child
                    }
                };
            }
            nodes[node].end = true;
        }
        for node in 0..nodes.len() {
            let last = nodes[node]
                .children
                .iter()
                .map(|c| nodes[*c].name.as_slice())
                .max_by(|a, b| raw::compare(a, true, b, true))
                .unwrap_or_default()
                .to_vec();
            nodes[node].last = last;
        }
        TreeDiff {
            odb,
            packs,
            nodes,
            trees: HashMap::default(),
            kept: 0,
            commit: 0,
        }
    }

    /// Adds the files under the paths that differ between two root trees, in git's
    /// order, each once.
    fn changed(&mut self, old: Option<Oid>, new: Option<Oid>, out: &mut Vec<String>) -> Result<()> {
        let mut path = String::new();
        self.folder(old, new, Some(0), &mut path, out)?;
        self.commit += 1;
        if self.kept > TREE_BUDGET || self.trees.len() > MAX_TREES {
            // Down to half the budget, the least recently used first: the trees of the
            // last two commits stay whatever their size.
            let mut ages: Vec<(u64, Oid, usize)> = self
                .trees
                .iter()
                .map(|(id, (tree, used))| (*used, *id, tree.len()))
                .collect();
            ages.sort_unstable();
            for (used, id, size) in ages {
                let within = self.kept <= TREE_BUDGET / 2 && self.trees.len() <= MAX_TREES / 2;
                if within || used + 2 >= self.commit {
                    break;
                }
                self.trees.remove(&id);
                self.kept -= size;
            }
        }
        Ok(())
    }

    fn tree(&mut self, id: Option<Oid>) -> Result<Option<Rc<[u8]>>> {
        let Some(id) = id else { return Ok(None) };
        if let Some((tree, used)) = self.trees.get_mut(&id) {
            *used = self.commit;
            return Ok(Some(tree.clone()));
        }
        let object = (self.packs)
            .read(self.odb, id, git2::ObjectType::Tree)
            .with_context(|| format!("reading tree {id}"))?;
        self.kept += object.len();
        self.trees.insert(id, (object.clone(), self.commit));
        Ok(Some(object))
    }

    /// Compares two versions of the folder at `path` (`None`: absent). `node` is the
    /// folder's place in the trie of paths; `None` below the end of a path.
    fn folder(
        &mut self,
        old: Option<Oid>,
        new: Option<Oid>,
        node: Option<usize>,
        path: &mut String,
        out: &mut Vec<String>,
    ) -> Result<()> {
        if old == new {
            return Ok(());
        }
        let (old_tree, new_tree) = (self.tree(old)?, self.tree(new)?);
        let mut a = raw::entries(old_tree.as_deref().unwrap_or_default()).peekable();
        let mut b = raw::entries(new_tree.as_deref().unwrap_or_default()).peekable();
        loop {
            if let Some(node) = node {
                let last = &self.nodes[node].last;
                let past = |e: &RawEntry| {
                    raw::compare(e.name, e.is_tree(), last, true) == Ordering::Greater
                };
                if a.peek().is_none_or(past) && b.peek().is_none_or(past) {
                    break;
                }
            }
            let (old_entry, new_entry) = match (a.peek(), b.peek()) {
                (None, None) => break,
                (Some(_), None) => (a.next(), None),
                (None, Some(_)) => (None, b.next()),
                (Some(x), Some(y)) => match raw::order(x, y) {
                    Ordering::Less => (a.next(), None),
                    Ordering::Greater => (None, b.next()),
                    Ordering::Equal => {
                        let (x, y) = (a.next(), b.next());
                        if x.zip(y).is_some_and(|(x, y)| x.same(&y)) {
                            continue;
                        }
                        (x, y)
                    }
                },
            };
            let Some(entry) = old_entry.or(new_entry) else {
                break;
            };
            let below = match node {
                None => None,
                Some(node) => {
                    let child = self.nodes[node]
                        .children
                        .iter()
                        .copied()
                        .find(|c| self.nodes[*c].name == entry.name);
                    match child {
                        None => continue,
                        Some(child) if self.nodes[child].end => None,
                        Some(child) => Some(child),
                    }
                }
            };
            let mark = path.len();
            if !path.is_empty() {
                path.push('/');
            }
            path.push_str(&String::from_utf8_lossy(entry.name));
            let is_file = |e: Option<RawEntry>| e.is_some_and(|e| !e.is_tree());
            if below.is_none() && (is_file(old_entry) || is_file(new_entry)) {
                out.push(path.clone());
            }
            let tree = |e: Option<RawEntry>| e.filter(|e| e.is_tree()).map(|e| e.oid());
            let (old_folder, new_folder) = (tree(old_entry), tree(new_entry));
            if old_folder.is_some() || new_folder.is_some() {
                self.folder(old_folder, new_folder, below, path, out)?;
            }
            path.truncate(mark);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::git;
    use std::path::Path;

    /// Applies a step (`path=text` writes a file, `-path` removes a file or folder,
    /// `+x path` makes a file executable) and commits it.
    fn commit(dir: &Path, steps: &[&str]) {
        for step in steps {
            if step.starts_with("+x ") {
                continue;
            }
            if let Some(path) = step.strip_prefix('-') {
                let full = dir.join(path);
                if full.is_dir() {
                    std::fs::remove_dir_all(full).unwrap();
                } else {
                    std::fs::remove_file(full).unwrap();
                }
            } else {
                let (path, text) = step.split_once('=').unwrap();
                let full = dir.join(path);
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(full, text).unwrap();
            }
        }
        git(dir, &["add", "-A", "."]);
        for step in steps {
            if let Some(path) = step.strip_prefix("+x ") {
                git(dir, &["update-index", "--chmod=+x", path]);
            }
        }
        git(dir, &["commit", "-q", "--allow-empty", "-m", "step"]);
    }

    /// What `git log --name-only` says changed under `roots`, newest first.
    fn git_log(dir: &Path, roots: &[&str]) -> Vec<(String, Vec<String>)> {
        let mut args = vec![
            "log",
            "--format=commit %H",
            "--name-only",
            "--no-renames",
            "--",
        ];
        args.extend(roots);
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for line in git(dir, &args).lines() {
            if let Some(id) = line.strip_prefix("commit ") {
                out.push((id.to_string(), Vec::new()));
            } else if !line.is_empty() {
                out.last_mut().unwrap().1.push(line.to_string());
            }
        }
        out
    }

    #[test]
    fn tree_comparison_agrees_with_git_log() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        git(dir, &["init", "-q"]);
        let history: &[&[&str]] = &[
            &["a/x=1", "a/y=1", "b=1", "c/d/e=1", "c/f=1", "keep/k=1"],
            // A changed file in a folder.
            &["a/x=2"],
            // Removed and added.
            &["-a/y", "a/z=1"],
            // Only folders outside the paths change.
            &["keep/k=2", "keep/new/n=1"],
            // A file becomes a folder.
            &["-b", "b/inner=1", "b/more/deep=1"],
            // Deep below a nested path.
            &["c/d/e=2"],
            &["c/f=2"],
            // Back to a file.
            &["-b", "b=2"],
            // Only the mode changes.
            &["+x a/x"],
            // Names that sort around the folder `a`.
            &["a.b=1", "a0=1", "a/a.b=1"],
            // Nothing changes.
            &[],
            // A whole folder goes.
            &["-a"],
            &["a=file"],
        ];
        for steps in history {
            commit(dir, steps);
        }
        let repo = Repo::discover(dir).unwrap().unwrap();
        let cases: &[&[&str]] = &[
            &["a"],
            &["b"],
            &["c"],
            &["c", "c/d/e"],
            &["c/d", "c/d/e", "a/x"],
            &["a/x", "b/inner", "b/more"],
            &["a", "b", "c", "keep"],
            &["a.b", "a0"],
            &["missing", "a/missing/deeper", "b/inner/x"],
            &["keep/k"],
        ];
        for roots in cases {
            let ours: Vec<(String, Vec<String>)> = repo
                .touched(&roots.iter().map(|r| r.to_string()).collect::<Vec<_>>())
                .unwrap()
                .into_iter()
                .map(|t| (t.commit.id, t.paths))
                .collect();
            assert_eq!(ours, git_log(dir, roots), "roots {roots:?}");
        }
    }
}
