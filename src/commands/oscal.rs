use std::path::PathBuf;

use anyhow::{Result, anyhow};
use clap::Args;
use soc2::Hinted;
use soc2::model::paths::STORE_ROOTS;
use soc2::oscal::{self, Pin};
use soc2::readiness;
use soc2::report::{Style, oscal::Written};
use soc2::store::{self, Existing};

use super::output::warn;
use super::{Context, Exit, print};

/// Write the store as OSCAL documents, for compliance tools and auditors.
///
/// Writes three OSCAL 1.2.3 JSON documents into DIR: catalog.json (the Trust Services
/// Criteria, ids and short titles), component-definition.json (the store's controls and
/// the criteria they map to) and assessment-results.json (readiness on the day judged: a
/// finding per in-scope criterion, an observation per control). They are pinned to the
/// commit the store was read from (HEAD, `--rev` or `--as-of`): two exports of one commit
/// on one day are byte-identical. DIR must be new or empty; nothing is written when the
/// store has load errors.
#[derive(Debug, Args)]
pub struct OscalArgs {
    /// The folder to write the documents to (new or empty)
    pub dir: PathBuf,

    /// Write into a folder that holds other files, replacing documents of the same names
    #[arg(long)]
    pub force: bool,
}

pub fn run(context: &Context, args: OscalArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let judged = context.judged()?;
    let commit = judged.commit.clone();
    let (store, history, today) = judged.valid()?;
    let pin = match commit {
        Some(commit) => pinned(repo.stamp(&commit)?),
        None => {
            let head = repo.head_stamp()?.ok_or_else(|| {
                anyhow!(Hinted::new(
                    "the store has no commit yet",
                    "commit it first: OSCAL documents are pinned to the commit they were read from",
                ))
            })?;
            if repo.has_changes_under(STORE_ROOTS)? {
                warn(
                    "the store has uncommitted changes: the documents describe them, and are not pinned to a commit",
                );
                let now = chrono::Local::now();
                Pin {
                    commit: head.id,
                    time: now.timestamp(),
                    offset_minutes: now.offset().local_minus_utc() / 60,
                    uncommitted: true,
                }
            } else {
                pinned(head)
            }
        }
    };
    let assessment = readiness::assess(&store, today, &history);
    let documents = oscal::build(&store, &assessment, &pin);
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    store::write_dir(&args.dir, &documents.files(), existing)?;
    let summary = documents.summary();
    let written = Written {
        dir: &args.dir.display().to_string(),
        summary: &summary,
        commit: &pin.commit,
        uncommitted: pin.uncommitted,
        judged_on: &today.to_string(),
    };
    print(&soc2::report::oscal::render(&written, Style::for_stdout()))?;
    Ok(Exit::Success)
}

fn pinned(stamp: soc2::git::CommitStamp) -> Pin {
    Pin {
        commit: stamp.id,
        time: stamp.time,
        offset_minutes: stamp.offset_minutes,
        uncommitted: false,
    }
}
