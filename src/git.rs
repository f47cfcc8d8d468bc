//! Git as the audit trail. The only module that talks to git (through git2): finding
//! the repository, committing exactly the paths a command wrote, and reading the store
//! and its history from revisions.

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasherDefault;
use std::io;
use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow, bail};
use git2::{ErrorCode, ObjectType, Oid, Repository, RepositoryState, Signature, Time, Tree};

use crate::Hinted;
use crate::store::{DirEntry, EntryKind, Source};

pub struct Repo {
    repo: Repository,
}

/// Who a commit is by, from the GIT_AUTHOR_*/GIT_COMMITTER_* variables or git config.
#[derive(Clone, Debug)]
pub struct Identity {
    pub author: Person,
    pub committer: Person,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch and offset in minutes, when a variable fixes them.
    pub time: Option<(i64, i32)>,
}

impl Person {
    fn signature(&self) -> Result<Signature<'static>> {
        let signature = match self.time {
            Some((seconds, offset)) => {
                Signature::new(&self.name, &self.email, &Time::new(seconds, offset))
            }
            None => Signature::now(&self.name, &self.email),
        };
        signature.with_context(|| format!("invalid git identity `{} <{}>`", self.name, self.email))
    }
}

/// libgit2 re-hashes every object it reads unless told not to; git itself does not
/// (that is fsck's job), and the hashing dominated walks over long histories.
fn configure_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

impl Repo {
    /// The repository containing `dir`, if there is one.
    pub fn discover(dir: &Path) -> Result<Option<Repo>> {
        configure_libgit2();
        match Repository::discover(dir) {
            Ok(repo) => Ok(Some(Repo { repo })),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
            Err(err) => Err(err)
                .with_context(|| format!("opening the git repository around {}", dir.display())),
        }
    }

    /// Creates a repository in `dir` whose first branch is `init.defaultBranch` or `main`.
    pub fn init(dir: &Path) -> Result<Repo> {
        configure_libgit2();
        let branch = git2::Config::open_default()
            .and_then(|c| c.get_string("init.defaultBranch"))
            .unwrap_or_else(|_| "main".to_string());
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head(&branch);
        let repo = Repository::init_opts(dir, &options)
            .with_context(|| format!("creating a git repository in {}", dir.display()))?;
        Ok(Repo { repo })
    }

    /// The top of the working tree.
    pub fn workdir(&self) -> Result<&Path> {
        self.repo.workdir().ok_or_else(|| {
            anyhow!(
                "the repository at {} is bare; soc2 needs a working tree",
                self.repo.path().display()
            )
        })
    }

    /// The author and committer for a new commit; fails when git has no identity.
    pub fn identity(&self) -> Result<Identity> {
        identity_from(&self.repo.config().context("reading git config")?)
    }

    /// Refuses states in which a commit would surprise the user: a merge or rebase in
    /// progress, a detached HEAD, or an index locked by another git process.
    pub fn preflight(&self) -> Result<()> {
        let state = self.repo.state();
        if state != RepositoryState::Clean {
            let what = match state {
                RepositoryState::Merge => "a merge",
                RepositoryState::Rebase
                | RepositoryState::RebaseInteractive
                | RepositoryState::RebaseMerge => "a rebase",
                RepositoryState::CherryPick | RepositoryState::CherryPickSequence => {
                    "a cherry-pick"
                }
                RepositoryState::Revert | RepositoryState::RevertSequence => "a revert",
                RepositoryState::Bisect => "a bisect",
                _ => "another git operation",
            };
            bail!(Hinted::new(
                format!("{what} is in progress in this repository"),
                "finish or abort it first (`git status` says how), then run the command again",
            ));
        }
        if self.repo.head_detached().unwrap_or(false) {
            bail!(Hinted::new(
                "HEAD is detached, so a commit would belong to no branch",
                "check out a branch first, e.g. `git switch main`",
            ));
        }
        if self.repo.path().join("index.lock").exists() {
            bail!(Hinted::new(
                "the git index is locked (.git/index.lock exists): another git process is running",
                "wait for it to finish; if no git process is running, remove .git/index.lock",
            ));
        }
        Ok(())
    }

    /// True when `path` has no staged or unstaged changes (or does not exist at all).
    pub fn is_unchanged(&self, path: &str) -> Result<bool> {
        match self.repo.status_file(Path::new(path)) {
            Ok(status) => Ok(status.is_empty() || status == git2::Status::IGNORED),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(true),
            Err(err) => Err(err).with_context(|| format!("reading the git status of {path}")),
        }
    }

    /// A shallow clone holds only part of the history.
    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// True when `path` is committed and has no staged or unstaged changes.
    pub fn is_tracked_and_unchanged(&self, path: &str) -> Result<bool> {
        let index = self.repo.index().context("reading the git index")?;
        Ok(index.get_path(Path::new(path), 0).is_some() && self.is_unchanged(path)?)
    }

    /// Commits exactly `paths` (as they are in the working tree; a missing file is a
    /// deletion) on top of HEAD, leaving every other staged or unstaged change alone.
    /// The index is updated for those paths only, so `git status` shows them clean.
    pub fn commit_paths(
        &self,
        paths: &[String],
        message: &str,
        identity: &Identity,
    ) -> Result<String> {
        let workdir = self.workdir()?.to_path_buf();
        let parent = match self.repo.head() {
            Ok(head) => Some(
                head.peel_to_commit()
                    .context("reading the commit HEAD points to")?,
            ),
            Err(err)
                if err.code() == ErrorCode::UnbornBranch || err.code() == ErrorCode::NotFound =>
            {
                None
            }
            Err(err) => return Err(err).context("reading HEAD"),
        };
        let base_tree = parent
            .as_ref()
            .map(|c| c.tree())
            .transpose()
            .context("reading HEAD's tree")?;

        // Staging through the index applies git's filters (line endings, attributes),
        // so the committed blob is exactly what `git status` compares against.
        let mut index = self.repo.index().context("reading the git index")?;
        let mut updates = Vec::with_capacity(paths.len());
        for path in paths {
            if workdir.join(path).exists() {
                index
                    .add_path(Path::new(path))
                    .with_context(|| format!("staging {path}"))?;
                let entry = index
                    .get_path(Path::new(path), 0)
                    .context("a staged path is in the index")?;
                updates.push((path.as_str(), Some((entry.id, entry.mode as i32))));
            } else {
                index
                    .remove_path(Path::new(path))
                    .with_context(|| format!("unstaging {path}"))?;
                updates.push((path.as_str(), None));
            }
        }
        let tree_id = build_tree(&self.repo, base_tree.as_ref(), &updates)?;
        let tree = self.repo.find_tree(tree_id)?;
        index
            .write()
            .context("writing the git index (is another git process running?)")?;

        let author = identity.author.signature()?;
        let committer = identity.committer.signature()?;
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let oid = self
            .repo
            .commit(Some("HEAD"), &author, &committer, message, &tree, &parents)
            .map_err(|err| {
                anyhow!(Hinted::new(
                    format!(
                        "the files were written and staged but the commit failed: {}",
                        err.message()
                    ),
                    format!(
                        "commit them yourself with `git commit -m '{}' -- {}`",
                        first_line(message),
                        paths.join(" ")
                    ),
                ))
            })?;
        Ok(oid.to_string())
    }

    /// The commit a revision (`v1`, `HEAD~2`, a sha) names.
    fn commit(&self, rev: &str) -> Result<git2::Commit<'_>> {
        let object = self.repo.revparse_single(rev).map_err(|err| {
            anyhow!(Hinted::new(
                format!("unknown revision `{rev}`: {}", err.message()),
                "name a branch, tag or commit that exists, e.g. `HEAD~1` or `main`",
            ))
        })?;
        let commit = object
            .peel_to_commit()
            .with_context(|| format!("`{rev}` does not name a commit"))?;
        Ok(commit)
    }

    /// Resolves a revision to a commit and reads the store from its tree.
    pub fn tree_source(&self, rev: &str) -> Result<TreeSource> {
        let commit = self.commit(rev)?;
        let repo = Repository::open(self.repo.path()).context("reopening the repository")?;
        Ok(TreeSource {
            label: format!("revision {rev} ({})", &commit.id().to_string()[..12]),
            repo: Mutex::new(repo),
            tree: commit.tree_id(),
        })
    }
}

/// A commit as the audit trail shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
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

    /// The commit a revision names, as a full id.
    pub fn resolve(&self, rev: &str) -> Result<String> {
        Ok(self.commit(rev)?.id().to_string())
    }

    /// The base `soc2 diff` compares against: the merge base of HEAD with the default
    /// branch, or HEAD's first parent when HEAD is on the default branch itself.
    pub fn default_base(&self) -> Result<String> {
        let head = self.commit("HEAD")?;
        let candidates = [
            "origin/HEAD",
            "main",
            "origin/main",
            "master",
            "origin/master",
        ];
        for name in candidates {
            let Ok(branch) = self.commit(name) else {
                continue;
            };
            let base = self.repo.merge_base(head.id(), branch.id())?;
            if base != head.id() {
                return Ok(base.to_string());
            }
            break;
        }
        match head.parents().next() {
            Some(parent) => Ok(parent.id().to_string()),
            None => bail!(Hinted::new(
                "HEAD is the first commit, so there is nothing to compare with",
                "name a base revision: `soc2 diff BASE`",
            )),
        }
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

/// The identity a commit would have in a repository that does not exist yet (global
/// git config and the environment), so that `soc2 init` can fail before writing.
pub fn default_identity() -> Result<Identity> {
    identity_from(&git2::Config::open_default().context("reading git config")?)
}

fn identity_from(config: &git2::Config) -> Result<Identity> {
    let get = |key: &str| config.get_string(key).ok().filter(|v| !v.trim().is_empty());
    let person = |role: &str| -> Result<Person> {
        let env = |what: &str| {
            std::env::var(format!("GIT_{role}_{what}"))
                .ok()
                .filter(|v| !v.trim().is_empty())
        };
        let name = env("NAME").or_else(|| get("user.name"));
        let email = env("EMAIL").or_else(|| get("user.email"));
        let (Some(name), Some(email)) = (name, email) else {
            bail!(Hinted::new(
                "git does not know who you are, so soc2 cannot record who made this change",
                "run `git config user.name \"Your Name\"` and `git config user.email you@example.com`",
            ));
        };
        let time = match env("DATE") {
            Some(text) => {
                Some(parse_git_date(&text).with_context(|| format!("GIT_{role}_DATE `{text}`"))?)
            }
            None => None,
        };
        Ok(Person { name, email, time })
    };
    Ok(Identity {
        author: person("AUTHOR")?,
        committer: person("COMMITTER")?,
    })
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

type Update<'a> = (&'a str, Option<(Oid, i32)>);

/// Writes the tree `base` with `updates` applied (a `None` entry removes the path),
/// rewriting only the trees on the updated paths.
fn build_tree(repo: &Repository, base: Option<&Tree>, updates: &[Update]) -> Result<Oid> {
    let mut groups: BTreeMap<&str, Vec<Update>> = BTreeMap::new();
    for (path, target) in updates {
        let (head, rest) = path.split_once('/').unwrap_or((path, ""));
        groups.entry(head).or_default().push((rest, *target));
    }
    let mut builder = repo.treebuilder(base)?;
    for (name, group) in groups {
        if let [("", target)] = group.as_slice() {
            match target {
                Some((oid, mode)) => {
                    builder.insert(name, *oid, *mode)?;
                }
                None => {
                    if builder.get(name)?.is_some() {
                        builder.remove(name)?;
                    }
                }
            }
            continue;
        }
        let subtree = match base.and_then(|t| t.get_name(name)) {
            Some(entry) if entry.kind() == Some(ObjectType::Tree) => {
                Some(repo.find_tree(entry.id())?)
            }
            _ => None,
        };
        let sub_id = build_tree(repo, subtree.as_ref(), &group)?;
        if repo.find_tree(sub_id)?.is_empty() {
            if builder.get(name)?.is_some() {
                builder.remove(name)?;
            }
        } else {
            builder.insert(name, sub_id, 0o040000)?;
        }
    }
    Ok(builder.write()?)
}

/// Parses the date formats git accepts in GIT_*_DATE that matter here: `@<seconds>
/// <offset>`, `<seconds> <offset>`, RFC 3339 and RFC 2822.
fn parse_git_date(text: &str) -> Result<(i64, i32)> {
    let text = text.trim();
    let raw = text.strip_prefix('@').unwrap_or(text);
    let mut parts = raw.split_whitespace();
    if let (Some(seconds), offset) = (parts.next(), parts.next())
        && let Ok(seconds) = seconds.parse::<i64>()
    {
        let offset = match offset {
            None => 0,
            Some(o) => parse_offset(o).ok_or_else(|| anyhow!("bad time zone offset `{o}`"))?,
        };
        return Ok((seconds, offset));
    }
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(text))
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z"))
        .map_err(|_| anyhow!("expected `@<seconds> <+hhmm>`, RFC 3339 or RFC 2822"))?;
    Ok((parsed.timestamp(), parsed.offset().local_minus_utc() / 60))
}

fn parse_offset(text: &str) -> Option<i32> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

/// The store as it is in a commit's tree; the working tree is never touched.
pub struct TreeSource {
    label: String,
    repo: Mutex<Repository>,
    tree: Oid,
}

impl TreeSource {
    fn with_entry<T>(
        &self,
        path: &str,
        f: impl FnOnce(&Repository, Option<git2::TreeEntry>) -> io::Result<T>,
    ) -> io::Result<T> {
        let repo = self
            .repo
            .lock()
            .map_err(|_| io::Error::other("repository lock poisoned"))?;
        let tree = repo.find_tree(self.tree).map_err(io::Error::other)?;
        let entry = if path.is_empty() {
            None
        } else {
            match tree.get_path(Path::new(path)) {
                Ok(entry) => Some(entry),
                Err(err) if err.code() == ErrorCode::NotFound => return f(&repo, None),
                Err(err) => return Err(io::Error::other(err)),
            }
        };
        f(&repo, entry)
    }
}

fn entry_kind(entry: &git2::TreeEntry) -> EntryKind {
    match (entry.kind(), entry.filemode()) {
        (Some(ObjectType::Tree), _) => EntryKind::Dir,
        (Some(ObjectType::Blob), 0o120000) => EntryKind::Symlink,
        (Some(ObjectType::Blob), _) => EntryKind::File,
        _ => EntryKind::Other,
    }
}

impl Source for TreeSource {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn list(&self, dir: &str) -> io::Result<Option<Vec<DirEntry>>> {
        self.with_entry(dir, |repo, entry| {
            let Some(entry) = entry else {
                return Ok(None);
            };
            if entry.kind() != Some(ObjectType::Tree) {
                return Ok(None);
            }
            let tree = repo.find_tree(entry.id()).map_err(io::Error::other)?;
            let entries = tree
                .iter()
                .map(|e| DirEntry {
                    name: String::from_utf8_lossy(e.name_bytes()).into_owned(),
                    kind: entry_kind(&e),
                })
                .collect();
            Ok(Some(entries))
        })
    }

    fn kind(&self, path: &str) -> io::Result<Option<EntryKind>> {
        self.with_entry(path, |_, entry| Ok(entry.map(|e| entry_kind(&e))))
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.with_entry(path, |repo, entry| {
            let entry = entry.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{path} is not in the revision"),
                )
            })?;
            let blob = repo.find_blob(entry.id()).map_err(io::Error::other)?;
            Ok(blob.content().to_vec())
        })
    }
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

    #[test]
    fn git_dates_in_the_formats_git_accepts() {
        assert_eq!(
            parse_git_date("@1700000000 +0000").unwrap(),
            (1_700_000_000, 0)
        );
        assert_eq!(
            parse_git_date("1700000000 -0130").unwrap(),
            (1_700_000_000, -90)
        );
        assert_eq!(parse_git_date("2026-11-22T10:00:00+01:00").unwrap().1, 60);
        assert_eq!(
            parse_git_date("Sun, 22 Nov 2026 10:00:00 +0000").unwrap().0,
            1_795_341_600
        );
        assert!(parse_git_date("yesterday").is_err());
        assert!(parse_git_date("@1700000000 0000").is_err());
    }
}
