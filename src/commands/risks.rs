use anyhow::Result;
use clap::Args;

use super::{Context, Exit, ListFormat, print};
use crate::readiness::{self, risks::RiskStatus};
use crate::report::{self, Style, table};

/// List the risk register, highest score first, with the state of mitigating controls.
///
/// A risk treated by mitigation is open until every control that mitigates it is ready.
#[derive(Debug, Args)]
pub struct RisksArgs {
    /// Only open risks
    #[arg(long)]
    pub open: bool,

    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: RisksArgs) -> Result<Exit> {
    let store = context.load_valid()?;
    let assessment = readiness::assess(&store, context.today);
    let risks: Vec<_> =
        readiness::risks::assess_risks(store.risks.iter().map(|r| &r.value), &assessment)
            .into_iter()
            .filter(|r| !args.open || r.status == RiskStatus::Open)
            .collect();
    let text = match args.format {
        ListFormat::Json => report::json(&risks),
        ListFormat::Table => {
            if store.risks.is_empty() {
                "The risk register is empty: add risks with `soc2 risk add`.\n".to_string()
            } else {
                let mut t = table(&[
                    "Risk",
                    "Title",
                    "L",
                    "I",
                    "Score",
                    "Treatment",
                    "Status",
                    "Owner",
                    "Controls",
                ]);
                for r in &risks {
                    let controls: Vec<String> = r
                        .controls
                        .iter()
                        .map(|c| {
                            format!("{} {}", c.id, c.state.map_or("(unknown)", |s| s.as_str()))
                        })
                        .collect();
                    t.add_row(vec![
                        r.id.clone(),
                        r.title.clone(),
                        r.likelihood.to_string(),
                        r.impact.to_string(),
                        r.score.to_string(),
                        r.treatment.as_str().to_string(),
                        r.status.as_str().to_string(),
                        r.owner.clone().unwrap_or_default(),
                        controls.join(", "),
                    ]);
                }
                report::align_right(&mut t, &[2, 3, 4]);
                let open = risks
                    .iter()
                    .filter(|r| r.status == RiskStatus::Open)
                    .count();
                let summary = format!("{}, {open} open", report::plural(risks.len(), "risk"));
                format!("{t}\n{}\n", Style::for_stdout().dim(&summary))
            }
        }
    };
    print(&text)?;
    Ok(Exit::Success)
}
