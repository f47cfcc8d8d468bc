//! The one way commands change the store: check that git can take the commit, write the
//! files atomically, and commit exactly those paths with a message that says what
//! happened. Nothing else in the working tree or the index is touched.

use anyhow::{Result, anyhow, bail};

use crate::Hinted;
use crate::git::{ACTION_TRAILER, Identity, OBJECT_TRAILER, Repo};
use crate::store::{PendingWrite, refuse_links, sweep_temp_files, write_atomic};

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
    /// More trailers after `Soc2-Object`, such as one `Soc2-Evidence` per record.
    pub trailers: Vec<(&'static str, String)>,
}

impl Change {
    pub fn new(action: &'static str, object: impl Into<String>) -> Change {
        Change {
            action,
            object: object.into(),
            details: Vec::new(),
            writes: Vec::new(),
            stage: Vec::new(),
            trailers: Vec::new(),
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
            "{ACTION_TRAILER}: {}\n{OBJECT_TRAILER}: {}\n",
            self.action, self.object
        ));
        for (key, value) in &self.trailers {
            message.push_str(&format!("{key}: {value}\n"));
        }
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

    /// The git commands that commit what a change left behind when it could neither
    /// commit nor put the files back: its message with the same trailers, so that the
    /// audit trail still reads it.
    pub fn recovery(&self) -> String {
        let paths: Vec<String> = self.paths().iter().map(|p| quote(p)).collect();
        let paths = paths.join(" ");
        let mut command = format!(
            "git add -- {paths} && git commit -m {}",
            quote(&format!(
                "soc2: {} {}",
                self.action.replace('-', " "),
                self.object
            ))
        );
        if !self.details.is_empty() {
            command.push_str(&format!(" -m {}", quote(&self.details.join("\n"))));
        }
        command.push_str(&format!(
            " --trailer {} --trailer {}",
            quote(&format!("{ACTION_TRAILER}: {}", self.action)),
            quote(&format!("{OBJECT_TRAILER}: {}", self.object))
        ));
        for (key, value) in &self.trailers {
            command.push_str(&format!(" --trailer {}", quote(&format!("{key}: {value}"))));
        }
        command.push_str(&format!(" -- {paths}"));
        command
    }
}

/// A word quoted for a POSIX shell.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Checks everything that could stop the commit before writing anything.
pub fn preflight(repo: &Repo, change: &Change) -> Result<Identity> {
    repo.preflight()?;
    for path in change.paths() {
        refuse_links(repo.workdir()?, &path)?;
    }
    let identity = repo.identity()?;
    refuse_uncommitted(repo, change)?;
    Ok(identity)
}

/// A file the change rewrites must hold no change of its own: soc2's commit holds only
/// soc2's change.
fn refuse_uncommitted(repo: &Repo, change: &Change) -> Result<()> {
    for write in change.writes.iter().filter(|w| !w.create_new) {
        if !repo.is_unchanged(&write.path)? {
            bail!(Hinted::new(
                format!("{} has uncommitted changes", write.path),
                "commit or stash them first, so that soc2's commit holds only its own change",
            ));
        }
    }
    Ok(())
}

/// Checks, writes and commits the change; returns the new commit's id.
pub fn apply(repo: &Repo, change: &Change) -> Result<String> {
    let identity = preflight(repo, change)?;
    apply_as(repo, change, &identity)
}

/// Writes and commits, with an identity and checks already settled. The index lock is
/// held from before the index is read until the new one is in place, as git holds it;
/// when the commit fails, every written path is put back and nothing has changed.
pub fn apply_as(repo: &Repo, change: &Change, identity: &Identity) -> Result<String> {
    let root = repo.workdir()?;
    let lock = repo.lock_index()?;
    crate::crash_point("locked");
    // Checked again under the lock: another command may have committed meanwhile.
    refuse_uncommitted(repo, change)?;
    sweep_temp_files(root, &change.writes);
    let written = write_atomic(root, &change.writes)?;
    crate::crash_point("written");
    let paths = change.paths();
    let commit = match repo.commit_paths(&paths, &change.message(), identity, &lock) {
        Ok(commit) => commit,
        Err(err) => {
            let left = written.roll_back();
            drop(lock);
            return Err(if left.is_empty() {
                nothing_changed(err)
            } else {
                anyhow!(Hinted::new(
                    format!(
                        "{err:#}; the files written could not all be put back: {}",
                        left.iter()
                            .map(|p| p.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    format!(
                        "once the cause is fixed, commit them with `{}`, or remove them",
                        change.recovery()
                    ),
                ))
            });
        }
    };
    written.keep();
    crate::crash_point("committed");
    lock.release().map_err(|err| {
        anyhow!(Hinted::new(
            format!("committed {}, but {err:#}", &commit[..12]),
            "remove the git index lock by hand; the commit is complete",
        ))
    })?;
    Ok(commit)
}

/// The error of a change that was refused or rolled back: what went wrong, and that
/// nothing changed.
fn nothing_changed(err: anyhow::Error) -> anyhow::Error {
    let hint = err
        .chain()
        .find_map(|e| e.downcast_ref::<Hinted>())
        .map(|h| h.hint.clone());
    let message = format!("{err:#}; nothing was changed");
    match hint {
        Some(hint) => anyhow!(Hinted::new(message, hint)),
        None => anyhow!(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recovery_keeps_the_trailers() {
        let mut change = Change::new("evidence-add", "AC-01");
        change
            .details
            .push("Record AC-01/x (1 file) as evidence for AC-01".to_string());
        change
            .writes
            .push(PendingWrite::create("evidence/AC-01/x.yaml", "y"));
        change.stage.push("evidence/AC-01/it's.csv".to_string());
        assert_eq!(
            change.recovery(),
            "git add -- evidence/AC-01/x.yaml 'evidence/AC-01/it'\\''s.csv' && git commit -m 'soc2: evidence add AC-01' \
             -m 'Record AC-01/x (1 file) as evidence for AC-01' --trailer 'Soc2-Action: evidence-add' \
             --trailer 'Soc2-Object: AC-01' -- evidence/AC-01/x.yaml 'evidence/AC-01/it'\\''s.csv'"
        );
    }
}
