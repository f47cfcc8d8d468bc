use anyhow::Result;
use clap::{Args, ValueEnum};
use soc2::model::RequestStatus;
use soc2::report::{self, Style};
use soc2::requests;

use super::args::parse_choice;
use super::{Context, Exit, print};

/// List the auditor's requests with their status, due date and the evidence provided.
///
/// Open and rejected requests past their due date are marked overdue (and listed by
/// `soc2 due`). `--format csv` writes the list as the evidence package's requests.csv.
#[derive(Debug, Args)]
pub struct RequestsArgs {
    /// Only requests in this status: open, provided, accepted or rejected
    #[arg(long, value_parser = parse_choice::<RequestStatus>)]
    pub status: Option<RequestStatus>,

    /// Only this person's requests (the owner of the controls they concern)
    #[arg(long)]
    pub owner: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = RequestsFormat::Table)]
    pub format: RequestsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RequestsFormat {
    Table,
    Json,
    Csv,
}

pub fn run(context: &Context, args: RequestsArgs) -> Result<Exit> {
    let (store, _, today) = context.judged()?.valid()?;
    let views: Vec<_> = requests::views(&store, today)
        .into_iter()
        .filter(|r| args.status.is_none_or(|s| r.status == s))
        .filter(|r| {
            args.owner
                .as_deref()
                .is_none_or(|o| soc2::model::owner_is(r.owner.as_deref(), o))
        })
        .collect();
    let text = match args.format {
        RequestsFormat::Json => report::json(&views),
        RequestsFormat::Csv => String::from_utf8(report::requests::csv(&views))?,
        RequestsFormat::Table if store.requests.is_empty() => {
            "No auditor requests yet: import the request list with `soc2 request import FILE.csv`.\n"
                .to_string()
        }
        RequestsFormat::Table => report::requests::render_table(&views, today, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}
