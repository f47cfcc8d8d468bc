//! `soc2 risk add|set`: change the risk register, one commit each.

mod add;
mod set;

use std::path::Path;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use soc2::Hinted;
use soc2::model::paths::CONTROLS_DIR;
use soc2::model::{Risk, Treatment};
use soc2::store::records;

use super::{Context, Exit};

/// Add a risk to the register or change one; one commit each.
#[derive(Debug, Args)]
pub struct RiskArgs {
    #[command(subcommand)]
    pub command: RiskCommand,
}

#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    Add(add::AddArgs),
    Set(set::SetArgs),
}

pub fn run(context: &Context, args: RiskArgs) -> Result<Exit> {
    context.refuse_rev("risk")?;
    match args.command {
        RiskCommand::Add(args) => add::run(context, args),
        RiskCommand::Set(args) => set::run(context, args),
    }
}

/// Rules a risk must meet before it is written: the controls it names exist, and a
/// risk treated by mitigation names the controls that mitigate it.
fn check_risk(root: &Path, risk: &Risk) -> Result<()> {
    for control in &risk.controls {
        records::existing(root, CONTROLS_DIR, control, "control")?;
    }
    if risk.treatment == Treatment::Mitigate && risk.controls.is_empty() {
        bail!(Hinted::new(
            "a risk treated by mitigation needs the controls that mitigate it",
            "pass --controls AC-01,AC-03 (or another --treatment)",
        ));
    }
    Ok(())
}
