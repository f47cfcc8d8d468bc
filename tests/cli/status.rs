use crate::common::Env;
use crate::fixtures::{committed_small_store, small_store};

#[test]
fn table() {
    let env = committed_small_store();
    insta::assert_snapshot!(env.soc2(&["status"]).success());
}

#[test]
fn json() {
    let env = committed_small_store();
    let run = env.soc2(&["status", "--format", "json"]).success();
    let json = run.status();
    assert_eq!(json.overall.met, 1);
    assert_eq!(json.overall.total, 35);
    insta::assert_snapshot!(run);
}

#[test]
fn json_and_table_agree() {
    let env = committed_small_store();
    let json = env.soc2(&["status", "--format", "json"]).status();
    let table = env.soc2(&["status"]).stdout;
    let percent = format!("{:.1}%", json.overall.readiness);
    assert!(table.contains(&percent), "{percent} not in:\n{table}");
}

#[test]
fn markdown() {
    let env = committed_small_store();
    insta::assert_snapshot!(env.soc2(&["status", "--format", "markdown"]).success());
}

#[test]
fn filters_by_category_and_owner() {
    let env = committed_small_store();
    insta::assert_snapshot!(
        "category",
        env.soc2(&["status", "--category", "availability"])
            .success()
    );
    insta::assert_snapshot!(
        "owner",
        env.soc2(&["status", "--owner", "BOB@example.com"])
            .success()
    );
}

#[test]
fn the_date_comes_from_the_flag_or_the_environment() {
    let env = committed_small_store();
    // By 2027-02-01 AC-01's evidence (to 2026-09-30) is 124 days old: stale.
    let by_flag = env
        .soc2(&["status", "--format", "json", "--today", "2027-02-01"])
        .status();
    let by_env = env
        .soc2_with(
            &["status", "--format", "json"],
            &[("SOC2_TODAY", "2027-02-01")],
        )
        .status();
    assert_eq!(by_flag, by_env);
    assert_eq!(by_flag.today.to_string(), "2027-02-01");
    assert_eq!(by_flag.overall.met, 0);
}

#[test]
fn a_bad_date_is_a_usage_error() {
    let env = committed_small_store();
    insta::assert_snapshot!(env.soc2(&["status", "--today", "2026-02-30"]).code(2));
}

#[test]
fn works_outside_a_git_repository() {
    let env = Env::bare();
    small_store(&env);
    let run = env.soc2(&["status", "--format", "json"]).success();
    assert_eq!(run.status().overall.met, 1);
}

/// AC-01 is ready on its one evidence record; `damage` breaks that record's file.
fn evidence_that_does_not_count(damage: fn(&Env)) -> Env {
    let env = committed_small_store();
    let before = env.soc2(&["status", "--format", "json"]).status();
    assert!(!before.not_ready.iter().any(|c| c.id == "AC-01"));
    assert_eq!(before.overall.met, 1);
    damage(&env);
    let status = env.soc2(&["status", "--format", "json"]).status();
    let ac01 = status.not_ready.iter().find(|c| c.id == "AC-01");
    assert!(ac01.is_some(), "AC-01 is no longer ready");
    assert_eq!(status.overall.met, 0);
    assert_eq!(status.not_counted.len(), 1);
    assert_eq!(status.not_counted[0].id, "AC-01/2026-10-02-mfa-report");
    // check, status, controls and show agree.
    let check = env.soc2(&["check", "--format", "json"]).check();
    assert_eq!(check.readiness.overall, status.overall.readiness);
    let controls: Vec<soc2::report::controls::ControlRow> =
        env.soc2(&["controls", "--format", "json"]).parse();
    let row = controls.iter().find(|r| r.result.id == "AC-01").unwrap();
    assert!(!row.result.is_ready());
    assert_eq!(row.not_counted, status.not_counted);
    let shown: soc2::links::Shown = env.soc2(&["show", "AC-01", "--format", "json"]).parse();
    let soc2::links::Shown::Control { evidence, .. } = shown else {
        panic!("a control");
    };
    assert_eq!(
        evidence[0].not_counted.as_deref(),
        Some(status.not_counted[0].reason.as_str())
    );
    env
}

#[test]
fn tampered_evidence_never_counts() {
    let env = evidence_that_does_not_count(|env| {
        env.write(
            "evidence/AC-01/2026-10-02-mfa-report.csv",
            "edited after the fact\n",
        );
    });
    insta::assert_snapshot!(env.soc2(&["status"]).success());
    insta::assert_snapshot!(env.soc2(&["show", "AC-01/2026-10-02-mfa-report"]).success());
}

#[test]
fn missing_evidence_files_never_count() {
    let env = evidence_that_does_not_count(|env| {
        std::fs::remove_file(env.path("evidence/AC-01/2026-10-02-mfa-report.csv")).unwrap();
    });
    insta::assert_snapshot!(env.soc2(&["controls"]).success());
}

#[test]
fn evidence_git_does_not_hold_never_counts() {
    let env = evidence_that_does_not_count(|env| {
        env.git(&[
            "rm",
            "--quiet",
            "--cached",
            "evidence/AC-01/2026-10-02-mfa-report.csv",
        ]);
        env.git(&["commit", "--quiet", "-m", "untrack the report"]);
    });
    let status = env.soc2(&["status", "--format", "json"]).status();
    assert_eq!(
        status.not_counted[0].reason,
        "evidence/AC-01/2026-10-02-mfa-report.csv is not committed"
    );
}
