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
    /// Whether git's attributes send `path` to Git LFS (`filter=lfs`).
    pub fn is_lfs_path(&self, path: &str) -> Result<bool> {
        let value = self
            .repo
            .get_attr(Path::new(path), "filter", AttrCheckFlags::FILE_THEN_INDEX)
            .with_context(|| format!("reading git's attributes for {path}"))?;
        Ok(value == Some("lfs"))
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
