use anyhow::Result;
use clap::Args;
use soc2::change::{self, Change};
use soc2::model::paths::RISKS_DIR;
use soc2::model::{Risk, Treatment};
use soc2::schema::Kind;
use soc2::store::{PendingWrite, records};

use super::super::args::{parse_choice, parse_id};
use super::super::{Context, Exit, print};
use super::check_risk;

/// Add a risk to the register (risks/<ID>.yaml) and commit it.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The new risk's ID, like RISK-07
    #[arg(value_parser = parse_id)]
    pub id: String,

    /// What could go wrong, in a line
    #[arg(long)]
    pub title: String,

    /// 1 (rare) to 5 (almost certain)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub likelihood: u8,

    /// 1 (negligible) to 5 (severe)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub impact: u8,

    /// mitigate, accept, transfer or avoid
    #[arg(long, value_parser = parse_choice::<Treatment>)]
    pub treatment: Treatment,

    /// The person accountable for the risk
    #[arg(long)]
    pub owner: Option<String>,

    /// Controls that mitigate the risk, comma-separated
    #[arg(long, value_delimiter = ',', value_parser = parse_id)]
    pub controls: Vec<String>,

    /// How it could happen and what it would cost
    #[arg(long)]
    pub description: Option<String>,
}

pub fn run(context: &Context, args: AddArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::new_id(&root, RISKS_DIR, &args.id, "risk")?;
    let risk = Risk {
        id: args.id.clone(),
        title: args.title,
        description: args.description,
        likelihood: args.likelihood,
        impact: args.impact,
        treatment: args.treatment,
        owner: args.owner,
        controls: args.controls,
        notes: None,
    };
    check_risk(&root, &risk)?;
    let mut change = Change::new("risk-add", &risk.id);
    change.details.push(format!(
        "Add risk {}: {} (score {}, {})",
        risk.id,
        risk.title,
        risk.score(),
        risk.treatment.as_str()
    ));
    change.writes.push(PendingWrite::create(
        &path,
        records::new_file(&root, Kind::Risk, &path, &risk),
    ));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Added {} ({path}) in commit {}\n",
        risk.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}
