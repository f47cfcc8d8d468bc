use anyhow::Result;
use clap::{Args, ValueEnum};
use soc2::model::Interval;
use soc2::program;
use soc2::readiness::{self, due::DueItem};
use soc2::report::{self, Style, ical};
use soc2::requests;

use super::args::parse_interval;
use super::context::{Judged, valid};
use super::{Context, Exit, print};

/// List the work that is overdue or falls due soon, with its owner and date.
///
/// Evidence: Type II windows that ended or end without evidence, or (Type I) evidence
/// about to go stale. Policy and vendor reviews. Exceptions that expire. Controls still planned or
/// designed, due by the start of the observation period. Steps of the program not done
/// by their target date (`program.targets`). The auditor's requests still open (or
/// rejected) by their due date. Everything already overdue is listed whatever the
/// horizon.
#[derive(Debug, Args)]
pub struct DueArgs {
    /// How far ahead to look, like 30d, 6w or 3m
    #[arg(long, value_parser = parse_interval, default_value = "30d", value_name = "INTERVAL")]
    pub within: Interval,

    /// Only this person's work
    #[arg(long)]
    pub owner: Option<String>,

    /// table, json, or ical (an iCalendar file that imports into a calendar)
    #[arg(long, value_enum, default_value_t = DueFormat::Table)]
    pub format: DueFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DueFormat {
    Table,
    Json,
    Ical,
}

pub fn run(context: &Context, args: DueArgs) -> Result<Exit> {
    let Judged {
        loaded,
        source,
        history,
        today,
        ..
    } = context.judged()?;
    let store = valid(loaded)?;
    let assessment = readiness::assess(&store, today, &history);
    let until = args.within.after(today);
    let mut items = readiness::due::due(store.program(), &assessment, until);
    let repo = context.repo_if_any()?;
    let program = program::gather::view(&store, &assessment, &*source, &history, repo.as_ref())?;
    items.extend(program::due_items(&program, until));
    items.extend(requests::due(&store, today, until));
    readiness::due::sort(&mut items);
    let items: Vec<DueItem> = items
        .into_iter()
        .filter(|i| args.owner.as_deref().is_none_or(|o| i.is_owned_by(o)))
        .collect();
    let text = match args.format {
        DueFormat::Json => report::json(&items),
        DueFormat::Ical => ical::calendar(&assessment.organisation, &items, today),
        DueFormat::Table => report::due::render(&items, until, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}
