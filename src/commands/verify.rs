use anyhow::Result;
use clap::{Args, ValueEnum};
use soc2::audit;
use soc2::report::{self, Style};

use super::{Context, Exit, print};

/// Recompute every evidence hash and approval digest and report what no longer matches.
///
/// Reports evidence files that are missing or changed since they were recorded, files
/// under evidence/ that no record lists, approvals whose record changed after approval,
/// and any file that does not load. Git objects are checked against their ids as they
/// are read, and Git LFS objects when they were fetched. Files linked by a URI are
/// checked only with --fetch-links; those that could not be checked are listed. Exits 1
/// on any finding.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Fetch files linked by a URI and check their hashes: `file://` paths are read,
    /// other schemes run the command soc2.yaml's `links.fetch` gives them
    #[arg(long)]
    pub fetch_links: bool,

    /// How long one fetch may take, in seconds
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        requires = "fetch_links"
    )]
    pub fetch_timeout: u64,

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
    let repo = context.repo_if_any()?;
    let dir = context.root()?;
    let settings = audited.loaded.store.program().links.clone();
    let fetch = args.fetch_links.then(|| audit::Fetch {
        settings: &settings,
        dir: &dir,
        timeout: std::time::Duration::from_secs(args.fetch_timeout),
    });
    let elsewhere = audit::check_elsewhere(&audited.integrity, repo.as_ref(), fetch.as_ref())?;
    let mut result = audited.verify(today);
    result.add_elsewhere(elsewhere);
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
