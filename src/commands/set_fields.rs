//! What every `set` command does once it has the record's new fields: nothing when
//! they are unchanged, otherwise the file rewritten with its comments kept, one commit,
//! and a line per field changed.

use anyhow::Result;
use serde::Serialize;
use soc2::change::{self, Change};
use soc2::git::Repo;
use soc2::model::Record;
use soc2::store::{PendingWrite, edit};

use super::{Exit, print};

/// A record's fields before and after a `set` command.
pub struct Edited<'a, T> {
    /// The record as read, its text included.
    pub record: &'a Record<T>,
    pub path: &'a str,
    pub id: &'a str,
    pub new: T,
    /// The record's fields in the order the tool writes them.
    pub fields: &'a [&'a str],
    /// The `Soc2-Action` of the commit: `control-set`, `policy-set`, ...
    pub action: &'static str,
}

/// Commits `edited` (after `check` accepts the new fields), or says there is nothing
/// to commit.
pub fn commit<T: Serialize + PartialEq>(
    repo: &Repo,
    edited: Edited<T>,
    check: impl FnOnce(&T) -> Result<()>,
) -> Result<Exit> {
    let Edited {
        record,
        path,
        id,
        new,
        fields,
        action,
    } = edited;
    let old = &*record.value;
    if &new == old {
        print(&format!(
            "{id} already has those values; nothing to commit\n"
        ))?;
        return Ok(Exit::Success);
    }
    check(&new)?;
    let text =
        edit::rewrite(&record.text, &new, fields).map_err(|reason| edit::refused(path, &reason))?;
    let mut change = Change::new(action, id);
    change.details = edit::describe_changes(old, &new, fields);
    change
        .writes
        .push(PendingWrite::replace(path, text).over(&*record.text));
    let commit = change::apply(repo, &change)?;
    print(&format!(
        "Updated {id} in commit {}\n  {}\n",
        &commit[..12],
        change.details.join("\n  ")
    ))?;
    Ok(Exit::Success)
}
