//! `soc2 control add|set|except`: change one control, one commit each.

mod add;
mod except;
mod set;

use std::path::Path;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use soc2::Hinted;
use soc2::model::Control;
use soc2::model::paths::POLICIES_DIR;
use soc2::store::records;

use super::{Context, Exit};

/// Add a control or change one; each change is one commit.
#[derive(Debug, Args)]
pub struct ControlArgs {
    #[command(subcommand)]
    pub command: ControlCommand,
}

#[derive(Debug, Subcommand)]
pub enum ControlCommand {
    Add(add::AddArgs),
    Set(set::SetArgs),
    Except(except::ExceptArgs),
}

pub fn run(context: &Context, args: ControlArgs) -> Result<Exit> {
    context.refuse_rev("control")?;
    match args.command {
        ControlCommand::Add(args) => add::run(context, args),
        ControlCommand::Set(args) => set::run(context, args),
        ControlCommand::Except(args) => except::run(context, args),
    }
}

/// Rules a control must meet before it is written: its policies exist, and a
/// not-applicable control says why.
fn check_control(root: &Path, control: &Control) -> Result<()> {
    for policy in &control.policies {
        records::existing(root, POLICIES_DIR, policy, "policy")?;
    }
    if control.lacks_reason() {
        bail!(Hinted::new(
            "a not-applicable control needs a reason",
            "pass `--reason` saying why it does not apply",
        ));
    }
    Ok(())
}

/// Keeps the first of each repeated item.
fn dedup(mut items: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|item| seen.insert(item.clone()));
    items
}
