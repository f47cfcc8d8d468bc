use anyhow::Result;
use clap::Args;

use super::{Context, Exit, ListFormat, print};
use crate::catalog::Category;
use crate::cli::{parse_category, parse_choice};
use crate::readiness::{self, ControlResult, ControlState};
use crate::report::{self, Style, table};

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

    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: ControlsArgs) -> Result<Exit> {
    let store = context.load_valid()?;
    let assessment = readiness::assess(&store, context.today);
    let controls: Vec<&ControlResult> = assessment
        .controls
        .iter()
        .filter(|c| {
            args.owner.as_ref().is_none_or(|o| {
                c.owner
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(o))
            })
        })
        .filter(|c| args.state.is_none_or(|s| c.state == s))
        .filter(|c| {
            args.category.is_none_or(|category| {
                c.criteria
                    .iter()
                    .any(|id| crate::catalog::find(id).is_some_and(|k| k.category == category))
            })
        })
        .collect();
    let text = match args.format {
        ListFormat::Json => report::json(&controls),
        ListFormat::Table => {
            let mut t = table(&[
                "Control",
                "Title",
                "Owner",
                "Status",
                "Frequency",
                "State",
                "Criteria",
            ]);
            for c in &controls {
                t.add_row(vec![
                    c.id.clone(),
                    c.title.clone(),
                    c.owner.clone().unwrap_or_default(),
                    c.status.as_str().to_string(),
                    c.frequency.as_str().to_string(),
                    c.state.as_str().to_string(),
                    c.criteria.join(", "),
                ]);
            }
            let ready = controls.iter().filter(|c| c.is_ready()).count();
            let summary = format!(
                "{} ({ready} ready)",
                report::plural(controls.len(), "control")
            );
            format!("{t}\n{}\n", Style::for_stdout().dim(&summary))
        }
    };
    print(&text)?;
    Ok(Exit::Success)
}
