use anyhow::Result;
use clap::Args;
use soc2::model::paths::POLICIES_DIR;
use soc2::model::{Interval, POLICY_FIELDS, Policy};
use soc2::store::records;

use super::super::args::{parse_id, parse_interval};
use super::super::set_fields::{self, Edited};
use super::super::{Context, Exit};

/// Change fields of a policy, keeping the file's comments and layout.
///
/// Only the fields named change. The title, owner, description and review cadence are
/// covered by the policy's approval: changing them voids it until it is approved again.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The policy to change
    #[arg(value_parser = parse_id)]
    pub id: String,

    /// The policy's name, like "Access Control Policy"
    #[arg(long)]
    pub title: Option<String>,

    /// The person accountable for the policy
    #[arg(long)]
    pub owner: Option<String>,

    /// One or two sentences on what the policy governs
    #[arg(long)]
    pub description: Option<String>,

    /// How often it must be reviewed, like 365d, 6m or 1y
    #[arg(long, value_parser = parse_interval)]
    pub review_every: Option<Interval>,

    /// Free text; not covered by the approval
    #[arg(long)]
    pub notes: Option<String>,
}

pub fn run(context: &Context, args: SetArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::existing(&root, POLICIES_DIR, &args.id, "policy")?;
    let record = records::read::<Policy>(&root, &path, "policy")?;
    let old = (*record.value).clone();
    let mut new = old.clone();
    if let Some(title) = args.title {
        new.title = title;
    }
    if let Some(owner) = args.owner {
        new.owner = Some(owner);
    }
    if let Some(description) = args.description {
        new.description = Some(description);
    }
    if let Some(interval) = args.review_every {
        new.review_every = Some(interval);
    }
    if let Some(notes) = args.notes {
        new.notes = Some(notes);
    }
    let id = old.id.clone();
    set_fields::commit(
        &repo,
        Edited {
            record: &record,
            path: &path,
            id: &id,
            new,
            fields: POLICY_FIELDS,
            action: "policy-set",
        },
        |_| Ok(()),
    )
}
