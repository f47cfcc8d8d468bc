use std::path::Path;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};

use super::change::{self, Change};
use super::{Context, Exit, print, prompt, records};
use crate::Hinted;
use crate::cli::{parse_choice, parse_criterion};
use crate::model::paths::{CONTROLS_DIR, POLICIES_DIR};
use crate::model::{CONTROL_FIELDS, Control, ControlStatus, Frequency};
use crate::schema::Kind;
use crate::store::{PendingWrite, edit, render};

/// Add a control or change one; each change is one commit.
#[derive(Debug, Args)]
pub struct ControlArgs {
    #[command(subcommand)]
    pub command: ControlCommand,
}

#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    Add(AddArgs),
    Set(SetArgs),
    Except(ExceptArgs),
}

/// Record an accepted risk on a control: an exception with a reason and an end date.
///
/// Until it expires the control shows as `excepted` (never as ready); after, it is
/// judged on its own again and `soc2 check` warns (W-EXPIRED-EXCEPTION). You, by your
/// git identity, are recorded as the approver.
#[derive(Debug, Args)]
pub struct ExceptArgs {
    pub id: String,

    /// Why the gap is accepted, and what will close it
    #[arg(long)]
    pub reason: String,

    /// The last day the exception holds
    #[arg(long, value_parser = crate::cli::parse_date, value_name = "YYYY-MM-DD")]
    pub until: crate::model::Date,
}

/// Add a control and commit it.
///
/// Every field has a flag, so scripts never need to answer questions. Run in a
/// terminal without --title or --frequency, it asks for them.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The new control's ID, like AC-07 (also its file name)
    pub id: String,

    /// A short name for the control
    #[arg(long)]
    pub title: Option<String>,

    /// How often it operates: continuous, daily, weekly, monthly, quarterly, semiannual, annual, per-event
    #[arg(long, value_parser = parse_choice::<Frequency>)]
    pub frequency: Option<Frequency>,

    /// Criteria it supports, comma-separated (e.g. CC6.1,CC6.2)
    #[arg(long, value_delimiter = ',', value_parser = parse_criterion)]
    pub criteria: Vec<String>,

    /// The person accountable for it
    #[arg(long)]
    pub owner: Option<String>,

    /// planned, designed, implemented or not-applicable
    #[arg(long, value_parser = parse_choice::<ControlStatus>, default_value = "planned")]
    pub status: ControlStatus,

    /// Why it does not apply (required with --status not-applicable)
    #[arg(long)]
    pub reason: Option<String>,

    /// Policies that govern it, comma-separated IDs
    #[arg(long, value_delimiter = ',')]
    pub policies: Vec<String>,

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

/// Change fields of a control, keeping the file's comments and layout.
///
/// Only the fields named change. If a change would drop a comment a person wrote in
/// the file, nothing is written and the command says which.
#[derive(Debug, Args)]
pub struct SetArgs {
    pub id: String,

    #[arg(long)]
    pub title: Option<String>,

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

    #[arg(long)]
    pub owner: Option<String>,

    #[arg(long, value_parser = parse_choice::<ControlStatus>)]
    pub status: Option<ControlStatus>,

    #[arg(long)]
    pub reason: Option<String>,

    /// Replace the policies, comma-separated IDs
    #[arg(long, value_delimiter = ',')]
    pub policies: Option<Vec<String>>,

    #[arg(long)]
    pub description: Option<String>,

    #[arg(long, value_name = "TEXT")]
    pub test_procedure: Option<String>,

    #[arg(long)]
    pub notes: Option<String>,
}

pub fn run(context: &Context, args: ControlArgs) -> Result<Exit> {
    context.refuse_rev("control")?;
    match args.command {
        ControlCommand::Add(args) => add(context, args),
        ControlCommand::Set(args) => set(context, args),
        ControlCommand::Except(args) => except(context, args),
    }
}

fn add(context: &Context, args: AddArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::new_id(&root, CONTROLS_DIR, &args.id, "control")?;
    let title = match args.title {
        Some(title) => title,
        None => prompt::required("--title", "Title", |t| Ok(t.to_string()))?,
    };
    let frequency = match args.frequency {
        Some(frequency) => frequency,
        None => prompt::required(
            "--frequency",
            "Frequency (continuous, daily, weekly, monthly, quarterly, semiannual, annual, per-event)",
            parse_choice::<Frequency>,
        )?,
    };
    let control = Control {
        id: args.id.clone(),
        title,
        description: args.description,
        test_procedure: args.test_procedure,
        owner: args.owner,
        criteria: dedup(args.criteria),
        status: args.status,
        reason: args.reason,
        frequency,
        policies: dedup(args.policies),
        approval: None,
        exceptions: Vec::new(),
        notes: args.notes,
    };
    check_control(&root, &control)?;

    let mut change = Change::new("control-add", &control.id);
    change
        .details
        .push(format!("Add control {}: {}", control.id, control.title));
    change.writes.push(PendingWrite::create(
        &path,
        Kind::Control.new_file(&root, &path, &control),
    ));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Added {} ({path}) in commit {}\n",
        control.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

fn set(context: &Context, args: SetArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::existing(&root, CONTROLS_DIR, &args.id, "control")?;
    let record = records::read::<Control>(&root, &path, "control")?;
    let old = record.value.clone();
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
    if new == old {
        print(&format!(
            "{} already has those values; nothing to commit\n",
            old.id
        ))?;
        return Ok(Exit::Success);
    }
    check_control(&root, &new)?;

    let text = edit::rewrite(&record.text, &new, CONTROL_FIELDS)
        .map_err(|reason| refuse_edit(&path, &reason))?;
    let mut change = Change::new("control-set", &old.id);
    change.details = describe_changes(&old, &new);
    change.writes.push(PendingWrite::replace(&path, text));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Updated {} in commit {}\n  {}\n",
        old.id,
        &commit[..12],
        change.details.join("\n  ")
    ))?;
    Ok(Exit::Success)
}

fn except(context: &Context, args: ExceptArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::existing(&root, CONTROLS_DIR, &args.id, "control")?;
    if args.until < context.today {
        bail!(Hinted::new(
            format!("{} is in the past", args.until),
            "an exception needs an end date from today on",
        ));
    }
    let record = records::read::<Control>(&root, &path, "control")?;
    let mut change = Change::new("control-except", &args.id);
    change.writes.push(PendingWrite::replace(&path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let mut control = record.value.clone();
    control.exceptions.push(crate::model::Exception {
        reason: args.reason.clone(),
        approved_by: identity.author.email.clone(),
        expires: args.until,
    });
    let text = edit::rewrite(&record.text, &control, CONTROL_FIELDS)
        .map_err(|reason| refuse_edit(&path, &reason))?;
    change.writes = vec![PendingWrite::replace(&path, text)];
    change.details.push(format!(
        "Accept a gap in {} until {}: {}",
        args.id, args.until, args.reason
    ));
    let commit = change::apply_as(&repo, &change, &identity)?;
    print(&format!(
        "Recorded an exception for {} until {} in commit {}\n",
        args.id,
        args.until,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

/// The error for an edit that would lose what a person wrote.
pub fn refuse_edit(path: &str, reason: &str) -> anyhow::Error {
    anyhow::anyhow!(Hinted::new(
        format!("{path} was left unchanged: {reason}"),
        "make this change by hand, or move the comment into `notes`, then run the command again",
    ))
}

fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|item| seen.insert(item.clone()));
    items
}

/// Rules the file format cannot express: policies exist, not-applicable has a reason.
fn check_control(root: &Path, control: &Control) -> Result<()> {
    for policy in &control.policies {
        records::existing(root, POLICIES_DIR, policy, "policy")?;
    }
    let has_reason = control
        .reason
        .as_ref()
        .is_some_and(|r| !r.trim().is_empty());
    if control.status == ControlStatus::NotApplicable && !has_reason {
        bail!(Hinted::new(
            "a not-applicable control needs a reason",
            "pass `--reason` saying why it does not apply",
        ));
    }
    Ok(())
}

/// `status: designed -> implemented`, one line per changed field.
fn describe_changes(old: &Control, new: &Control) -> Vec<String> {
    let (Ok(serde_yaml::Value::Mapping(before)), Ok(serde_yaml::Value::Mapping(after))) =
        (serde_yaml::to_value(old), serde_yaml::to_value(new))
    else {
        return Vec::new();
    };
    let show = |value: Option<&serde_yaml::Value>| match value {
        None => "(none)".to_string(),
        Some(v) => render::entry("x", v)
            .trim_start_matches("x:")
            .trim()
            .replace('\n', " "),
    };
    CONTROL_FIELDS
        .iter()
        .filter(|key| before.get(**key) != after.get(**key))
        .map(|key| {
            format!(
                "{key}: {} -> {}",
                show(before.get(*key)),
                show(after.get(*key))
            )
        })
        .collect()
}
