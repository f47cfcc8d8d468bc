use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use soc2::Hinted;
use soc2::history::{self, Depth};
use soc2::model::Date;
use soc2::report::{self, Style};
use soc2::timeline::{self, Every, Timeline};

use super::args::parse_date;
use super::output::warn;
use super::{Context, Exit, print};

/// Show readiness over time, replayed from git history.
///
/// Each point is exactly what `soc2 status --as-of DAY` says: the store as it stood at
/// the end of the day, judged as of that day. Days before git history starts are judged
/// on its first commit and marked. This is the series the report's chart draws.
#[derive(Debug, Args)]
pub struct TimelineArgs {
    /// How far apart the points are: day, week or month
    #[arg(long, value_parser = parse_every, default_value = "week", value_name = "STEP")]
    pub every: Every,

    /// The first day (default: the observation period's start, or the first commit)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub from: Option<Date>,

    /// The last day (default: today)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub to: Option<Date>,

    /// Output format
    #[arg(long, value_enum, default_value_t = TimelineFormat::Table)]
    pub format: TimelineFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    Table,
    Json,
    Csv,
}

fn parse_every(text: &str) -> Result<Every, String> {
    Every::parse(text).ok_or_else(|| format!("expected day, week or month, not `{text}`"))
}

pub fn run(context: &Context, args: TimelineArgs) -> Result<Exit> {
    if context.global.as_of.is_some() {
        bail!(Hinted::new(
            "`soc2 timeline` is a series of days, not one",
            "give its last day with --to",
        ));
    }
    let repo = context.repo()?;
    let kept = context.cache_dir(&repo);
    let start = context.history_start();
    let history = history::read_kept(&repo, start, Depth::WithEvidence, kept.as_deref())?;
    if history.commits.is_empty() {
        bail!(Hinted::new(
            "no commit holds soc2.yaml yet, so there is no history to replay",
            "commit the store first; `soc2 status` judges the working tree",
        ));
    }
    let program = history
        .programs
        .last()
        .and_then(|v| v.value.present())
        .cloned()
        .unwrap_or_default();
    let (default_from, default_to) =
        timeline::default_span(program.audit.period, history.starts(), context.today);
    let from = args.from.unwrap_or(default_from);
    let to = args.to.unwrap_or(default_to);
    if to < from {
        bail!(Hinted::new(
            format!("--to ({to}) is before --from ({from})"),
            "swap them",
        ));
    }
    let days = timeline::days(from, to, args.every);
    let (points, skipped) = timeline::replay(&repo, &history, &days, &context.shared(&repo))?;
    for skip in skipped {
        warn(&format!(
            "{}: the store as it stood then (commit {}) does not load ({}); the day is left out, as `status --as-of` refuses it",
            skip.day,
            &skip.commit[..12],
            report::plural(skip.errors, "error")
        ));
    }
    let timeline = Timeline {
        organisation: program.organisation.clone(),
        every: args.every,
        from,
        to,
        history_starts: history.starts(),
        points,
    };
    let text = match args.format {
        TimelineFormat::Table => report::timeline::render_table(&timeline, Style::for_stdout()),
        TimelineFormat::Json => report::json(&timeline),
        TimelineFormat::Csv => report::timeline::render_csv(&timeline),
    };
    print(&text)?;
    Ok(Exit::Success)
}
