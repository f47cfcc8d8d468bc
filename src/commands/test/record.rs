use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::internal_audit::testing::{self, sampled_evidence};
use soc2::model::{ControlTest, ItemResult, TEST_FIELDS};
use soc2::store::{PendingWrite, edit, records};

use super::super::{Context, Exit, print};
use super::find_test;

/// Record the result of one sampled item of a test; one commit.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("result").required(true).args(["pass", "exception"])))]
pub struct RecordArgs {
    /// The test, as CONTROL/DATE-SLUG (what `soc2 test CONTROL` printed)
    pub test: String,

    /// The item's number in the sample
    #[arg(long, value_name = "N")]
    pub item: usize,

    /// The item passed: the control operated as its procedure says
    #[arg(long)]
    pub pass: bool,

    /// The item is an exception: say what was wrong
    #[arg(long, value_name = "TEXT")]
    pub exception: Option<String>,

    /// A note on a passing item (what was inspected)
    #[arg(long, value_name = "TEXT", conflicts_with = "exception")]
    pub note: Option<String>,
}

pub fn run(context: &Context, args: RecordArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let (path, id) = find_test(&root, &args.test)?;
    let record = records::read::<ControlTest>(&root, &path, "test")?;
    let (result, note) = match args.exception {
        Some(text) => (ItemResult::Exception, Some(text)),
        None => (ItemResult::Pass, args.note),
    };
    let updated = testing::record(&record.value, &id, args.item, result, note)?;
    let mut change = Change::new("test-record", &record.value.control);
    change.writes.push(PendingWrite::replace(&path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    refuse_conflict(context, &record.value, &identity.author.email)?;
    let text = edit::rewrite(&record.text, &updated, TEST_FIELDS)
        .map_err(|reason| edit::refused(&path, &reason))?;
    change.writes = vec![PendingWrite::replace(&path, text)];
    let item = &updated.sample[args.item - 1];
    change.details.push(format!(
        "Item {} ({}) of {id}: {}{}",
        item.item,
        item.id,
        result.as_str(),
        item.note
            .as_deref()
            .map(|n| format!(": {n}"))
            .unwrap_or_default()
    ));
    let commit = change::apply_as(&repo, &change, &identity)?;
    let left = updated.unrecorded();
    print(&format!(
        "Recorded item {} of {id} as {} in commit {}\n{}\n",
        args.item,
        result.as_str(),
        &commit[..12],
        if left.is_empty() {
            format!("Every item is recorded: soc2 test conclude {id}")
        } else {
            format!(
                "{} to record: {}",
                soc2::report::plural(left.len(), "item"),
                left.iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ))?;
    Ok(Exit::Success)
}

/// Segregation of duties for recording and concluding: the person may neither own the
/// control nor have written evidence in the sample.
pub(super) fn refuse_conflict(context: &Context, test: &ControlTest, person: &str) -> Result<()> {
    let (store, history, _) = context.judged()?.valid()?;
    let Some(control) = store.control(&test.control) else {
        return Ok(());
    };
    if let Some(conflict) = testing::duty_conflict(
        &store,
        &history,
        &control.value,
        &sampled_evidence(test),
        person,
    ) {
        bail!(Hinted::new(
            conflict,
            "segregation of duties: the tester neither owns the control nor collected its sampled evidence",
        ));
    }
    Ok(())
}
