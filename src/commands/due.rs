use anyhow::Result;
use clap::{Args, ValueEnum};

use super::{Context, Exit, print};
use crate::cli::parse_interval;
use crate::model::Interval;
use crate::readiness::{self, due::DueItem};
use crate::report::{self, Style, ical, table};

/// List the work that is overdue or falls due soon, with its owner and date.
///
/// Evidence: Type II windows that ended or end without evidence, or (Type I) evidence
/// about to go stale. Policy reviews. Exceptions that expire. Controls still planned or
/// designed, due by the start of the observation period. Everything already overdue is
/// listed whatever the horizon.
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
    let store = context.load_valid()?;
    let assessment = readiness::assess(&store, context.today);
    let until = args.within.after(context.today);
    let items: Vec<DueItem> = readiness::due::due(store.program(), &assessment, until)
        .into_iter()
        .filter(|i| {
            args.owner.as_ref().is_none_or(|o| {
                i.owner
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(o))
            })
        })
        .collect();
    let text = match args.format {
        DueFormat::Json => report::json(&items),
        DueFormat::Ical => ical::calendar(&assessment.organisation, &items, context.today),
        DueFormat::Table => render(&items, until, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}

fn render(items: &[DueItem], until: crate::model::Date, style: Style) -> String {
    if items.is_empty() {
        return format!("Nothing overdue and nothing due by {until}.\n");
    }
    let mut t = table(&["Due", "", "Kind", "ID", "Owner", "What"]);
    for item in items {
        t.add_row(vec![
            item.date.to_string(),
            if item.overdue {
                "overdue".to_string()
            } else {
                String::new()
            },
            item.kind.as_str().to_string(),
            item.id.clone(),
            item.owner.clone().unwrap_or_else(|| "-".to_string()),
            item.what.clone(),
        ]);
    }
    let overdue = items.iter().filter(|i| i.overdue).count();
    let summary = format!(
        "{} due by {until}, {overdue} overdue",
        report::plural(items.len(), "item")
    );
    format!("{t}\n{}\n", style.dim(&summary))
}
