//! What every command may need: the global options, the day readiness is judged on,
//! and the store, read from the working tree or `--rev`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use soc2::Hinted;
use soc2::audit::{self, Audited};
use soc2::git::Repo;
use soc2::model::{Date, Store};
use soc2::report::{self, Style};
use soc2::store::{self, Loaded, Source, WorkTree, input};

use super::GlobalArgs;
use super::output::print_err;

pub struct Context {
    pub global: GlobalArgs,
    pub today: Date,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Context {
        let today = global
            .today
            .unwrap_or_else(|| Date(chrono::Local::now().date_naive()));
        Context { global, today }
    }

    /// The directory `--repo` names, or the current one.
    pub fn start_dir(&self) -> Result<PathBuf> {
        let dir = match &self.global.repo {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().context("reading the current directory")?,
        };
        if !input::is_dir(&dir) {
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

    /// The store with its integrity and history findings, for check and verify.
    pub fn load_audited(&self) -> Result<Audited> {
        let source = self.source()?;
        audit::load_audited(&*source, self.repo_if_any()?, self.history_start())
    }

    /// Loads the store for a report; a store with errors cannot be reported on, so
    /// its errors are printed and the command stops.
    pub fn load_valid(&self) -> Result<Store> {
        valid(self.load()?)
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

/// The store of a load without errors; otherwise the errors are printed and the
/// command stops.
pub fn valid(loaded: Loaded) -> Result<Store> {
    if !loaded.has_errors() {
        return Ok(loaded.store);
    }
    let errors: Vec<_> = loaded.errors().cloned().collect();
    print_err(&report::diagnostics::render(&errors, Style::for_stderr()));
    anyhow::bail!(Hinted::new(
        format!(
            "the store cannot be loaded: {}",
            report::plural(errors.len(), "error")
        ),
        "fix the files named above; `soc2 check` lists every problem",
    ))
}
