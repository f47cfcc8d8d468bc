//! Atomic writes: every file is written to a temporary file beside it and renamed into
//! place, so that a reader never sees half a file; a change whose commit fails is put
//! back as it was. Besides the store's own files, a set of documents can be written into
//! a folder of their own (`write_dir`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, bail};

use crate::Hinted;
use crate::model::Sha256Hex;

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
    /// The content is already in a temporary file beside the path (`bytes` is empty).
    pub staged: Option<Staged>,
}

impl PendingWrite {
    pub fn create(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> PendingWrite {
        PendingWrite {
            path: path.into(),
            bytes: bytes.into(),
            create_new: true,
            expect: None,
            staged: None,
        }
    }

    /// A new file whose content was copied in pieces to a temporary file beside it
    /// (`StagedFile`): renamed into place when the change is written.
    pub fn staged(path: impl Into<String>, staged: Staged) -> PendingWrite {
        PendingWrite {
            path: path.into(),
            bytes: Vec::new(),
            create_new: true,
            expect: None,
            staged: Some(staged),
        }
    }

    pub fn replace(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> PendingWrite {
        PendingWrite {
            path: path.into(),
            bytes: bytes.into(),
            create_new: false,
            expect: None,
            staged: None,
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

/// A file being written in pieces to a temporary file beside its place in the store,
/// before the change that places it is made: a large evidence file is copied, never
/// held in memory. What is written is hashed and counted. While the process lives the
/// temporary file is locked, so that another command sweeping abandoned temporary
/// files leaves it alone; dropped unused, it is removed with the folders made for it.
pub struct StagedFile {
    path: String,
    temp: Option<tempfile::NamedTempFile>,
    hasher: sha2::Sha256,
    size: u64,
    /// Folders made for the file, outermost first.
    created: Vec<PathBuf>,
}

/// A staged file, written in full: what `PendingWrite::staged` places.
#[derive(Clone, Debug)]
pub struct Staged(Arc<Mutex<Option<StagedFile>>>);

impl std::fmt::Debug for StagedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagedFile")
            .field("path", &self.path)
            .field("size", &self.size)
            .finish()
    }
}

impl StagedFile {
    /// Starts the file at `path` (relative to `root`), refusing a path through a
    /// symbolic link or one where something already is.
    pub fn create(root: &Path, path: &str) -> Result<StagedFile> {
        refuse_links(root, path)?;
        let target = root.join(path);
        if target.symlink_metadata().is_ok() {
            bail!(Hinted::new(
                format!("{path} already exists; not overwriting it"),
                "another command may have just written it: run the command again",
            ));
        }
        let dir = target
            .parent()
            .context("a store path has a parent folder")?;
        let mut created: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| *d != root && !d.exists())
            .map(Path::to_path_buf)
            .collect();
        created.reverse();
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut staged = StagedFile {
            path: path.to_string(),
            temp: None,
            hasher: sha2::Sha256::default(),
            size: 0,
            created,
        };
        let temp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        lock_in_use(temp.as_file());
        staged.temp = Some(temp);
        Ok(staged)
    }

    /// Flushes the file to disk; returns it with the sha256 and size of what was
    /// written.
    pub fn finish(mut self) -> Result<(Staged, Sha256Hex, u64)> {
        let temp = self.temp.as_mut().context("a staged file is open")?;
        temp.as_file()
            .sync_all()
            .with_context(|| format!("writing {}", self.path))?;
        let hasher = std::mem::take(&mut self.hasher);
        let size = self.size;
        Ok((
            Staged(Arc::new(Mutex::new(Some(self)))),
            Sha256Hex::from_hasher(hasher),
            size,
        ))
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let temp = self
            .temp
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the staged file is closed"))?;
        let n = temp.write(buf).map_err(|err| {
            std::io::Error::new(err.kind(), format!("writing {}: {err}", self.path))
        })?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.temp.as_mut() {
            Some(temp) => temp.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for StagedFile {
    fn drop(&mut self) {
        // An unused temporary file goes (NamedTempFile removes it), then the folders
        // made for it, if nothing else is in them.
        drop(self.temp.take());
        for dir in self.created.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

impl Staged {
    /// The temporary file and the folders made for it, once: the caller places it.
    fn take(&self) -> Result<(tempfile::NamedTempFile, Vec<PathBuf>)> {
        let mut slot = self
            .0
            .lock()
            .map_err(|_| anyhow::anyhow!("a staged file's lock is poisoned"))?;
        let mut staged = slot
            .take()
            .context("a staged file is placed once, and it was already placed")?;
        let temp = staged
            .temp
            .take()
            .context("a staged file is placed once, and it was already placed")?;
        Ok((temp, std::mem::take(&mut staged.created)))
    }

    /// The temporary file's path, while it is staged.
    fn temp_path(&self) -> Option<PathBuf> {
        let slot = self.0.lock().ok()?;
        Some(slot.as_ref()?.temp.as_ref()?.path().to_path_buf())
    }
}

/// Locks a temporary file for as long as this process keeps it open: a sweep leaves
/// locked files alone (`in_use`).
#[cfg(unix)]
fn lock_in_use(file: &std::fs::File) {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this process owns; failure only means no lock.
    unsafe {
        libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB);
    }
}

#[cfg(not(unix))]
fn lock_in_use(_file: &std::fs::File) {}

/// Whether another live process (or another handle of this one) holds a temporary
/// file's lock.
#[cfg(unix)]
fn in_use(path: &Path) -> bool {
    use std::os::unix::io::AsRawFd;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    // SAFETY: flock on a descriptor this function owns; closing it releases the lock.
    let locked = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    locked != 0
}

#[cfg(not(unix))]
fn in_use(_path: &Path) -> bool {
    false
}

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
    let own: Vec<PathBuf> = writes
        .iter()
        .filter_map(|w| w.staged.as_ref()?.temp_path())
        .collect();
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
                && entry.file_type().is_ok_and(|t| t.is_file())
                && !own.contains(&entry.path())
                && !in_use(&entry.path());
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
        let temp = match &write.staged {
            Some(staged) => {
                let (temp, created) = staged.take()?;
                // Made when the file was staged: they go if the change is rolled back.
                for folder in created {
                    if !written.created.contains(&folder) {
                        written.created.push(folder);
                    }
                }
                temp
            }
            None => {
                let mut temp = tempfile::Builder::new()
                    .prefix(TEMP_PREFIX)
                    .tempfile_in(dir)
                    .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
                temp.write_all(&write.bytes)
                    .and_then(|()| temp.as_file().sync_all())
                    .with_context(|| format!("writing {}", write.path))?;
                temp
            }
        };
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

/// Writes one file outside the store (a report), atomically: a temporary file beside
/// it, renamed into place. Its folder must exist.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let shown = path.display();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if path.symlink_metadata().is_ok_and(|m| m.is_dir()) {
        bail!(Hinted::new(
            format!("{shown} is a folder"),
            "name the file to write",
        ));
    }
    if !dir.is_dir() {
        bail!(Hinted::new(
            format!("{} is not a folder", dir.display()),
            "create it first, or name a file in a folder that exists",
        ));
    }
    let mut temp = tempfile::Builder::new()
        .prefix(".soc2-")
        .tempfile_in(&dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("writing {shown}"))?;
    set_permissions(temp.path(), path)?;
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("placing {shown}"))?;
    Ok(())
}

/// What to do with a folder that already holds files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Write only into a new or empty folder.
    Refuse,
    /// Write into any folder, replacing files of the same names; others stay.
    Replace,
}

/// Writes a set of files (plain names) into `dir`, a new or empty folder (or any
/// folder, with `Existing::Replace`), all or nothing: each file is written to a
/// temporary name beside its place and renamed there once every one is written. On a
/// failure the files and folders this call created are removed.
pub fn write_dir(dir: &Path, files: &[(String, Vec<u8>)], existing: Existing) -> Result<()> {
    for (name, _) in files {
        let plain = !name.is_empty()
            && name != "."
            && name != ".."
            && !name.contains(['/', '\\'])
            && !name.starts_with(".soc2-");
        if !plain {
            bail!("`{name}` is not a plain file name");
        }
    }
    let shown = dir.display();
    let created = match std::fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => bail!(Hinted::new(
            format!("{shown} is not a folder"),
            "name a new or empty folder to write to",
        )),
        Ok(_) => {
            refuse_occupied(dir, files, existing)?;
            None
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            // The outermost folder this call creates, to remove on failure.
            let top = dir
                .ancestors()
                .take_while(|a| !a.as_os_str().is_empty() && a.symlink_metadata().is_err())
                .last()
                .unwrap_or(dir)
                .to_path_buf();
            std::fs::create_dir_all(dir).with_context(|| format!("creating {shown}"))?;
            Some(top)
        }
        Err(err) => return Err(err).with_context(|| format!("reading {shown}")),
    };
    let mut placed = Vec::new();
    let written = write_files(dir, files, existing, &mut placed);
    if written.is_err() {
        for path in &placed {
            let _ = std::fs::remove_file(path);
        }
        if let Some(top) = created {
            let _ = std::fs::remove_dir_all(top);
        }
    }
    written
}

/// Refuses a folder that holds anything, or, when replacing, one whose entry of a
/// name to write is not a file.
fn refuse_occupied(dir: &Path, files: &[(String, Vec<u8>)], existing: Existing) -> Result<()> {
    let shown = dir.display();
    let mut entries: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {shown}"))?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("reading {shown}"))?;
    entries.sort();
    match existing {
        Existing::Refuse if !entries.is_empty() => {
            let listed: Vec<&str> = entries.iter().take(3).map(String::as_str).collect();
            let more = entries.len() - listed.len();
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            bail!(Hinted::new(
                format!("{shown} is not empty: {}{more}", listed.join(", ")),
                "write to a new or empty folder, or pass --force to replace the files of the same names in it",
            ))
        }
        Existing::Refuse => Ok(()),
        Existing::Replace => {
            for (name, _) in files {
                let path = dir.join(name);
                if path.symlink_metadata().is_ok_and(|m| !m.is_file()) {
                    bail!(Hinted::new(
                        format!("{} is not a file, so it cannot be replaced", path.display()),
                        "move it away, or write to another folder",
                    ));
                }
            }
            Ok(())
        }
    }
}

/// Writes every file to a temporary name, then renames each into place; `placed`
/// collects the new files (not the replaced ones) already renamed, for the caller to
/// remove on failure.
fn write_files(
    dir: &Path,
    files: &[(String, Vec<u8>)],
    existing: Existing,
    placed: &mut Vec<PathBuf>,
) -> Result<()> {
    let mut prepared = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let target = dir.join(name);
        let mut temp = tempfile::Builder::new()
            .prefix(".soc2-")
            .tempfile_in(dir)
            .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
        temp.write_all(bytes)
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("writing {}", target.display()))?;
        set_permissions(temp.path(), &target)?;
        prepared.push((temp, target));
    }
    for (temp, target) in prepared {
        let is_new = target.symlink_metadata().is_err();
        let persisted = match existing {
            Existing::Refuse => temp.persist_noclobber(&target),
            Existing::Replace => temp.persist(&target),
        };
        persisted
            .map_err(|e| e.error)
            .with_context(|| format!("placing {}", target.display()))?;
        if is_new {
            placed.push(target);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(names: &[&str]) -> Vec<(String, Vec<u8>)> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("{n}\n").into_bytes()))
            .collect()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_new_folder_and_its_parents_are_made() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join("a/b");
        write_dir(&dir, &files(&["x.json", "y.json"]), Existing::Refuse).unwrap();
        assert_eq!(listing(&dir), ["x.json", "y.json"]);
        assert_eq!(std::fs::read(dir.join("y.json")).unwrap(), b"y.json\n");
    }

    #[test]
    fn a_folder_with_files_is_refused_unless_replacing() {
        let temp = tempfile::tempdir().unwrap();
        std::fs::write(temp.path().join("x.json"), "mine").unwrap();
        std::fs::write(temp.path().join("keep.txt"), "mine").unwrap();
        let err = write_dir(temp.path(), &files(&["x.json"]), Existing::Refuse).unwrap_err();
        assert!(
            err.to_string().contains("is not empty: keep.txt, x.json"),
            "{err}"
        );
        assert_eq!(std::fs::read(temp.path().join("x.json")).unwrap(), b"mine");

        write_dir(temp.path(), &files(&["x.json"]), Existing::Replace).unwrap();
        assert_eq!(listing(temp.path()), ["keep.txt", "x.json"]);
        assert_eq!(
            std::fs::read(temp.path().join("x.json")).unwrap(),
            b"x.json\n"
        );

        std::fs::create_dir(temp.path().join("d.json")).unwrap();
        let err = write_dir(temp.path(), &files(&["d.json"]), Existing::Replace).unwrap_err();
        assert!(err.to_string().contains("is not a file"), "{err}");
    }

    #[test]
    fn a_failure_leaves_nothing_behind() {
        let temp = tempfile::tempdir().unwrap();
        // The second `x.json` cannot be placed: the first is there already.
        let dir = temp.path().join("new/docs");
        let err = write_dir(
            &dir,
            &files(&["x.json", "y.json", "x.json"]),
            Existing::Refuse,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("placing"), "{err:#}");
        assert_eq!(listing(temp.path()), Vec::<String>::new());

        let empty = temp.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        write_dir(&empty, &files(&["x.json", "x.json"]), Existing::Refuse).unwrap_err();
        assert_eq!(listing(&empty), Vec::<String>::new());
    }

    fn temp_names(dir: &Path) -> Vec<String> {
        listing(dir)
            .into_iter()
            .filter(|n| n.starts_with(TEMP_PREFIX))
            .collect()
    }

    #[test]
    fn a_staged_file_is_placed_by_the_write_or_leaves_nothing() {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path();
        let mut staged = StagedFile::create(root, "evidence/AC-01/big.bin").unwrap();
        for _ in 0..4 {
            staged.write_all(&[7u8; 1000]).unwrap();
        }
        let (staged, sha256, size) = staged.finish().unwrap();
        assert_eq!((sha256, size), (Sha256Hex::of(&[7u8; 4000]), 4000));
        let folder = root.join("evidence/AC-01");
        assert_eq!(temp_names(&folder).len(), 1);
        // Another command's sweep leaves a file in use alone, and removes an abandoned one.
        std::fs::write(folder.join(format!("{TEMP_PREFIX}abandoned")), "x").unwrap();
        let other = [PendingWrite::create("evidence/AC-01/r.yaml", "x")];
        sweep_temp_files(root, &other);
        assert_eq!(temp_names(&folder).len(), 1);

        let writes = [PendingWrite::staged("evidence/AC-01/big.bin", staged)];
        sweep_temp_files(root, &writes);
        let written = write_atomic(root, &writes).unwrap();
        assert_eq!(listing(&folder), ["big.bin"]);
        assert_eq!(std::fs::read(folder.join("big.bin")).unwrap(), [7u8; 4000]);
        // A commit that fails puts everything back, the folders made too.
        assert!(written.roll_back().is_empty());
        assert_eq!(listing(root), Vec::<String>::new());

        // Never placed: nothing stays, not even the folders made for it.
        let mut unused = StagedFile::create(root, "evidence/AC-02/x.bin").unwrap();
        unused.write_all(b"partial").unwrap();
        assert_eq!(temp_names(&root.join("evidence/AC-02")).len(), 1);
        drop(unused);
        assert_eq!(listing(root), Vec::<String>::new());
    }

    #[test]
    fn names_must_be_plain() {
        let temp = tempfile::tempdir().unwrap();
        for name in ["../x.json", "a/b.json", "", ".."] {
            let err = write_dir(temp.path(), &files(&[name]), Existing::Replace).unwrap_err();
            assert!(err.to_string().contains("not a plain file name"), "{err}");
        }
        assert_eq!(listing(temp.path()), Vec::<String>::new());
    }
}
