//! The git index lock, taken as git takes it: `index.lock` is created exclusively
//! before the index is read and removed once the new index is in place, so that no
//! other git process, and no other soc2, writes the index in between. A second writer
//! waits a bounded time for the lock, then gives up with nothing changed.

use std::cell::Cell;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};

use crate::Hinted;

/// The index lock, held until `release` or drop. The new index is written to a
/// scratch file beside the index, and moved over it by `install` just before the
/// branch moves; dropped without `release`, the lock puts the old index back.
pub struct IndexLock {
    index: PathBuf,
    lock: PathBuf,
    scratch: PathBuf,
    /// The index as it was, while a new one is installed.
    backup: PathBuf,
    installed: Cell<bool>,
    held: bool,
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The error of a lock that stayed taken: another git process, or one that was
/// interrupted and left its lock behind.
fn locked(shown: &str, waited: Duration) -> anyhow::Error {
    anyhow!(Hinted::new(
        format!("the git index is locked ({shown} exists): another git process is running"),
        format!(
            "wait for it to finish (soc2 waited {} s); if no git process is running, one was interrupted: remove {shown}, then `soc2 check` names anything it left",
            waited.as_secs_f64()
        ),
    ))
}

impl IndexLock {
    /// Takes the lock of the index at `index`, waiting up to `wait` for another
    /// process to release it. `shown` names the lock file in messages.
    pub fn acquire(index: &Path, shown: &str, wait: Duration) -> Result<IndexLock> {
        let lock = with_suffix(index, ".lock");
        wait_for(shown, wait, || {
            match OpenOptions::new().write(true).create_new(true).open(&lock) {
                Ok(mut file) => {
                    // Git ignores what a lock holds; soc2 says whose it is, so that
                    // the next soc2 can take back a lock an interrupted one left.
                    let _ = file.write_all(marker().as_bytes());
                    Ok(true)
                }
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    if abandoned_by_soc2(&lock) {
                        let _ = std::fs::remove_file(&lock);
                    }
                    Ok(false)
                }
                Err(err) => Err(err).with_context(|| format!("creating {shown}")),
            }
        })?;
        sweep_abandoned(index);
        let pid = std::process::id();
        Ok(IndexLock {
            scratch: with_suffix(index, &format!(".soc2-new-{pid}")),
            backup: with_suffix(index, &format!(".soc2-old-{pid}")),
            index: index.to_path_buf(),
            lock,
            installed: Cell::new(false),
            held: true,
        })
    }

    /// Waits up to `wait` for nobody to hold the lock of the index at `index`, without
    /// taking it: for checks made before a command does work it cannot undo.
    pub fn wait_until_free(index: &Path, shown: &str, wait: Duration) -> Result<()> {
        let lock = with_suffix(index, ".lock");
        wait_for(shown, wait, || {
            Ok(!lock.exists() || abandoned_by_soc2(&lock))
        })
    }

    /// A file holding the current index, for the new index to be written to: a hard
    /// link to the index (no bytes copied; writing replaces the link, never the index),
    /// or a copy where links are not supported. It does not exist when the repository
    /// has no index yet.
    pub fn scratch(&self) -> Result<&Path> {
        let _ = std::fs::remove_file(&self.scratch);
        if self.index.exists() && std::fs::hard_link(&self.index, &self.scratch).is_err() {
            std::fs::copy(&self.index, &self.scratch)
                .with_context(|| format!("copying {}", self.index.display()))?;
        }
        Ok(&self.scratch)
    }

    /// Moves the new index (written to the scratch file) into place, keeping the old
    /// one aside until `release`: done before the branch moves, so that an interrupted
    /// command leaves its files staged, never committed but missing from the index
    /// (where git's next commit would delete them).
    pub fn install(&self) -> Result<()> {
        if !self.scratch.exists() {
            return Ok(());
        }
        let _ = std::fs::remove_file(&self.backup);
        if self.index.exists() {
            std::fs::hard_link(&self.index, &self.backup)
                .or_else(|_| std::fs::copy(&self.index, &self.backup).map(|_| ()))
                .with_context(|| format!("keeping a copy of {}", self.index.display()))?;
        }
        std::fs::rename(&self.scratch, &self.index)
            .with_context(|| format!("writing {}", self.index.display()))?;
        self.installed.set(true);
        Ok(())
    }

    /// The change is committed: the new index stays, and the lock is released.
    pub fn release(mut self) -> Result<()> {
        self.held = false;
        let _ = std::fs::remove_file(&self.backup);
        let _ = std::fs::remove_file(&self.scratch);
        std::fs::remove_file(&self.lock)
            .with_context(|| format!("removing {}", self.lock.display()))
    }
}

impl Drop for IndexLock {
    /// A lock given up: the index is put back as it was.
    fn drop(&mut self) {
        if !self.held {
            return;
        }
        if self.installed.get() {
            if self.backup.exists() {
                let _ = std::fs::rename(&self.backup, &self.index);
            } else {
                let _ = std::fs::remove_file(&self.index);
            }
        }
        let _ = std::fs::remove_file(&self.scratch);
        let _ = std::fs::remove_file(with_suffix(&self.scratch, ".lock"));
        let _ = std::fs::remove_file(&self.backup);
        let _ = std::fs::remove_file(&self.lock);
    }
}

/// What soc2 writes in a lock it holds: `soc2 pid=123 host=name`.
fn marker() -> String {
    format!("soc2 pid={} host={}\n", std::process::id(), host_name())
}

/// This machine's name, as far as it can be told without a system call of its own.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|n| n.trim().to_string())
        .unwrap_or_default()
}

/// A lock a soc2 on this machine took and never released: its process is gone (a
/// `kill -9`, a Ctrl-C at a signing program's passphrase prompt). Any other lock,
/// git's or one whose owner may be alive, is waited for.
fn abandoned_by_soc2(lock: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(lock) else {
        return false;
    };
    let Some(rest) = text.trim_end().strip_prefix("soc2 pid=") else {
        return false;
    };
    let Some((pid, host)) = rest.split_once(" host=") else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    host == host_name() && pid != std::process::id() && !process_alive(pid)
}

/// Whether a process runs: /proc where there is one, `kill -0` elsewhere on Unix;
/// where neither answers, it is taken to run.
fn process_alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .map_or(true, |s| s.success())
}

/// Removes what an interrupted soc2 left beside the index (its scratch and backup
/// copies): with the lock held, nobody else is using them.
fn sweep_abandoned(index: &Path) {
    let (Some(dir), Some(name)) = (index.parent(), index.file_name()) else {
        return;
    };
    let prefix = format!("{}.soc2-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Polls `ready` until it says yes or `wait` has passed, backing off from 5 ms to
/// 100 ms between tries.
fn wait_for(shown: &str, wait: Duration, mut ready: impl FnMut() -> Result<bool>) -> Result<()> {
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(5);
    loop {
        if ready()? {
            return Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(locked(shown, wait));
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a new index to the scratch file, as libgit2 does: a new file renamed
    /// over it, never a write through the link.
    fn write_new_index(lock: &IndexLock, bytes: &[u8]) {
        let scratch = lock.scratch().unwrap().to_path_buf();
        let temp = scratch.with_extension("tmp");
        std::fs::write(&temp, bytes).unwrap();
        std::fs::rename(&temp, &scratch).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_second_lock_waits_then_fails_and_the_first_releases_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index");
        std::fs::write(&index, b"old").unwrap();
        let first = IndexLock::acquire(&index, "index.lock", Duration::ZERO).unwrap();
        let started = Instant::now();
        let second = IndexLock::acquire(&index, "index.lock", Duration::from_millis(50));
        assert!(second.is_err());
        assert!(started.elapsed() >= Duration::from_millis(50));
        write_new_index(&first, b"new");
        assert_eq!(std::fs::read(&index).unwrap(), b"old");
        first.install().unwrap();
        assert_eq!(std::fs::read(&index).unwrap(), b"new");
        first.release().unwrap();
        assert_eq!(std::fs::read(&index).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["index"]);
        IndexLock::wait_until_free(&index, "index.lock", Duration::ZERO).unwrap();
    }

    #[test]
    fn a_lock_an_interrupted_soc2_left_is_taken_back() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index");
        std::fs::write(&index, b"old").unwrap();
        let lock = dir.path().join("index.lock");
        // A process that has ended, on this machine.
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        std::fs::write(&lock, format!("soc2 pid={gone} host={}\n", host_name())).unwrap();
        IndexLock::acquire(&index, "index.lock", Duration::from_secs(5))
            .unwrap()
            .release()
            .unwrap();
        // Git's own locks, and a soc2 that still runs, are waited for.
        for text in [
            String::new(),
            format!("soc2 pid={} host={}\n", std::process::id(), host_name()),
        ] {
            std::fs::write(&lock, text).unwrap();
            assert!(IndexLock::acquire(&index, "index.lock", Duration::from_millis(20)).is_err());
        }
    }

    #[test]
    fn a_lock_given_up_puts_the_index_back() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index");
        std::fs::write(&index, b"old").unwrap();
        {
            let lock = IndexLock::acquire(&index, "index.lock", Duration::ZERO).unwrap();
            write_new_index(&lock, b"new");
            lock.install().unwrap();
            assert_eq!(std::fs::read(&index).unwrap(), b"new");
        }
        assert_eq!(std::fs::read(&index).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["index"]);
    }

    #[test]
    fn a_first_index_given_up_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("index");
        {
            let lock = IndexLock::acquire(&index, "index.lock", Duration::ZERO).unwrap();
            write_new_index(&lock, b"new");
            lock.install().unwrap();
        }
        assert!(names(dir.path()).is_empty());
    }
}
