use anyhow::Result;
use clap::Args;
use soc2::change::{self, Change};
use soc2::internal_audit::lifecycle;
use soc2::model::ControlTest;
use soc2::store::{PendingWrite, records};

use super::super::test::find_test;
use super::super::{Context, Exit, print};
use super::{read, rewrite};

/// Record a finding's remediation: what was done, today; one commit.
#[derive(Debug, Args)]
pub struct RemediateArgs {
    /// The finding, like F-001
    pub id: String,

    /// What was done
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: String,

    /// Why it happened (required unless the finding says already)
    #[arg(long, value_name = "TEXT")]
    pub root_cause: Option<String>,
}

/// Record a passing retest of a remediated finding: a concluded, effective test of its
/// control drawn after the remediation; one commit.
#[derive(Debug, Args)]
pub struct RetestArgs {
    /// The finding, like F-001
    pub id: String,

    /// The retest, as CONTROL/DATE-SLUG (`soc2 test CONTROL` draws one)
    #[arg(long, value_name = "TEST")]
    pub test: String,
}

/// Close a finding: remediated (and, when found by testing, retested); one commit.
/// Its owner cannot close it.
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The finding, like F-001
    pub id: String,

    /// A note for the commit message
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn remediate(context: &Context, args: RemediateArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let record = read(&root, &args.id)?;
    let updated = lifecycle::remediate(
        &record.value,
        context.today,
        &args.message,
        args.root_cause.as_deref(),
    )?;
    let mut change = Change::new("finding-remediate", &updated.id);
    change
        .details
        .push(format!("Remediate {}: {}", updated.id, args.message.trim()));
    change.writes.push(PendingWrite::replace(
        &record.path,
        rewrite(&record, &updated)?,
    ));
    let commit = change::apply(&repo, &change)?;
    let next = if updated.source.needs_retest() {
        format!(
            "Next: test {} again once the fix has operated (`soc2 test {}`), then `soc2 finding retest {} --test TEST`",
            updated.control, updated.control, updated.id
        )
    } else {
        format!(
            "Next: someone other than {} closes it: `soc2 finding close {}`",
            updated.owner, updated.id
        )
    };
    print(&format!(
        "{} is remediated as of {}, in commit {}\n{next}\n",
        updated.id,
        context.today,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

pub fn retest(context: &Context, args: RetestArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let record = read(&root, &args.id)?;
    let (test_path, test_id) = find_test(&root, &args.test)?;
    let test = records::read::<ControlTest>(&root, &test_path, "test")?.value;
    let updated = lifecycle::retest(&record.value, &test_id, &test)?;
    let mut change = Change::new("finding-retest", &updated.id);
    change.details.push(format!(
        "Retest {}: {test_id} concluded effective",
        updated.id
    ));
    change.writes.push(PendingWrite::replace(
        &record.path,
        rewrite(&record, &updated)?,
    ));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "{} is retested by {test_id}, in commit {}\nNext: someone other than {} closes it: `soc2 finding close {}`\n",
        updated.id,
        &commit[..12],
        updated.owner,
        updated.id
    ))?;
    Ok(Exit::Success)
}

pub fn close(context: &Context, args: CloseArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let record = read(&root, &args.id)?;
    let mut change = Change::new("finding-close", &record.value.id);
    change
        .writes
        .push(PendingWrite::replace(&record.path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let updated = lifecycle::close(&record.value, &identity.author.email, context.today)?;
    change
        .details
        .push(format!("Close {}: {}", updated.id, updated.title));
    if let Some(message) = args.message {
        change.details.push(message);
    }
    change.writes = vec![PendingWrite::replace(
        &record.path,
        rewrite(&record, &updated)?,
    )];
    let commit = change::apply_as(&repo, &change, &identity)?;
    print(&format!(
        "Closed {} in commit {}\n",
        updated.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}
