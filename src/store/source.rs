//! Where the store's files come from: the working tree, or a git revision's tree (see
//! `git::TreeSource`). Paths are relative to the store's root, `/`-separated.

use std::io;
use std::path::{Path, PathBuf};

use crate::model::{EntryKind, LfsPointer, Sha256Hex};

#[derive(Clone, Debug)]
pub struct DirEntry {
    pub name: String,
    pub kind: EntryKind,
    /// The name on disk is not UTF-8: `name` shows it with replacement characters, and
    /// no file by that name can be read.
    pub not_utf8: bool,
}

pub trait Source: Sync {
    /// What the store is read from, for messages: "the working tree", "revision v1".
    fn describe(&self) -> String;

    /// The entries of a directory, or `None` when there is no such directory.
    fn list(&self, dir: &str) -> io::Result<Option<Vec<DirEntry>>>;

    /// What sits at `path`, if anything.
    fn kind(&self, path: &str) -> io::Result<Option<EntryKind>>;

    fn read(&self, path: &str) -> io::Result<Vec<u8>>;

    /// Reads the file at `path` into `bytes`, replacing what they held: a caller reading
    /// many files into one buffer makes and frees none.
    fn read_into(&self, path: &str, bytes: &mut Vec<u8>) -> io::Result<()> {
        *bytes = self.read(path)?;
        Ok(())
    }

    /// An id that changes whenever the file's content does (a git blob id), when the
    /// source knows one without reading the file: parsed records can be kept by it.
    fn content_id(&self, _path: &str) -> Option<[u8; 20]> {
        None
    }

    /// An id that changes whenever anything under the folder `dir` does (a git tree
    /// id), when the source knows one: what was made of the folder can be kept by it.
    fn folder_id(&self, _dir: &str) -> Option<[u8; 20]> {
        None
    }

    /// The working tree, as opposed to a revision: files there may be uncommitted.
    fn is_working_tree(&self) -> bool {
        false
    }

    /// A working-tree file that git's index holds, as far as the source knows without
    /// asking git (false: not known).
    fn known_to_git(&self, _path: &str) -> bool {
        false
    }

    /// The sha256 of the file at `path`. Sources that can, hash without holding the
    /// whole file, or keep the hash by the file's content id.
    fn sha256(&self, path: &str) -> io::Result<Sha256Hex> {
        Ok(Sha256Hex::of(&self.read(path)?))
    }

    /// What the file at `path` stands for: the sha256 of its bytes, or, for a Git LFS
    /// pointer (whose content was not fetched), the oid it names, with the pointer.
    fn content_hash(&self, path: &str) -> io::Result<(Sha256Hex, Option<LfsPointer>)> {
        let (sha256, bytes) = self.hash_file(path, LfsPointer::MAX_SIZE)?;
        Ok(match bytes.as_deref().and_then(LfsPointer::parse) {
            Some(pointer) => (pointer.oid.clone(), Some(pointer)),
            None => (sha256, None),
        })
    }

    /// The sha256 of the file at `path`, and its bytes when it is no larger than
    /// `keep`: one look at the file serves a caller that needs the content of small
    /// files only.
    fn hash_file(&self, path: &str, keep: u64) -> io::Result<(Sha256Hex, Option<Vec<u8>>)> {
        let bytes = self.read(path)?;
        let sha256 = Sha256Hex::of(&bytes);
        Ok((sha256, (bytes.len() as u64 <= keep).then_some(bytes)))
    }

    /// The file at `path` to read in pieces; sources that can, do not hold it whole.
    fn open(&self, path: &str) -> io::Result<Box<dyn io::Read + '_>> {
        Ok(Box::new(io::Cursor::new(self.read(path)?)))
    }
}

/// What knows the content id of a file in the working tree without reading it (git's
/// index, while the file's stat data is what git recorded).
pub trait KnownIds: Send + Sync {
    fn blob_id(&self, root: &Path, path: &str) -> Option<[u8; 20]>;

    /// Whether git's index holds `path` (staged or committed).
    fn holds(&self, path: &str) -> bool;
}

/// The files on disk under the store's root.
pub struct WorkTree {
    root: PathBuf,
    known: Option<Box<dyn KnownIds>>,
}

impl WorkTree {
    pub fn new(root: impl Into<PathBuf>) -> WorkTree {
        WorkTree {
            root: root.into(),
            known: None,
        }
    }

    /// The working tree at `root`, whose files' content ids `known` gives.
    pub fn knowing(root: impl Into<PathBuf>, known: Box<dyn KnownIds>) -> WorkTree {
        WorkTree {
            root: root.into(),
            known: Some(known),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }
}

fn kind_of(file_type: std::fs::FileType) -> EntryKind {
    if file_type.is_symlink() {
        EntryKind::Symlink
    } else if file_type.is_dir() {
        EntryKind::Dir
    } else if file_type.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    }
}

impl Source for WorkTree {
    fn describe(&self) -> String {
        "the working tree".to_string()
    }

    fn list(&self, dir: &str) -> io::Result<Option<Vec<DirEntry>>> {
        let read = match std::fs::read_dir(self.path(dir)) {
            Ok(read) => read,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) if err.kind() == io::ErrorKind::NotADirectory => return Ok(None),
            Err(err) => return Err(err),
        };
        let mut entries = Vec::new();
        for entry in read {
            let entry = entry?;
            let raw = entry.file_name();
            entries.push(DirEntry {
                name: raw.to_string_lossy().into_owned(),
                kind: kind_of(entry.file_type()?),
                not_utf8: raw.to_str().is_none(),
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(entries))
    }

    /// A path that passes through a symbolic link is the link's: soc2 never follows
    /// one in the store, so `docs/x.md` with `docs` a link is a `Symlink`.
    fn kind(&self, path: &str) -> io::Result<Option<EntryKind>> {
        let mut at = self.root.clone();
        let mut parts = path.split('/').peekable();
        while let Some(part) = parts.next() {
            at.push(part);
            let kind = match std::fs::symlink_metadata(&at) {
                Ok(meta) => kind_of(meta.file_type()),
                Err(err)
                    if matches!(
                        err.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                    ) =>
                {
                    return Ok(None);
                }
                Err(err) => return Err(err),
            };
            if parts.peek().is_none() || kind == EntryKind::Symlink {
                return Ok(Some(kind));
            }
            if kind != EntryKind::Dir {
                return Ok(None);
            }
        }
        Ok(None)
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path(path))
    }

    fn read_into(&self, path: &str, bytes: &mut Vec<u8>) -> io::Result<()> {
        use std::io::Read;
        bytes.clear();
        // Read until the end rather than sized first (as `fs::read` does): the buffer
        // is usually large enough already, and that is a system call less a file.
        let mut file = std::fs::File::open(self.path(path))?;
        Read::by_ref(&mut file).take(u64::MAX).read_to_end(bytes)?;
        Ok(())
    }

    fn is_working_tree(&self) -> bool {
        true
    }

    fn content_id(&self, path: &str) -> Option<[u8; 20]> {
        self.known.as_ref()?.blob_id(&self.root, path)
    }

    fn known_to_git(&self, path: &str) -> bool {
        self.known.as_ref().is_some_and(|k| k.holds(path))
    }

    fn sha256(&self, path: &str) -> io::Result<Sha256Hex> {
        Ok(self.hash_file(path, 0)?.0)
    }

    fn hash_file(&self, path: &str, keep: u64) -> io::Result<(Sha256Hex, Option<Vec<u8>>)> {
        let mut file = std::fs::File::open(self.path(path))?;
        let size = file.metadata()?.len();
        // Most evidence is small: read in one go. A large file streams through the
        // hash in blocks, and is never held whole.
        if size <= keep.max(1 << 20) {
            let mut bytes = Vec::with_capacity(size as usize + 1);
            io::Read::read_to_end(&mut file, &mut bytes)?;
            let sha256 = Sha256Hex::of(&bytes);
            return Ok((sha256, (bytes.len() as u64 <= keep).then_some(bytes)));
        }
        Ok((Sha256Hex::of_reader(file)?, None))
    }

    fn open(&self, path: &str) -> io::Result<Box<dyn io::Read + '_>> {
        Ok(Box::new(std::fs::File::open(self.path(path))?))
    }
}

/// A store held in memory, path to bytes: for tests, fuzzing, and front ends that hold
/// the files themselves. Folders are the paths' prefixes.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    files: std::collections::BTreeMap<String, Vec<u8>>,
}

impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// Adds or replaces the file at `path` (`/`-separated, relative to the store).
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }
}

impl Source for MemoryTree {
    fn describe(&self) -> String {
        "the files in memory".to_string()
    }

    fn list(&self, dir: &str) -> io::Result<Option<Vec<DirEntry>>> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut entries: std::collections::BTreeMap<&str, EntryKind> = Default::default();
        for path in self.files.keys().filter(|p| p.starts_with(&prefix)) {
            let rest = &path[prefix.len()..];
            let (name, kind) = match rest.split_once('/') {
                Some((name, _)) => (name, EntryKind::Dir),
                None => (rest, EntryKind::File),
            };
            if !name.is_empty() {
                entries.insert(name, kind);
            }
        }
        Ok((!entries.is_empty()).then(|| {
            entries
                .into_iter()
                .map(|(name, kind)| DirEntry {
                    name: name.to_string(),
                    kind,
                    not_utf8: false,
                })
                .collect()
        }))
    }

    fn kind(&self, path: &str) -> io::Result<Option<EntryKind>> {
        if self.files.contains_key(path) {
            return Ok(Some(EntryKind::File));
        }
        let prefix = format!("{path}/");
        Ok(self
            .files
            .range(prefix.clone()..)
            .next()
            .filter(|(p, _)| p.starts_with(&prefix))
            .map(|_| EntryKind::Dir))
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{path} is not there")))
    }
}
