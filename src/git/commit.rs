//! The one write path: commit exactly the paths a command wrote, through the index so
//! git's filters apply, leaving every other staged or unstaged change alone.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use git2::{ErrorCode, ObjectType, Oid, Repository, Tree};

use super::{Identity, Repo};
use crate::Hinted;

impl Repo {
    /// Commits exactly `paths` (as they are in the working tree; a missing file is a
    /// deletion) on top of HEAD, leaving every other staged or unstaged change alone.
    /// The index is updated for those paths only, so `git status` shows them clean.
    pub fn commit_paths(
        &self,
        paths: &[String],
        message: &str,
        identity: &Identity,
    ) -> Result<String> {
        let workdir = self.workdir()?.to_path_buf();
        let parent = match self.repo.head() {
            Ok(head) => Some(
                head.peel_to_commit()
                    .context("reading the commit HEAD points to")?,
            ),
            Err(err)
                if err.code() == ErrorCode::UnbornBranch || err.code() == ErrorCode::NotFound =>
            {
                None
            }
            Err(err) => return Err(err).context("reading HEAD"),
        };
        let base_tree = parent
            .as_ref()
            .map(|c| c.tree())
            .transpose()
            .context("reading HEAD's tree")?;

        // Staging through the index applies git's filters (line endings, attributes),
        // so the committed blob is exactly what `git status` compares against.
        let mut index = self.repo.index().context("reading the git index")?;
        let mut updates = Vec::with_capacity(paths.len());
        for path in paths {
            if workdir.join(path).exists() {
                index
                    .add_path(Path::new(path))
                    .with_context(|| format!("staging {path}"))?;
                let entry = index
                    .get_path(Path::new(path), 0)
                    .context("a staged path is in the index")?;
                updates.push((path.as_str(), Some((entry.id, entry.mode as i32))));
            } else {
                index
                    .remove_path(Path::new(path))
                    .with_context(|| format!("unstaging {path}"))?;
                updates.push((path.as_str(), None));
            }
        }
        let tree_id = build_tree(&self.repo, base_tree.as_ref(), &updates)?;
        let tree = self.repo.find_tree(tree_id)?;
        index
            .write()
            .context("writing the git index (is another git process running?)")?;

        let author = identity.author.signature()?;
        let committer = identity.committer.signature()?;
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let oid = self
            .repo
            .commit(Some("HEAD"), &author, &committer, message, &tree, &parents)
            .map_err(|err| {
                anyhow!(Hinted::new(
                    format!(
                        "the files were written and staged but the commit failed: {}",
                        err.message()
                    ),
                    format!(
                        "commit them yourself with `git commit -m '{}' -- {}`",
                        first_line(message),
                        paths.join(" ")
                    ),
                ))
            })?;
        Ok(oid.to_string())
    }
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or_default()
}

type Update<'a> = (&'a str, Option<(Oid, i32)>);

/// Writes the tree `base` with `updates` applied (a `None` entry removes the path),
/// rewriting only the trees on the updated paths.
fn build_tree(repo: &Repository, base: Option<&Tree>, updates: &[Update]) -> Result<Oid> {
    let mut groups: BTreeMap<&str, Vec<Update>> = BTreeMap::new();
    for (path, target) in updates {
        let (head, rest) = path.split_once('/').unwrap_or((path, ""));
        groups.entry(head).or_default().push((rest, *target));
    }
    let mut builder = repo.treebuilder(base)?;
    for (name, group) in groups {
        if let [("", target)] = group.as_slice() {
            match target {
                Some((oid, mode)) => {
                    builder.insert(name, *oid, *mode)?;
                }
                None => {
                    if builder.get(name)?.is_some() {
                        builder.remove(name)?;
                    }
                }
            }
            continue;
        }
        let subtree = match base.and_then(|t| t.get_name(name)) {
            Some(entry) if entry.kind() == Some(ObjectType::Tree) => {
                Some(repo.find_tree(entry.id())?)
            }
            _ => None,
        };
        let sub_id = build_tree(repo, subtree.as_ref(), &group)?;
        if repo.find_tree(sub_id)?.is_empty() {
            if builder.get(name)?.is_some() {
                builder.remove(name)?;
            }
        } else {
            builder.insert(name, sub_id, 0o040000)?;
        }
    }
    Ok(builder.write()?)
}
