use anyhow::Result;
use clap::{Args, ValueEnum};
use soc2::report::{self, Style};
use soc2::{links, readiness};

use super::{Context, Exit, print};

/// Show one control, policy, criterion, risk, vendor or evidence record, or the system
/// description, with everything linked to it.
///
/// A control shows its state and every reason, its criteria, policies, approval,
/// exceptions, evidence and, for Type II, each window of the observation period with
/// its evidence or `missing`. A policy lists every approved version from git history
/// and the controls that named it then. `soc2 show system` prints the system
/// description with the lists soc2 writes from vendors/. Evidence IDs look like
/// AC-01/2026-10-03-mfa-report.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A control, policy, risk, vendor or criterion ID, an evidence ID (CONTROL/RECORD), or `system`
    pub id: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

pub fn run(context: &Context, args: ShowArgs) -> Result<Exit> {
    let judged = context.judged()?;
    let store = &judged.loaded.store;
    let assessment = readiness::assess(store, judged.today, &judged.history);
    let shown = links::find(
        store,
        &judged.history,
        &assessment,
        &*judged.source,
        &args.id,
    )?;
    let text = match args.format {
        ShowFormat::Json => report::json(&shown),
        ShowFormat::Text => report::show::render(&shown, &assessment, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}
