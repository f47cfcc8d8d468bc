use anyhow::Result;
use clap::Args;
use soc2::model::paths::CONTROLS_DIR;
use soc2::model::{CONTROL_FIELDS, Control, ControlStatus, Frequency};
use soc2::store::records;

use super::super::args::{parse_choice, parse_criterion, parse_id};
use super::super::set_fields::{self, Edited};
use super::super::{Context, Exit};
use super::{check_control, dedup};

/// Change fields of a control, keeping the file's comments and layout.
///
/// Only the fields named change. If a change would drop a comment a person wrote in
/// the file, nothing is written and the command says which.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The control to change
    #[arg(value_parser = parse_id)]
    pub id: String,

    /// A short name for the control
    #[arg(long)]
    pub title: Option<String>,

    /// How often it operates: continuous, daily, weekly, monthly, quarterly, semiannual, annual, per-event
    #[arg(long, value_parser = parse_choice::<Frequency>)]
    pub frequency: Option<Frequency>,

    /// Replace the criteria, comma-separated
    #[arg(long, value_delimiter = ',', value_parser = parse_criterion, conflicts_with_all = ["add_criteria", "remove_criteria"])]
    pub criteria: Option<Vec<String>>,

    /// Add criteria, comma-separated
    #[arg(long, value_delimiter = ',', value_parser = parse_criterion)]
    pub add_criteria: Vec<String>,

    /// Remove criteria, comma-separated
    #[arg(long, value_delimiter = ',', value_parser = parse_criterion)]
    pub remove_criteria: Vec<String>,

    /// The person accountable for it
    #[arg(long)]
    pub owner: Option<String>,

    /// planned, designed, implemented or not-applicable
    #[arg(long, value_parser = parse_choice::<ControlStatus>)]
    pub status: Option<ControlStatus>,

    /// Why it does not apply (with --status not-applicable)
    #[arg(long)]
    pub reason: Option<String>,

    /// Replace the policies, comma-separated IDs
    #[arg(long, value_delimiter = ',', value_parser = parse_id)]
    pub policies: Option<Vec<String>>,

    /// What the control is and how it operates
    #[arg(long)]
    pub description: Option<String>,

    /// How a tester checks that it operates, and what to sample
    #[arg(long, value_name = "TEXT")]
    pub test_procedure: Option<String>,

    /// Free text; not covered by the approval
    #[arg(long)]
    pub notes: Option<String>,
}

pub fn run(context: &Context, args: SetArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::existing(&root, CONTROLS_DIR, &args.id, "control")?;
    let record = records::read::<Control>(&root, &path, "control")?;
    let old = (*record.value).clone();
    let mut new = old.clone();

    if let Some(title) = args.title {
        new.title = title;
    }
    if let Some(frequency) = args.frequency {
        new.frequency = frequency;
    }
    if let Some(criteria) = args.criteria {
        new.criteria = dedup(criteria);
    }
    for criterion in args.add_criteria {
        if !new.criteria.contains(&criterion) {
            new.criteria.push(criterion);
        }
    }
    new.criteria.retain(|c| !args.remove_criteria.contains(c));
    if let Some(owner) = args.owner {
        new.owner = Some(owner);
    }
    if let Some(status) = args.status {
        new.status = status;
    }
    if let Some(reason) = args.reason {
        new.reason = Some(reason);
    }
    if let Some(policies) = args.policies {
        new.policies = dedup(policies);
    }
    if let Some(description) = args.description {
        new.description = Some(description);
    }
    if let Some(procedure) = args.test_procedure {
        new.test_procedure = Some(procedure);
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
            fields: CONTROL_FIELDS,
            action: "control-set",
        },
        |new| check_control(&root, new),
    )
}
