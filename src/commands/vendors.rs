use anyhow::Result;
use clap::Args;
use soc2::readiness;
use soc2::report::{self, Style};

use super::args::ListFormat;
use super::{Context, Exit, print};

/// List vendors and subservice organisations, with their SOC reports and reviews.
///
/// For a carve-out subservice organisation, whether it carries its criteria: its SOC
/// report is current (its period ended within 12 months, or a bridge letter runs to
/// today), reviewed, and the monitoring control is ready.
#[derive(Debug, Args)]
pub struct VendorsArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: VendorsArgs) -> Result<Exit> {
    let (store, history, today) = context.judged()?.valid()?;
    let assessment = readiness::assess(&store, today, &history);
    let text = match args.format {
        ListFormat::Json => report::json(&assessment.vendors),
        ListFormat::Table if assessment.vendors.is_empty() => {
            "No vendors yet: add them with `soc2 vendor add`.\n".to_string()
        }
        ListFormat::Table => {
            report::vendors::render_table(&assessment.vendors, Style::for_stdout())
        }
    };
    print(&text)?;
    Ok(Exit::Success)
}
