use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::{Args, ValueEnum};
use soc2::Hinted;
use soc2::git::Repo;
use soc2::model::paths::STORE_ROOTS;
use soc2::model::{AuditType, Date, History, Store};
use soc2::program;
use soc2::readiness::{self, Assessment};
use soc2::report::handoff::{self, Inputs, TimelineData};
use soc2::requests;
use soc2::store::{self, Source};
use soc2::timeline::{self, Every, Point, Shared};

use super::context::valid;
use super::output::warn;
use super::{Context, Exit, print};

/// Write the hand-off report: readiness, the criteria, the control matrix, gaps,
/// exceptions, exclusions, risks, policies, the program's steps, vendors, the internal
/// audit, the auditor's requests and every control's evidence.
///
/// HTML (the default) is one self-contained file: charts inline, no script, nothing
/// fetched, so it opens from disk and prints. Markdown holds the same tables without
/// the charts. The readiness-over-time chart draws a point on each month of the
/// observation period (from the first commit, without one), replayed from git history
/// like `soc2 timeline --every month`, and a last point for the day judged. The report names the commit it was built from; one commit
/// and one day give the same bytes.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write the report to FILE instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// html or markdown
    #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Markdown,
}

pub fn run(context: &Context, args: ReportArgs) -> Result<Exit> {
    let repo = context.repo()?;
    // Whether the working tree differs from HEAD is git's status of every store file:
    // asked on a thread of its own while the store loads.
    let changes = if context.judges_working_tree() {
        let side = repo.reopen()?;
        Some(std::thread::spawn(move || {
            side.has_changes_under(STORE_ROOTS)
        }))
    } else {
        None
    };
    // The store judged and the months replayed share what did not change between them.
    let mut shared = context.shared(&repo);
    shared.parsed.remember_reads();
    let judged = context.judged_sharing(Some(&shared))?;
    let pinned = judged.commit.clone();
    let source = judged.source;
    let (history, today) = (judged.history, judged.today);
    let store = valid(judged.loaded)?;
    let (commit, uncommitted) = match pinned {
        Some(commit) => (commit, false),
        None => {
            let head = repo.head_stamp()?.ok_or_else(|| {
                anyhow!(Hinted::new(
                    "the store has no commit yet",
                    "commit it first: the report names the commit it was built from",
                ))
            })?;
            // No pinned commit means the working tree was judged, and asked about.
            let changed = match changes {
                Some(asked) => asked
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
                None => false,
            };
            if changed {
                warn("the store has uncommitted changes: the report describes them, and says so");
            }
            (head.id, changed)
        }
    };
    let assessment = readiness::assess(&store, today, &history);
    let report = build(
        &repo,
        &store,
        &*source,
        &assessment,
        &history,
        BuiltFrom {
            commit,
            uncommitted,
        },
        &shared,
    )?;
    let text = match args.format {
        ReportFormat::Html => handoff::html(&report),
        ReportFormat::Markdown => handoff::markdown(&report),
    };
    match &args.out {
        Some(path) => {
            store::write_file(path, text.as_bytes())?;
            print(&format!(
                "Wrote the report of {} on {today} (commit {}) to {}\n",
                assessment.organisation,
                &report.header.commit[..12.min(report.header.commit.len())],
                path.display()
            ))?;
        }
        None => print(&text)?,
    }
    let Shared { parsed, trees } = shared;
    super::leave((
        parsed.saved(),
        trees,
        report,
        text,
        assessment,
        store,
        history,
    ));
    Ok(Exit::Success)
}

/// What a report names as its origin: a commit, and whether the store had changes
/// that commit does not hold.
pub struct BuiltFrom {
    pub commit: String,
    pub uncommitted: bool,
}

/// The report of `store` judged in `assessment`, with the monthly readiness series
/// replayed from `history`. Shared with `soc2 export`.
pub fn build(
    repo: &Repo,
    store: &Store,
    source: &dyn Source,
    assessment: &Assessment,
    history: &History,
    built_from: BuiltFrom,
    shared: &Shared,
) -> Result<handoff::Report> {
    let BuiltFrom {
        commit,
        uncommitted,
    } = built_from;
    let today = assessment.today;
    // Monthly over the observation period (up to the day judged), or from the first
    // commit without one; the last point is the day judged, which is this assessment.
    let (from, to) = match (assessment.audit, assessment.period) {
        (AuditType::Type2, Some(period)) => (period.start.min(today), period.end.min(today)),
        _ => timeline::default_span(None, history.starts(), today),
    };
    let mut days: Vec<Date> = if history.commits.is_empty() {
        Vec::new()
    } else {
        timeline::days(from, to, Every::Month)
    };
    days.retain(|day| *day < today);
    let (mut points, skipped) = timeline::replay(repo, history, &days, shared)?;
    let before_history = history.starts().is_some_and(|start| today < start);
    points.push(Point::of(assessment, commit.clone(), before_history));
    let timeline = TimelineData {
        every: Every::Month,
        from,
        to,
        judged_on: today,
        points,
        skipped: skipped.iter().map(|s| s.day).collect(),
        history_starts: history.starts(),
    };
    Ok(handoff::build(Inputs {
        store,
        assessment,
        history,
        timeline,
        program: program::gather::view(store, assessment, source, history, Some(repo))?,
        requests: requests::views(store, today),
        commit,
        uncommitted,
    }))
}
