use anyhow::Result;
use clap::Args;
use soc2::catalog::{self, Category, Criterion};
use soc2::report::{self, Style};

use super::args::{ListFormat, parse_category};
use super::{Context, Exit, print};

/// List the Trust Services Criteria built into soc2.
///
/// All 61 criteria of TSC 2017: the 33 common criteria (security, always in scope),
/// availability, confidentiality, processing integrity and privacy. CC1-CC5 show the
/// COSO principle they carry.
#[derive(Debug, Args)]
pub struct CriteriaArgs {
    /// Only this category
    #[arg(long, value_parser = parse_category)]
    pub category: Option<Category>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(_context: &Context, args: CriteriaArgs) -> Result<Exit> {
    let criteria: Vec<&Criterion> = catalog::CRITERIA
        .iter()
        .filter(|c| args.category.is_none_or(|category| c.category == category))
        .collect();
    let text = match args.format {
        ListFormat::Table => report::criteria::render_table(&criteria, Style::for_stdout()),
        ListFormat::Json => report::json(&criteria),
    };
    print(&text)?;
    Ok(Exit::Success)
}
