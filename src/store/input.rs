//! Files a person names on the command line (evidence to record, a policy's text): the
//! one place soc2 reads outside the store, with the same refusals everywhere.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::Hinted;
use crate::model::{LfsPointer, Sha256Hex};

/// A regular file read from outside the store.
pub struct UserFile {
    pub bytes: Vec<u8>,
    pub sha256: Sha256Hex,
    /// The file's absolute path, symbolic links in its folders resolved.
    pub absolute: PathBuf,
}

/// Reads a file given on the command line: a regular file, not a symbolic link (its
/// content could change under the record) nor a directory.
pub fn read(file: &Path) -> Result<UserFile> {
    let shown = file.display();
    refuse_other_than_file(file)?;
    let bytes = std::fs::read(file).with_context(|| format!("reading {shown}"))?;
    let absolute = file
        .canonicalize()
        .with_context(|| format!("resolving {shown}"))?;
    Ok(UserFile {
        sha256: Sha256Hex::of(&bytes),
        bytes,
        absolute,
    })
}

/// A file given on the command line, opened to be read in pieces however large: what
/// it reads is hashed and counted as it goes (`finish`).
pub struct UserFileReader {
    file: std::fs::File,
    shown: String,
    /// The file's absolute path, symbolic links in its folders resolved.
    pub absolute: PathBuf,
    hasher: sha2::Sha256,
    size: u64,
    /// The start of the file, as long as it could still be a Git LFS pointer.
    head: Vec<u8>,
}

/// What a `UserFileReader` read.
pub struct ReadSummary {
    pub sha256: Sha256Hex,
    pub size: u64,
    /// The file is a Git LFS pointer: it stands for this content.
    pub pointer: Option<LfsPointer>,
}

impl ReadSummary {
    /// The hash evidence records: the pointer's content's, or the file's own.
    pub fn content_sha256(&self) -> Sha256Hex {
        match &self.pointer {
            Some(pointer) => pointer.oid.clone(),
            None => self.sha256.clone(),
        }
    }
}

/// Opens a file given on the command line for reading in pieces, with `read`'s
/// refusals.
pub fn open(file: &Path) -> Result<UserFileReader> {
    let shown = file.display();
    refuse_other_than_file(file)?;
    let opened = std::fs::File::open(file).with_context(|| format!("reading {shown}"))?;
    let absolute = file
        .canonicalize()
        .with_context(|| format!("resolving {shown}"))?;
    Ok(UserFileReader {
        file: opened,
        shown: shown.to_string(),
        absolute,
        hasher: sha2::Sha256::default(),
        size: 0,
        head: Vec::new(),
    })
}

impl std::io::Read for UserFileReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.file.read(buf).map_err(|err| {
            std::io::Error::new(err.kind(), format!("reading {}: {err}", self.shown))
        })?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        if self.size <= LfsPointer::MAX_SIZE {
            self.head.extend_from_slice(&buf[..n]);
        } else {
            self.head = Vec::new();
        }
        Ok(n)
    }
}

impl UserFileReader {
    /// Reads what is left, then says what was read.
    pub fn finish(mut self) -> Result<ReadSummary> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        let pointer = LfsPointer::parse(&self.head);
        Ok(ReadSummary {
            sha256: Sha256Hex::from_hasher(self.hasher),
            size: self.size,
            pointer,
        })
    }
}

/// Refuses anything but a regular file: a symbolic link (its content could change
/// under the record), a directory, a device.
fn refuse_other_than_file(file: &Path) -> Result<()> {
    let shown = file.display();
    let meta = std::fs::symlink_metadata(file).with_context(|| format!("reading {shown}"))?;
    if meta.file_type().is_symlink() {
        bail!(Hinted::new(
            format!("{shown} is a symbolic link"),
            "pass the file it points to: evidence records content, and a link can change under it",
        ));
    }
    if meta.is_dir() {
        bail!(Hinted::new(
            format!("{shown} is a directory"),
            "pass the files inside it"
        ));
    }
    if !meta.is_file() {
        bail!("{shown} is not a regular file");
    }
    Ok(())
}

/// Creates `dir` (and its parents) for a new store, and returns its absolute path.
pub fn create_store_dir(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    dir.canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))
}

/// The absolute path of a folder that exists (symbolic links resolved).
pub fn resolve_dir(dir: &Path) -> Result<PathBuf> {
    dir.canonicalize()
        .with_context(|| format!("resolving {}", dir.display()))
}

/// Whether `dir` is a directory (following symbolic links, as a shell would).
pub fn is_dir(dir: &Path) -> bool {
    dir.is_dir()
}

/// The sha256 and size of a file outside the store, read in pieces however large.
pub fn hash_file(path: &Path) -> Result<(Sha256Hex, u64)> {
    use sha2::Digest;
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("reading {shown}"))?;
    if !meta.is_file() {
        bail!("{shown} is not a regular file");
    }
    let mut file = std::fs::File::open(path).with_context(|| format!("reading {shown}"))?;
    let mut hasher = sha2::Sha256::new();
    let mut size = 0u64;
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buffer)
            .with_context(|| format!("reading {shown}"))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buffer[..n]);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((Sha256Hex(hex), size))
}

/// This machine's name, for the records of commands it ran: `SOC2_HOST` when set (a
/// CI runner's name, where machines are made anew for each job), else from the kernel
/// or /etc/hostname on Unix, the environment elsewhere.
pub fn host_name() -> String {
    if let Ok(host) = std::env::var("SOC2_HOST")
        && !host.trim().is_empty()
    {
        return host.trim().to_string();
    }
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_string())
}
