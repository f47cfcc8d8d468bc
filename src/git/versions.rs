//! Files as they were in past commits, for a reader that asks for many: segregation
//! of duties reads each approved record in every commit that changed it. A commit's
//! folders are shared by all its records, so trees are kept by id once read (up to a
//! budget), and trees and files are read from the packs where they are.

use std::collections::HashMap;
use std::rc::Rc;

use anyhow::{Context, Result};
use git2::Oid;

use super::Repo;
use super::history::OidMap;
use super::pack::Packs;
use super::raw::{self, RawKind};
use super::raw_commit;

/// How many bytes of trees a reader keeps before it lets them all go.
const TREE_BUDGET: usize = 16 << 20;

/// A reader of past versions of files (see `Repo::versions`).
pub struct Versions<'r> {
    odb: git2::Odb<'r>,
    packs: Packs,
    /// Each commit's root tree, and the trees read, with the bytes they hold.
    roots: OidMap<Oid, Oid>,
    trees: OidMap<Oid, Rc<[u8]>>,
    kept: usize,
}

impl Repo {
    /// A reader of files as they were in past commits.
    pub fn versions(&self) -> Result<Versions<'_>> {
        Ok(Versions {
            odb: self.repo.odb()?,
            packs: self.packs(),
            roots: HashMap::default(),
            trees: HashMap::default(),
            kept: 0,
        })
    }
}

impl Versions<'_> {
    /// The content of `path` in `commit`, if the path is a file there.
    pub fn read(&mut self, commit: &str, path: &str) -> Result<Option<Vec<u8>>> {
        let commit = Oid::from_str(commit)?;
        let mut tree = match self.roots.get(&commit) {
            Some(tree) => *tree,
            None => {
                let tree = raw_commit::read(&mut self.packs, &self.odb, commit)?.0.tree;
                self.roots.insert(commit, tree);
                tree
            }
        };
        let mut names = path.split('/').peekable();
        while let Some(name) = names.next() {
            let object = self.tree(tree)?;
            let found = raw::find(&object, name.as_bytes()).map(|e| (e.kind(), e.oid()));
            match (found, names.peek()) {
                (Some((RawKind::File | RawKind::Symlink, id)), None) => {
                    let blob = self
                        .packs
                        .read(&self.odb, id, git2::ObjectType::Blob)
                        .with_context(|| format!("reading {path} in commit {commit}"))?;
                    return Ok(Some(blob.to_vec()));
                }
                (Some((RawKind::Tree, id)), Some(_)) => tree = id,
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    fn tree(&mut self, id: Oid) -> Result<Rc<[u8]>> {
        if let Some(tree) = self.trees.get(&id) {
            return Ok(tree.clone());
        }
        let tree = self
            .packs
            .read(&self.odb, id, git2::ObjectType::Tree)
            .with_context(|| format!("reading tree {id}"))?;
        if self.kept + tree.len() > TREE_BUDGET {
            self.trees.clear();
            self.kept = 0;
        }
        self.kept += tree.len();
        self.trees.insert(id, tree.clone());
        Ok(tree)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::testing::git;

    #[test]
    fn a_file_reads_as_each_commit_holds_it_loose_or_packed() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let mut commits = Vec::new();
        for version in 0..3 {
            std::fs::create_dir_all(dir.path().join("controls/deep")).unwrap();
            for n in 0..50 {
                let text = format!("id: AC-{n:02}\nversion: {version}\n");
                std::fs::write(dir.path().join(format!("controls/AC-{n:02}.yaml")), text).unwrap();
            }
            std::fs::write(dir.path().join("controls/deep/x.md"), "x").unwrap();
            git(dir.path(), &["add", "--all"]);
            git(dir.path(), &["commit", "-q", "-m", &format!("v{version}")]);
            commits.push(git(dir.path(), &["rev-parse", "HEAD"]).trim().to_string());
        }
        for packed in [false, true] {
            if packed {
                git(dir.path(), &["repack", "-a", "-d", "-q"]);
            }
            let repo = Repo::discover(dir.path()).unwrap().unwrap();
            let mut versions = repo.versions().unwrap();
            for commit in &commits {
                for path in [
                    "controls/AC-07.yaml",
                    "controls/AC-49.yaml",
                    "controls/deep/x.md",
                ] {
                    let shown = git(dir.path(), &["show", &format!("{commit}:{path}")]);
                    let read = versions.read(commit, path).unwrap();
                    assert_eq!(read.as_deref(), Some(shown.as_bytes()), "{commit} {path}");
                }
                // Absent, a folder, a path through a file: not a file there.
                for path in [
                    "controls/AC-50.yaml",
                    "controls/deep",
                    "controls/AC-07.yaml/x",
                    "x",
                ] {
                    assert_eq!(versions.read(commit, path).unwrap(), None, "{path}");
                }
            }
            assert!(
                versions
                    .read(&"0".repeat(40), "controls/AC-07.yaml")
                    .is_err()
            );
        }
    }
}
