//! The audit trail read back: log, verify, --rev and diff.

use crate::common::Env;
use crate::fixtures::small_store;
use soc2::audit::Verification;
use soc2::diff::Diff;
use soc2::trail::Entry;

fn store() -> Env {
    let env = Env::new();
    small_store(&env);
    env.commit_all("Start the compliance program");
    env
}

/// A history with tool commits, a hand-made commit and a merge.
fn busy_history() -> Env {
    let env = store();
    let report = env.outside("mfa.csv", "alice,yes\n");
    env.soc2(&[
        "evidence",
        "add",
        "AC-01",
        report.to_str().unwrap(),
        "-m",
        "MFA report",
    ])
    .success();
    env.soc2(&["control", "set", "BC-01", "--status", "implemented"])
        .success();
    env.git(&["checkout", "--quiet", "-b", "edit-ir"]);
    env.write(
        "controls/IR-01.yaml",
        env.read("controls/IR-01.yaml")
            .replace("owner: TODO", "owner: erin@example.com"),
    );
    env.write("unrelated.txt", "not part of the store\n");
    env.commit_all("Name the incident response owner");
    env.git(&["checkout", "--quiet", "main"]);
    env.git(&[
        "merge",
        "--quiet",
        "--no-ff",
        "edit-ir",
        "-m",
        "Merge branch 'edit-ir'",
    ]);
    env
}

#[test]
fn log_shows_tool_commits_hand_edits_and_merges() {
    let env = busy_history();
    insta::assert_snapshot!(env.soc2(&["log"]).success());
}

#[test]
fn log_of_one_id() {
    let env = busy_history();
    insta::assert_snapshot!(env.soc2(&["log", "IR-01"]).success());
    let json: Vec<Entry> = env.soc2(&["log", "AC-01", "--format", "json"]).parse();
    let actions: Vec<&str> = json.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["evidence-add", "edit"]);
}

#[test]
fn log_filters_by_date() {
    let env = busy_history();
    assert_eq!(
        env.soc2(&["log", "--since", "2026-11-23"]).success().stdout,
        "No changes to the store in this history.\n"
    );
    let json = env
        .soc2(&["log", "--until", "2026-11-22", "--format", "json"])
        .parse::<Vec<Entry>>();
    assert_eq!(json.len(), 5);
}

#[test]
fn log_matches_git_log() {
    let env = busy_history();
    let json: Vec<Entry> = env.soc2(&["log", "--format", "json"]).parse();
    let mut ours: Vec<String> = json.into_iter().map(|e| e.commit).collect();
    let git = env.git(&[
        "log",
        "--full-history",
        "--format=%H",
        "--",
        "soc2.yaml",
        "controls",
        "policies",
        "evidence",
        "risks",
    ]);
    let mut theirs: Vec<String> = git.lines().map(String::from).collect();
    // Every commit here has the same time, so only the set is comparable.
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
}

#[test]
fn log_and_check_work_in_a_shallow_clone() {
    // CI checkouts are often shallow: the boundary commit's parent is not there.
    let env = busy_history();
    let clone = env.repo.parent().unwrap().join("shallow");
    let (url, clone) = (
        format!("file://{}", env.repo.display()),
        clone.to_str().unwrap(),
    );
    env.git(&["clone", "--quiet", "--depth", "2", &url, clone]);
    let json = env
        .soc2(&["--repo", clone, "log", "--format", "json"])
        .parse::<Vec<Entry>>();
    let mut ours: Vec<&str> = json.iter().map(|e| e.commit.as_str()).collect();
    let git = env.git(&[
        "-C",
        clone,
        "log",
        "--full-history",
        "--format=%H",
        "--",
        "soc2.yaml",
        "controls",
        "policies",
        "evidence",
        "risks",
    ]);
    let mut theirs: Vec<&str> = git.lines().collect();
    ours.sort();
    theirs.sort();
    assert_eq!(ours, theirs);
    assert!(!ours.is_empty());
    let full = env.soc2(&["check"]);
    let shallow = env.soc2(&["--repo", clone, "check"]);
    assert_eq!(shallow.code, full.code);
    // The same findings and verdict, and one note that a rule could not run.
    let (note, rest) = shallow
        .stdout
        .split_once("\n\n")
        .expect("the note comes first");
    assert!(
        note.starts_with(
            "info[I-RULE-SKIPPED]: segregation of duties, who wrote each approval, and the dates git vouches for"
        )
    );
    assert_eq!(rest, full.stdout);
}

#[test]
fn verify_passes_on_a_clean_store() {
    let env = store();
    insta::assert_snapshot!(env.soc2(&["verify"]).success());
}

#[test]
fn verify_reports_changed_missing_and_unrecorded_files() {
    let env = store();
    env.write("evidence/AC-01/2026-10-02-mfa-report.csv", "tampered\n");
    std::fs::remove_file(env.path("evidence/AC-02/2026-07-01-access-review.csv")).unwrap();
    env.write("evidence/AC-02/stray.pdf", "%PDF");
    let run = env.soc2(&["verify"]).code(1);
    insta::assert_snapshot!(run);
    let json: Verification = env.soc2(&["verify", "--format", "json"]).code(1).parse();
    let codes: Vec<&str> = json.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(
        codes,
        ["E-HASH-MISMATCH", "E-EVIDENCE-MISSING", "W-UNRECORDED-FILE"]
    );
}

#[test]
fn verify_refuses_evidence_replaced_by_a_link() {
    let env = store();
    let file = "evidence/AC-01/2026-10-02-mfa-report.csv";
    let copy = env.outside("copy.csv", env.read(file));
    std::fs::remove_file(env.path(file)).unwrap();
    std::os::unix::fs::symlink(&copy, env.path(file)).unwrap();
    let json: Verification = env.soc2(&["verify", "--format", "json"]).code(1).parse();
    let finding = &json.findings[0];
    assert_eq!(finding.code.as_str(), "E-BAD-PATH");
    assert_eq!(
        finding.message,
        format!("evidence file {file} is a symbolic link")
    );
    assert_eq!(json.findings.len(), 1);
}

#[test]
fn rev_reads_the_store_from_history_without_touching_the_working_tree() {
    let env = store();
    env.git(&["tag", "v1"]);
    let report = env.outside("q3.csv", "x\n");
    env.soc2(&[
        "evidence",
        "add",
        "AC-02",
        report.to_str().unwrap(),
        "--covers",
        "2026-07-01..2026-09-30",
    ])
    .success();
    env.write("controls/AC-01.yaml", "not: [valid");
    let then = env
        .soc2(&["status", "--rev", "v1", "--format", "json"])
        .success()
        .status();
    let now = env
        .soc2(&["status", "--rev", "HEAD", "--format", "json"])
        .success()
        .status();
    assert_eq!(then.overall.met, 1);
    assert_eq!(now.overall.met, 3);
    assert_eq!(env.read("controls/AC-01.yaml"), "not: [valid");
    env.soc2(&["verify", "--rev", "v1"]).success();
    insta::assert_snapshot!(env.soc2(&["status", "--rev", "no-such-tag"]).code(2));
}

#[test]
fn rev_is_refused_by_changing_commands() {
    let env = store();
    insta::assert_snapshot!(
        env.soc2(&[
            "control",
            "set",
            "BC-01",
            "--status",
            "implemented",
            "--rev",
            "HEAD"
        ])
        .code(2)
    );
}

#[test]
fn diff_shows_what_a_branch_changes() {
    let env = store();
    env.git(&["checkout", "--quiet", "-b", "q3-evidence"]);
    let report = env.outside("q3.csv", "x\n");
    env.soc2(&[
        "evidence",
        "add",
        "AC-02",
        report.to_str().unwrap(),
        "--covers",
        "2026-07-01..2026-09-30",
        "-m",
        "Q3 access review",
    ])
    .success();
    env.soc2(&["control", "set", "BC-01", "--status", "implemented"])
        .success();
    insta::assert_snapshot!("diff_table", env.soc2(&["diff"]).success());
    insta::assert_snapshot!(
        "diff_markdown",
        env.soc2(&["diff", "--format", "markdown"]).success()
    );
    let json = env
        .soc2(&["diff", "main", "--format", "json"])
        .success()
        .parse::<Diff>();
    assert_eq!(json.new_evidence, ["AC-02/2026-11-22-q3-access-review"]);
}

#[test]
fn diff_on_the_default_branch_compares_with_the_parent() {
    let env = store();
    let report = env.outside("q3.csv", "x\n");
    env.soc2(&[
        "evidence",
        "add",
        "AC-02",
        report.to_str().unwrap(),
        "--covers",
        "2026-07-01..2026-09-30",
    ])
    .success();
    let json: Diff = env.soc2(&["diff", "--format", "json"]).success().parse();
    assert_eq!(json.base.overall.met, 1);
    assert_eq!(json.target.overall.met, 3);
}
