use anyhow::Result;
use clap::{Args, Subcommand};
use soc2::program;
use soc2::readiness;
use soc2::report::{self, Style};

use super::args::ReportFormat;
use super::context::{Judged, valid};
use super::{Context, Exit, print, signoff};

/// Show the 20 steps of the SOC 2 program, each with its state, owner and target date.
///
/// Each step's state (done, in-progress, not-started, or blocked by an earlier step)
/// is derived from the store, never ticked by hand: step 1 is done when scope.services
/// is set and the scope approved, step 9 when no in-scope control is planned or
/// designed, and so on (the README lists every rule). The milestones (steps 10, 14, 18)
/// are signed off with `soc2 approve milestone`; steps 17 and 20, which only people can
/// judge, with `soc2 program sign-off`. Targets come from `program.targets` in
/// soc2.yaml; late steps also appear in `soc2 due`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ProgramArgs {
    #[command(subcommand)]
    pub command: Option<ProgramCommand>,

    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Subcommand)]
pub enum ProgramCommand {
    SignOff(SignOffArgs),
}

/// Sign off step 17 (engage-auditor) or 20 (final-report) with the document that shows it.
///
/// Records who (your git identity), when, the document (a committed file of the
/// repository) or evidence record named, and its digest, under `signoffs` in soc2.yaml;
/// one commit. A later change to the document shows in `soc2 program`. Refused to the
/// person who made the last change to the document.
#[derive(Debug, Args)]
pub struct SignOffArgs {
    /// The step: 17 or engage-auditor, 20 or final-report
    pub step: String,

    /// The document that shows the step done (the engagement letter, the final report), by its path in the repository
    #[arg(long, value_name = "PATH", conflicts_with = "evidence")]
    pub document: Option<String>,

    /// The evidence record that shows the step done (CONTROL/RECORD)
    #[arg(long, value_name = "ID")]
    pub evidence: Option<String>,

    /// A note for the commit message
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn run(context: &Context, args: ProgramArgs) -> Result<Exit> {
    if let Some(ProgramCommand::SignOff(args)) = args.command {
        context.refuse_rev("program sign-off")?;
        let step = signoff::signed_step(&args.step)?;
        return signoff::run(
            context,
            signoff::Request {
                name: step.slug,
                document: args.document.as_deref(),
                evidence: args.evidence.as_deref(),
                message: args.message.as_deref(),
            },
        );
    }
    let view = view(context)?;
    let text = match args.format {
        ReportFormat::Table => report::program::render_table(&view, Style::for_stdout()),
        ReportFormat::Json => report::json(&view),
        ReportFormat::Markdown => report::program::render_markdown(&view),
    };
    print(&text)?;
    Ok(Exit::Success)
}

/// The program as the reading commands judge it (`--rev`, `--as-of`, the working tree).
pub fn view(context: &Context) -> Result<program::ProgramView> {
    let Judged {
        loaded,
        source,
        history,
        today,
        ..
    } = context.judged()?;
    let store = valid(loaded)?;
    let assessment = readiness::assess(&store, today, &history);
    let repo = context.repo_if_any()?;
    program::gather::view(&store, &assessment, &*source, &history, repo.as_ref())
}
