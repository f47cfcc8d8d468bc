//! The one write path: commit exactly the paths a command wrote, staged as `git add`
//! stages them (through git's filters), leaving every other staged or unstaged change
//! alone. The index is edited in place where it is of the usual kind (`index_write`),
//! through libgit2 otherwise.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use git2::{ErrorCode, Index, IndexEntry, IndexTime, ObjectType, Oid, Repository, Tree};

use super::index_write::{self, NewEntry};
use super::lfs::LfsRules;
use super::{Identity, Repo};
use crate::Hinted;
use crate::model::LfsPointer;
use crate::store::IndexLock;

impl Repo {
    /// Commits exactly `paths` (as they are in the working tree; a missing file is a
    /// deletion) on top of HEAD, leaving every other staged or unstaged change alone.
    /// The index is updated for those paths only, so `git status` shows them clean.
    ///
    /// Runs under `lock`: the new index is written to its scratch file, and only an
    /// `Ok` means the branch moved (then `lock.release()` puts the index in place).
    pub fn commit_paths(
        &self,
        paths: &[String],
        message: &str,
        identity: &Identity,
        lock: &IndexLock,
    ) -> Result<String> {
        let workdir = self.workdir()?.to_path_buf();
        let parent = self.head_commit()?;
        let base_tree = parent
            .as_ref()
            .map(|c| c.tree())
            .transpose()
            .context("reading HEAD's tree")?;

        let lfs = self.lfs_rules()?;
        let updates = match self.stage_in_place(&workdir, paths, &lfs, lock)? {
            Some(updates) => updates,
            None => self.stage_through_libgit2(&workdir, paths, &lfs, lock)?,
        };
        let tree_id = build_tree(&self.repo, base_tree.as_ref(), &updates)?;
        let tree = self.repo.find_tree(tree_id)?;

        let author = identity.author.signature()?;
        let committer = identity.committer.signature()?;
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let oid = match self.signer(identity)? {
            None => self
                .repo
                .commit(None, &author, &committer, message, &tree, &parents)
                .map_err(refused)?,
            Some(signer) => {
                let buffer = self
                    .repo
                    .commit_create_buffer(&author, &committer, message, &tree, &parents)
                    .map_err(refused)?;
                let content = buffer.as_str().context("the commit is not UTF-8")?;
                let signature = signer.sign(content.as_bytes())?;
                self.repo
                    .commit_signed(content, &signature, None)
                    .map_err(refused)?
            }
        };
        // The index first, the branch last: the branch moving is the commit.
        lock.install()?;
        self.move_branch(oid, parent.as_ref().map(git2::Commit::id), message)?;
        Ok(oid.to_string())
    }

    /// Stages `paths` in the index's scratch file through libgit2, which applies git's
    /// filters (line endings, attributes) so the committed blob is exactly what
    /// `git status` compares against. Gives each path's blob id and mode, or `None`
    /// for a deletion.
    pub(super) fn stage_through_libgit2<'p>(
        &self,
        workdir: &Path,
        paths: &'p [String],
        lfs: &LfsRules,
        lock: &IndexLock,
    ) -> Result<Vec<Update<'p>>> {
        let mut index = Index::open(lock.scratch()?).context("reading the git index")?;
        self.repo
            .set_index(&mut index)
            .context("reading the git index")?;
        let mut updates = Vec::with_capacity(paths.len());
        for path in paths {
            if workdir.join(path).exists() {
                if lfs.sends(path)? {
                    let text = self.lfs_pointer_text(workdir, path)?;
                    let entry = IndexEntry {
                        ctime: IndexTime::new(0, 0),
                        mtime: IndexTime::new(0, 0),
                        dev: 0,
                        ino: 0,
                        mode: 0o100644,
                        uid: 0,
                        gid: 0,
                        file_size: text.len() as u32,
                        id: Oid::ZERO_SHA1,
                        flags: 0,
                        flags_extended: 0,
                        path: path.as_bytes().to_vec(),
                    };
                    index
                        .add_frombuffer(&entry, text.as_bytes())
                        .with_context(|| format!("staging {path}"))?;
                } else {
                    index
                        .add_path(Path::new(path))
                        .with_context(|| format!("staging {path}"))?;
                }
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
        index.write().context("writing the git index")?;
        Ok(updates)
    }

    /// Stages `paths` by editing the index's scratch file directly (see
    /// `index_write`), with the blob ids `git add` would give; `None`, having staged
    /// nothing, for what that does not cover (a symbolic link, `core.fileMode` off, an
    /// index of another kind, a path in conflict, a platform without Unix stat data),
    /// which `stage_through_libgit2` does.
    pub(super) fn stage_in_place<'p>(
        &self,
        workdir: &Path,
        paths: &'p [String],
        lfs: &LfsRules,
        lock: &IndexLock,
    ) -> Result<Option<Vec<Update<'p>>>> {
        if cfg!(not(unix)) {
            return Ok(None);
        }
        let config = self.repo.config().context("reading git's configuration")?;
        if !config.get_bool("core.filemode").unwrap_or(true) {
            return Ok(None);
        }
        let mut entries = Vec::with_capacity(paths.len());
        let mut updates = Vec::with_capacity(paths.len());
        for path in paths {
            let full = workdir.join(path);
            let meta = match std::fs::symlink_metadata(&full) {
                Ok(meta) => meta,
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                    ) =>
                {
                    entries.push((path.as_str(), None));
                    updates.push((path.as_str(), None));
                    continue;
                }
                Err(err) => return Err(err).with_context(|| format!("reading {path}")),
            };
            if !meta.is_file() {
                return Ok(None);
            }
            let (words, id) = if lfs.sends(path)? {
                let text = self.lfs_pointer_text(workdir, path)?;
                let id = self
                    .repo
                    .blob(text.as_bytes())
                    .with_context(|| format!("staging {path}"))?;
                let mut words = [0; 10];
                words[6] = 0o100644;
                words[9] = text.len() as u32;
                (words, id)
            } else {
                // The stat data first, then the content, as git reads them: a file
                // changed in between shows as changed.
                let Some(words) = stat_words(&meta) else {
                    return Ok(None);
                };
                let id = lfs
                    .blob_of(&full)
                    .with_context(|| format!("staging {path}"))?;
                (words, id)
            };
            let sha1: [u8; 20] = id
                .as_bytes()
                .try_into()
                .map_err(|_| anyhow!("git gave an object id that is not SHA-1: {id}"))?;
            entries.push((path.as_str(), Some(NewEntry { words, id: sha1 })));
            updates.push((path.as_str(), Some((id, words[6] as i32))));
        }
        let written = self.index_written();
        Ok(index_write::stage(lock.scratch()?, written, &entries)?.then_some(updates))
    }

    /// The LFS pointer committed for the file at `path`: the file itself when it is
    /// one, or the pointer of its content, stored as an LFS object.
    fn lfs_pointer_text(&self, workdir: &Path, path: &str) -> Result<String> {
        let content =
            std::fs::read(workdir.join(path)).with_context(|| format!("reading {path}"))?;
        let pointer = match LfsPointer::parse(&content) {
            Some(pointer) => pointer,
            None => self.lfs_clean(&content)?,
        };
        Ok(pointer.text())
    }

    /// Moves the branch HEAD names from `old` (none: its first commit) to `new`, as
    /// long as nothing else moved it meanwhile.
    fn move_branch(&self, new: Oid, old: Option<Oid>, message: &str) -> Result<()> {
        let head = self.repo.find_reference("HEAD").context("reading HEAD")?;
        let Some(branch) = head.symbolic_target().ok().flatten() else {
            return Err(anyhow!(Hinted::new(
                "HEAD is detached, so a commit would belong to no branch",
                "check out a branch first, e.g. `git switch main`",
            )));
        };
        let subject = message.lines().next().unwrap_or_default();
        let moved = match old {
            Some(old) => {
                self.repo
                    .reference_matching(branch, new, true, old, &format!("commit: {subject}"))
            }
            None => {
                self.repo
                    .reference(branch, new, false, &format!("commit (initial): {subject}"))
            }
        };
        moved.map(|_| ()).map_err(refused)
    }
}

/// A commit git refused, and what to do about it.
fn refused(err: git2::Error) -> anyhow::Error {
    anyhow!(Hinted::new(
        format!("the commit failed: {}", err.message()),
        commit_hint(&err)
    ))
}

/// What to do about a commit git refused.
fn commit_hint(err: &git2::Error) -> String {
    let text = err.message();
    if text.contains("lock") {
        "another git process holds the branch: wait for it to finish, then run the command again"
            .to_string()
    } else if text.contains("ermission") || text.contains("read-only") {
        "soc2 cannot write to the repository's .git folder: check its permissions, then run the command again".to_string()
    } else if err.code() == ErrorCode::Modified {
        "the branch moved while soc2 was writing: run the command again".to_string()
    } else {
        "fix the cause above, then run the command again".to_string()
    }
}

/// A path staged: its blob id and mode, or `None` where it was deleted.
type Update<'a> = (&'a str, Option<(Oid, i32)>);

/// A file's stat data as git's index keeps it (ctime s, ns, mtime s, ns, dev, ino,
/// mode, uid, gid, size, each cut to 32 bits), and its mode as git stages it.
#[cfg(unix)]
fn stat_words(meta: &std::fs::Metadata) -> Option<[u32; 10]> {
    use std::os::unix::fs::MetadataExt;
    let mode = if meta.mode() & 0o100 != 0 {
        0o100755
    } else {
        0o100644
    };
    Some([
        meta.ctime() as u32,
        meta.ctime_nsec() as u32,
        meta.mtime() as u32,
        meta.mtime_nsec() as u32,
        // The device is left out, as libgit2 leaves it (git does not compare it
        // either).
        0,
        meta.ino() as u32,
        mode,
        meta.uid(),
        meta.gid(),
        meta.size() as u32,
    ])
}

#[cfg(not(unix))]
fn stat_words(_meta: &std::fs::Metadata) -> Option<[u32; 10]> {
    None
}

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
