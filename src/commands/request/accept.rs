use anyhow::Result;
use clap::Args;
use soc2::requests;

use super::super::{Context, Exit};

/// Record that the auditor accepted what was provided for a request.
#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// The request, by ID
    pub id: String,

    /// A note from the auditor, kept with the request
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn run(context: &Context, args: AcceptArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let record = super::read(&root, &args.id)?;
    let by = repo.identity()?.author.email;
    let new = requests::accept(&record.value, context.today, &by, args.message.as_deref())?;
    let detail = format!("Accepted request {} on {}", new.id, context.today);
    super::commit(&repo, &record, &new, "request-accept", detail)
}
