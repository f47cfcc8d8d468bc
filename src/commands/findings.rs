use anyhow::Result;
use clap::Args;
use soc2::internal_audit::FindingSummary;
use soc2::report::{self, Style, internal_audit};

use super::args::ListFormat;
use super::{Context, Exit, print};

/// List the findings, with their severity, status, owner and due date.
///
/// Findings are deficiencies found by internal tests, by the auditor, by the team
/// itself or in an incident (findings/<F-ID>.yaml).
#[derive(Debug, Args)]
pub struct FindingsArgs {
    /// Only findings not closed yet
    #[arg(long)]
    pub open: bool,

    /// Only findings on this control
    #[arg(long)]
    pub control: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: FindingsArgs) -> Result<Exit> {
    let (store, _, today) = context.judged()?.valid()?;
    let findings: Vec<FindingSummary> = store
        .audit_findings
        .iter()
        .map(|f| &f.value)
        .filter(|f| !args.open || f.is_open())
        .filter(|f| args.control.as_deref().is_none_or(|c| f.control == c))
        .map(|f| FindingSummary::of(f, today))
        .collect();
    let text = match args.format {
        ListFormat::Json => report::json(&findings),
        ListFormat::Table if findings.is_empty() => {
            if args.open {
                "No open findings.\n".to_string()
            } else {
                "No findings: `soc2 finding add` files one, and a deficient test files its own.\n"
                    .to_string()
            }
        }
        ListFormat::Table => internal_audit::findings_table(&findings, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}
