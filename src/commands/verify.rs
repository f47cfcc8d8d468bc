use anyhow::Result;
use clap::{Args, ValueEnum};
use soc2::report::{self, Style};

use super::{Context, Exit, print};

/// Recompute every evidence hash and approval digest and report what no longer matches.
///
/// Reports evidence files that are missing or changed since they were recorded, files
/// under evidence/ that no record lists, approvals whose record changed after approval,
/// and any file that does not load. Git objects are checked against their ids as they
/// are read. Exits 1 on any finding.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = VerifyFormat::Human)]
    pub format: VerifyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Human,
    Json,
}

pub fn run(context: &Context, args: VerifyArgs) -> Result<Exit> {
    // The integrity command: let libgit2 check every object against its id.
    soc2::git::verify_object_hashes();
    let (audited, today) = context.load_audited()?;
    let result = audited.verify(today);
    let text = match args.format {
        VerifyFormat::Json => report::json(&result),
        VerifyFormat::Human => report::verify::render(&result, Style::for_stdout()),
    };
    print(&text)?;
    Ok(if result.ok {
        Exit::Success
    } else {
        Exit::Failure
    })
}
