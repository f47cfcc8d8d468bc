//! The command line: global options, the list of commands and the dispatch. Each
//! command is one file (a group is a folder), with its arguments and one `run`
//! function: parse, call the core, render, exit code. Exit codes: 0 success, 1 a check
//! failed (findings, the gate), 2 the command could not run.

mod approve;
mod args;
mod audit_results;
mod check;
mod collect;
mod completions;
mod context;
mod control;
mod controls;
mod criteria;
mod diff;
mod due;
mod evidence;
mod export;
mod finding;
mod findings;
mod init;
mod log;
mod man;
mod oscal;
mod output;
mod policies;
mod policy;
mod population;
mod program;
mod prompt;
mod report;
mod request;
mod requests;
mod risk;
mod risks;
mod schema;
mod screen;
mod set_fields;
mod show;
mod signoff;
mod status;
mod test;
mod timeline;
mod vendor;
mod vendors;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use soc2::model::Date;

use self::context::Context;
use self::output::print;

/// How a command that ran ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// A check found problems or a gate failed.
    Failure,
}

/// Turn a git repository of YAML files into a SOC 2 readiness program.
///
/// Controls, policies and evidence live as YAML files in a git repository
/// (controls/, policies/, evidence/, and soc2.yaml for scope). soc2 computes readiness
/// against the AICPA Trust Services Criteria, and every change it makes is one git
/// commit, so the history is the audit trail.
#[derive(Debug, Parser)]
#[command(name = "soc2", version, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The store's directory (default: the git repository around the current directory)
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        help_heading = "Global options"
    )]
    pub repo: Option<PathBuf>,

    /// Read the store from a git revision (branch, tag or commit) instead of the working tree
    #[arg(
        long,
        global = true,
        value_name = "REV",
        help_heading = "Global options"
    )]
    pub rev: Option<String>,

    /// The day to act as of: readiness is judged, and new records dated, on this day
    #[arg(
        long,
        global = true,
        value_name = "YYYY-MM-DD",
        env = "SOC2_TODAY",
        hide_env_values = true,
        value_parser = args::parse_date,
        help_heading = "Global options"
    )]
    pub today: Option<Date>,

    /// Judge the store as it stood at the end of this day, from git history, as of that
    /// day (for the commands that read)
    #[arg(
        long,
        global = true,
        value_name = "YYYY-MM-DD",
        value_parser = args::parse_date,
        help_heading = "Global options"
    )]
    pub as_of: Option<Date>,

    /// Read and parse every file: neither use nor update the cache of parsed files kept
    /// in .git/soc2/
    #[arg(
        long,
        global = true,
        env = "SOC2_NO_CACHE",
        value_parser = clap::builder::FalseyValueParser::new(),
        help_heading = "Global options"
    )]
    pub no_cache: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(init::InitArgs),
    Status(status::StatusArgs),
    Check(check::CheckArgs),
    Criteria(criteria::CriteriaArgs),
    Show(show::ShowArgs),
    Due(due::DueArgs),
    Program(program::ProgramArgs),
    Controls(controls::ControlsArgs),
    Policies(policies::PoliciesArgs),
    Control(control::ControlArgs),
    Policy(policy::PolicyArgs),
    Approve(approve::ApproveArgs),
    Evidence(evidence::EvidenceArgs),
    Collect(collect::CollectArgs),
    Risks(risks::RisksArgs),
    Risk(risk::RiskArgs),
    Requests(requests::RequestsArgs),
    Request(request::RequestArgs),
    Vendors(vendors::VendorsArgs),
    Vendor(vendor::VendorArgs),
    Log(log::LogArgs),
    Verify(verify::VerifyArgs),
    Diff(diff::DiffArgs),
    Schema(schema::SchemaArgs),
    Timeline(timeline::TimelineArgs),
    Report(report::ReportArgs),
    Export(export::ExportArgs),
    Oscal(oscal::OscalArgs),
    Population(population::PopulationArgs),
    Test(test::TestArgs),
    Finding(finding::FindingArgs),
    Findings(findings::FindingsArgs),
    AuditResults(audit_results::AuditResultsArgs),
    Completions(completions::CompletionsArgs),
    Man(man::ManArgs),
}

pub fn main() -> ExitCode {
    output::install_panic_hook();
    let cli = Cli::parse();
    match run(cli) {
        Ok(Exit::Success) => ExitCode::SUCCESS,
        Ok(Exit::Failure) => ExitCode::from(1),
        Err(err) => {
            output::error(&err);
            ExitCode::from(2)
        }
    }
}

/// Leaves what a reading command built for the process's exit to give back: a large
/// store is hundreds of thousands of allocations, and freeing them one by one after
/// the output is written took a twentieth of `status`. Only for values whose drop does
/// nothing else (never the parse cache, which writes itself when dropped).
fn leave<T>(built: T) {
    std::mem::forget(built);
}

fn run(cli: Cli) -> Result<Exit> {
    output::debug_panic_trigger();
    let context = Context::new(cli.global);
    match cli.command {
        Command::Init(args) => init::run(&context, args),
        Command::Status(args) => status::run(&context, args),
        Command::Check(args) => check::run(&context, args),
        Command::Criteria(args) => criteria::run(&context, args),
        Command::Show(args) => show::run(&context, args),
        Command::Due(args) => due::run(&context, args),
        Command::Controls(args) => controls::run(&context, args),
        Command::Policies(args) => policies::run(&context, args),
        Command::Control(args) => control::run(&context, args),
        Command::Policy(args) => policy::run(&context, args),
        Command::Approve(args) => approve::run(&context, args),
        Command::Program(args) => program::run(&context, args),
        Command::Evidence(args) => evidence::run(&context, args),
        Command::Collect(args) => collect::run(&context, args),
        Command::Risks(args) => risks::run(&context, args),
        Command::Risk(args) => risk::run(&context, args),
        Command::Requests(args) => requests::run(&context, args),
        Command::Request(args) => request::run(&context, args),
        Command::Vendors(args) => vendors::run(&context, args),
        Command::Vendor(args) => vendor::run(&context, args),
        Command::Log(args) => log::run(&context, args),
        Command::Verify(args) => verify::run(&context, args),
        Command::Diff(args) => diff::run(&context, args),
        Command::Schema(args) => schema::run(&context, args),
        Command::Timeline(args) => timeline::run(&context, args),
        Command::Report(args) => report::run(&context, args),
        Command::Export(args) => export::run(&context, args),
        Command::Oscal(args) => oscal::run(&context, args),
        Command::Population(args) => population::run(&context, args),
        Command::Test(args) => test::run(&context, args),
        Command::Finding(args) => finding::run(&context, args),
        Command::Findings(args) => findings::run(&context, args),
        Command::AuditResults(args) => audit_results::run(&context, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// The `--help` of every command and subcommand, in one reviewed snapshot: a change
    /// to the help text shows in review like a change to code.
    #[test]
    fn cli_reference() {
        fn walk(command: &mut clap::Command, path: &str, out: &mut String) {
            let name = if path.is_empty() {
                command.get_name().to_string()
            } else {
                format!("{path} {}", command.get_name())
            };
            let help = command.render_long_help().to_string();
            out.push_str(&format!("===== {name} --help\n{}\n", help.trim_end()));
            let mut subcommands: Vec<clap::Command> = command.get_subcommands().cloned().collect();
            for sub in &mut subcommands {
                if sub.get_name() != "help" {
                    walk(sub, &name, out);
                }
            }
        }
        let mut root = Cli::command().term_width(100);
        root.build();
        let mut out = String::new();
        walk(&mut root, "", &mut out);
        insta::assert_snapshot!("cli_reference", out);
    }

    /// Every argument says what it is for.
    #[test]
    fn every_flag_has_help() {
        fn walk(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let name = format!("{path} {}", command.get_name());
            for arg in command.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{name} {id}"));
                }
            }
            for sub in command.get_subcommands() {
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:#?}");
    }
}
