//! What every command may need: the global options, the day readiness is judged on,
//! and the store, read from the working tree or `--rev`.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use soc2::Hinted;
use soc2::audit::{self, Audited, SetAside};
use soc2::git::Repo;
use soc2::history::{self, Depth};
use soc2::model::{Date, History, Store};
use soc2::report::{self, Style};
use soc2::store::{Loaded, ParseCache, Source, WorkTree, input};
use soc2::timeline::Shared;

use super::GlobalArgs;
use super::output::print_err;

pub struct Context {
    pub global: GlobalArgs,
    pub today: Date,
}

/// The store a reading command judges, its history and the judging day.
pub struct Judged {
    /// The store, without the evidence that does not count (`set_aside`).
    pub loaded: Loaded,
    /// Where the store was read from.
    pub source: Box<dyn Source>,
    /// The commit the store was read from (`--rev`, `--as-of`); `None` for the
    /// working tree.
    pub commit: Option<String>,
    pub history: History,
    pub today: Date,
    /// Evidence records whose files are missing, changed or not in git: never counted.
    pub set_aside: SetAside,
}

impl Judged {
    /// The store, when it loaded without errors; otherwise its errors are printed and
    /// the command stops.
    pub fn valid(self) -> Result<(Store, History, Date)> {
        Ok((valid(self.loaded)?, self.history, self.today))
    }
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

    /// What the reading commands judge: the store (as of `--as-of`, from `--rev`, or
    /// the working tree), its history, and the day.
    pub fn judged(&self) -> Result<Judged> {
        self.judged_sharing(None)
    }

    /// `judged`, sharing what it reads with the revisions `shared` serves next.
    pub fn judged_sharing(&self, shared: Option<&Shared>) -> Result<Judged> {
        let repo = self.repo_if_any()?;
        let Some(repo) = repo else {
            let source = self.source()?;
            let (loaded, set_aside) =
                audit::load_judged(&*source, None, shared.map(|s| &s.parsed))?;
            return Ok(Judged {
                loaded,
                source,
                commit: None,
                history: History::default(),
                today: self.today,
                set_aside,
            });
        };
        match (self.global.as_of, &self.global.rev) {
            (Some(day), _) => {
                let commit = self.commit_at(&repo, day)?;
                self.judged_at(&repo, &commit, day, shared)
            }
            (None, Some(rev)) => {
                let commit = repo.resolve(rev)?;
                self.judged_at(&repo, &commit, self.today, shared)
            }
            (None, None) => {
                let (source, kept) = self.work_tree_with_cache(&repo, shared.is_none())?;
                let start = self.history_start();
                let parsed = shared.map(|s| &s.parsed).or(kept.as_ref());
                self.judged_from(&repo, source, start, None, self.today, parsed)
            }
        }
    }

    /// The store as `commit` holds it, and its history walked back from there, judged on
    /// `today`: what `--as-of`, `--rev` and an export pinned to a commit read. The working
    /// tree is not read. With `shared`, what it reads serves the revisions read next.
    pub fn judged_at(
        &self,
        repo: &Repo,
        commit: &str,
        today: Date,
        shared: Option<&Shared>,
    ) -> Result<Judged> {
        let source: Box<dyn Source> = Box::new(match shared {
            Some(shared) => repo.tree_source_sharing(commit, &shared.trees)?,
            None => repo.tree_source(commit)?,
        });
        let pinned = Some(commit.to_string());
        let kept = shared.is_none().then(|| self.parse_cache(repo)).flatten();
        let parsed = shared.map(|s| &s.parsed).or(kept.as_ref());
        self.judged_from(repo, source, commit, pinned, today, parsed)
    }

    fn judged_from(
        &self,
        repo: &Repo,
        source: Box<dyn Source>,
        start: &str,
        commit: Option<String>,
        today: Date,
        parsed: Option<&ParseCache>,
    ) -> Result<Judged> {
        // History comes from git objects, not the files being loaded and hashed: read
        // both at once (a repository handle is used by one thread at a time).
        let walk_repo = repo.reopen()?;
        let (judged, history) = std::thread::scope(|scope| {
            let dir = self.cache_dir(repo);
            let walk = scope.spawn(move || {
                history::read_kept(&walk_repo, start, Depth::WithEvidence, dir.as_deref())
            });
            let judged = audit::load_judged(&*source, Some(repo), parsed);
            let history = walk
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (judged, history)
        });
        let (loaded, set_aside) = judged?;
        Ok(Judged {
            loaded,
            source,
            commit,
            history: history?,
            today,
            set_aside,
        })
    }

    /// The working tree of `repo`, whose unchanged files' blob ids git's index gives
    /// (unless `--no-cache`: then every file is read).
    pub fn work_tree(&self, repo: &Repo) -> Result<Box<dyn Source>> {
        let root = repo.workdir()?.to_path_buf();
        if self.global.no_cache {
            return Ok(Box::new(WorkTree::new(root)));
        }
        Ok(match repo.index_stat()? {
            Some(known) => Box::new(WorkTree::knowing(root, Box::new(known))),
            None => Box::new(WorkTree::new(root)),
        })
    }

    /// `work_tree`, and the parse cache kept in `repo` (when `with_cache`) opened on a
    /// thread of its own meanwhile: each reads a table as large as the store (git's
    /// index, the cache's entries).
    pub fn work_tree_with_cache(
        &self,
        repo: &Repo,
        with_cache: bool,
    ) -> Result<(Box<dyn Source>, Option<ParseCache>)> {
        let dir = self.cache_dir(repo).filter(|_| with_cache);
        std::thread::scope(|scope| {
            let kept = scope.spawn(move || dir.map(|dir| ParseCache::kept_for_one_load(&dir)));
            let source = self.work_tree(repo);
            let kept = kept
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            Ok((source?, kept))
        })
    }

    /// Where what soc2 keeps across runs lives, unless `--no-cache`.
    pub fn cache_dir(&self, repo: &Repo) -> Option<PathBuf> {
        (!self.global.no_cache).then(|| repo.cache_dir())
    }

    /// The cache of parsed files kept in `repo` across runs, unless `--no-cache`, for
    /// one load.
    pub fn parse_cache(&self, repo: &Repo) -> Option<ParseCache> {
        self.cache_dir(repo)
            .map(|dir| ParseCache::kept_for_one_load(&dir))
    }

    /// What a command that reads many revisions of `repo` shares between them, with
    /// the parse cache kept across runs unless `--no-cache`.
    pub fn shared(&self, repo: &Repo) -> Shared {
        self.cache_dir(repo)
            .map_or_else(Shared::default, |dir| Shared::kept_in(&dir))
    }

    /// The store with its integrity and history findings, for check and verify, and
    /// the day it is judged on (`--as-of` reads the store as it stood then). With
    /// `rehash`, every evidence file is read, hashed and scanned, whatever the cache
    /// kept of it.
    pub fn load_audited(&self, rehash: bool) -> Result<(Audited, Date)> {
        let repo = self.repo_if_any()?;
        let Some(day) = self.global.as_of else {
            let (source, kept) = match (&repo, &self.global.rev) {
                (Some(repo), None) => self.work_tree_with_cache(repo, true)?,
                (Some(repo), Some(_)) => (self.source()?, self.parse_cache(repo)),
                (None, _) => (self.source()?, None),
            };
            let start = self.history_start();
            let audited = audit::load_audited(&*source, repo, start, kept.as_ref(), rehash)?;
            return Ok((audited, self.today));
        };
        let repo = self.repo()?;
        let kept = self.parse_cache(&repo);
        let commit = self.commit_at(&repo, day)?;
        let source = repo.tree_source(&commit)?;
        let audited = audit::load_audited(&source, Some(repo), &commit, kept.as_ref(), rehash)?;
        Ok((audited, day))
    }

    /// The last commit of the first-parent history dated on or before `day`.
    pub fn commit_at(&self, repo: &Repo, day: Date) -> Result<String> {
        let kept = self.cache_dir(repo);
        let past = history::read_kept(repo, self.history_start(), Depth::Design, kept.as_deref())?;
        // A day before history starts is judged on its first commit, as its windows are
        // (and `status` says so).
        match (past.commit_at(day), past.commits.first()) {
            (Some(last), _) => Ok(past.commits[last].id.clone()),
            (None, Some(first)) => Ok(first.id.clone()),
            (None, None) => anyhow::bail!(Hinted::new(
                "no commit holds soc2.yaml yet, so there is no past to judge",
                "commit the store first; without --as-of, soc2 judges the working tree",
            )),
        }
    }

    /// Whether this run judges the working tree (no `--rev`, no `--as-of`).
    pub fn judges_working_tree(&self) -> bool {
        self.global.rev.is_none() && self.global.as_of.is_none()
    }

    /// Refuses `--rev` and `--as-of` for commands that change the store.
    pub fn refuse_rev(&self, command: &str) -> Result<()> {
        if !self.judges_working_tree() {
            anyhow::bail!(Hinted::new(
                format!("`soc2 {command}` changes the store, so it cannot work on a past revision"),
                "drop `--rev` and `--as-of`",
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
