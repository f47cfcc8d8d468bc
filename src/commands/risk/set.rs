use anyhow::Result;
use clap::Args;
use soc2::model::paths::RISKS_DIR;
use soc2::model::{RISK_FIELDS, Risk, Treatment};
use soc2::store::records;

use super::super::args::{parse_choice, parse_id};
use super::super::set_fields::{self, Edited};
use super::super::{Context, Exit};
use super::check_risk;

/// Change fields of a risk, keeping the file's comments and layout.
///
/// Only the fields named change. If a change would drop a comment a person wrote in
/// the file, nothing is written and the command says which.
#[derive(Debug, Args)]
pub struct SetArgs {
    /// The risk to change
    #[arg(value_parser = parse_id)]
    pub id: String,

    /// What could go wrong, in a line
    #[arg(long)]
    pub title: Option<String>,

    /// 1 (rare) to 5 (almost certain)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub likelihood: Option<u8>,

    /// 1 (negligible) to 5 (severe)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub impact: Option<u8>,

    /// mitigate, accept, transfer or avoid
    #[arg(long, value_parser = parse_choice::<Treatment>)]
    pub treatment: Option<Treatment>,

    /// The person accountable for the risk
    #[arg(long)]
    pub owner: Option<String>,

    /// Replace the controls that mitigate it, comma-separated
    #[arg(long, value_delimiter = ',', value_parser = parse_id)]
    pub controls: Option<Vec<String>>,

    /// How it could happen and what it would cost
    #[arg(long)]
    pub description: Option<String>,

    /// Free text
    #[arg(long)]
    pub notes: Option<String>,
}

pub fn run(context: &Context, args: SetArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let path = records::existing(&root, RISKS_DIR, &args.id, "risk")?;
    let record = records::read::<Risk>(&root, &path, "risk")?;
    let old = (*record.value).clone();
    let mut new = old.clone();
    if let Some(title) = args.title {
        new.title = title;
    }
    if let Some(likelihood) = args.likelihood {
        new.likelihood = likelihood;
    }
    if let Some(impact) = args.impact {
        new.impact = impact;
    }
    if let Some(treatment) = args.treatment {
        new.treatment = treatment;
    }
    if let Some(owner) = args.owner {
        new.owner = Some(owner);
    }
    if let Some(controls) = args.controls {
        let mut seen = std::collections::BTreeSet::new();
        new.controls = controls
            .into_iter()
            .filter(|c| seen.insert(c.clone()))
            .collect();
    }
    if let Some(description) = args.description {
        new.description = Some(description);
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
            fields: RISK_FIELDS,
            action: "risk-set",
        },
        |new| check_risk(&root, new),
    )
}
