use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::model::paths::POLICIES_DIR;
use soc2::model::{Date, POLICY_FIELDS, Policy};
use soc2::store::{PendingWrite, edit, records};

use super::super::args::{parse_date, parse_id};
use super::super::{Context, Exit, print};

/// Record that a policy was reviewed: sets `last_reviewed` and nothing else.
///
/// A review keeps the policy's approval (the digest does not cover the review date)
/// and its version.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// The policy that was reviewed
    #[arg(value_parser = parse_id)]
    pub id: String,

    /// The day of the review (default: today)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub date: Option<Date>,

    /// What the review concluded, for the commit message
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn run(context: &Context, args: ReviewArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::existing(&root, POLICIES_DIR, &args.id, "policy")?;
    let record = records::read::<Policy>(&root, &path, "policy")?;
    let date = args.date.unwrap_or(context.today);
    if date > context.today {
        bail!(Hinted::new(
            format!("the review date {date} is after today ({})", context.today),
            "record a review once it has happened",
        ));
    }
    if record.value.last_reviewed.is_some_and(|d| d >= date) {
        bail!(Hinted::new(
            format!(
                "{} was already reviewed on {}",
                args.id,
                record.value.last_reviewed.unwrap_or(date)
            ),
            "a review is recorded once; pass --date for a later review",
        ));
    }
    let mut policy = (*record.value).clone();
    policy.last_reviewed = Some(date);
    let text = edit::rewrite(&record.text, &policy, POLICY_FIELDS)
        .map_err(|reason| edit::refused(&path, &reason))?;
    let mut change = Change::new("policy-review", &args.id);
    change.details.push(format!(
        "Reviewed on {date}; next review due {}",
        policy.review_every().after(date)
    ));
    if let Some(message) = args.message {
        change.details.push(message);
    }
    change
        .writes
        .push(PendingWrite::replace(&path, text).over(&*record.text));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Recorded the review of {} on {date} in commit {}\n",
        args.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}
