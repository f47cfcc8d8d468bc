use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::model::paths::CONTROLS_DIR;
use soc2::model::{CONTROL_FIELDS, Control, Date, Exception};
use soc2::store::{PendingWrite, edit, records};

use super::super::args::{parse_date, parse_id};
use super::super::output::warn;
use super::super::{Context, Exit, print};

/// Record an accepted risk on a control: an exception with a reason and an end date.
///
/// Until it expires the control shows as `excepted` (never as ready); after, it is
/// judged on its own again and `soc2 check` warns (W-EXPIRED-EXCEPTION). You, by your
/// git identity, are recorded as the approver.
#[derive(Debug, Args)]
pub struct ExceptArgs {
    /// The control the exception is for
    #[arg(value_parser = parse_id)]
    pub id: String,

    /// Why the gap is accepted, and what will close it
    #[arg(long)]
    pub reason: String,

    /// The last day the exception holds
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub until: Date,
}

pub fn run(context: &Context, args: ExceptArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::existing(&root, CONTROLS_DIR, &args.id, "control")?;
    if args.until < context.today {
        bail!(Hinted::new(
            format!("{} is in the past", args.until),
            "an exception needs an end date from today on",
        ));
    }
    if args.reason.trim().is_empty() {
        bail!(Hinted::new(
            "an exception needs a reason",
            "say which gap is accepted, why, and what will close it",
        ));
    }
    let record = records::read::<Control>(&root, &path, "control")?;
    let mut change = Change::new("control-except", &args.id);
    change.writes.push(PendingWrite::replace(&path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let mut control = (*record.value).clone();
    control.exceptions.push(Exception {
        reason: args.reason.clone(),
        approved_by: identity.author.email.clone(),
        expires: args.until,
    });
    let text = edit::rewrite(&record.text, &control, CONTROL_FIELDS)
        .map_err(|reason| edit::refused(&path, &reason))?;
    change.writes = vec![PendingWrite::replace(&path, text).over(&*record.text)];
    change.details.push(format!(
        "Accept a gap in {} until {}: {}",
        args.id, args.until, args.reason
    ));
    let commit = change::apply_as(&repo, &change, &identity)?;
    // The same rules `soc2 check` applies (W-SELF-EXCEPTION, W-LONG-EXCEPTION), said now.
    if control
        .owner
        .as_deref()
        .is_some_and(|owner| soc2::duties::same_person(owner, &identity.author.email))
    {
        warn(&format!(
            "you own {}: an exception you approve yourself is flagged (W-SELF-EXCEPTION); have someone with the authority record it",
            args.id
        ));
    }
    if args.until > context.today.add_months(12) {
        warn(&format!(
            "the exception runs more than 12 months, until {} (W-LONG-EXCEPTION): a gap that long is a control that does not operate",
            args.until
        ));
    }
    print(&format!(
        "Recorded an exception for {} until {} in commit {}\n",
        args.id,
        args.until,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}
