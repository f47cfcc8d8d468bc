use anyhow::Result;
use clap::Args;
use soc2::model::Date;
use soc2::report::{self, Style};
use soc2::trail;

use super::args::{ListFormat, parse_date, parse_record_ref};
use super::output::{print_json, warn};
use super::{Context, Exit, print};

/// Show the audit trail: who changed what in the store, and when, from git history.
///
/// Commits made by soc2 show their action and object from the commit's trailers; other
/// commits and merges that touched the store's files show as `edit`, with the records
/// they touched. Newest first.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only changes to this control, policy, risk or evidence folder
    #[arg(value_parser = parse_record_ref)]
    pub id: Option<String>,

    /// Only changes made on or after this day
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub since: Option<Date>,

    /// Only changes made on or before this day
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub until: Option<Date>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: LogArgs) -> Result<Exit> {
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        anyhow::bail!(soc2::Hinted::new(
            format!("--since {since} is after --until {until}, so no day is in between"),
            "swap them: --since is the first day shown, --until the last",
        ));
    }
    let repo = context.repo()?;
    let entries = trail::read(
        &repo,
        context.history_start(),
        args.id.as_deref(),
        args.since,
        args.until,
    )?;
    if repo.is_shallow() {
        warn(
            "this is a shallow clone: the trail starts at its first commit, and earlier changes are not shown; `git fetch --unshallow` fetches the whole history",
        );
    }
    match args.format {
        // Written as it is serialized: a long trail is megabytes of JSON.
        ListFormat::Json => print_json(&entries)?,
        ListFormat::Table => print(&report::log::render(&entries, Style::for_stdout()))?,
    }
    // The process ends here, and the system takes its memory back at once: freeing
    // libgit2's object cache and pack windows one by one was a tenth of a long log.
    std::mem::forget(repo);
    Ok(Exit::Success)
}
