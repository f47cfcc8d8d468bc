//! Atomic writes: every file is written to a temporary file beside it and renamed into
//! place, so that a reader never sees half a file; a change whose commit fails is put
//! back as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::Hinted;

/// A file the store is about to write, relative to the store's root.
#[derive(Clone, Debug)]
pub struct PendingWrite {
    pub path: String,
    pub bytes: Vec<u8>,
    /// Refuse when something is already there (new records, copied evidence).
    pub create_new: bool,
    /// For a replacement: what the file held when the command read it. Checked under
    /// the index lock, so that a change another command committed meanwhile is never
    /// overwritten.
    pub expect: Option<Vec<u8>>,
}

impl PendingWrite {
    pub fn create(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> PendingWrite {
        PendingWrite {
            path: path.into(),
            bytes: bytes.into(),
            create_new: true,
            expect: None,
        }
    }

    pub fn replace(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> PendingWrite {
        PendingWrite {
            path: path.into(),
            bytes: bytes.into(),
            create_new: false,
            expect: None,
        }
    }

    /// A replacement of the file as it was read: `old` is its text then.
    pub fn over(mut self, old: impl Into<Vec<u8>>) -> PendingWrite {
        self.expect = Some(old.into());
        self
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

/// The prefix of soc2's temporary files: one left behind was abandoned by a command
/// that was interrupted, and the next command that writes there removes it.
const TEMP_PREFIX: &str = ".soc2-tmp-";

/// What a write changed, so that it can be undone when the commit fails.
#[must_use = "keep the files or roll them back"]
pub struct Written {
    /// In the order written: the path and the bytes it held before (`None`: it did not
    /// exist).
    undo: Vec<(PathBuf, Option<Vec<u8>>)>,
    /// Folders created for the files, outermost first.
    created: Vec<PathBuf>,
}

impl Written {
    /// The files stay: the commit holds them.
    pub fn keep(self) {}

    /// Puts every written path back as it was (removing new files and the folders
    /// made for them); returns the paths it could not restore.
    pub fn roll_back(self) -> Vec<PathBuf> {
        let mut left = Vec::new();
        for (path, before) in self.undo.into_iter().rev() {
            let restored = match before {
                None => std::fs::remove_file(&path).or_else(|err| match err.kind() {
                    std::io::ErrorKind::NotFound => Ok(()),
                    _ => Err(err),
                }),
                Some(bytes) => restore(&path, &bytes),
            };
            if restored.is_err() {
                left.push(path);
            }
        }
        for dir in self.created.iter().rev() {
            // Only empty folders go: anything else in them is not soc2's.
            let _ = std::fs::remove_dir(dir);
        }
        left
    }
}

/// Writes `bytes` back over `path`, atomically, keeping its mode.
fn restore(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        std::fs::set_permissions(temp.path(), meta.permissions())?;
    }
    temp.persist(path).map(|_| ()).map_err(|e| e.error)
}

/// Removes temporary files that an interrupted soc2 left in the folders `writes` go
/// to. Only safe while the index lock is held: every soc2 that writes holds it.
pub fn sweep_temp_files(root: &Path, writes: &[PendingWrite]) {
    let mut dirs: Vec<PathBuf> = writes
        .iter()
        .filter_map(|w| root.join(&w.path).parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let abandoned = entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX)
                && entry.file_type().is_ok_and(|t| t.is_file());
            if abandoned {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Writes every file (each to a temporary file, then renamed into place), or none:
/// when one cannot be written, those already in place are put back.
pub fn write_atomic(root: &Path, writes: &[PendingWrite]) -> Result<Written> {
    for write in writes {
        refuse_links(root, &write.path)?;
    }
    for write in writes.iter().filter(|w| w.create_new) {
        if root.join(&write.path).symlink_metadata().is_ok() {
            bail!(Hinted::new(
                format!("{} already exists; not overwriting it", write.path),
                "another command may have just written it: run the command again",
            ));
        }
    }
    let mut written = Written {
        undo: Vec::new(),
        created: Vec::new(),
    };
    match write_all(root, writes, &mut written) {
        Ok(()) => Ok(written),
        Err(err) => {
            let left = written.roll_back();
            if left.is_empty() {
                Err(err)
            } else {
                Err(err.context(format!(
                    "could not put back {}",
                    left.iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
}

fn write_all(root: &Path, writes: &[PendingWrite], written: &mut Written) -> Result<()> {
    let mut prepared = Vec::with_capacity(writes.len());
    for write in writes {
        let target = root.join(&write.path);
        let dir = target
            .parent()
            .context("a store path has a parent folder")?;
        let mut missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| *d != root && !d.exists())
            .map(Path::to_path_buf)
            .collect();
        missing.reverse();
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        written.created.extend(missing);
        let mut temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        temp.write_all(&write.bytes)
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("writing {}", write.path))?;
        set_permissions(temp.path(), &target)?;
        prepared.push((temp, target, write));
    }
    crate::crash_point("temp-written");
    for (temp, target, write) in prepared {
        if write.create_new {
            temp.persist_noclobber(&target)
                .map_err(|e| e.error)
                .with_context(|| format!("{} already exists; not overwriting it", write.path))?;
            written.undo.push((target, None));
        } else {
            let before = match std::fs::read(&target) {
                Ok(bytes) => Some(bytes),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
                Err(err) => return Err(err).with_context(|| format!("reading {}", write.path)),
            };
            if write.expect.is_some() && before != write.expect {
                bail!(Hinted::new(
                    format!("{} changed while soc2 was working on it", write.path),
                    "another command changed it meanwhile: run the command again",
                ));
            }
            temp.persist(&target)
                .map_err(|e| e.error)
                .with_context(|| format!("replacing {}", write.path))?;
            written.undo.push((target, before));
        }
    }
    Ok(())
}

/// Appends `text` to a file outside the store that the environment names (GitHub's
/// job summary, `$GITHUB_STEP_SUMMARY`), creating it if need be.
pub fn append_outside(path: &Path, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// A private temporary file outside the store (the public key a signing program
/// reads), removed when dropped.
pub struct ScratchFile(tempfile::TempPath);

impl ScratchFile {
    pub fn with(bytes: &[u8]) -> Result<ScratchFile> {
        let mut file = tempfile::NamedTempFile::new().context("creating a temporary file")?;
        file.write_all(bytes).context("writing a temporary file")?;
        Ok(ScratchFile(file.into_temp_path()))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
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
