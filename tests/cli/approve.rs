use soc2::readiness::{ApprovalState, ControlResult};

use crate::common::Env;
use crate::fixtures::committed_small_store;

/// A control's entry among the not-ready ones of `soc2 status --format json`.
fn not_ready(env: &Env, id: &str) -> ControlResult {
    env.soc2(&["status", "--format", "json"])
        .status()
        .not_ready
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("{id} is not among the controls not ready"))
}

/// Runs soc2 as another person.
fn as_person(env: &Env, name: &str, email: &str, args: &[&str]) -> crate::common::Run {
    env.as_person(name, email, args)
}

#[test]
fn approval_records_who_when_and_the_digest() {
    let env = committed_small_store();
    as_person(
        &env,
        "Carol",
        "carol@example.com",
        &["control", "set", "BC-01", "--status", "implemented"],
    )
    .success();
    let run = as_person(
        &env,
        "Vera",
        "vera@example.com",
        &["approve", "BC-01", "-m", "Reviewed the backup job config."],
    );
    insta::assert_snapshot!(run.success());
    let text = env.read("controls/BC-01.yaml");
    assert!(
        text.contains("approval:\n  by: vera@example.com\n  at: 2026-11-22\n  digest: "),
        "{text}"
    );
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: approve BC-01

    Approve control BC-01 as it is now (sha256 93189eb467aa)
    Reviewed the backup job config.

    Soc2-Action: approve
    Soc2-Object: BC-01


     controls/BC-01.yaml | 4 ++++
     1 file changed, 4 insertions(+)
    ");
    let bc01 = not_ready(&env, "BC-01");
    assert_eq!(bc01.approval, ApprovalState::Approved);
}

#[test]
fn the_author_of_the_content_cannot_approve_it() {
    let env = committed_small_store();
    as_person(
        &env,
        "Carol",
        "carol@example.com",
        &["control", "set", "BC-01", "--status", "implemented"],
    )
    .success();
    let run = as_person(&env, "Carol", "CAROL@example.com", &["approve", "BC-01"]).code(2);
    insta::assert_snapshot!(run);
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]), "2\n");
}

#[test]
fn a_change_after_approval_voids_it() {
    let env = committed_small_store();
    as_person(&env, "Vera", "vera@example.com", &["approve", "BC-01"]).success();
    as_person(
        &env,
        "Carol",
        "carol@example.com",
        &["control", "set", "BC-01", "--title", "Hourly backups"],
    )
    .success();
    let bc01 = not_ready(&env, "BC-01");
    assert_eq!(bc01.approval, ApprovalState::Changed);
    insta::assert_snapshot!(env.soc2(&["verify"]).code(1));
}

#[test]
fn approving_a_policy_covers_its_document() {
    let env = committed_small_store();
    env.write("policies/POL-SEC.md", "# Security Policy\n\nRewritten.\n");
    env.commit_all("rewrite the policy");
    let json = env.soc2(&["status", "--format", "json"]).status();
    assert_eq!(
        json.overall.met, 0,
        "the edited document voids the approval"
    );
    as_person(&env, "Vera", "vera@example.com", &["approve", "POL-SEC"]).success();
    assert_eq!(
        env.soc2(&["status", "--format", "json"])
            .status()
            .overall
            .met,
        1
    );
}

#[test]
fn an_unchanged_approval_is_not_repeated() {
    let env = committed_small_store();
    let run = as_person(&env, "Vera", "vera@example.com", &["approve", "AC-01"]).success();
    assert_eq!(
        run.stdout,
        "AC-01 is already approved as it is (by approver@example.com on 2026-03-02); nothing to commit\n"
    );
}

#[test]
fn approve_keeps_comments() {
    let env = committed_small_store();
    env.write(
        "controls/BC-01.yaml",
        format!(
            "# Backups: see the runbook.\n{}",
            env.read("controls/BC-01.yaml")
        ),
    );
    env.commit_all("note");
    as_person(&env, "Vera", "vera@example.com", &["approve", "BC-01"]).success();
    assert!(
        env.read("controls/BC-01.yaml")
            .starts_with("# Backups: see the runbook.\nid: BC-01\n")
    );
}

#[test]
fn unknown_ids_suggest_one() {
    let env = committed_small_store();
    insta::assert_snapshot!(env.soc2(&["approve", "POL-SECC"]).code(2));
}

/// Commits everything as `email`, as a person working with plain git would.
fn commit_as(env: &Env, email: &str, message: &str) {
    env.git(&["add", "--all"]);
    env.git(&[
        "-c",
        &format!("user.name={email}"),
        "-c",
        &format!("user.email={email}"),
        "commit",
        "--quiet",
        "-m",
        message,
    ]);
}

/// BC-01 implemented by Carol, then an approval written by hand into its file.
fn hand_written_approval(env: &Env, by: &str, at: &str) {
    as_person(
        env,
        "Carol",
        "carol@example.com",
        &["control", "set", "BC-01", "--status", "implemented"],
    )
    .success();
    let text = env.read("controls/BC-01.yaml");
    let control: soc2::model::Control = soc2::store::from_yaml(&text).unwrap();
    env.write(
        "controls/BC-01.yaml",
        format!(
            "{text}approval:\n  by: {by}\n  at: {at}\n  digest: {}\n",
            soc2::model::digest::control(&control).current
        ),
    );
}

#[test]
fn an_approval_in_another_persons_name_is_flagged() {
    let env = committed_small_store();
    // Dana writes Vera's name into the approval and commits it herself.
    hand_written_approval(&env, "vera@example.com", "2026-11-22");
    commit_as(&env, "dana@example.com", "approve BC-01");
    let verify = env.soc2(&["verify"]).code(1);
    insta::assert_snapshot!(verify);
    let codes = env.soc2(&["check", "--format", "json"]).codes();
    assert!(
        codes.contains(&"W-APPROVAL-NOT-BY-AUTHOR".to_string()),
        "{codes:?}"
    );
}

#[test]
fn an_approval_dated_before_its_commit_is_flagged() {
    let env = committed_small_store();
    hand_written_approval(&env, "vera@example.com", "2026-06-01");
    commit_as(&env, "vera@example.com", "approve BC-01");
    let verify = env.soc2(&["verify", "--format", "json"]).code(1);
    let result: soc2::audit::Verification = verify.parse();
    let codes: Vec<&str> = result.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["W-BACKDATED"], "{verify}");
}

#[test]
fn an_approval_merged_from_a_branch_is_judged_on_the_branch() {
    let env = committed_small_store();
    as_person(
        &env,
        "Carol",
        "carol@example.com",
        &["control", "set", "BC-01", "--status", "implemented"],
    )
    .success();
    env.git(&["switch", "--quiet", "-c", "approve-bc01"]);
    as_person(&env, "Vera", "vera@example.com", &["approve", "BC-01"]).success();
    env.git(&["switch", "--quiet", "main"]);
    env.git(&[
        "merge",
        "--quiet",
        "--no-ff",
        "-m",
        "Merge approve-bc01",
        "approve-bc01",
    ]);
    let codes = env.soc2(&["check", "--format", "json"]).codes();
    assert!(
        !codes.contains(&"W-APPROVAL-NOT-BY-AUTHOR".to_string()),
        "{codes:?}"
    );
    env.soc2(&["verify"]).success();
}

#[test]
fn approve_refuses_a_shallow_clone() {
    let env = committed_small_store();
    as_person(
        &env,
        "Carol",
        "carol@example.com",
        &["control", "set", "BC-01", "--status", "implemented"],
    )
    .success();
    let clone = env.repo.parent().unwrap().join("shallow");
    let url = format!("file://{}", env.repo.display());
    env.git(&[
        "clone",
        "--quiet",
        "--depth",
        "1",
        &url,
        clone.to_str().unwrap(),
    ]);
    // In the clone, Carol's commit is the boundary: history cannot tell who wrote BC-01.
    let run = as_person(
        &env,
        "Carol",
        "carol@example.com",
        &["--repo", clone.to_str().unwrap(), "approve", "BC-01"],
    )
    .code(2);
    insta::assert_snapshot!(run);
}

/// check keeps the approval history it walked for the commit it started from; a new
/// commit is walked again, and the kept walk gives what a fresh one gives.
#[test]
fn the_approval_history_kept_for_one_commit_is_not_used_for_the_next() {
    let env = committed_small_store();
    let flagged = |env: &Env| {
        env.soc2(&["check", "--format", "json"])
            .codes()
            .contains(&"W-APPROVAL-NOT-BY-AUTHOR".to_string())
    };
    assert!(!flagged(&env));
    let head = env.git(&["rev-parse", "HEAD"]);
    assert!(
        env.path(&format!(".git/soc2/history/{}-approvals", head.trim()))
            .is_file()
    );
    hand_written_approval(&env, "vera@example.com", "2026-11-22");
    commit_as(&env, "dana@example.com", "approve BC-01");
    assert!(flagged(&env));
    // Read from what was kept, as from a fresh walk.
    let kept = env.soc2(&["check", "--format", "json"]).stdout;
    let fresh = env
        .soc2(&["check", "--format", "json", "--no-cache"])
        .stdout;
    assert_eq!(kept, fresh);
}
