//! What git history says about records: who last changed the content an approval
//! covers, for segregation of duties.

use std::path::Path;

use anyhow::Result;

use crate::findings::{Code, Finding};
use crate::git::{ACTION_TRAILER, CommitInfo, Repo, Touched, Versions};
use crate::history;
use crate::locate;
use crate::model::paths::{
    CONTROLS_DIR, POLICIES_DIR, PROGRAM_FILE, SYSTEM_DIR, SYSTEM_DOCUMENT, SYSTEM_FILE, file_stem,
};
use crate::model::{
    Approval, ApprovalState, ContentDigest, Control, Policy, Program, Sha256Hex, SystemDescription,
    digest,
};
use crate::model::{Record, Store};
use crate::store::parse_version;

/// A record whose approved content can be traced through history.
pub enum Approvable<'a> {
    Control {
        path: &'a str,
    },
    Policy {
        path: &'a str,
        document: Option<&'a str>,
    },
    /// soc2.yaml's scope.
    Scope {
        path: &'a str,
    },
    /// The system description: its record and its text.
    System,
}

impl Approvable<'_> {
    /// The approval the record had in a commit, if it was there and parsed.
    fn approval_at(&self, versions: &mut Versions, commit: &str) -> Result<Option<Approval>> {
        let path = match self {
            Approvable::Control { path }
            | Approvable::Scope { path }
            | Approvable::Policy { path, .. } => *path,
            Approvable::System => SYSTEM_FILE,
        };
        let Some(bytes) = versions.read(commit, path)? else {
            return Ok(None);
        };
        Ok(match self {
            Approvable::Control { .. } => parse_version::<Control>(&bytes).and_then(|c| c.approval),
            Approvable::Policy { .. } => parse_version::<Policy>(&bytes).and_then(|p| p.approval),
            Approvable::Scope { .. } => {
                parse_version::<Program>(&bytes).and_then(|p| p.scope_approval)
            }
            Approvable::System => {
                parse_version::<SystemDescription>(&bytes).and_then(|s| s.approval)
            }
        })
    }

    /// The paths whose content the digest covers.
    fn paths(&self) -> Vec<String> {
        match self {
            Approvable::Control { path } | Approvable::Scope { path } => vec![path.to_string()],
            Approvable::Policy { path, document } => {
                let mut paths = vec![path.to_string()];
                paths.extend(document.map(|d| format!("{POLICIES_DIR}/{d}")));
                paths
            }
            Approvable::System => vec![SYSTEM_FILE.to_string(), SYSTEM_DOCUMENT.to_string()],
        }
    }

    /// The digest the record had in a commit, if it was there and parsed.
    fn digest_at(&self, versions: &mut Versions, commit: &str) -> Result<Option<Sha256Hex>> {
        match self {
            Approvable::Control { path } => {
                let control = versions
                    .read(commit, path)?
                    .and_then(|bytes| parse_version::<Control>(&bytes))
                    .map(|mut c| {
                        if c.id.is_empty() {
                            c.id = file_stem(path).to_string();
                        }
                        c
                    });
                Ok(control.map(|c| digest::control(&c).current))
            }
            Approvable::Scope { path } => {
                let program = versions
                    .read(commit, path)?
                    .and_then(|bytes| parse_version::<Program>(&bytes));
                Ok(program.map(|p| digest::scope(&p).current))
            }
            Approvable::Policy { path, .. } => {
                let Some(policy) = versions
                    .read(commit, path)?
                    .and_then(|bytes| parse_version::<Policy>(&bytes))
                    .map(|mut p| {
                        if p.id.is_empty() {
                            p.id = file_stem(path).to_string();
                        }
                        p
                    })
                else {
                    return Ok(None);
                };
                let document = match &policy.document {
                    Some(name) => versions.read(commit, &format!("{POLICIES_DIR}/{name}"))?,
                    None => None,
                };
                Ok(Some(digest::policy(&policy, document.as_deref()).current))
            }
            Approvable::System => {
                let Some(description) = versions
                    .read(commit, SYSTEM_FILE)?
                    .and_then(|bytes| parse_version::<SystemDescription>(&bytes))
                else {
                    return Ok(None);
                };
                let text = versions
                    .read(commit, SYSTEM_DOCUMENT)?
                    .map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
                Ok(Some(digest::system(&description, text.as_deref()).current))
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
    let touched = repo.touched(&record.paths())?;
    let touched: Vec<&Touched> = touched.iter().collect();
    author_in(&mut repo.versions()?, &touched, record, current)
}

/// `content_author` over commits already known to touch the record, newest first.
fn author_in(
    versions: &mut Versions,
    touched: &[&Touched],
    record: &Approvable,
    current: &Sha256Hex,
) -> Result<Option<CommitInfo>> {
    let mut introduced_by: Option<&CommitInfo> = None;
    for touched in touched {
        if record.digest_at(versions, &touched.commit.id)?.as_ref() != Some(current) {
            break;
        }
        introduced_by = Some(&touched.commit);
    }
    Ok(introduced_by
        .filter(|c| c.trailer(ACTION_TRAILER) != Some("init"))
        .cloned())
}

/// Whether two git identities are one person (by email, ignoring case).
pub fn same_person(a_email: &str, b_email: &str) -> bool {
    a_email.trim().eq_ignore_ascii_case(b_email.trim())
}

/// The history segregation of duties reads: every commit reachable from `start` that
/// touched controls/ or policies/, newest first (or what an earlier run kept of it in
/// `kept`). `None` in a shallow clone, which has too little history to tell who
/// changed what.
pub fn approval_history(
    repo: &Repo,
    start: &str,
    kept: Option<&Path>,
) -> Result<Option<Vec<Touched>>> {
    if repo.is_shallow() {
        return Ok(None);
    }
    let roots = [
        CONTROLS_DIR.to_string(),
        POLICIES_DIR.to_string(),
        PROGRAM_FILE.to_string(),
        SYSTEM_DIR.to_string(),
    ];
    history::kept(repo, start, "approvals", kept, || {
        repo.touched_from(start, &roots)
    })
    .map(Some)
}

/// Every approval whose `by` is neither the author nor the committer of the commit that
/// wrote it, from `touched` (see `approval_history`): an approval is recorded by the
/// approver, so another name in `by` was typed by someone else. The commit that wrote
/// it is the oldest of the newest run of commits holding it, so that an approval made
/// on a branch and merged is the branch commit's, not the merge's. Approvals in the
/// first commit predate the history (W-NO-HISTORY says so) and are not judged.
pub fn approvals_not_by_author(
    versions: &mut Versions,
    store: &Store,
    touched: &[Touched],
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let mut judge = |path: &str,
                     approval: &Approval,
                     traced: Approvable,
                     field: &str,
                     name: &str,
                     text: &str|
     -> Result<()> {
        let Some(writer) = approval_writer(versions, touched, path, approval, &traced)? else {
            return Ok(());
        };
        if same_person(&writer.author_email, &approval.by)
            || same_person(&writer.committer_email, &approval.by)
        {
            return Ok(());
        }
        findings.push(
            Finding::new(
                Code::ApprovalNotByAuthor,
                format!(
                    "{name}'s approval names {}, but the commit that wrote it ({}) is by {}",
                    approval.by,
                    writer.short_id(),
                    writer.author_email
                ),
            )
            .in_file(path)
            .at(locate::value(text, field))
            .with_source(text)
            .with_hint(format!(
                "an approval is recorded by the approver: {} runs `soc2 approve {name}` in their own checkout, or the approval is removed",
                approval.by
            )),
        );
        Ok(())
    };
    for record in &store.controls {
        if let Some(approval) = &record.value.approval {
            let traced = Approvable::Control { path: &record.path };
            judge(
                &record.path,
                approval,
                traced,
                "approval.by",
                record.stem(),
                &record.text,
            )?;
        }
    }
    for record in &store.policies {
        if let Some(approval) = &record.value.approval {
            let traced = Approvable::Policy {
                path: &record.path,
                document: record.value.document.as_deref(),
            };
            judge(
                &record.path,
                approval,
                traced,
                "approval.by",
                record.stem(),
                &record.text,
            )?;
        }
    }
    if let Some(record) = &store.program
        && let Some(approval) = &record.value.scope_approval
    {
        let traced = Approvable::Scope { path: &record.path };
        judge(
            &record.path,
            approval,
            traced,
            "scope_approval.by",
            "scope",
            &record.text,
        )?;
    }
    Ok(findings)
}

/// The commit that wrote `approval` (same person, same day) into the record at `path`:
/// `None` when it is not committed yet, or came with the first commit.
fn approval_writer<'t>(
    versions: &mut Versions,
    touched: &'t [Touched],
    path: &str,
    approval: &Approval,
    traced: &Approvable,
) -> Result<Option<&'t CommitInfo>> {
    let mut writer = None;
    for commit in touched.iter().filter(|t| t.paths.iter().any(|p| p == path)) {
        let held = traced
            .approval_at(versions, &commit.commit.id)?
            .is_some_and(|a| a.by == approval.by && a.at == approval.at);
        if !held {
            break;
        }
        writer = Some(&commit.commit);
    }
    Ok(writer.filter(|c| c.parents > 0))
}

/// Every valid approval given by the person who last changed the approved content,
/// from `touched` (see `approval_history`).
pub fn self_approvals(
    versions: &mut Versions,
    store: &Store,
    touched: &[Touched],
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    for record in &store.controls {
        let Some(approval) = &record.value.approval else {
            continue;
        };
        let content = digest::control(&record.value);
        let traced = Approvable::Control { path: &record.path };
        check(
            versions,
            touched,
            record,
            approval,
            &content,
            &traced,
            &mut findings,
        )?;
    }
    for record in &store.policies {
        let Some(approval) = &record.value.approval else {
            continue;
        };
        let content = digest::policy_in(store, &record.value);
        let traced = Approvable::Policy {
            path: &record.path,
            document: record.value.document.as_deref(),
        };
        check(
            versions,
            touched,
            record,
            approval,
            &content,
            &traced,
            &mut findings,
        )?;
    }
    if let Some(record) = &store.program
        && let Some(approval) = &record.value.scope_approval
    {
        let content = digest::scope(&record.value);
        let traced = Approvable::Scope { path: &record.path };
        check(
            versions,
            touched,
            record,
            approval,
            &content,
            &traced,
            &mut findings,
        )?;
    }
    if let (Some(record), Some(content)) = (&store.system, digest::system_in(store))
        && let Some(approval) = &record.value.approval
    {
        check(
            versions,
            touched,
            record,
            approval,
            &content,
            &Approvable::System,
            &mut findings,
        )?;
    }
    Ok(findings)
}

fn check<T>(
    versions: &mut Versions,
    touched: &[Touched],
    record: &Record<T>,
    approval: &Approval,
    content: &ContentDigest,
    traced: &Approvable,
    out: &mut Vec<Finding>,
) -> Result<()> {
    // A stale approval is reported as unapproved; only valid ones are traced.
    if ApprovalState::of(Some(approval), content) != ApprovalState::Approved {
        return Ok(());
    }
    let paths = traced.paths();
    let relevant: Vec<&Touched> = touched
        .iter()
        .filter(|t| t.paths.iter().any(|p| paths.contains(p)))
        .collect();
    let Some(author) = author_in(versions, &relevant, traced, &content.current)? else {
        return Ok(());
    };
    if same_person(&author.author_email, &approval.by) {
        let (name, field) = match traced {
            Approvable::Scope { .. } => ("scope", "scope_approval.by"),
            Approvable::System => ("system", "approval.by"),
            _ => (record.stem(), "approval.by"),
        };
        out.push(
            Finding::new(
                Code::SelfApproval,
                format!(
                    "{} was approved by {}, who last changed its content (commit {})",
                    name,
                    approval.by,
                    author.short_id()
                ),
            )
            .in_file(&record.path)
            .at(locate::value(&record.text, field))
            .with_source(&record.text)
            .with_hint(format!(
                "someone other than {} reviews it and runs `soc2 approve {name}`",
                approval.by,
            )),
        );
    }
    Ok(())
}
