//! `soc2 vendor add|review`: change one vendor, one commit each.

mod add;
mod review;

use anyhow::Result;
use clap::{Args, Subcommand};

use super::{Context, Exit};

/// Add a vendor or subservice organisation, or record its review; each is one commit.
#[derive(Debug, Args)]
pub struct VendorArgs {
    #[command(subcommand)]
    pub command: VendorCommand,
}

#[derive(Debug, Subcommand)]
pub enum VendorCommand {
    Add(add::AddArgs),
    Review(review::ReviewArgs),
}

pub fn run(context: &Context, args: VendorArgs) -> Result<Exit> {
    context.refuse_rev("vendor")?;
    match args.command {
        VendorCommand::Add(args) => add::run(context, args),
        VendorCommand::Review(args) => review::run(context, args),
    }
}
