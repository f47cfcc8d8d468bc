//! Git as the audit trail. The only module that talks to git (through git2): finding
//! the repository and refusing states a commit would surprise, who a commit is by
//! (`identity`), committing exactly the paths a command wrote (`commit`), reading the
//! history (`history`) and reading the store from a revision (`tree`).

mod commit;
mod history;
mod identity;
mod index_stat;
mod index_write;
mod lfs;
mod pack;
mod raw;
mod raw_commit;
mod sign;
mod tree;
mod versions;
mod walk;

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use git2::{ErrorCode, Repository, RepositoryState};

use crate::Hinted;
use crate::model::paths::parent_dir;
use crate::store::{IndexLock, Source};

/// How long a command waits for another to release the index lock.
fn lock_wait() -> std::time::Duration {
    let seconds = std::env::var("SOC2_LOCK_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(5.0);
    std::time::Duration::from_secs_f64(seconds.min(3600.0))
}

pub use history::{ACTION_TRAILER, CommitInfo, OBJECT_TRAILER, Touched};
pub use identity::{Identity, Person, default_identity};
pub use index_stat::IndexStat;
pub use tree::{TreeCache, TreeSource};
pub use versions::Versions;
pub use walk::{ChangedCommit, FirstParentHistory, ObjectId, Roots};

pub struct Repo {
    repo: Repository,
}

/// A commit and when it was made: what documents pinned to a commit are dated by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitStamp {
    pub id: String,
    /// Committer time: seconds since the epoch, and the committer's offset in minutes.
    pub time: i64,
    pub offset_minutes: i32,
}

/// libgit2 re-hashes every object it reads unless told not to; git itself does not
/// (that is fsck's job), and the hashing dominated walks over long histories. `soc2
/// verify`, the integrity command, turns it back on with `verify_object_hashes`.
fn configure_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| git2::opts::strict_hash_verification(false));
}

/// Makes libgit2 check every object it reads against its id, for the rest of the
/// process: what `soc2 verify` wants, at the cost of speed.
pub fn verify_object_hashes() {
    configure_libgit2();
    git2::opts::strict_hash_verification(true);
}

/// A repository whose objects are named by SHA-256 (`git init --object-format=sha256`):
/// libgit2 cannot read it yet, and soc2's raw-object readers assume 20-byte ids.
fn refuse_sha256(err: git2::Error, dir: &Path) -> anyhow::Error {
    if err.message().contains("objectformat") || err.message().contains("object format") {
        return anyhow!(Hinted::new(
            format!(
                "the git repository around {} uses SHA-256 object ids, which soc2 cannot read yet",
                dir.display()
            ),
            "keep the store in a repository with SHA-1 object ids (git's default)",
        ));
    }
    anyhow!(err).context(format!(
        "opening the git repository around {}",
        dir.display()
    ))
}

impl Repo {
    /// The repository containing `dir`, if there is one.
    pub fn discover(dir: &Path) -> Result<Option<Repo>> {
        configure_libgit2();
        match Repository::discover(dir) {
            Ok(repo) => Ok(Some(Repo { repo })),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(None),
            Err(err) => Err(refuse_sha256(err, dir)),
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

    /// The repository's packs, read directly (see `pack`).
    fn packs(&self) -> pack::Packs {
        pack::Packs::open(&self.repo.commondir().join("objects"))
    }

    /// Another handle on the same repository, for another thread (a handle is not
    /// shared between threads).
    pub fn reopen(&self) -> Result<Repo> {
        let repo = Repository::open(self.repo.path())
            .with_context(|| format!("opening {}", self.repo.path().display()))?;
        Ok(Repo { repo })
    }

    /// Where soc2 keeps what it may throw away (the parse cache): `soc2/` in the git
    /// directory, shared by every worktree of the repository.
    pub fn cache_dir(&self) -> std::path::PathBuf {
        self.repo.commondir().join("soc2")
    }

    /// What names a shallow clone's boundary (the ids in `.git/shallow`), or "full".
    pub fn shallow_id(&self) -> String {
        match std::fs::read(self.repo.commondir().join("shallow")) {
            Ok(bytes) => format!("shallow-{}", sha1_smol::Sha1::from(&bytes).digest()),
            Err(_) => "full".to_string(),
        }
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
        identity::identity_from(&self.repo.config().context("reading git config")?)
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
        // Another writer may hold the index for a moment: wait for it as `lock_index`
        // would, so that a command fails here, before it does anything, or not at all.
        let (index, shown) = self.index_path()?;
        IndexLock::wait_until_free(&index, &shown, lock_wait())
    }

    /// The index file, and how messages name its lock (`.git/index.lock`).
    fn index_path(&self) -> Result<(std::path::PathBuf, String)> {
        let index = self.repo.path().join("index");
        let lock = index.with_file_name("index.lock");
        let shown = match self.repo.workdir().and_then(|w| lock.strip_prefix(w).ok()) {
            Some(relative) => relative.display().to_string(),
            None => lock.display().to_string(),
        };
        Ok((index, shown))
    }

    /// Takes the index lock as git does, waiting a bounded time (`SOC2_LOCK_TIMEOUT`
    /// seconds, default 5) for another process to release it.
    pub fn lock_index(&self) -> Result<IndexLock> {
        let (index, shown) = self.index_path()?;
        IndexLock::acquire(&index, &shown, lock_wait())
    }

    /// True when `path` has no staged or unstaged changes (or does not exist at all).
    pub fn is_unchanged(&self, path: &str) -> Result<bool> {
        match self.repo.status_file(Path::new(path)) {
            Ok(status) => Ok(status.is_empty() || status == git2::Status::IGNORED),
            Err(err) if err.code() == ErrorCode::NotFound => Ok(true),
            Err(err) => Err(err).with_context(|| format!("reading the git status of {path}")),
        }
    }

    /// Of `paths`, those git holds neither in the index (staged) nor in HEAD: files
    /// written but never added, or left by an interrupted command.
    pub fn uncommitted<S: AsRef<str>>(&self, paths: impl IntoIterator<Item = S>) -> Result<Vec<S>> {
        // HEAD's tree first: each of its folders is read once, and in a checkout with
        // nothing new every path is there, so the index (all of the repository's
        // paths) is read only when something is not.
        let head = match self.repo.head() {
            Ok(head) => Some(TreeSource::new(
                "HEAD".into(),
                self.repo.path().to_path_buf(),
                head.peel_to_commit().context("reading HEAD")?.tree_id(),
                Arc::default(),
            )),
            Err(_) => None,
        };
        let mut not_in_head = Vec::new();
        // Paths come folder by folder: a folder left behind is not kept, so that a
        // large store's folders are not all held at once.
        let mut folder = String::new();
        for path in paths {
            let committed = match &head {
                Some(tree) => {
                    let parent = parent_dir(path.as_ref());
                    if parent != folder {
                        if !parent.starts_with(&folder) {
                            tree.forget(&folder);
                        }
                        folder = parent.to_string();
                    }
                    tree.kind(path.as_ref())
                        .with_context(|| format!("reading {} in HEAD", path.as_ref()))?
                        .is_some()
                }
                None => false,
            };
            if !committed {
                not_in_head.push(path);
            }
        }
        if not_in_head.is_empty() {
            return Ok(not_in_head);
        }
        let index = self.repo.index().context("reading the git index")?;
        Ok(not_in_head
            .into_iter()
            .filter(|p| index.get_path(Path::new(p.as_ref()), 0).is_none())
            .collect())
    }

    /// Whether git's ignore rules (.gitignore, .git/info/exclude) match `path`.
    pub fn is_ignored(&self, path: &str) -> Result<bool> {
        self.repo
            .is_path_ignored(Path::new(path))
            .with_context(|| format!("reading git's ignore rules for {path}"))
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
        self.tree_source_sharing(rev, &Arc::default())
    }

    /// `tree_source`, sharing what it reads with the other sources of `cache`.
    pub fn tree_source_sharing(&self, rev: &str, cache: &Arc<TreeCache>) -> Result<TreeSource> {
        let commit = self.commit(rev)?;
        Ok(TreeSource::new(
            format!("revision {rev} ({})", &commit.id().to_string()[..12]),
            self.repo.path().to_path_buf(),
            commit.tree_id(),
            cache.clone(),
        ))
    }

    /// The commit a revision names, as a full id.
    pub fn resolve(&self, rev: &str) -> Result<String> {
        Ok(self.commit(rev)?.id().to_string())
    }

    /// The id of the tree a revision's commit holds.
    pub fn tree_id(&self, rev: &str) -> Result<String> {
        Ok(self.commit(rev)?.tree_id().to_string())
    }

    /// The commit a revision names and when it was committed.
    pub fn stamp(&self, rev: &str) -> Result<CommitStamp> {
        let commit = self.commit(rev)?;
        let when = commit.committer().when();
        Ok(CommitStamp {
            id: commit.id().to_string(),
            time: when.seconds(),
            offset_minutes: when.offset_minutes(),
        })
    }

    /// The commit HEAD points to, or `None` on a branch with no commits yet.
    fn head_commit(&self) -> Result<Option<git2::Commit<'_>>> {
        match self.repo.head() {
            Ok(head) => Ok(Some(
                head.peel_to_commit()
                    .context("reading the commit HEAD points to")?,
            )),
            Err(err) if matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                Ok(None)
            }
            Err(err) => Err(err).context("reading HEAD"),
        }
    }

    /// HEAD's commit, or `None` on a branch with no commits yet.
    pub fn head_stamp(&self) -> Result<Option<CommitStamp>> {
        match self.repo.head() {
            Ok(_) => self.stamp("HEAD").map(Some),
            Err(err) if matches!(err.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
                Ok(None)
            }
            Err(err) => Err(err).context("reading HEAD"),
        }
    }

    /// Whether anything under `paths` (files or folders, relative to the top of the
    /// working tree) differs from HEAD: staged, unstaged, or new and not ignored.
    pub fn has_changes_under(&self, paths: &[&str]) -> Result<bool> {
        let mut options = git2::StatusOptions::new();
        options
            .include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        for path in paths {
            options.pathspec(path);
        }
        let statuses = self
            .repo
            .statuses(Some(&mut options))
            .context("reading the git status of the working tree")?;
        Ok(statuses
            .iter()
            .any(|entry| !entry.status().is_empty() && entry.status() != git2::Status::IGNORED))
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
            let base = match self.repo.merge_base(head.id(), branch.id()) {
                Ok(base) => base,
                Err(err) if err.code() == ErrorCode::NotFound => bail!(Hinted::new(
                    format!(
                        "HEAD and {name} share no history (is this an orphan branch?), so there is no base to compare with"
                    ),
                    "name a base revision: `soc2 diff BASE`",
                )),
                Err(err) => {
                    return Err(anyhow!(err.message().to_string()))
                        .with_context(|| format!("finding the merge base of HEAD and {name}"));
                }
            };
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

/// For tests of this module: the real git CLI in a repository of its own.
#[cfg(test)]
mod testing {
    use std::path::Path;
    use std::process::Command;

    /// Runs git in `dir` with no system or user configuration (HOME is `dir`), a fixed
    /// identity and a fixed date; panics when it fails.
    pub(super) fn git(dir: &Path, args: &[&str]) -> String {
        let output = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .env("GIT_AUTHOR_NAME", "T")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "T")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .env("GIT_AUTHOR_DATE", "2026-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-01-01T00:00:00Z")
            .output()
            .unwrap();
        assert!(output.status.success(), "git {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    }
}
