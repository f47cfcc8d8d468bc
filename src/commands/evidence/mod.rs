//! `soc2 evidence add|run|list`: record evidence that a control operated, or list it.

mod add;
mod list;
mod run;

pub use run::tool_version;

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use soc2::Hinted;
use soc2::git::Repo;
use soc2::model::paths::CONTROLS_DIR;
use soc2::model::{Covers, Date};
use soc2::store::{input, records};

use super::{Context, Exit};

/// Add evidence that a control operated, or list it.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    pub command: EvidenceCommand,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    Add(add::AddArgs),
    Run(run::RunArgs),
    List(list::ListArgs),
}

pub fn run(context: &Context, args: EvidenceArgs) -> Result<Exit> {
    match args.command {
        EvidenceCommand::Add(args) => {
            context.refuse_rev("evidence add")?;
            add::run(context, args)
        }
        EvidenceCommand::Run(args) => {
            context.refuse_rev("evidence run")?;
            run::run(context, args)
        }
        EvidenceCommand::List(args) => list::run(context, args),
    }
}

/// The repository and its folder, once the control exists and `--covers` ends by
/// today, the day the evidence is collected: checked before anything is copied or run.
fn open_for_evidence(
    context: &Context,
    control: &str,
    covers: Option<Covers>,
) -> Result<(Repo, PathBuf)> {
    let repo = context.repo()?;
    let root = input::resolve_dir(repo.workdir()?)?;
    records::existing(&root, CONTROLS_DIR, control, "control")?;
    check_covers(covers, context.today)?;
    Ok((repo, root))
}

fn check_covers(covers: Option<Covers>, collected_at: Date) -> Result<()> {
    if let Some(covers) = covers
        && covers.to > collected_at
    {
        bail!(Hinted::new(
            format!(
                "--covers runs to {}, after today ({collected_at})",
                covers.to
            ),
            "evidence can only show what has already happened",
        ));
    }
    Ok(())
}
