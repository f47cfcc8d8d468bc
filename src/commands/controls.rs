use anyhow::Result;
use clap::Args;
use soc2::catalog::Category;
use soc2::readiness::{self, ControlResult, ControlState};
use soc2::report::{self, Style};

use super::args::{ListFormat, parse_category, parse_choice};
use super::{Context, Exit, print};

/// List the controls with their readiness state.
#[derive(Debug, Args)]
pub struct ControlsArgs {
    /// Only controls this person owns
    #[arg(long)]
    pub owner: Option<String>,

    /// Only controls in this state (ready, planned, missing-evidence, ...)
    #[arg(long, value_parser = parse_choice::<ControlState>)]
    pub state: Option<ControlState>,

    /// Only controls mapped to criteria of this category
    #[arg(long, value_parser = parse_category)]
    pub category: Option<Category>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: ControlsArgs) -> Result<Exit> {
    let mut judged = context.judged()?;
    let set_aside = std::mem::take(&mut judged.set_aside);
    let (store, history, today) = judged.valid()?;
    let assessment = readiness::assess(&store, today, &history);
    let controls: Vec<&ControlResult> = assessment
        .controls
        .iter()
        .filter(|c| args.owner.as_deref().is_none_or(|o| c.is_owned_by(o)))
        .filter(|c| args.state.is_none_or(|s| c.state == s))
        .filter(|c| args.category.is_none_or(|category| c.maps_to(category)))
        .collect();
    let rows = report::controls::rows(&controls, &set_aside.distrusted);
    let text = match args.format {
        ListFormat::Json => report::json(&rows),
        ListFormat::Table => report::controls::render_table(&rows, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}
