//! Reading history: which commits touched which store paths, and a file as it was in
//! a commit. Walks read raw objects (each version of a folder once); the raw readers
//! assume 20-byte SHA-1 ids, which `Repo::discover` guarantees by refusing SHA-256
//! repositories.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;

use anyhow::{Context, Result};
use git2::{ErrorCode, ObjectType, Oid, Repository, Tree};

use super::Repo;

/// A commit as the audit trail shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
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

impl CommitInfo {
    fn of(commit: &git2::Commit) -> CommitInfo {
        let author = commit.author();
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let trailers = git2::message_trailers_strs(&message)
            .map(|t| {
                t.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            })
            .unwrap_or_default();
        CommitInfo {
            id: commit.id().to_string(),
            author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            committer_email: String::from_utf8_lossy(commit.committer().email_bytes()).into_owned(),
            time: author.when().seconds(),
            offset_minutes: author.when().offset_minutes(),
            subject: message.lines().next().unwrap_or_default().to_string(),
            message: message.clone(),
            trailers,
            parents: commit.parent_count(),
        }
    }

    pub fn trailer(&self, key: &str) -> Option<&str> {
        self.trailers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }
}

/// A commit and the store paths it changed relative to its first parent.
#[derive(Clone, Debug)]
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

    /// Every commit that changed a path under `roots` (files or folders, relative to the
    /// repository's top), newest first, with the changed paths. Merges are compared
    /// with their first parent: what they brought into the branch.
    pub fn touched(&self, roots: &[String]) -> Result<Vec<Touched>> {
        self.touched_from("HEAD", roots)
    }

    /// Like `touched`, walking back from `start` instead of HEAD.
    pub fn touched_from(&self, start: &str, roots: &[String]) -> Result<Vec<Touched>> {
        let mut out = Vec::new();
        // Most subtrees are the same from one commit to the next: each tree is read
        // once, for all the paths below it, so unchanged folders are never read again.
        let mut resolver = PathResolver::new(&self.repo, roots)?;
        // Only a commit that touched the paths is parsed in full; the rest need just
        // their tree and first parent, read from the raw object.
        let odb = self.repo.odb()?;
        // A shallow clone's boundary commits name parents it does not have; like git,
        // treat those commits as roots.
        let shallow = self.repo.is_shallow();
        let mut headers: OidMap<Oid, (Oid, Option<Oid>)> = HashMap::default();
        let mut header = |oid: Oid| -> Result<(Oid, Option<Oid>)> {
            if let Some(known) = headers.get(&oid) {
                return Ok(*known);
            }
            let (tree, parent) = commit_header(odb.read(oid)?.data())
                .with_context(|| format!("reading commit {oid}"))?;
            let parsed = (tree, parent.filter(|p| !shallow || odb.exists(*p)));
            headers.insert(oid, parsed);
            Ok(parsed)
        };
        for oid in self.walk(start)? {
            let (tree, parent) = header(oid)?;
            let new = resolver.entries(tree)?;
            let old = match parent {
                Some(parent) => resolver.entries(header(parent)?.0)?,
                None => vec![None; roots.len()],
            };
            let mut paths = Vec::new();
            for ((root, new), old) in roots.iter().zip(new).zip(old) {
                if new.map(|e| e.0) != old.map(|e| e.0) {
                    changed_paths(&self.repo, root, old, new, &mut paths)?;
                }
            }
            if !paths.is_empty() {
                out.push(Touched {
                    commit: CommitInfo::of(&self.repo.find_commit(oid)?),
                    paths,
                });
            }
        }
        Ok(out)
    }

    /// The content of `path` in a commit, if the path is a file there.
    pub fn read_at(&self, commit: &str, path: &str) -> Result<Option<Vec<u8>>> {
        // Raw objects: parsing a large folder's tree to find one name costs more than
        // scanning its bytes, and segregation of duties reads many old versions.
        let odb = self.repo.odb()?;
        let (mut tree, _) = commit_header(odb.read(Oid::from_str(commit)?)?.data())
            .with_context(|| format!("reading commit {commit}"))?;
        let mut names = path.split('/').peekable();
        while let Some(name) = names.next() {
            let found = find_in_tree(odb.read(tree)?.data(), name.as_bytes());
            match (found, names.peek()) {
                (Some((oid, ObjectType::Blob)), None) => {
                    return Ok(Some(odb.read(oid)?.data().to_vec()));
                }
                (Some((oid, ObjectType::Tree)), Some(_)) => tree = oid,
                _ => return Ok(None),
            }
        }
        Ok(None)
    }
}

/// A tree entry's object id and type.
type Entry = (Oid, ObjectType);

/// Looks a fixed set of paths up in trees. The paths form a trie of names; each
/// (tree, trie node) is resolved once and remembered, reading the raw tree object and
/// looking up every name needed below it in one pass. A walk over a long history thus
/// reads each version of a folder once, however many paths go through it.
struct PathResolver<'r> {
    odb: git2::Odb<'r>,
    /// Node 0 is the root tree.
    nodes: Vec<PathNode>,
    paths: usize,
    /// (tree, node) -> the entries of the node's paths, in the order of `PathNode::paths`.
    known: OidMap<(Oid, usize), Box<[Option<Entry>]>>,
}

#[derive(Default)]
struct PathNode {
    name: Vec<u8>,
    children: Vec<usize>,
    /// The paths that end at this node (a path given twice ends here twice).
    ends: Vec<usize>,
    /// Every path that ends at or below this node.
    paths: Vec<usize>,
}

impl<'r> PathResolver<'r> {
    fn new(repo: &'r Repository, paths: &[String]) -> Result<PathResolver<'r>> {
        let mut nodes = vec![PathNode::default()];
        for (index, path) in paths.iter().enumerate() {
            let mut node = 0;
            nodes[0].paths.push(index);
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
                nodes[node].paths.push(index);
            }
            nodes[node].ends.push(index);
        }
        Ok(PathResolver {
            odb: repo.odb()?,
            nodes,
            paths: paths.len(),
            known: HashMap::with_capacity_and_hasher(1 << 14, BuildHasherDefault::default()),
        })
    }

    /// The entry at each path under the root tree `tree`.
    fn entries(&mut self, tree: Oid) -> Result<Vec<Option<Entry>>> {
        let mut out = vec![None; self.paths];
        self.resolve(tree, 0, &mut out)?;
        Ok(out)
    }

    fn resolve(&mut self, tree: Oid, node: usize, out: &mut [Option<Entry>]) -> Result<()> {
        if let Some(known) = self.known.get(&(tree, node)) {
            for (path, entry) in self.nodes[node].paths.iter().zip(known.iter()) {
                out[*path] = *entry;
            }
            return Ok(());
        }
        let found: Vec<(usize, Option<Entry>)> = {
            let object = self.odb.read(tree)?;
            self.nodes[node]
                .children
                .iter()
                .map(|c| (*c, find_in_tree(object.data(), &self.nodes[*c].name)))
                .collect()
        };
        for (child, entry) in found {
            for path in &self.nodes[child].ends {
                out[*path] = entry;
            }
            if let Some((oid, ObjectType::Tree)) = entry
                && !self.nodes[child].children.is_empty()
            {
                self.resolve(oid, child, out)?;
            }
        }
        let known = self.nodes[node].paths.iter().map(|p| out[*p]).collect();
        self.known.insert((tree, node), known);
        Ok(())
    }
}

/// A map keyed by object ids, hashed by `OidHasher`.
type OidMap<K, V> = HashMap<K, V, BuildHasherDefault<OidHasher>>;

/// Object ids are already uniformly random: their first bytes make a fine hash.
#[derive(Default)]
struct OidHasher(u64);

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

/// The tree and first parent of a raw commit object (`tree <id>`, then `parent <id>`
/// lines, at its start).
fn commit_header(data: &[u8]) -> Option<(Oid, Option<Oid>)> {
    let id = |line: &[u8], prefix: &[u8]| {
        let hex = std::str::from_utf8(line.strip_prefix(prefix)?).ok()?;
        Oid::from_str(hex).ok()
    };
    let mut lines = data.split(|b| *b == b'\n');
    let tree = id(lines.next()?, b"tree ")?;
    let parent = lines.next().and_then(|line| id(line, b"parent "));
    Some((tree, parent))
}

/// Finds `name` in a raw tree object: entries of `<mode> <name>\0<20-byte id>`, sorted
/// by name, with folders sorting as if their name ended in `/`.
fn find_in_tree(data: &[u8], name: &[u8]) -> Option<Entry> {
    let mut past = name.to_vec();
    past.push(b'/');
    let mut at = 0;
    while at < data.len() {
        let space = at + data[at..].iter().position(|b| *b == b' ')?;
        let nul = space + data[space..].iter().position(|b| *b == 0)?;
        let mode = &data[at..space];
        let entry = &data[space + 1..nul];
        let id = data.get(nul + 1..nul + 21)?;
        let is_tree = mode == b"40000";
        if entry == name {
            let kind = match mode {
                b"40000" => ObjectType::Tree,
                b"160000" => ObjectType::Commit,
                _ => ObjectType::Blob,
            };
            return Some((Oid::from_bytes(id).ok()?, kind));
        }
        // Sorted order: once an entry sorts after `name/`, `name` is not here.
        let slash: &[u8] = if is_tree { b"/" } else { b"" };
        let sorts_after = entry.iter().chain(slash).cmp(past.iter()) == std::cmp::Ordering::Greater;
        if sorts_after {
            return None;
        }
        at = nul + 21;
    }
    None
}

/// Adds every file path under `path` that differs between the two entries.
fn changed_paths(
    repo: &Repository,
    path: &str,
    old: Option<Entry>,
    new: Option<Entry>,
    out: &mut Vec<String>,
) -> Result<()> {
    if old.map(|e| e.0) == new.map(|e| e.0) {
        return Ok(());
    }
    let as_tree = |entry: Option<Entry>| -> Result<Option<Tree>> {
        match entry {
            Some((oid, ObjectType::Tree)) => Ok(Some(repo.find_tree(oid)?)),
            _ => Ok(None),
        }
    };
    let (old_tree, new_tree) = (as_tree(old)?, as_tree(new)?);
    let is_file =
        |e: Option<(Oid, ObjectType)>| e.is_some_and(|(_, kind)| kind != ObjectType::Tree);
    if is_file(old) || is_file(new) {
        out.push(path.to_string());
    }
    if old_tree.is_none() && new_tree.is_none() {
        return Ok(());
    }
    let mut names: BTreeMap<Vec<u8>, (Option<Entry>, Option<Entry>)> = BTreeMap::new();
    for (tree, is_new) in [(&old_tree, false), (&new_tree, true)] {
        for entry in tree.iter().flat_map(|t| t.iter()) {
            let slot = names.entry(entry.name_bytes().to_vec()).or_default();
            let value = entry.kind().map(|kind| (entry.id(), kind));
            if is_new {
                slot.1 = value;
            } else {
                slot.0 = value;
            }
        }
    }
    for (name, (old_entry, new_entry)) in names {
        let child = format!("{path}/{}", String::from_utf8_lossy(&name));
        changed_paths(repo, &child, old_entry, new_entry, out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_through_shared_folders() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let (x, y) = (repo.blob(b"x").unwrap(), repo.blob(b"y").unwrap());
        let mut folder = repo.treebuilder(None).unwrap();
        folder.insert("x", x, 0o100644).unwrap();
        folder.insert("y", y, 0o100644).unwrap();
        let folder = folder.write().unwrap();
        let mut root = repo.treebuilder(None).unwrap();
        root.insert("a", folder, 0o040000).unwrap();
        root.insert("b", x, 0o100644).unwrap();
        let root = root.write().unwrap();
        let paths: Vec<String> = ["a/x", "a/y", "b", "a/x", "a", "b/z", "c/x"]
            .map(String::from)
            .to_vec();
        let mut resolver = PathResolver::new(&repo, &paths).unwrap();
        let expected = vec![
            Some((x, ObjectType::Blob)),
            Some((y, ObjectType::Blob)),
            Some((x, ObjectType::Blob)),
            Some((x, ObjectType::Blob)),
            Some((folder, ObjectType::Tree)),
            None,
            None,
        ];
        assert_eq!(resolver.entries(root).unwrap(), expected);
        // The second time comes from memory, and must be the same.
        assert_eq!(resolver.entries(root).unwrap(), expected);
    }

    #[test]
    fn raw_trees_are_searched_in_git_order() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let mut inner = repo.treebuilder(None).unwrap();
        inner.insert("f", blob, 0o100644).unwrap();
        let inner = inner.write().unwrap();
        let mut builder = repo.treebuilder(None).unwrap();
        // "a.b" sorts before the folder "a" (as "a/"), which sorts before "a0".
        for name in ["a.b", "a0", "b"] {
            builder.insert(name, blob, 0o100644).unwrap();
        }
        builder.insert("a", inner, 0o040000).unwrap();
        let tree = builder.write().unwrap();
        let data = repo.odb().unwrap().read(tree).unwrap().data().to_vec();
        assert_eq!(find_in_tree(&data, b"a"), Some((inner, ObjectType::Tree)));
        assert_eq!(find_in_tree(&data, b"a0"), Some((blob, ObjectType::Blob)));
        assert_eq!(find_in_tree(&data, b"b"), Some((blob, ObjectType::Blob)));
        assert_eq!(find_in_tree(&data, b"a.c"), None);
        assert_eq!(find_in_tree(&data, b"c"), None);
        assert_eq!(find_in_tree(&data, b""), None);
    }
}
