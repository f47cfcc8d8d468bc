use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};

use super::change::{self, Change};
use super::control::refuse_edit;
use super::{Context, Exit, print, records};
use crate::Hinted;
use crate::cli::{parse_date, parse_interval};
use crate::model::paths::POLICIES_DIR;
use crate::model::{Date, Interval, POLICY_FIELDS, Policy};
use crate::schema::Kind;
use crate::store::{PendingWrite, edit};

/// Add a policy or record its review; each is one commit.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    Add(AddArgs),
    Review(ReviewArgs),
}

/// Add a policy: its record and its document, committed together.
///
/// The document is copied from --document, or starts as an outline of the sections a
/// policy needs, for you to write.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The new policy's ID, like POL-ACCESS
    pub id: String,

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

/// Record that a policy was reviewed: sets `last_reviewed` and nothing else.
///
/// A review keeps the policy's approval (the digest does not cover the review date)
/// and its version.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    pub id: String,

    /// The day of the review (default: today)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub date: Option<Date>,

    /// What the review concluded, for the commit message
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn run(context: &Context, args: PolicyArgs) -> Result<Exit> {
    context.refuse_rev("policy")?;
    match args.command {
        PolicyCommand::Add(args) => add(context, args),
        PolicyCommand::Review(args) => review(context, args),
    }
}

fn add(context: &Context, args: AddArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::new_id(&root, POLICIES_DIR, &args.id, "policy")?;
    let document_name = format!("{}.md", args.id);
    let document_path = format!("{POLICIES_DIR}/{document_name}");
    let document = match &args.document {
        Some(file) => std::fs::read(file).with_context(|| format!("reading {}", file.display()))?,
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
        Kind::Policy.new_file(&root, &path, &policy),
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

fn review(context: &Context, args: ReviewArgs) -> Result<Exit> {
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
    let mut policy = record.value.clone();
    policy.last_reviewed = Some(date);
    let text = edit::rewrite(&record.text, &policy, POLICY_FIELDS)
        .map_err(|reason| refuse_edit(&path, &reason))?;
    let mut change = Change::new("policy-review", &args.id);
    change.details.push(format!(
        "Reviewed on {date}; next review due {}",
        policy.review_every().after(date)
    ));
    if let Some(message) = args.message {
        change.details.push(message);
    }
    change.writes.push(PendingWrite::replace(&path, text));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Recorded the review of {} on {date} in commit {}\n",
        args.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}
