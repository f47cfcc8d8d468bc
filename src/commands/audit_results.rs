use anyhow::Result;
use clap::Args;
use soc2::internal_audit::{audit_results, results};
use soc2::model::Covers;
use soc2::readiness;
use soc2::report::{self, Style, internal_audit};

use super::args::{ReportFormat, parse_covers};
use super::{Context, Exit, print};

/// Summarise a period's internal audit: controls tested, conclusions, findings.
///
/// Key controls tested and untested, how their tests concluded, and the findings open
/// and closed.
///
/// Key controls are every in-scope implemented control. The digest covers every test
/// and finding file (tests/<CONTROL>/*.yaml, findings/*.yaml): it is what a sign-off of
/// these results approves.
#[derive(Debug, Args)]
pub struct AuditResultsArgs {
    /// The period: FROM..TO (default: the observation period)
    #[arg(long, value_parser = parse_covers, value_name = "FROM..TO")]
    pub period: Option<Covers>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

pub fn run(context: &Context, args: AuditResultsArgs) -> Result<Exit> {
    let (store, history, today) = context.judged()?.valid()?;
    let assessment = readiness::assess(&store, today, &history);
    let period = args
        .period
        .unwrap_or_else(|| results::default_period(&store, today));
    let results = audit_results(&store, &assessment, period);
    let text = match args.format {
        ReportFormat::Table => internal_audit::results_table(&results, Style::for_stdout()),
        ReportFormat::Json => report::json(&results),
        ReportFormat::Markdown => internal_audit::results_markdown(&results),
    };
    print(&text)?;
    Ok(Exit::Success)
}
