//! Atomic writes: every file is written to a temporary file beside it and renamed into
//! place, so that a reader never sees half a file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::Hinted;

/// A file the store is about to write, relative to the store's root.
#[derive(Clone, Debug)]
pub struct PendingWrite {
    pub path: String,
    pub bytes: Vec<u8>,
    /// Refuse when something is already there (new records, copied evidence).
    pub create_new: bool,
}

impl PendingWrite {
    pub fn create(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> PendingWrite {
        PendingWrite {
            path: path.into(),
            bytes: bytes.into(),
            create_new: true,
        }
    }

    pub fn replace(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> PendingWrite {
        PendingWrite {
            path: path.into(),
            bytes: bytes.into(),
            create_new: false,
        }
    }
}

/// The first part of `relative` (a `/`-separated path under `root`) that is a
/// symbolic link, if any.
pub fn link_on_path(root: &Path, relative: &str) -> Option<String> {
    let mut at = root.to_path_buf();
    let mut walked = String::new();
    for part in relative.split('/') {
        at.push(part);
        if !walked.is_empty() {
            walked.push('/');
        }
        walked.push_str(part);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => return Some(walked),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// Refuses a store path that passes through a symbolic link: soc2 never reads or
/// writes through one (a link can leave the repository, and git records the link, not
/// what it points to).
pub fn refuse_links(root: &Path, relative: &str) -> Result<()> {
    if let Some(link) = link_on_path(root, relative) {
        bail!(Hinted::new(
            format!(
                "{link} is a symbolic link; soc2 does not read or write through links in the store"
            ),
            format!("replace {link} with the folder or file it points to, and commit that"),
        ));
    }
    Ok(())
}

/// Writes every file, or fails before renaming any when one cannot be prepared.
pub fn write_atomic(root: &Path, writes: &[PendingWrite]) -> Result<()> {
    for write in writes {
        refuse_links(root, &write.path)?;
    }
    for write in writes.iter().filter(|w| w.create_new) {
        if root.join(&write.path).symlink_metadata().is_ok() {
            bail!("{} already exists; not overwriting it", write.path);
        }
    }
    let mut prepared = Vec::with_capacity(writes.len());
    for write in writes {
        let target = root.join(&write.path);
        let dir = target
            .parent()
            .context("a store path has a parent folder")?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut temp = tempfile::Builder::new()
            .prefix(".soc2-")
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        temp.write_all(&write.bytes)
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("writing {}", write.path))?;
        set_permissions(temp.path(), &target)?;
        prepared.push((temp, target, write));
    }
    for (temp, target, write) in prepared {
        if write.create_new {
            temp.persist_noclobber(&target)
                .map_err(|e| e.error)
                .with_context(|| format!("{} already exists; not overwriting it", write.path))?;
        } else {
            temp.persist(&target)
                .map_err(|e| e.error)
                .with_context(|| format!("replacing {}", write.path))?;
        }
    }
    Ok(())
}

/// Temporary files are private (0600); a store's files keep the mode they had, or get
/// the usual 0644.
#[cfg(unix)]
fn set_permissions(temp: &Path, target: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(target)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    std::fs::set_permissions(temp, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting permissions on {}", temp.display()))
}

#[cfg(not(unix))]
fn set_permissions(_temp: &Path, _target: &Path) -> Result<()> {
    Ok(())
}
