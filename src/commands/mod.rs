//! One file per command. This module parses the command line, builds the context the
//! commands share, dispatches, and turns the outcome into an exit code:
//! 0 success, 1 a check failed (findings, the gate), 2 the command could not run.

pub mod approve;
mod change;
pub mod check;
pub mod control;
pub mod controls;
pub mod criteria;
pub mod diff;
pub mod due;
pub mod evidence;
pub mod init;
pub mod log;
pub mod policies;
pub mod policy;
mod prompt;
mod records;
pub mod risk;
pub mod risks;
pub mod schema;
pub mod show;
pub mod status;
pub mod verify;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, ValueEnum};

use crate::Hinted;
use crate::cli::{Cli, Command, GlobalArgs};
use crate::findings::Finding;
use crate::git::Repo;
use crate::history;
use crate::model::Date;
use crate::model::Store;
use crate::report;
use crate::store::integrity::{self, Integrity};
use crate::store::{self, Loaded, Source, WorkTree};

/// How a command that ran ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// A check found problems or a gate failed.
    Failure,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Exit::Success) => ExitCode::SUCCESS,
        Ok(Exit::Failure) => ExitCode::from(1),
        Err(err) => {
            eprint!(
                "{}",
                report::error::render(&err, report::Style::for_stderr())
            );
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<Exit> {
    let context = Context::new(cli.global)?;
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
        Command::Evidence(args) => evidence::run(&context, args),
        Command::Risks(args) => risks::run(&context, args),
        Command::Risk(args) => risk::run(&context, args),
        Command::Log(args) => log::run(&context, args),
        Command::Verify(args) => verify::run(&context, args),
        Command::Diff(args) => diff::run(&context, args),
        Command::Schema(args) => schema::run(&context, args),
    }
}

/// What every command may need: the global options and the date readiness is judged on.
/// `--format` of the commands that print a table, or the same data as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// `--format` of the reports that also paste into a pull request as Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
}

/// The store with everything check and verify audit beyond loading it.
pub struct Audited {
    pub loaded: Loaded,
    pub integrity: Integrity,
    pub self_approvals: Vec<Finding>,
}

pub struct Context {
    pub global: GlobalArgs,
    pub today: Date,
}

impl Context {
    fn new(global: GlobalArgs) -> Result<Context> {
        let today = global
            .today
            .unwrap_or_else(|| Date(chrono::Local::now().date_naive()));
        Ok(Context { global, today })
    }

    /// The directory `--repo` names, or the current one.
    pub fn start_dir(&self) -> Result<PathBuf> {
        let dir = match &self.global.repo {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().context("reading the current directory")?,
        };
        if !dir.is_dir() {
            anyhow::bail!(Hinted::new(
                format!("{} is not a directory", dir.display()),
                "pass `--repo` the folder that holds soc2.yaml",
            ));
        }
        Ok(dir)
    }

    /// The git repository the store lives in.
    pub fn repo(&self) -> Result<Repo> {
        let dir = self.start_dir()?;
        Repo::discover(&dir)?.ok_or_else(|| {
            anyhow::anyhow!(Hinted::new(
                format!("{} is not in a git repository", dir.display()),
                "soc2 records every change as a git commit: run `soc2 init` here, or `git init` first",
            ))
        })
    }

    /// The repository when there is one; read-only commands work without.
    pub fn repo_if_any(&self) -> Result<Option<Repo>> {
        Repo::discover(&self.start_dir()?)
    }

    /// The revision history is read from: `--rev`, or HEAD.
    pub fn history_start(&self) -> &str {
        self.global.rev.as_deref().unwrap_or("HEAD")
    }

    /// The store's root: the top of the git working tree, or the directory itself
    /// when it is not in a repository (read-only commands still work there).
    pub fn root(&self) -> Result<PathBuf> {
        let dir = self.start_dir()?;
        match Repo::discover(&dir)? {
            Some(repo) => Ok(repo.workdir()?.to_path_buf()),
            None => Ok(dir),
        }
    }

    /// Where the store is read from: `--rev`, or the working tree.
    pub fn source(&self) -> Result<Box<dyn Source>> {
        Ok(match &self.global.rev {
            Some(rev) => Box::new(self.repo()?.tree_source(rev)?),
            None => Box::new(WorkTree::new(self.root()?)),
        })
    }

    /// Loads the store from `--rev` or the working tree, with every finding.
    pub fn load(&self) -> Result<Loaded> {
        store::load(&*self.source()?)
    }

    /// Loads the store with its integrity findings (evidence hashes) and its
    /// self-approval findings (segregation of duties, from git history), for check and
    /// verify. The history walk reads git objects, not the files being loaded and
    /// hashed, so it runs on a thread of its own meanwhile.
    pub fn load_audited(&self) -> Result<Audited> {
        let source = self.source()?;
        let repo = self.repo_if_any()?;
        let start = self.history_start();
        std::thread::scope(|scope| {
            let walk = repo.map(|repo| {
                scope.spawn(move || {
                    let touched = history::approval_history(&repo, start);
                    (repo, touched)
                })
            });
            let loaded = store::load(&*source)?;
            let integrity = integrity::check(&loaded.store, &*source)?;
            let mut self_approvals = Vec::new();
            if let Some(walk) = walk {
                let (repo, touched) = walk
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                if let Some(touched) = touched? {
                    self_approvals = history::self_approvals(&repo, &loaded.store, &touched)?;
                }
            }
            Ok(Audited {
                loaded,
                integrity,
                self_approvals,
            })
        })
    }

    /// Loads the store for a report; a store with errors cannot be reported on, so
    /// its errors are printed and the command stops.
    pub fn load_valid(&self) -> Result<Store> {
        let loaded = self.load()?;
        if !loaded.has_errors() {
            return Ok(loaded.store);
        }
        let errors: Vec<_> = loaded.errors().cloned().collect();
        eprint!(
            "{}",
            report::diagnostics::render(&errors, report::Style::for_stderr())
        );
        anyhow::bail!(Hinted::new(
            format!(
                "the store cannot be loaded: {}",
                report::plural(errors.len(), "error")
            ),
            "fix the files named above; `soc2 check` lists every problem",
        ))
    }

    /// Refuses `--rev` for commands that change the store.
    pub fn refuse_rev(&self, command: &str) -> Result<()> {
        if self.global.rev.is_some() {
            anyhow::bail!(Hinted::new(
                format!("`soc2 {command}` changes the store, so it cannot work on a past revision"),
                "drop `--rev`",
            ));
        }
        Ok(())
    }
}

/// Prints to stdout; a closed pipe (`soc2 status | head`) ends output quietly.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to standard output"),
    }
}
