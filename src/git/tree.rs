//! The store as it is in a commit's tree; the working tree is never touched. Each
//! folder is read once (its raw tree object, parsed for all its names); files are read
//! by their blob id. Readers on several threads each use their own handle on the
//! repository, so loading in parallel takes no lock but the caches'. Sources of many
//! commits of one repository (a timeline) share a `TreeCache`: a folder or a file's
//! hash that did not change between them is not read again.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use git2::{Oid, Repository};

use super::raw::{self, RawKind};
use crate::model::{EntryKind, LfsPointer, Sha256Hex};
use crate::store::{DirEntry, Generations, Source};

pub struct TreeSource {
    pub(super) label: String,
    /// The repository's git directory, for each thread's own handle.
    pub(super) git_dir: PathBuf,
    pub(super) tree: Oid,
    /// Folders read so far, by path ("" is the root).
    pub(super) folders: RwLock<HashMap<String, Arc<Folder>>>,
    pub(super) shared: Arc<TreeCache>,
}

/// What reading several trees of one repository shares: folders by tree id, and the
/// sha256 of files by blob id. Ids name content, so neither can go stale. Folders are
/// kept for two generations (`next_generation`): a series of commits reads each
/// commit's folders, and only those of the commits just before are worth keeping.
#[derive(Default)]
pub struct TreeCache {
    folders: Generations<Oid, Arc<Folder>>,
    /// A blob's sha256, and the Git LFS pointer it is, if it is one.
    hashes: RwLock<HashMap<Oid, (Sha256Hex, Option<LfsPointer>)>>,
}

impl TreeCache {
    /// Starts a new generation: folders not read since the last call are dropped at the
    /// next one.
    pub fn next_generation(&self) {
        self.folders.next_generation();
    }
}

/// One folder of the tree: its entries, sorted by name.
pub(super) struct Folder {
    entries: Vec<Entry>,
}

/// An entry of a tree object.
pub(super) struct Entry {
    name: String,
    kind: EntryKind,
    id: Oid,
    /// The name's bytes are not UTF-8 (`name` holds them lossily).
    not_utf8: bool,
}

impl Folder {
    fn find(&self, name: &str) -> Option<(EntryKind, Oid)> {
        self.entries
            .binary_search_by(|e| e.name.as_str().cmp(name))
            .ok()
            .map(|i| (self.entries[i].kind, self.entries[i].id))
    }
}

thread_local! {
    /// This thread's handle on a repository (git2 handles are not shared between
    /// threads): reopened when another repository is read.
    static REPOSITORY: RefCell<Option<(PathBuf, Repository)>> = const { RefCell::new(None) };
}

impl TreeSource {
    pub(super) fn new(
        label: String,
        git_dir: PathBuf,
        tree: Oid,
        shared: Arc<TreeCache>,
    ) -> TreeSource {
        TreeSource {
            label,
            git_dir,
            tree,
            folders: RwLock::new(HashMap::new()),
            shared,
        }
    }

    /// The raw bytes of an object, through this thread's repository handle.
    fn object(&self, id: Oid) -> io::Result<Vec<u8>> {
        self.with_odb(|odb| Ok(odb.read(id).map_err(io::Error::other)?.data().to_vec()))
    }

    /// An object's size, from its header: the object is not inflated.
    fn object_size(&self, id: Oid) -> io::Result<u64> {
        self.with_odb(|odb| Ok(odb.read_header(id).map_err(io::Error::other)?.0 as u64))
    }

    fn with_odb<T>(&self, f: impl FnOnce(&git2::Odb) -> io::Result<T>) -> io::Result<T> {
        REPOSITORY.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.as_ref().is_none_or(|(dir, _)| dir != &self.git_dir) {
                let repo = Repository::open(&self.git_dir).map_err(io::Error::other)?;
                *slot = Some((self.git_dir.clone(), repo));
            }
            let (_, repo) = slot.as_ref().expect("opened above");
            f(&repo.odb().map_err(io::Error::other)?)
        })
    }

    /// The folder at `path`, read once; `None` when there is no folder there.
    fn folder(&self, path: &str) -> io::Result<Option<Arc<Folder>>> {
        let known = self.folders.read().ok().and_then(|f| f.get(path).cloned());
        if let Some(folder) = known {
            return Ok(Some(folder));
        }
        let id = if path.is_empty() {
            self.tree
        } else {
            match self.entry(path)? {
                Some((EntryKind::Dir, id)) => id,
                _ => return Ok(None),
            }
        };
        let folder = match self.shared.folders.get(&id) {
            Some(folder) => folder,
            None => {
                let folder = Arc::new(Folder {
                    entries: parse_tree(&self.object(id)?),
                });
                self.shared.folders.insert(id, folder.clone());
                folder
            }
        };
        self.folders
            .write()
            .map_err(|_| io::Error::other("the folder cache is poisoned"))?
            .insert(path.to_string(), folder.clone());
        Ok(Some(folder))
    }

    /// Drops the folder at `dir` (not the root) from what this source and its cache
    /// keep: a reader done with a folder frees it. It is read again if asked for.
    pub(crate) fn forget(&self, dir: &str) {
        if dir.is_empty() {
            return;
        }
        if let Ok(Some((EntryKind::Dir, id))) = self.entry(dir) {
            self.shared.folders.remove(&id);
        }
        if let Ok(mut folders) = self.folders.write() {
            folders.remove(dir);
        }
    }

    /// What sits at `path`, and its id.
    fn entry(&self, path: &str) -> io::Result<Option<(EntryKind, Oid)>> {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        // The folder read before, found without taking a reference to it: on every
        // core at once, a shared count would be the slow part.
        if let Ok(folders) = self.folders.read()
            && let Some(folder) = folders.get(parent)
        {
            return Ok(folder.find(name));
        }
        Ok(self.folder(parent)?.and_then(|f| f.find(name)))
    }
}

/// The entries of a raw tree object, sorted by name. Ids are 20 bytes: `Repo::discover`
/// refuses SHA-256 repositories.
fn parse_tree(data: &[u8]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = raw::entries(data)
        .map(|e| Entry {
            name: String::from_utf8_lossy(e.name).into_owned(),
            kind: match e.kind() {
                RawKind::Tree => EntryKind::Dir,
                RawKind::Symlink => EntryKind::Symlink,
                RawKind::Gitlink => EntryKind::Other,
                RawKind::File => EntryKind::File,
            },
            id: e.oid(),
            not_utf8: std::str::from_utf8(e.name).is_err(),
        })
        .collect();
    // git orders folders as if their names ended in `/`; lookups want plain order.
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    entries
}

impl Source for TreeSource {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn list(&self, dir: &str) -> io::Result<Option<Vec<DirEntry>>> {
        Ok(self.folder(dir)?.map(|folder| {
            folder
                .entries
                .iter()
                .map(|e| DirEntry {
                    name: e.name.clone(),
                    kind: e.kind,
                    not_utf8: e.not_utf8,
                })
                .collect()
        }))
    }

    fn kind(&self, path: &str) -> io::Result<Option<EntryKind>> {
        if path.is_empty() {
            return Ok(Some(EntryKind::Dir));
        }
        Ok(self.entry(path)?.map(|(kind, _)| kind))
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        match self.entry(path)? {
            Some((EntryKind::File | EntryKind::Symlink, id)) => self.object(id),
            _ => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{path} is not in the revision"),
            )),
        }
    }

    fn content_id(&self, path: &str) -> Option<[u8; 20]> {
        match self.entry(path).ok()?? {
            (EntryKind::File, id) => id.as_bytes().try_into().ok(),
            _ => None,
        }
    }

    fn folder_id(&self, dir: &str) -> Option<[u8; 20]> {
        let id = if dir.is_empty() {
            self.tree
        } else {
            match self.entry(dir).ok()?? {
                (EntryKind::Dir, id) => id,
                _ => return None,
            }
        };
        id.as_bytes().try_into().ok()
    }

    fn hash_file(&self, path: &str, keep: u64) -> io::Result<(Sha256Hex, Option<Vec<u8>>)> {
        let small = match self.entry(path)? {
            Some((EntryKind::File, id)) => self.object_size(id)? <= keep,
            _ => true,
        };
        if small {
            let bytes = self.read(path)?;
            return Ok((Sha256Hex::of(&bytes), Some(bytes)));
        }
        Ok((self.sha256(path)?, None))
    }

    fn sha256(&self, path: &str) -> io::Result<Sha256Hex> {
        Ok(self.hashes(path)?.0)
    }

    fn content_hash(&self, path: &str) -> io::Result<(Sha256Hex, Option<LfsPointer>)> {
        let (sha256, pointer) = self.hashes(path)?;
        Ok(match pointer {
            Some(pointer) => (pointer.oid.clone(), Some(pointer)),
            None => (sha256, None),
        })
    }
}

impl TreeSource {
    /// A file's sha256 and the LFS pointer it is, kept by blob id.
    fn hashes(&self, path: &str) -> io::Result<(Sha256Hex, Option<LfsPointer>)> {
        let Some((EntryKind::File, id)) = self.entry(path)? else {
            let bytes = self.read(path)?;
            return Ok((Sha256Hex::of(&bytes), LfsPointer::parse(&bytes)));
        };
        if let Some(known) = self
            .shared
            .hashes
            .read()
            .ok()
            .and_then(|s| s.get(&id).cloned())
        {
            return Ok(known);
        }
        let bytes = self.object(id)?;
        let hashes = (Sha256Hex::of(&bytes), LfsPointer::parse(&bytes));
        if let Ok(mut shared) = self.shared.hashes.write() {
            shared.insert(id, hashes.clone());
        }
        Ok(hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_sort_plainly_for_lookups() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let blob = repo.blob(b"x").unwrap();
        let mut inner = repo.treebuilder(None).unwrap();
        inner.insert("f", blob, 0o100644).unwrap();
        let inner = inner.write().unwrap();
        let mut root = repo.treebuilder(None).unwrap();
        for name in ["a.b", "a0"] {
            root.insert(name, blob, 0o100644).unwrap();
        }
        root.insert("a", inner, 0o040000).unwrap();
        let root = root.write().unwrap();
        let source = TreeSource::new(
            "test".into(),
            repo.path().to_path_buf(),
            root,
            Arc::default(),
        );
        assert_eq!(source.kind("a").unwrap(), Some(EntryKind::Dir));
        assert_eq!(source.kind("a0").unwrap(), Some(EntryKind::File));
        assert_eq!(source.read("a/f").unwrap(), b"x");
        assert_eq!(source.kind("a/g").unwrap(), None);
        let names: Vec<String> = source
            .list("")
            .unwrap()
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["a", "a.b", "a0"]);

        // A folder forgotten is read again when asked for.
        source.forget("a");
        assert!(source.folders.read().unwrap().get("a").is_none());
        assert_eq!(source.read("a/f").unwrap(), b"x");
        source.forget("");
        assert_eq!(source.kind("a.b").unwrap(), Some(EntryKind::File));
    }
}
