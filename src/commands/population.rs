use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use soc2::Hinted;
use soc2::internal_audit::population;
use soc2::internal_audit::testing::{SpanChoice, resolve_span};
use soc2::model::Covers;
use soc2::report::{self, Style, internal_audit};

use super::args::parse_covers;
use super::{Context, Exit, print};

/// List a control's population: every occurrence in a period or window, with its evidence.
///
/// Each evidence record that covers part of the period is one occurrence. A per-event
/// control lists its events in population files instead
/// (populations/<CONTROL>/<PERIOD-OR-WINDOW>.csv, with `id` and `date` columns); each row
/// is matched to the evidence records that name it (`soc2 evidence add --event ID`), and
/// rows without evidence are flagged. `soc2 test` samples from this list.
#[derive(Debug, Args)]
pub struct PopulationArgs {
    /// The control
    pub control: String,

    /// The days to list: FROM..TO (default: the observation period)
    #[arg(long, value_parser = parse_covers, value_name = "FROM..TO", conflicts_with = "window")]
    pub period: Option<Covers>,

    /// One window of the observation period, by its label (like 2026-Q3 or 2026-09)
    #[arg(long, value_name = "LABEL")]
    pub window: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = PopulationFormat::Table)]
    pub format: PopulationFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PopulationFormat {
    Table,
    Csv,
    Json,
}

pub fn run(context: &Context, args: PopulationArgs) -> Result<Exit> {
    let (store, _, _) = context.judged()?.valid()?;
    let Some(control) = store.control(&args.control) else {
        let ids = store.controls.iter().map(|c| c.value.id.as_str());
        bail!(Hinted::new(
            soc2::suggest::unknown("control", &args.control, ids),
            "`soc2 controls` lists the control IDs",
        ));
    };
    let choice = match args.window {
        Some(label) => SpanChoice::Window(label),
        None => SpanChoice::Period(args.period),
    };
    let (span, _) = resolve_span(&store, &control.value, &choice)?;
    let population = population(&store, &control.value.id, span);
    let text = match args.format {
        PopulationFormat::Table => {
            internal_audit::population_table(&population, Style::for_stdout())
        }
        PopulationFormat::Csv => internal_audit::population_csv(&population),
        PopulationFormat::Json => report::json(&population),
    };
    print(&text)?;
    Ok(Exit::Success)
}
