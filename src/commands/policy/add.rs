use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use soc2::change::{self, Change};
use soc2::model::paths::POLICIES_DIR;
use soc2::model::{Interval, Policy};
use soc2::schema::Kind;
use soc2::store::{PendingWrite, input, records};

use super::super::args::{parse_id, parse_interval};
use super::super::{Context, Exit, print};

/// Add a policy: its record and its document, committed together.
///
/// The document is copied from --document, or starts as an outline of the sections a
/// policy needs, for you to write.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The new policy's ID, like POL-ACCESS
    #[arg(value_parser = parse_id)]
    pub id: String,

    /// The policy's name, like "Access Control Policy"
    #[arg(long)]
    pub title: String,

    /// The person accountable for the policy
    #[arg(long)]
    pub owner: Option<String>,

    /// One or two sentences on what the policy governs
    #[arg(long)]
    pub description: Option<String>,

    /// How often it must be reviewed, like 365d, 6m or 1y
    #[arg(long, value_parser = parse_interval, default_value = "365d")]
    pub review_every: Interval,

    /// A Markdown file holding the policy text, copied to policies/<ID>.md
    #[arg(long, value_name = "FILE")]
    pub document: Option<PathBuf>,
}

pub fn run(context: &Context, args: AddArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::new_id(&root, POLICIES_DIR, &args.id, "policy")?;
    let document_name = format!("{}.md", args.id);
    let document_path = format!("{POLICIES_DIR}/{document_name}");
    let document = match &args.document {
        Some(file) => input::read(file)?.bytes,
        None => outline(&args.title).into_bytes(),
    };
    let policy = Policy {
        id: args.id.clone(),
        title: args.title,
        description: args.description,
        owner: args.owner,
        version: 1,
        document: Some(document_name),
        review_every: Some(args.review_every),
        last_reviewed: None,
        approval: None,
        notes: None,
    };
    let mut change = Change::new("policy-add", &policy.id);
    change
        .details
        .push(format!("Add policy {}: {}", policy.id, policy.title));
    change.writes.push(PendingWrite::create(
        &path,
        records::new_file(&root, Kind::Policy, &path, &policy),
    ));
    change
        .writes
        .push(PendingWrite::create(&document_path, document));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Added {} ({path}, {document_path}) in commit {}\n",
        policy.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

/// The sections a policy document needs, for a person to fill in.
fn outline(title: &str) -> String {
    format!(
        "# {title}\n\n## Purpose\n\n## Scope\n\n## Roles and responsibilities\n\n## Policy\n\n\
         ## Exceptions\n\nExceptions are recorded on the affected control, with a reason, an approver and an end date.\n\n\
         ## Review\n\nThis policy is reviewed at least every year by its owner.\n"
    )
}
