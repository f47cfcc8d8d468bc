//! The write path under pressure: writers at the same moment, a commit git refuses, a
//! command killed at each point of a change. Nothing committed is lost, nothing half
//! done counts as evidence, and the next command says what to do.

use std::sync::{Arc, Barrier};

use crate::common::{Env, Run};
use crate::fixtures::committed_small_store;

/// The porcelain status of the store's folders (`evidence/`, `controls/`, ...).
fn store_status(env: &Env) -> String {
    env.git(&[
        "status",
        "--porcelain",
        "--untracked-files=all",
        "--",
        "soc2.yaml",
        "controls",
        "policies",
        "evidence",
        "risks",
    ])
}

/// The record a successful `evidence add` names: `Recorded AC-01/x for ...`.
fn recorded(run: &Run) -> String {
    let words: Vec<&str> = run.stdout.split_whitespace().collect();
    format!("evidence/{}.yaml", words[1])
}

#[test]
fn twenty_concurrent_pairs_lose_nothing() {
    let env = Arc::new(committed_small_store());
    let mut outcomes: Vec<Run> = Vec::new();
    for round in 0..20 {
        let barrier = Arc::new(Barrier::new(2));
        // Half the pairs write to one control folder, half to two.
        let controls = if round % 2 == 0 {
            ["AC-01", "AC-02"]
        } else {
            ["AC-01", "AC-01"]
        };
        let handles: Vec<_> = controls
            .iter()
            .enumerate()
            .map(|(side, control)| {
                let env = Arc::clone(&env);
                let barrier = Arc::clone(&barrier);
                let control = control.to_string();
                std::thread::spawn(move || {
                    let file =
                        env.outside(&format!("r{round}-{side}.csv"), format!("{round},{side}\n"));
                    barrier.wait();
                    env.soc2_with(
                        &["evidence", "add", &control, file.to_str().unwrap()],
                        &[("SOC2_LOCK_TIMEOUT", "30")],
                    )
                })
            })
            .collect();
        outcomes.extend(handles.into_iter().map(|h| h.join().unwrap()));
    }
    assert_eq!(store_status(&env), "", "the store's paths are clean");
    let committed = env.git(&["ls-tree", "-r", "--name-only", "HEAD", "evidence"]);
    let mut successes = 0;
    for run in &outcomes {
        match run.code {
            0 => {
                successes += 1;
                let record = recorded(run);
                assert!(
                    committed.lines().any(|l| l == record),
                    "{record} is in HEAD:\n{run}"
                );
            }
            2 => assert!(
                run.stderr.contains("nothing was changed") || run.stderr.contains("is locked"),
                "a refusal says nothing changed:\n{run}"
            ),
            _ => panic!("an unexpected exit:\n{run}"),
        }
    }
    assert_eq!(successes, 40, "with a 30 s wait every writer gets its turn");
    let commits = env.git(&["rev-list", "--count", "HEAD"]);
    assert_eq!(
        commits.trim(),
        "41",
        "one commit per success, on top of the fixture"
    );
    env.soc2(&["verify"]).success();
}

#[test]
fn a_commit_git_refuses_puts_every_file_back() {
    let env = committed_small_store();
    let before = (
        env.git(&["status", "--porcelain", "--ignored"]),
        env.read("controls/AC-02.yaml"),
    );
    // Another process holds the branch: the ref update fails after the files are written.
    std::fs::write(env.path(".git/refs/heads/main.lock"), "").unwrap();
    let report = env.outside("r.csv", "x\n");
    let add = env
        .soc2(&["evidence", "add", "BC-01", report.to_str().unwrap()])
        .code(2);
    assert!(add.stderr.contains("the commit failed"), "{add}");
    assert!(add.stderr.contains("nothing was changed"), "{add}");
    assert!(
        !env.path("evidence/BC-01").exists(),
        "the folder made for it is gone"
    );
    let set = env
        .soc2(&["control", "set", "AC-02", "--owner", "dana@example.com"])
        .code(2);
    assert!(set.stderr.contains("nothing was changed"), "{set}");
    let after = (
        env.git(&["status", "--porcelain", "--ignored"]),
        env.read("controls/AC-02.yaml"),
    );
    assert_eq!(before, after);
    assert!(!env.path(".git/index.lock").exists());
    std::fs::remove_file(env.path(".git/refs/heads/main.lock")).unwrap();
    env.soc2(&["control", "set", "AC-02", "--owner", "dana@example.com"])
        .success();
}

/// The readiness `check` reports.
fn readiness(env: &Env) -> f64 {
    env.soc2(&["check", "--format", "json"])
        .check()
        .readiness
        .overall
}

/// `evidence add AC-02 ...` killed at `point`: AC-02's evidence is stale, so a record
/// that counted would raise readiness.
fn interrupted(point: &str) -> (Env, f64) {
    let env = committed_small_store();
    let baseline = readiness(&env);
    let report = env.outside("review.csv", "user,access\nbob,removed\n");
    let run = env.soc2_with(
        &[
            "evidence",
            "add",
            "AC-02",
            report.to_str().unwrap(),
            "-m",
            "Access review",
        ],
        &[("SOC2_DEBUG_CRASH", point)],
    );
    assert!(run.code != 0 && run.code != 2, "killed at {point}:\n{run}");
    // What git leaves too: the lock. soc2 marks its locks, so that the next soc2
    // takes back one whose process is gone; git waits for it to be removed.
    let lock = env.read(".git/index.lock");
    assert!(lock.starts_with("soc2 pid="), "{point}: {lock}");
    assert!(!env.git_status_of(&["commit", "--allow-empty", "-m", "x"]));
    (env, baseline)
}

fn temp_files(env: &Env) -> Vec<String> {
    std::fs::read_dir(env.path("evidence/AC-02"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".soc2-tmp-"))
        .collect()
}

#[test]
fn killed_once_the_lock_is_taken() {
    let (env, baseline) = interrupted("locked");
    // The file was copied beside its place before the lock was taken (as it was
    // screened); nothing else was written.
    assert_eq!(temp_files(&env).len(), 1, "the copy of the file");
    let status = store_status(&env);
    assert!(
        status.lines().all(|l| l.contains("/.soc2-tmp-")),
        "{status}"
    );
    assert_eq!(readiness(&env), baseline);
    // The next soc2 takes the abandoned lock back and goes on, sweeping the copy.
    let report = env.outside("next.csv", "x\n");
    env.soc2_with(
        &["evidence", "add", "AC-02", report.to_str().unwrap()],
        &[("SOC2_LOCK_TIMEOUT", "0.1")],
    )
    .success();
    assert!(!env.path(".git/index.lock").exists());
    assert!(temp_files(&env).is_empty());
    assert_eq!(store_status(&env), "");
}

#[test]
fn a_lock_git_holds_is_waited_for_then_named() {
    let env = committed_small_store();
    std::fs::write(env.path(".git/index.lock"), "").unwrap();
    let report = env.outside("r.csv", "x\n");
    let run = env
        .soc2_with(
            &["evidence", "add", "AC-01", report.to_str().unwrap()],
            &[("SOC2_LOCK_TIMEOUT", "0.1")],
        )
        .code(2);
    assert!(run.stderr.contains("remove .git/index.lock"), "{run}");
}

#[test]
fn killed_while_writing_temporary_files() {
    let (env, baseline) = interrupted("temp-written");
    assert_eq!(temp_files(&env).len(), 2, "the record and its file");
    let check = env.soc2(&["check", "--format", "json"]);
    assert!(
        !check.codes().contains(&"W-UNCOMMITTED".to_string()),
        "{check}"
    );
    assert_eq!(readiness(&env), baseline);
    // The next command that writes there sweeps them.
    let report = env.outside("again.csv", "x\n");
    env.soc2(&["evidence", "add", "AC-02", report.to_str().unwrap()])
        .success();
    assert!(temp_files(&env).is_empty());
    assert_eq!(store_status(&env), "");
}

#[test]
fn killed_between_writing_and_committing() {
    let (env, baseline) = interrupted("written");
    let status = store_status(&env);
    assert_eq!(
        status.lines().count(),
        2,
        "the record and its file:\n{status}"
    );
    let check = env.soc2(&["check", "--format", "json"]);
    let uncommitted: Vec<String> = check
        .check()
        .findings
        .into_iter()
        .filter(|f| f.code == "W-UNCOMMITTED")
        .map(|f| f.message.into_owned())
        .collect();
    assert_eq!(
        uncommitted,
        ["evidence record AC-02/2026-11-22-access-review is not committed, so it does not count"]
    );
    assert_eq!(readiness(&env), baseline, "the orphan is not evidence");
    // Once a person commits it (removing the abandoned lock first, as git asks), it
    // counts.
    std::fs::remove_file(env.path(".git/index.lock")).unwrap();
    env.commit_all("the record the interrupted command left");
    assert!(readiness(&env) > baseline);
}

#[test]
fn killed_after_the_branch_moved() {
    let (env, baseline) = interrupted("committed");
    assert_eq!(store_status(&env), "", "the index was already in place");
    assert!(env.show("HEAD").contains("Soc2-Action: evidence-add"));
    assert!(readiness(&env) > baseline);
    let leftovers: Vec<String> = std::fs::read_dir(env.path(".git"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("index."))
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "the lock, and the old index, until the next command: {leftovers:?}"
    );
    let report = env.outside("again.csv", "x\n");
    env.soc2(&["evidence", "add", "AC-01", report.to_str().unwrap()])
        .success();
    let leftovers = std::fs::read_dir(env.path(".git"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("index."))
        .count();
    assert_eq!(leftovers, 0);
}
