use anyhow::Result;
use clap::Args;
use soc2::history::{self, Depth};
use soc2::report::{self, Style};
use soc2::store::{Loaded, Source};
use soc2::{audit, diff, readiness};

use super::args::ReportFormat;
use super::output::warn;
use super::{Context, Exit, print};

/// Show what a change does to readiness: BASE against the working tree.
///
/// Compares overall and per-category readiness, the criteria and controls whose state
/// changed, and the evidence added. BASE defaults to the merge base with the default
/// branch (main), or HEAD's parent when on it. Both sides are judged on the same day.
/// `--format markdown` is ready to paste as a pull-request comment.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The revision to compare with
    pub base: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

pub fn run(context: &Context, args: DiffArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let base_rev = match args.base {
        Some(base) => base,
        None => repo.default_base()?,
    };
    let base_id = repo.resolve(&base_rev)?;
    // The two sides share what did not change between them: a record is parsed once,
    // and both hold the same copy of it.
    let mut shared = context.shared(&repo);
    shared.parsed.remember_reads();
    let load = |source: &dyn Source| {
        audit::load_judged(source, Some(&repo), Some(&shared.parsed)).map(|(loaded, _)| loaded)
    };
    let before = load(&repo.tree_source_sharing(&base_id, &shared.trees)?)?;
    let (after, target_name) = match &context.global.rev {
        Some(rev) => (
            load(&repo.tree_source_sharing(rev, &shared.trees)?)?,
            format!("revision {rev}"),
        ),
        None => (
            load(&*context.work_tree(&repo)?)?,
            "working tree".to_string(),
        ),
    };
    // What the loads shared (trees read, records parsed, evidence folders listed) is
    // not needed to judge them: given back, and the parse cache saved, before both
    // sides are judged.
    drop(shared);
    warn_about_errors(&base_rev, &before);
    warn_about_errors(&target_name, &after);
    // Each side is judged with its own history, on the same day.
    let kept = context.cache_dir(&repo);
    let after_history = history::read_kept(
        &repo,
        context.history_start(),
        Depth::WithEvidence,
        kept.as_deref(),
    )?;
    // A base on the target's chain of first parents (HEAD~50, a pull request's base
    // before it moved) has the target's history up to it: cut, not read again.
    let before_history = match after_history.commits.iter().rposition(|c| c.id == base_id) {
        Some(last) => after_history.cut(last),
        None => history::read_kept(&repo, &base_id, Depth::WithEvidence, kept.as_deref())?,
    };
    let a = readiness::assess(&before.store, context.today, &before_history);
    let b = readiness::assess(&after.store, context.today, &after_history);
    let base_name = if base_rev.len() >= 40 {
        base_id[..12].to_string()
    } else {
        format!("{base_rev} ({})", &base_id[..12])
    };
    let diff = diff::compare(
        base_name,
        (&before.store, &a),
        target_name,
        (&after.store, &b),
    );
    let text = match args.format {
        ReportFormat::Json => report::json(&diff),
        ReportFormat::Table => report::diff::render_table(&diff, Style::for_stdout()),
        ReportFormat::Markdown => report::diff::render_markdown(&diff),
    };
    print(&text)?;
    Ok(Exit::Success)
}

/// A side with load errors is still compared, on what loaded: say so.
fn warn_about_errors(name: &str, loaded: &Loaded) {
    let errors = loaded.errors().count();
    if errors > 0 {
        warn(&format!(
            "{name} has {}; readiness counts only what loaded (`soc2 check` lists them)",
            report::plural(errors, "load error")
        ));
    }
}
