use anyhow::Result;
use clap::{Args, ValueEnum};
use soc2::report::{self, Style};
use soc2::{links, readiness};

use super::args::parse_record_ref;
use super::{Context, Exit, print};

/// A record or evidence ID, `system`, or a criterion ID (`CC6.1`; an unknown one is told
/// the closest when it is looked up).
fn parse_shown(text: &str) -> Result<String, String> {
    let criterion_like = text.contains('.')
        && !text.starts_with('.')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.');
    if criterion_like || text == "system" {
        return Ok(text.to_string());
    }
    parse_record_ref(text)
}

/// Show one control, policy, criterion, risk, vendor or evidence record, or the system
/// description, with everything linked to it.
///
/// A control shows its state and every reason, its criteria, policies, approval,
/// exceptions, evidence and, for Type II, each window of the observation period with
/// its evidence or `missing`. A policy lists every approved version from git history
/// and the controls that named it then. `soc2 show system` prints the system
/// description with the lists soc2 writes from vendors/. Evidence IDs look like
/// AC-01/2026-10-03-mfa-report.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A control, policy, risk, vendor or criterion ID, an evidence ID (CONTROL/RECORD), or `system`
    #[arg(value_parser = parse_shown)]
    pub id: String,

    /// Output format
    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

pub fn run(context: &Context, args: ShowArgs) -> Result<Exit> {
    let mut judged = context.judged()?;
    let set_aside = std::mem::take(&mut judged.set_aside);
    let assessment = readiness::assess(&judged.loaded.store, judged.today, &judged.history);
    // What was set aside is still shown, marked as not counting.
    let store = &mut judged.loaded.store;
    store.evidence.extend(set_aside.records);
    store.evidence.sort_by(|a, b| a.path.cmp(&b.path));
    let mut shown = links::find(
        store,
        &judged.history,
        &assessment,
        &*judged.source,
        &args.id,
    )?;
    shown.mark_not_counted(&set_aside.distrusted);
    let text = match args.format {
        ShowFormat::Json => report::json(&shown),
        ShowFormat::Text => report::show::render(&shown, &assessment, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}
