//! Git LFS, as far as soc2 needs it: files the repository's attributes hand to LFS
//! (`filter=lfs`) are committed as LFS pointers, their content kept in git's LFS
//! object store as `git lfs` keeps it, and an object's content can be checked when it
//! is there.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use git2::AttrCheckFlags;

use super::Repo;
use crate::model::{LfsPointer, Sha256Hex};

impl Repo {
    /// Whether git's attributes send `path` to Git LFS (`filter=lfs`), read before
    /// anything is staged, as git reads them when it adds a file: a folder's
    /// `.gitattributes` from the working tree, or from the index where the working
    /// tree has none. libgit2 would load the whole index for this, though only its
    /// `.gitattributes` entries count (on an index of 300,000 files that load was a
    /// third of `evidence add`), and would apply an index's copy even beside the
    /// working tree's; a second handle on the repository is given just the entries
    /// git reads.
    pub fn is_lfs_path(&self, path: &str) -> Result<bool> {
        self.lfs_rules()?.sends(path)
    }

    /// The attributes `is_lfs_path` reads, read once for asking about many paths.
    pub(super) fn lfs_rules(&self) -> Result<LfsRules<'_>> {
        let side = match self.attribute_index()? {
            Some(mut index) => {
                let side = self.reopen()?;
                side.repo
                    .set_index(&mut index)
                    .context("reading git's attributes")?;
                Some(side)
            }
            None => None,
        };
        Ok(LfsRules { repo: self, side })
    }

    /// Where the LFS object of `oid` is kept: `.git/lfs/objects/ab/cd/abcd...`.
    fn lfs_object_path(&self, oid: &Sha256Hex) -> PathBuf {
        self.repo
            .path()
            .join("lfs")
            .join("objects")
            .join(&oid.0[..2])
            .join(&oid.0[2..4])
            .join(&oid.0)
    }

    /// The pointer git commits for `content`, its content stored as an LFS object
    /// (unless it already is), as `git lfs`'s clean filter does.
    pub(super) fn lfs_clean(&self, content: &[u8]) -> Result<LfsPointer> {
        let pointer = LfsPointer::of(content);
        let object = self.lfs_object_path(&pointer.oid);
        if !object.is_file() {
            let dir = object.parent().expect("an object path has a folder");
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            let mut temp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("writing an LFS object in {}", dir.display()))?;
            std::io::Write::write_all(&mut temp, content)
                .and_then(|_| temp.as_file().sync_all())
                .with_context(|| format!("writing an LFS object in {}", dir.display()))?;
            temp.persist(&object)
                .map_err(|e| e.error)
                .with_context(|| format!("writing {}", object.display()))?;
        }
        Ok(pointer)
    }

    /// The sha256 of the local LFS object of `oid`, read in pieces; `None` when it was
    /// not fetched.
    pub fn lfs_object_sha256(&self, oid: &Sha256Hex) -> Result<Option<Sha256Hex>> {
        use sha2::Digest;
        let path = self.lfs_object_path(oid);
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        let mut hasher = sha2::Sha256::new();
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = file
                .read(&mut buffer)
                .with_context(|| format!("reading {}", path.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
        }
        let hex: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Some(Sha256Hex(hex)))
    }
}

/// Git's attributes as `git add` reads them (see `Repo::is_lfs_path`): a second handle
/// on the repository holding the index's attribute files git reads, or the repository
/// itself when its index is one soc2 does not read.
pub(super) struct LfsRules<'a> {
    repo: &'a Repo,
    side: Option<Repo>,
}

impl LfsRules<'_> {
    /// Whether the attributes send `path` to Git LFS.
    pub(super) fn sends(&self, path: &str) -> Result<bool> {
        let repo = self.side.as_ref().unwrap_or(self.repo);
        let value = repo
            .repo
            .get_attr(Path::new(path), "filter", AttrCheckFlags::FILE_THEN_INDEX)
            .with_context(|| format!("reading git's attributes for {path}"))?;
        Ok(value == Some("lfs"))
    }

    /// Stores the working tree's file at `full` as a blob, through git's filters (line
    /// endings, attributes), as `git add` does; the attributes are read as `sends`
    /// reads them.
    pub(super) fn blob_of(&self, full: &Path) -> Result<git2::Oid> {
        let repo = self.side.as_ref().unwrap_or(self.repo);
        Ok(repo.repo.blob_path(full)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::git;

    /// `is_lfs_path` answers as `git check-attr` does, with attribute files in the
    /// working tree, only in the index, changed since staged, in a folder, or nowhere
    /// (with an index or without one).
    #[test]
    fn attributes_are_read_as_git_reads_them() {
        type File<'a> = (&'a str, Option<&'a str>, bool);
        let cases: &[(&str, &[File])] = &[
            ("none", &[]),
            (
                "an index without attributes",
                &[("notes.txt", Some("notes\n"), true)],
            ),
            (
                "an index naming a link",
                &[
                    ("link.txt", Some("notes\n"), true),
                    (".gitattributes", None, true),
                ],
            ),
            (
                "worktree",
                &[(".gitattributes", Some("*.bin filter=lfs\n"), false)],
            ),
            ("index only", &[(".gitattributes", None, true)]),
            (
                "staged then changed",
                &[(".gitattributes", Some("*.txt filter=lfs\n"), true)],
            ),
            (
                "folder",
                &[("evidence/.gitattributes", Some("*.bin filter=lfs\n"), true)],
            ),
            (
                "folder overrides",
                &[
                    (".gitattributes", Some("*.bin filter=lfs\n"), true),
                    ("evidence/.gitattributes", Some("*.bin -filter\n"), false),
                ],
            ),
        ];
        for (name, files) in cases {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path();
            git(root, &["init", "-q"]);
            std::fs::create_dir_all(root.join("evidence/AC-01")).unwrap();
            for (path, worktree, staged) in *files {
                if *staged {
                    // What the index holds: LFS for .bin files.
                    std::fs::write(root.join(path), "*.bin filter=lfs\n").unwrap();
                    git(root, &["add", path]);
                }
                match worktree {
                    Some(text) => std::fs::write(root.join(path), text).unwrap(),
                    None => std::fs::remove_file(root.join(path)).unwrap(),
                }
            }
            let repo = Repo {
                repo: git2::Repository::open(root).unwrap(),
            };
            for path in ["evidence/AC-01/a.bin", "evidence/AC-01/a.txt", "a.bin"] {
                let said = git(root, &["check-attr", "filter", "--", path]);
                let by_git = said.trim_end().ends_with(": filter: lfs");
                assert_eq!(
                    repo.is_lfs_path(path).unwrap(),
                    by_git,
                    "{name}: {path}: {said}"
                );
            }
        }
    }
}
