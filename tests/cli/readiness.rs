//! The readiness semantics end to end: results, pending and due windows, the scope's
//! approval, digests of soc2 0.1.

use soc2::model::Sha256Hex;
use soc2::readiness::WindowState;
use soc2::readiness::due::DueItem;

use crate::common::Env;
use crate::fixtures::{PROGRAM, committed_small_store, scope_approved};

/// The small store as a Type II audit of 2026-04-01..2026-09-30.
fn type2() -> Env {
    let env = committed_small_store();
    env.write(
        "soc2.yaml",
        scope_approved(&PROGRAM.replace(
            "  type: type1\n",
            "  type: type2\n  period: {start: 2026-04-01, end: 2026-09-30}\n",
        )),
    );
    env.commit_all("a Type II period");
    env
}

#[test]
fn a_window_is_pending_until_its_grace_has_passed_and_due_agrees() {
    let env = type2();
    // AC-02 has no evidence for Q3 (ended 2026-09-30, due 2026-10-30).
    let on = |day: &str| {
        let status = env
            .soc2(&["status", "--today", day, "--format", "json"])
            .success()
            .status();
        let due: Vec<DueItem> = env
            .soc2(&["due", "--today", day, "--format", "json"])
            .success()
            .parse();
        let ac02 = due.into_iter().find(|i| i.id == "AC-02").unwrap();
        let missing = status.not_ready.iter().any(|c| c.id == "AC-02");
        (missing, ac02.date.to_string(), ac02.overdue)
    };
    assert_eq!(on("2026-10-15"), (false, "2026-10-30".into(), false));
    assert_eq!(on("2026-10-30"), (false, "2026-10-30".into(), false));
    assert_eq!(on("2026-10-31"), (true, "2026-10-30".into(), true));
    let shown = env
        .soc2(&["show", "AC-02", "--today", "2026-10-15"])
        .success();
    let q3 = shown
        .stdout
        .lines()
        .find(|l| l.contains("2026-Q3"))
        .unwrap();
    assert!(q3.contains(" pending "), "{shown}");
}

#[test]
fn a_failed_command_is_a_deviation_unless_its_exit_code_is_expected() {
    let env = committed_small_store();
    let run = env
        .soc2(&[
            "evidence", "run", "IR-01", "-m", "Pager", "--", "sh", "-c", "exit 3",
        ])
        .success();
    assert!(run.stderr.contains("recorded as a deviation"), "{run}");
    let record = env.read("evidence/IR-01/2026-11-22-pager.yaml");
    assert!(record.contains("result: deviation\n"), "{record}");
    let run = env
        .soc2(&[
            "evidence",
            "run",
            "IR-01",
            "-m",
            "Pager",
            "--expect-exit",
            "3",
            "--",
            "sh",
            "-c",
            "exit 3",
        ])
        .success();
    assert!(run.stderr.is_empty(), "{run}");
    let record = env.read("evidence/IR-01/2026-11-22-pager-2.yaml");
    assert!(record.contains("result: operated\n"), "{record}");
}

#[test]
fn nothing_to_act_on_is_recorded_without_files_and_with_a_reason() {
    let env = committed_small_store();
    let refused = env
        .soc2(&["evidence", "add", "AC-02", "--result", "no-occurrence"])
        .code(2);
    insta::assert_snapshot!(refused);
    env.soc2(&[
        "evidence",
        "add",
        "AC-02",
        "--result",
        "no-occurrence",
        "--reason",
        "No joiners or leavers in Q3",
        "--covers",
        "2026-07-01..2026-09-30",
    ])
    .success();
    let record = env.read("evidence/AC-02/2026-11-22-no-occurrence.yaml");
    insta::assert_snapshot!(record);
    env.soc2(&["check"]).success();
}

#[test]
fn the_scope_is_approved_like_a_control() {
    let env = committed_small_store();
    let status = |env: &Env| {
        env.soc2(&["status", "--format", "json"])
            .success()
            .status()
            .overall
    };
    assert_eq!(status(&env).excluded, 1);
    // Carol changes the exclusion's reason: the scope's approval no longer holds.
    env.write(
        "soc2.yaml",
        env.read("soc2.yaml").replace(
            "Cloud only; no offices",
            "No offices; the cloud provider runs the data centres",
        ),
    );
    env.as_person(
        "Carol",
        "carol@example.com",
        &["control", "set", "AC-01", "--notes", "x"],
    )
    .success();
    env.git(&[
        "-c",
        "user.name=Carol",
        "-c",
        "user.email=carol@example.com",
        "commit",
        "-q",
        "-am",
        "reword the exclusion",
    ]);
    assert_eq!(status(&env).excluded, 0);
    let refused = env
        .as_person("Carol", "carol@example.com", &["approve", "scope"])
        .code(2);
    assert!(
        refused
            .stderr
            .contains("you (carol@example.com) last changed scope"),
        "{refused}"
    );
    let run = env
        .as_person(
            "Vera",
            "vera@example.com",
            &["approve", "scope", "-m", "Reviewed"],
        )
        .success();
    insta::assert_snapshot!(run);
    assert_eq!(status(&env).excluded, 1);
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: approve scope

    Approve the scope as it is now (sha256 cb1bc0728504)
    Reviewed

    Soc2-Action: approve
    Soc2-Object: scope


     soc2.yaml | 5 ++++-
     1 file changed, 4 insertions(+), 1 deletion(-)
    ");
}

#[test]
fn verify_explains_an_approval_under_the_old_digest_rule() {
    let env = committed_small_store();
    // soc2 0.1 digested the whole record, notes included.
    let legacy = Sha256Hex::of(
        br#"{"id":"LG-01","title":"Legacy","owner":"a@example.com","status":"implemented","frequency":"annual","notes":"n"}"#,
    );
    let control = "id: LG-01\ntitle: Legacy\nowner: a@example.com\nstatus: implemented\nfrequency: annual\nnotes: n\n";
    env.write("controls/LG-01.yaml", control);
    env.commit_all("a control");
    env.write(
        "controls/LG-01.yaml",
        format!("{control}approval: {{by: v@example.com, at: 2026-11-22, digest: {legacy}}}\n"),
    );
    env.git(&["add", "--all"]);
    env.git(&[
        "-c",
        "user.name=Vera",
        "-c",
        "user.email=v@example.com",
        "commit",
        "--quiet",
        "-m",
        "a control approved by soc2 0.1",
    ]);
    let run = env.soc2(&["verify"]).success();
    insta::assert_snapshot!(run);
    // Re-approving records today's digest, by the same rules as any approval.
    env.as_person("Vera", "vera@example.com", &["approve", "LG-01"])
        .success();
    assert!(!env.read("controls/LG-01.yaml").contains(&legacy.0));
    env.soc2(&["verify"]).success();
}

#[test]
fn windows_show_their_state_due_date_and_where_their_design_came_from() {
    let env = type2();
    let shown: soc2::links::Shown = env
        .soc2(&["show", "AC-01", "--format", "json"])
        .success()
        .parse();
    let soc2::links::Shown::Control { window_results, .. } = shown else {
        panic!("AC-01 is a control");
    };
    let states: Vec<(WindowState, String)> = window_results
        .iter()
        .map(|w| (w.state, w.design_from.clone()))
        .collect();
    assert_eq!(
        states,
        [
            (WindowState::Missing, "before-history".to_string()),
            (WindowState::Operated, "before-history".to_string())
        ]
    );
}
