//! The one way commands change the store: check that git can take the commit, write the
//! files atomically, and commit exactly those paths with a message that says what
//! happened. Nothing else in the working tree or the index is touched.

use anyhow::{Result, bail};

use crate::Hinted;
use crate::git::{Identity, Repo};
use crate::store::{PendingWrite, refuse_links, write_atomic};

/// A change to the store, made as one commit.
pub struct Change {
    /// The `Soc2-Action` trailer, e.g. `evidence-add`.
    pub action: &'static str,
    /// The `Soc2-Object` trailer: the ID the change is about.
    pub object: String,
    /// Lines for the commit body, saying what changed.
    pub details: Vec<String>,
    pub writes: Vec<PendingWrite>,
    /// Files already in the working tree that the change records as they are.
    pub stage: Vec<String>,
}

impl Change {
    pub fn new(action: &'static str, object: impl Into<String>) -> Change {
        Change {
            action,
            object: object.into(),
            details: Vec::new(),
            writes: Vec::new(),
            stage: Vec::new(),
        }
    }

    /// `soc2: evidence add AC-01`, the body, then the trailers.
    pub fn message(&self) -> String {
        let mut message = format!(
            "soc2: {} {}\n\n",
            self.action.replace('-', " "),
            self.object
        );
        if !self.details.is_empty() {
            message.push_str(&self.details.join("\n"));
            message.push_str("\n\n");
        }
        message.push_str(&format!(
            "Soc2-Action: {}\nSoc2-Object: {}\n",
            self.action, self.object
        ));
        message
    }

    /// Every path the commit holds.
    pub fn paths(&self) -> Vec<String> {
        self.writes
            .iter()
            .map(|w| w.path.clone())
            .chain(self.stage.iter().cloned())
            .collect()
    }
}

/// Checks everything that could stop the commit before writing anything.
pub fn preflight(repo: &Repo, change: &Change) -> Result<Identity> {
    repo.preflight()?;
    for path in change.paths() {
        refuse_links(repo.workdir()?, &path)?;
    }
    let identity = repo.identity()?;
    for write in change.writes.iter().filter(|w| !w.create_new) {
        if !repo.is_unchanged(&write.path)? {
            bail!(Hinted::new(
                format!("{} has uncommitted changes", write.path),
                "commit or stash them first, so that soc2's commit holds only its own change",
            ));
        }
    }
    Ok(identity)
}

/// Checks, writes and commits the change; returns the new commit's id.
pub fn apply(repo: &Repo, change: &Change) -> Result<String> {
    let identity = preflight(repo, change)?;
    apply_as(repo, change, &identity)
}

/// Writes and commits, with an identity and checks already settled.
pub fn apply_as(repo: &Repo, change: &Change, identity: &Identity) -> Result<String> {
    write_atomic(repo.workdir()?, &change.writes)?;
    repo.commit_paths(&change.paths(), &change.message(), identity)
}
