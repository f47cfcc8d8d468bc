use anyhow::Result;
use clap::Args;
use soc2::catalog::Category;
use soc2::internal_audit::{audit_results, results};
use soc2::readiness;
use soc2::report::{self, Style, status};

use super::args::{ReportFormat, parse_category};
use super::{Context, Exit, print};

/// Show readiness per category and overall, then the gaps.
///
/// A criterion is met when every applicable control mapped to it is ready; readiness is
/// the share of in-scope criteria that are met. The gaps are the uncovered criteria and
/// each control that is not ready, with the first reason and its owner.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,

    /// Show one category (security, availability, confidentiality, processing-integrity, privacy)
    #[arg(long, value_parser = parse_category)]
    pub category: Option<Category>,

    /// Show only the controls this person owns
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
}

pub fn run(context: &Context, args: StatusArgs) -> Result<Exit> {
    let mut judged = context.judged()?;
    let set_aside = std::mem::take(&mut judged.set_aside);
    let (store, history, today) = judged.valid()?;
    let assessment = readiness::assess(&store, today, &history);
    let filter = status::Filter {
        category: args.category,
        owner: args.owner,
    };
    let mut view = status::view(&assessment, &filter).with_not_counted(
        &set_aside.distrusted,
        &assessment,
        &filter,
    );
    let period = results::default_period(&store, today);
    let audit = audit_results(&store, &assessment, period);
    view.tested = Some(status::tested(&audit, &assessment, &filter));
    let text = match args.format {
        ReportFormat::Table => status::render_table(&view, Style::for_stdout()),
        ReportFormat::Json => report::json(&view),
        ReportFormat::Markdown => status::render_markdown(&view),
    };
    print(&text)?;
    super::leave((store, history, assessment, view, audit, set_aside));
    Ok(Exit::Success)
}
