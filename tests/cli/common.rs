//! A hermetic environment for running the real binary: a temporary repository, a fake
//! HOME with its own git config, fixed dates, no colour.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TODAY: &str = "2026-11-22";
const AUTHOR_DATE: &str = "2026-11-22T09:00:00+00:00";

pub struct Env {
    _temp: tempfile::TempDir,
    pub home: PathBuf,
    pub repo: PathBuf,
}

/// What a run printed and how it ended.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "exit: {}", self.code)?;
        if !self.stdout.is_empty() {
            write!(f, "--- stdout\n{}", self.stdout)?;
        }
        if !self.stderr.is_empty() {
            write!(f, "--- stderr\n{}", self.stderr)?;
        }
        Ok(())
    }
}

impl Run {
    #[track_caller]
    pub fn success(self) -> Run {
        assert_eq!(self.code, 0, "expected success:\n{self}");
        self
    }

    #[track_caller]
    pub fn code(self, code: i32) -> Run {
        assert_eq!(self.code, code, "expected exit {code}:\n{self}");
        self
    }

    /// Standard output parsed back into the report type that printed it.
    #[track_caller]
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not the expected JSON ({e}):\n{}", self.stdout))
    }

    /// `status --format json`.
    #[track_caller]
    pub fn status(&self) -> soc2::report::status::StatusView {
        self.parse()
    }

    /// `check --format json`.
    #[track_caller]
    pub fn check(&self) -> soc2::gate::CheckReport<'static> {
        self.parse()
    }

    /// The codes of a `check --format json` report's findings.
    #[track_caller]
    pub fn codes(&self) -> Vec<String> {
        self.check()
            .findings
            .into_iter()
            .map(|f| f.code.into_owned())
            .collect()
    }
}

impl Env {
    /// An empty git repository with an identity in its HOME's git config.
    pub fn new() -> Env {
        let env = Env::bare();
        std::fs::write(
            env.home.join(".gitconfig"),
            "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        env.git(&["init", "--quiet"]);
        env
    }

    /// A temporary folder and HOME with no git config and no repository.
    pub fn bare() -> Env {
        let temp = tempfile::tempdir().unwrap();
        let root = temp.path().canonicalize().unwrap();
        let home = root.join("home");
        let repo = root.join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        Env {
            _temp: temp,
            home,
            repo,
        }
    }

    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.current_dir(&self.repo);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("GIT_") || key.starts_with("SOC2_") || key == "NO_COLOR" {
                command.env_remove(&key);
            }
        }
        command
            .env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", AUTHOR_DATE)
            .env("GIT_COMMITTER_DATE", AUTHOR_DATE)
            .env("SOC2_TODAY", TODAY)
            .env("SOC2_HOST", "test-host")
            .env("NO_COLOR", "1")
            .env("LC_ALL", "C");
        command
    }

    pub fn soc2(&self, args: &[&str]) -> Run {
        self.soc2_with(args, &[])
    }

    /// Runs soc2 with extra environment variables (an empty value removes one).
    pub fn soc2_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let mut command = self.command(env!("CARGO_BIN_EXE_soc2"));
        command.args(args);
        for (key, value) in vars {
            if value.is_empty() {
                command.env_remove(key);
            } else {
                command.env(key, value);
            }
        }
        let output = command.output().expect("running soc2");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: self.normalise(&String::from_utf8_lossy(&output.stdout)),
            stderr: self.normalise(&String::from_utf8_lossy(&output.stderr)),
        }
    }

    /// Runs soc2 as another person (their git identity).
    pub fn as_person(&self, name: &str, email: &str, args: &[&str]) -> Run {
        self.soc2_with(
            args,
            &[
                ("GIT_AUTHOR_NAME", name),
                ("GIT_AUTHOR_EMAIL", email),
                ("GIT_COMMITTER_NAME", name),
                ("GIT_COMMITTER_EMAIL", email),
            ],
        )
    }

    /// Runs the real git CLI and returns its stdout; panics when git fails.
    pub fn git(&self, args: &[&str]) -> String {
        let output = self
            .command("git")
            .args(args)
            .output()
            .expect("running git");
        assert!(
            output.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) -> &Env {
        let full = self.repo.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, content).unwrap();
        self
    }

    /// A file outside the repository (for evidence copied in from elsewhere).
    pub fn outside(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.home.parent().unwrap().join("outside").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }

    /// Runs the real git CLI and returns whether it succeeded, for commands expected to fail.
    pub fn git_status_of(&self, args: &[&str]) -> bool {
        self.command("git")
            .args(args)
            .output()
            .expect("running git")
            .status
            .success()
    }

    /// The subject, trailers and changed files of a commit, from the real git CLI.
    pub fn show(&self, rev: &str) -> String {
        self.git(&["show", "--stat", "--format=%B", rev])
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.repo.join(path)).unwrap()
    }

    pub fn path(&self, path: &str) -> PathBuf {
        self.repo.join(path)
    }

    /// Commits everything in the working tree with the git CLI.
    pub fn commit_all(&self, message: &str) {
        self.git(&["add", "--all"]);
        self.git(&["commit", "--quiet", "-m", message]);
    }

    /// Commits everything in the working tree, dated `day` at noon UTC.
    pub fn commit_all_on(&self, day: &str, message: &str) {
        self.git(&["add", "--all"]);
        self.git_on(day, &["commit", "--quiet", "-m", message]);
    }

    /// Runs the real git CLI with its dates set to `day` at noon UTC.
    pub fn git_on(&self, day: &str, args: &[&str]) -> String {
        let date = format!("{day}T12:00:00+00:00");
        let output = self
            .command("git")
            .args(args)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .output()
            .expect("running git");
        assert!(
            output.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn normalise(&self, text: &str) -> String {
        let repo = self.repo.display().to_string();
        let root = self
            .repo
            .parent()
            .map(Path::display)
            .map(|d| d.to_string())
            .unwrap_or_default();
        text.replace(&repo, "[REPO]").replace(&root, "[TMP]")
    }
}
