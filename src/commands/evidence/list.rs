use anyhow::{Result, bail};
use clap::Args;
use soc2::links;
use soc2::report::{self, Style};

use super::super::args::{ListFormat, parse_id};
use super::super::{Context, Exit, print};

/// List evidence records, newest first.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this control's evidence
    #[arg(value_parser = parse_id)]
    pub control: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

pub fn run(context: &Context, args: ListArgs) -> Result<Exit> {
    let mut judged = context.judged()?;
    let set_aside = std::mem::take(&mut judged.set_aside);
    let (mut store, history, _) = judged.valid()?;
    // Listed, marked as not counting.
    store.evidence.extend(set_aside.records);
    if let Some(control) = &args.control
        && store.control(control).is_none()
    {
        let ids: Vec<&str> = store.controls.iter().map(|c| c.value.id.as_str()).collect();
        bail!(soc2::suggest::unknown("control", control, ids));
    }
    let mut rows = links::evidence_newest_first(&store, &history, args.control.as_deref());
    links::mark_not_counted(&mut rows, &set_aside.distrusted);
    let text = match args.format {
        ListFormat::Json => report::json(&rows),
        ListFormat::Table => report::evidence::render_table(&rows, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}
