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
