use anyhow::Result;
use clap::Args;
use soc2::readiness;
use soc2::report::{self, Style};

use super::args::ListFormat;
use super::{Context, Exit, print};

/// List the policies with their approval and review dates.
#[derive(Debug, Args)]
pub struct PoliciesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: PoliciesArgs) -> Result<Exit> {
    let (store, history, today) = context.judged()?.valid()?;
    let assessment = readiness::assess(&store, today, &history);
    let text = match args.format {
        ListFormat::Json => report::json(&assessment.policies),
        ListFormat::Table => {
            report::policies::render_table(&assessment.policies, Style::for_stdout())
        }
    };
    print(&text)?;
    Ok(Exit::Success)
}
