//! What git history says about records: who last changed the content an approval
//! covers, for segregation of duties.

use anyhow::Result;

use crate::git::{CommitInfo, Repo};
use crate::model::{Control, Policy, Sha256Hex, digest};
use crate::store::POLICIES_DIR;

/// A record whose approved content can be traced through history.
pub enum Approvable<'a> {
    Control { path: &'a str },
    Policy { path: &'a str },
}

impl Approvable<'_> {
    /// The paths whose content the digest covers (a policy's document included; the
    /// document may have had another name in the past, so the file's folder is used).
    fn paths(&self) -> Vec<String> {
        match self {
            Approvable::Control { path } => vec![path.to_string()],
            Approvable::Policy { path } => vec![path.to_string(), POLICIES_DIR.to_string()],
        }
    }

    /// The digest the record had in a commit, if it was there and parsed.
    fn digest_at(&self, repo: &Repo, commit: &str) -> Result<Option<Sha256Hex>> {
        match self {
            Approvable::Control { path } => {
                let Some(bytes) = repo.read_at(commit, path)? else {
                    return Ok(None);
                };
                let parsed = std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|t| serde_yaml::from_str::<Control>(t).ok());
                Ok(parsed.map(|c| digest::control(&c)))
            }
            Approvable::Policy { path } => {
                let Some(bytes) = repo.read_at(commit, path)? else {
                    return Ok(None);
                };
                let Some(policy) = std::str::from_utf8(&bytes)
                    .ok()
                    .and_then(|t| serde_yaml::from_str::<Policy>(t).ok())
                else {
                    return Ok(None);
                };
                let document = match &policy.document {
                    Some(name) => repo.read_at(commit, &format!("{POLICIES_DIR}/{name}"))?,
                    None => None,
                };
                Ok(Some(digest::policy(&policy, document.as_deref())))
            }
        }
    }
}

/// The commit that gave the record its `current` content, unless that content came
/// from the starter library (`soc2 init`) or predates the history available.
pub fn content_author(
    repo: &Repo,
    record: &Approvable,
    current: &Sha256Hex,
) -> Result<Option<CommitInfo>> {
    let mut introduced_by: Option<CommitInfo> = None;
    for touched in repo.touched(&record.paths())? {
        if record.digest_at(repo, &touched.commit.id)?.as_ref() != Some(current) {
            break;
        }
        introduced_by = Some(touched.commit);
    }
    Ok(introduced_by.filter(|c| c.trailer("Soc2-Action") != Some("init")))
}

/// Whether two git identities are one person (by email, ignoring case).
pub fn same_person(a_email: &str, b_email: &str) -> bool {
    a_email.trim().eq_ignore_ascii_case(b_email.trim())
}
