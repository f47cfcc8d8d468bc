//! `soc2 policy add|set|review`: change one policy, one commit each.

mod add;
mod review;
mod set;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::{Context, Exit};

/// Add a policy, change one, or record its review; each is one commit.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    Add(add::AddArgs),
    Set(set::SetArgs),
    Review(review::ReviewArgs),
}

pub fn run(context: &Context, args: PolicyArgs) -> Result<Exit> {
    context.refuse_rev("policy")?;
    match args.command {
        PolicyCommand::Add(args) => add::run(context, args),
        PolicyCommand::Set(args) => set::run(context, args),
        PolicyCommand::Review(args) => review::run(context, args),
    }
}
