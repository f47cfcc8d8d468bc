use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use soc2::audit;
use soc2::export::verify::Problem;
use soc2::export::verify::{self as package_verify, AgainstRepository, PackageVerification};
use soc2::report::{self, Style};
use soc2::store::package;
use soc2::timeline::Shared;

use super::context::valid;
use super::{Context, Exit, print};

/// Recompute every evidence hash and approval digest and report what no longer matches.
///
/// Reports evidence files that are missing or changed since they were recorded, files
/// under evidence/ that no record lists, approvals whose record changed after approval,
/// and any file that does not load. Git objects are checked against their ids as they
/// are read, and Git LFS objects when they were fetched. Files linked by a URI are
/// checked only with --fetch-links; those that could not be checked are listed.
///
/// With `--package`, checks an evidence package from `soc2 export` instead: every file
/// against its SHA256SUMS and manifest and, run inside the repository, against the
/// commit it was made from (the store's files must be the commit's, and every table,
/// report and document is made again and compared). Exits 1 on any finding.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Check an evidence package (a folder or a .zip from `soc2 export`) instead of the store
    #[arg(long, value_name = "DIR|FILE.zip", conflicts_with = "fetch_links")]
    pub package: Option<PathBuf>,

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
    if let Some(path) = &args.package {
        let result = verify_package(context, path)?;
        let text = match args.format {
            VerifyFormat::Json => report::json(&result),
            VerifyFormat::Human => report::verify::render_package(&result, Style::for_stdout()),
        };
        print(&text)?;
        return Ok(if result.ok {
            Exit::Success
        } else {
            Exit::Failure
        });
    }
    let (audited, today) = context.load_audited(true)?;
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

fn verify_package(context: &Context, path: &std::path::Path) -> Result<PackageVerification> {
    let opened = package::open(path)?;
    let (mut result, manifest) = package_verify::check_self(&path.display().to_string(), &opened);
    let Some(manifest) = manifest else {
        result.repository = AgainstRepository::NotCompared {
            why: "the manifest does not read".to_string(),
        };
        return Ok(result);
    };
    let Some(repo) = context.repo_if_any()? else {
        return Ok(result);
    };
    if repo.resolve(&manifest.commit).is_err() {
        result.repository = AgainstRepository::CommitMissing {
            commit: manifest.commit.clone(),
        };
        result.problems.push(Problem {
            file: None,
            message: format!(
                "commit {} is not in this repository: the package was not made from it, or its history was rewritten",
                manifest.commit
            ),
        });
        result.ok = false;
        return Ok(result);
    }
    let tree = repo.tree_id(&manifest.commit)?;
    if tree != manifest.tree {
        result.problems.push(Problem {
            file: Some(soc2::export::MANIFEST_FILE.to_string()),
            message: format!(
                "the manifest names tree {}, but commit {} holds tree {tree}",
                manifest.tree, manifest.commit
            ),
        });
    }
    let shared = Shared::default();
    let judged = context.judged_at(
        &repo,
        &manifest.commit,
        manifest.generated_for,
        Some(&shared),
    )?;
    let source = judged.source;
    let history = judged.history;
    let store = valid(judged.loaded)?;
    let rebuilt = super::export::build(
        &repo,
        &store,
        &*source,
        &history,
        &manifest.commit,
        manifest.generated_for,
        &shared,
    )?;
    let current = format!("soc2 {}", env!("CARGO_PKG_VERSION"));
    package_verify::compare(
        &mut result,
        &opened,
        &rebuilt,
        manifest.tool == current,
        &manifest.tool,
    );
    Ok(result)
}
