use anyhow::Result;
use clap::Args;
use soc2::requests;

use super::super::{Context, Exit};

/// Record that the auditor rejected what was provided for a request, and why.
///
/// The request waits on the team again (it shows in `soc2 due` once past due) until
/// more is provided with `soc2 request provide`.
#[derive(Debug, Args)]
pub struct RejectArgs {
    /// The request, by ID
    pub id: String,

    /// What the auditor found missing
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
}

pub fn run(context: &Context, args: RejectArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let record = super::read(&root, &args.id)?;
    let by = repo.identity()?.author.email;
    let new = requests::reject(&record.value, context.today, &by, &args.reason)?;
    let detail = format!(
        "Rejected request {} on {}: {}",
        new.id,
        context.today,
        args.reason.trim()
    );
    super::commit(&repo, &record, &new, "request-reject", detail)
}
