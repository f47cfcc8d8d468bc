use std::path::PathBuf;

use anyhow::{Result, bail};
use chrono::{FixedOffset, TimeZone};
use clap::Args;
use soc2::Hinted;
use soc2::export::{self, Package, Pinned};
use soc2::git::Repo;
use soc2::model::paths::STORE_ROOTS;
use soc2::model::{AuditType, Date, History, Store};
use soc2::oscal::{self, Pin};
use soc2::readiness;
use soc2::report::{self, handoff};
use soc2::store::integrity::Distrusted;
use soc2::store::{Source, package};
use soc2::timeline::Shared;
use soc2::{requests, trail};

use super::context::valid;
use super::{Context, Exit, print};

/// Write the evidence package for the auditor: a folder, or a zip file, pinned to one
/// commit.
///
/// It holds README.txt (what is inside and how to check it without soc2), report.html,
/// control-matrix.csv and .xlsx, evidence-index.csv, populations/<CONTROL>.csv,
/// requests.csv, audit-trail.csv (the store's git log for the period), the OSCAL
/// documents, soc2.yaml, the controls and policies with their approvals and documents,
/// the evidence records and files as the commit holds them, manifest.json, and
/// SHA256SUMS over every other file (`sha256sum -c SHA256SUMS` checks them). The commit
/// is HEAD, `--rev`, or the last one on the `--as-of` day; without `--rev` or `--as-of`,
/// uncommitted changes to the store are refused, so the package always matches a
/// commit. One commit and one day give the same bytes. Nothing is written when an
/// evidence file is missing or changed.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// A new or empty folder, or a FILE.zip that does not exist; outside the repository
    #[arg(value_name = "DIR|FILE.zip")]
    pub out: PathBuf,
}

pub fn run(context: &Context, args: ExportArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let target = package::target(&args.out, repo.workdir()?)?;
    let (commit, today) = match (context.global.as_of, &context.global.rev) {
        (Some(day), _) => (context.commit_at(&repo, day)?, day),
        (None, Some(rev)) => (repo.resolve(rev)?, context.today),
        (None, None) => {
            if repo.head_stamp()?.is_none() {
                bail!(Hinted::new(
                    "the store has no commit yet",
                    "commit it first: the package is pinned to a commit",
                ));
            }
            if repo.has_changes_under(STORE_ROOTS)? {
                bail!(Hinted::new(
                    "the store has uncommitted changes, so no commit holds what a package of the working tree would",
                    "commit them (or stash them) first, or pass `--rev HEAD` to export the last commit as it is",
                ));
            }
            (repo.resolve("HEAD")?, context.today)
        }
    };
    let shared = context.shared(&repo);
    let judged = context.judged_at(&repo, &commit, today, Some(&shared))?;
    refuse_distrusted(&judged.set_aside.distrusted)?;
    let source = judged.source;
    let history = judged.history;
    let store = valid(judged.loaded)?;
    let package = build(&repo, &store, &*source, &history, &commit, today, &shared)?;
    package::write(&target, &package.files, &*source)?;
    let m = &package.manifest;
    print(&format!(
        "Wrote the evidence package of {} to {}: {} ({} evidence files), pinned to commit {}, judged on {today}\nCheck it with `sha256sum -c SHA256SUMS` in it, or `soc2 verify --package {}`\n",
        m.organisation,
        target.path().display(),
        report::plural(m.counts.files, "file"),
        m.counts.evidence_files,
        &commit[..12],
        args.out.display(),
    ))?;
    Ok(Exit::Success)
}

/// Evidence that would not count (a file missing from the commit, or changed since it
/// was recorded) fails the export: the package must hold every file it lists.
fn refuse_distrusted(distrusted: &[Distrusted]) -> Result<()> {
    if distrusted.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = distrusted
        .iter()
        .take(5)
        .map(|d| format!("{} ({})", d.id, d.reason))
        .collect();
    let more = distrusted.len() - shown.len();
    bail!(Hinted::new(
        format!(
            "{} of the commit cannot go into the package: {}{}",
            report::plural(distrusted.len(), "evidence record"),
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ),
        "commit the files (or restore them from history) and export again; nothing was written",
    ))
}

/// The package of `store` as `commit` holds it (read through `source`), judged on
/// `today`. Shared with `soc2 verify --package`, which makes it again to compare.
pub fn build(
    repo: &Repo,
    store: &Store,
    source: &dyn Source,
    history: &History,
    commit: &str,
    today: Date,
    shared: &Shared,
) -> Result<Package> {
    let assessment = readiness::assess(store, today, history);
    let report = super::report::build(
        repo,
        store,
        source,
        &assessment,
        history,
        super::report::BuiltFrom {
            commit: commit.to_string(),
            uncommitted: false,
        },
        shared,
    )?;
    let stamp = repo.stamp(commit)?;
    let offset = FixedOffset::east_opt(stamp.offset_minutes * 60)
        .unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    let committed_at = offset
        .timestamp_opt(stamp.time, 0)
        .single()
        .unwrap_or_default()
        .to_rfc3339();
    let documents = oscal::documents(
        store,
        &assessment,
        &Pin {
            commit: stamp.id.clone(),
            time: stamp.time,
            offset_minutes: stamp.offset_minutes,
            uncommitted: false,
        },
    );
    // The audit trail of the period: from its start to the commit.
    let since = match (assessment.audit, assessment.period) {
        (AuditType::Type2, Some(period)) => Some(period.start),
        _ => None,
    };
    let entries = trail::read(repo, commit, None, since, None)?;
    export::build(export::Inputs {
        store,
        source,
        assessment: &assessment,
        history,
        pinned: Pinned {
            commit: commit.to_string(),
            tree: repo.tree_id(commit)?,
            committed_at,
        },
        report_html: handoff::html(&report),
        oscal: documents,
        requests: requests::views(store, today),
        trail: entries,
    })
}
