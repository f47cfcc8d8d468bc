//! The bad-input corpus: every folder of `tests/cases/` is one case, a store and a
//! command line with the exit code and the message it must give. A new case is a new
//! folder, not new code.
//!
//! `case.yaml` holds:
//!
//! ```yaml
//! # what the case shows, one line
//! about: an evidence ID that climbs out of evidence/ is refused
//! base: small            # small (the small fixture store), init (`soc2 init`) or empty (a git repository)
//! setup: [...]           # shell commands run in the repository before the commit
//! commit: true           # commit the store and the setup (default true)
//! dirty: [...]           # shell commands run after the commit
//! args: [evidence, add, ../soc2, "{outside}/report.csv"]
//! exit: 2
//! output: [is not a valid ID]   # fragments of stdout and stderr, each required
//! absent: [did you mean]        # fragments neither may hold
//! changes: false         # whether the command may change anything (default: only on exit 0)
//! ```
//!
//! Files in the case's `store/` are written over the base store, and files in its
//! `outside/` land beside the repository (`{outside}` in commands and arguments). Every
//! case must end without a panic, and a case that fails must leave the repository, its
//! history and everything around it as they were.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::common::Env;
use crate::fixtures;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    #[serde(default = "small")]
    base: String,
    #[serde(default)]
    setup: Vec<String>,
    #[serde(default = "yes")]
    commit: bool,
    #[serde(default)]
    dirty: Vec<String>,
    args: Vec<String>,
    exit: i32,
    #[serde(default)]
    output: Vec<String>,
    /// Fragments the output must not hold.
    #[serde(default)]
    absent: Vec<String>,
    /// Whether the command may change the repository or the files around it.
    changes: Option<bool>,
    /// Extra environment variables for the command.
    #[serde(default)]
    env: BTreeMap<String, String>,
}

fn small() -> String {
    "small".to_string()
}

fn yes() -> bool {
    true
}

fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((relative, path));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Everything under the case's temporary folder but git's object store and soc2's
/// cache (.git/soc2/, which reading commands keep), with each file's size and
/// content: what a refused command must leave as it was.
fn snapshot(env: &Env) -> BTreeMap<String, Vec<u8>> {
    let root = env.repo.parent().unwrap();
    let git = env.repo.join(".git");
    fn walk(dir: &Path, skip: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if ["objects", "logs", "soc2"]
                .iter()
                .any(|kept| path.starts_with(skip.join(kept)))
            {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let key = path.display().to_string();
            if meta.is_dir() {
                out.insert(format!("{key}/"), Vec::new());
                walk(&path, skip, out);
            } else if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap();
                out.insert(key, target.display().to_string().into_bytes());
            } else {
                out.insert(key, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, &git, &mut out);
    out
}

fn run_case(name: &str, dir: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("case.yaml"))
        .map_err(|e| format!("reading case.yaml: {e}"))?;
    let case: Case = soc2::store::from_yaml(&text).map_err(|e| format!("case.yaml: {e}"))?;
    let env = match case.base.as_str() {
        "small" => {
            let env = Env::new();
            fixtures::small_store(&env);
            env
        }
        "init" => {
            let env = Env::new();
            env.soc2(&["init", "--org", "Case Co"]).success();
            env
        }
        "empty" => Env::new(),
        other => return Err(format!("unknown base `{other}`")),
    };
    let outside = env.repo.parent().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let expand = |text: &str| {
        text.replace("{outside}", &outside.display().to_string())
            .replace("{case}", &dir.display().to_string())
    };
    for (relative, path) in files_under(&dir.join("store")) {
        env.write(&relative, std::fs::read(path).unwrap());
    }
    for (relative, path) in files_under(&dir.join("outside")) {
        let target = outside.join(&relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(path, target).unwrap();
    }
    let shell = |commands: &[String]| -> Result<(), String> {
        for command in commands {
            let status = std::process::Command::new("sh")
                .arg("-c")
                .arg(expand(command))
                .current_dir(&env.repo)
                .env("HOME", &env.home)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("setup command failed: {command}"));
            }
        }
        Ok(())
    };
    shell(&case.setup)?;
    if case.commit {
        env.git(&["add", "--all"]);
        if !env.git(&["status", "--porcelain"]).is_empty() {
            env.git(&["commit", "--quiet", "-m", "case"]);
        }
    }
    shell(&case.dirty)?;

    let before = snapshot(&env);
    let args: Vec<String> = case.args.iter().map(|a| expand(a)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let vars: Vec<(String, String)> = case
        .env
        .iter()
        .map(|(k, v)| (k.clone(), expand(v)))
        .collect();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = env.soc2_with(&args, &vars);
    let after = snapshot(&env);

    let mut problems = Vec::new();
    if run.code != case.exit {
        problems.push(format!("exit {} (expected {})", run.code, case.exit));
    }
    let output = format!("{}{}", run.stdout, run.stderr);
    for fragment in &case.output {
        if !output.contains(fragment.as_str()) {
            problems.push(format!("output lacks `{fragment}`"));
        }
    }
    for fragment in &case.absent {
        if output.contains(fragment.as_str()) {
            problems.push(format!("output holds `{fragment}`"));
        }
    }
    if output.contains("internal error") || output.contains("panicked") {
        problems.push("soc2 panicked".to_string());
    }
    if !case.changes.unwrap_or(case.exit == 0) && before != after {
        let changed: std::collections::BTreeSet<&String> = before
            .keys()
            .chain(after.keys())
            .filter(|k| before.get(*k) != after.get(*k))
            .collect();
        problems.push(format!("it changed files: {changed:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{name} ({}): {}\n{run}",
            case.about,
            problems.join("; ")
        ))
    }
}

#[test]
fn every_case_of_the_corpus() {
    let mut names: Vec<String> = std::fs::read_dir(CASES)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "the corpus is there: {names:?}");
    // Cases are independent: run them on every core.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let chunks: Vec<Vec<String>> = names
            .chunks(names.len().div_ceil(4))
            .map(<[String]>::to_vec)
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|name| run_case(name, &Path::new(CASES).join(name)).err())
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
