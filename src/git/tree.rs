//! The store as it is in a commit's tree; the working tree is never touched.

use std::io;
use std::path::Path;
use std::sync::Mutex;

use git2::{ErrorCode, ObjectType, Oid, Repository};

use crate::model::EntryKind;
use crate::store::{DirEntry, Source};

pub struct TreeSource {
    pub(super) label: String,
    /// The repository's git folder, opened once per thread that reads: a libgit2
    /// repository is used by one thread at a time, and files are read on every core.
    pub(super) git_dir: std::path::PathBuf,
    pub(super) repos: Vec<Mutex<Option<Repository>>>,
    pub(super) tree: Oid,
}

impl TreeSource {
    pub(super) fn new(label: String, git_dir: &Path, tree: Oid) -> TreeSource {
        let threads = rayon::current_num_threads() + 1;
        TreeSource {
            label,
            git_dir: git_dir.to_path_buf(),
            repos: (0..threads).map(|_| Mutex::new(None)).collect(),
            tree,
        }
    }

    fn with_entry<T>(
        &self,
        path: &str,
        f: impl FnOnce(&Repository, Option<git2::TreeEntry>) -> io::Result<T>,
    ) -> io::Result<T> {
        let slot = rayon::current_thread_index().map_or(0, |i| i + 1) % self.repos.len();
        let mut repo = self.repos[slot]
            .lock()
            .map_err(|_| io::Error::other("repository lock poisoned"))?;
        if repo.is_none() {
            *repo = Some(Repository::open(&self.git_dir).map_err(io::Error::other)?);
        }
        let repo = repo.as_ref().expect("opened above");
        let tree = repo.find_tree(self.tree).map_err(io::Error::other)?;
        let entry = if path.is_empty() {
            None
        } else {
            match tree.get_path(Path::new(path)) {
                Ok(entry) => Some(entry),
                Err(err) if err.code() == ErrorCode::NotFound => return f(repo, None),
                Err(err) => return Err(io::Error::other(err)),
            }
        };
        f(repo, entry)
    }
}

fn entry_kind(entry: &git2::TreeEntry) -> EntryKind {
    match (entry.kind(), entry.filemode()) {
        (Some(ObjectType::Tree), _) => EntryKind::Dir,
        (Some(ObjectType::Blob), 0o120000) => EntryKind::Symlink,
        (Some(ObjectType::Blob), _) => EntryKind::File,
        _ => EntryKind::Other,
    }
}

impl Source for TreeSource {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn list(&self, dir: &str) -> io::Result<Option<Vec<DirEntry>>> {
        self.with_entry(dir, |repo, entry| {
            let Some(entry) = entry else {
                return Ok(None);
            };
            if entry.kind() != Some(ObjectType::Tree) {
                return Ok(None);
            }
            let tree = repo.find_tree(entry.id()).map_err(io::Error::other)?;
            let entries = tree
                .iter()
                .map(|e| DirEntry {
                    name: String::from_utf8_lossy(e.name_bytes()).into_owned(),
                    kind: entry_kind(&e),
                    not_utf8: std::str::from_utf8(e.name_bytes()).is_err(),
                })
                .collect();
            Ok(Some(entries))
        })
    }

    fn kind(&self, path: &str) -> io::Result<Option<EntryKind>> {
        self.with_entry(path, |_, entry| Ok(entry.map(|e| entry_kind(&e))))
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        self.with_entry(path, |repo, entry| {
            let entry = entry.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("{path} is not in the revision"),
                )
            })?;
            let blob = repo.find_blob(entry.id()).map_err(io::Error::other)?;
            Ok(blob.content().to_vec())
        })
    }
}
