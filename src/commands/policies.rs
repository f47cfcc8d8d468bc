use anyhow::Result;
use clap::Args;

use super::{Context, Exit, ListFormat, print};
use crate::readiness;
use crate::report::{self, Style, table};

/// List the policies with their approval and review dates.
#[derive(Debug, Args)]
pub struct PoliciesArgs {
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: PoliciesArgs) -> Result<Exit> {
    let store = context.load_valid()?;
    let assessment = readiness::assess(&store, context.today);
    let policies = &assessment.policies;
    let text = match args.format {
        ListFormat::Json => report::json(policies),
        ListFormat::Table => {
            let mut t = table(&[
                "Policy",
                "Title",
                "Owner",
                "Version",
                "Approval",
                "Last review",
                "Review due",
            ]);
            for p in policies {
                let approval = p.approval.describe();
                let due = match p.review_due {
                    Some(due) if p.overdue => format!("{due} (overdue)"),
                    Some(due) => due.to_string(),
                    None => "-".to_string(),
                };
                t.add_row(vec![
                    p.id.clone(),
                    p.title.clone(),
                    p.owner.clone().unwrap_or_default(),
                    p.version.to_string(),
                    approval.to_string(),
                    p.last_review.map_or("-".to_string(), |d| d.to_string()),
                    due,
                ]);
            }
            format!(
                "{t}\n{}\n",
                Style::for_stdout().dim(&report::plural(policies.len(), "policy"))
            )
        }
    };
    print(&text)?;
    Ok(Exit::Success)
}
