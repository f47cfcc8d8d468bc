//! The command line: global options and the list of commands. Each command's own
//! arguments live with it in `commands/<name>.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::catalog::Category;
use crate::commands;
use crate::model::Date;

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
        value_parser = parse_date,
        help_heading = "Global options"
    )]
    pub today: Option<Date>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(commands::init::InitArgs),
    Status(commands::status::StatusArgs),
    Check(commands::check::CheckArgs),
    Criteria(commands::criteria::CriteriaArgs),
    Show(commands::show::ShowArgs),
    Due(commands::due::DueArgs),
    Controls(commands::controls::ControlsArgs),
    Policies(commands::policies::PoliciesArgs),
    Control(commands::control::ControlArgs),
    Policy(commands::policy::PolicyArgs),
    Approve(commands::approve::ApproveArgs),
    Evidence(commands::evidence::EvidenceArgs),
    Risks(commands::risks::RisksArgs),
    Risk(commands::risk::RiskArgs),
    Log(commands::log::LogArgs),
    Verify(commands::verify::VerifyArgs),
    Diff(commands::diff::DiffArgs),
    Schema(commands::schema::SchemaArgs),
}

pub fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text)
}

pub fn parse_category(text: &str) -> Result<Category, String> {
    Category::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        format!("expected one of: {}", names.join(", "))
    })
}

/// Parses a fixed choice (`quarterly`, `implemented`) through the model's serde names,
/// so the command line and the files accept the same words.
pub fn parse_choice<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_yaml::from_str::<T>(text).map_err(|err| {
        let message = err.to_string();
        let names: Vec<&str> = message.split('`').skip(1).step_by(2).skip(1).collect();
        let mut out = format!("unknown value `{text}`");
        if let Some(best) = crate::suggest::closest(text, names.iter().copied()) {
            out.push_str(&format!(", did you mean `{best}`?"));
        }
        if !names.is_empty() {
            out.push_str(&format!(" (expected one of: {})", names.join(", ")));
        }
        out
    })
}

/// A criterion ID from the catalogue.
pub fn parse_criterion(text: &str) -> Result<String, String> {
    match crate::catalog::find(text.trim()) {
        Some(criterion) => Ok(criterion.id.to_string()),
        None => Err(crate::suggest::unknown(
            "criterion",
            text,
            crate::catalog::CRITERIA.iter().map(|c| c.id),
        )),
    }
}

pub fn parse_interval(text: &str) -> Result<crate::model::Interval, String> {
    crate::model::Interval::parse(text)
}
