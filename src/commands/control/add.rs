use anyhow::Result;
use clap::Args;
use soc2::change::{self, Change};
use soc2::model::paths::CONTROLS_DIR;
use soc2::model::{Control, ControlStatus, Frequency};
use soc2::schema::Kind;
use soc2::store::{PendingWrite, records};

use super::super::args::{parse_choice, parse_criterion, parse_id};
use super::super::{Context, Exit, print, prompt};
use super::{check_control, dedup};

/// Add a control and commit it.
///
/// Every field has a flag, so scripts never need to answer questions. Run in a
/// terminal without --title or --frequency, it asks for them.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The new control's ID, like AC-07 (also its file name)
    #[arg(value_parser = parse_id)]
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
    #[arg(long, value_delimiter = ',', value_parser = parse_id)]
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

pub fn run(context: &Context, args: AddArgs) -> Result<Exit> {
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
        grace: None,
        point_in_time: Vec::new(),
        policies: dedup(args.policies),
        collect: Vec::new(),
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
        records::new_file(&root, Kind::Control, &path, &control),
    ));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Added {} ({path}) in commit {}\n",
        control.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}
