use anyhow::Result;
use clap::Args;
use soc2::readiness::{self, risks::RiskStatus};
use soc2::report::{self, Style};

use super::args::ListFormat;
use super::{Context, Exit, print};

/// List the risk register, highest score first, with the state of mitigating controls.
///
/// A risk treated by mitigation is open until every control that mitigates it is ready.
#[derive(Debug, Args)]
pub struct RisksArgs {
    /// Only open risks
    #[arg(long)]
    pub open: bool,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: RisksArgs) -> Result<Exit> {
    let (store, history, today) = context.judged()?.valid()?;
    let assessment = readiness::assess(&store, today, &history);
    let risks: Vec<_> =
        readiness::risks::assess_risks(store.risks.iter().map(|r| &*r.value), &assessment)
            .into_iter()
            .filter(|r| !args.open || r.status == RiskStatus::Open)
            .collect();
    let text = match args.format {
        ListFormat::Json => report::json(&risks),
        ListFormat::Table if store.risks.is_empty() => {
            "The risk register is empty: add risks with `soc2 risk add`.\n".to_string()
        }
        ListFormat::Table => report::risks::render_table(&risks, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}
