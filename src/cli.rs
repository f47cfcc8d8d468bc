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
    #[arg(long, global = true, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    /// Read the store from a git revision (branch, tag or commit) instead of the working tree
    #[arg(long, global = true, value_name = "REV")]
    pub rev: Option<String>,

    /// Assess readiness as of this date instead of today
    #[arg(long, global = true, value_name = "YYYY-MM-DD", env = "SOC2_TODAY", value_parser = parse_date)]
    pub today: Option<Date>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Init(commands::init::InitArgs),
    Status(commands::status::StatusArgs),
    Criteria(commands::criteria::CriteriaArgs),
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
