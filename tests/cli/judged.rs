//! Judged as it stood: each window against the store at its end, from git history;
//! `--as-of` and the timeline replay any day exactly as `status` said it that evening.

use soc2::model::{Control, Policy, Program, digest};
use soc2::readiness::{ControlState, WindowState};
use soc2::report::status::StatusView;
use soc2::timeline::Timeline;

use crate::common::Env;
use crate::fixtures::POLICY_DOC;

const PROGRAM: &str = "organisation: History Co\naudit:\n  type: type2\n  period: {start: 2026-07-01, end: 2026-08-31}\n";

fn approved_program(at: &str) -> String {
    let program: Program = soc2::store::from_yaml(PROGRAM).unwrap();
    format!(
        "{PROGRAM}scope_approval: {{by: vera@example.com, at: {at}, digest: {}}}\n",
        digest::scope(&program).current
    )
}

fn approved_control(yaml: &str, at: &str) -> String {
    let control: Control = soc2::store::from_yaml(yaml).unwrap();
    format!(
        "{yaml}approval: {{by: vera@example.com, at: {at}, digest: {}}}\n",
        digest::control(&control).current
    )
}

fn approved_policy(yaml: &str, document: &str, at: &str) -> String {
    let policy: Policy = soc2::store::from_yaml(yaml).unwrap();
    format!(
        "{yaml}approval: {{by: vera@example.com, at: {at}, digest: {}}}\n",
        digest::policy(&policy, Some(document.as_bytes())).current
    )
}

const AC01: &str = "id: AC-01\ntitle: MFA\nowner: alice@example.com\ncriteria: [CC6.1]\nstatus: implemented\nfrequency: monthly\npolicies: [POL-SEC]\n";
const MON01: &str = "id: MON-01\ntitle: Control review\nowner: sam@example.com\ncriteria: [CC4.1]\nstatus: designed\nfrequency: weekly\npolicies: [POL-SEC]\n";
const POLICY: &str =
    "id: POL-SEC\ntitle: Security Policy\nowner: carol@example.com\ndocument: POL-SEC.md\n";

/// A history over the period 2026-07-01..2026-08-31, each commit on its day:
/// - 06-20: the store; MON-01 designed;
/// - 07-20: MON-01 implemented and approved;
/// - 08-05: July's evidence for AC-01, and MON-01's since it was implemented;
/// - 08-10, on a branch merged on 08-12: the policy edited (its approval voided);
/// - 08-14: the policy approved again;
/// - 09-03: August's evidence for AC-01.
fn history() -> Env {
    let env = Env::new();
    env.write("soc2.yaml", approved_program("2026-06-20"));
    env.write("policies/POL-SEC.md", POLICY_DOC);
    env.write(
        "policies/POL-SEC.yaml",
        approved_policy(POLICY, POLICY_DOC, "2026-06-20"),
    );
    env.write("controls/AC-01.yaml", approved_control(AC01, "2026-06-20"));
    env.write(
        "controls/MON-01.yaml",
        approved_control(MON01, "2026-06-20"),
    );
    env.commit_all_on("2026-06-20", "the store");

    let implemented = MON01.replace("status: designed", "status: implemented");
    env.write(
        "controls/MON-01.yaml",
        approved_control(&implemented, "2026-07-20"),
    );
    env.commit_all_on("2026-07-20", "MON-01 runs");

    crate::fixtures::evidence(
        &env,
        "AC-01",
        "2026-08-03-july",
        ("2026-07-01", "2026-07-31"),
        "2026-08-03",
    );
    crate::fixtures::evidence(
        &env,
        "MON-01",
        "2026-08-05-reviews",
        ("2026-07-20", "2026-08-05"),
        "2026-08-05",
    );
    env.commit_all_on("2026-08-05", "July's evidence");

    env.git(&["switch", "--quiet", "-c", "pr"]);
    env.write(
        "policies/POL-SEC.md",
        format!("{POLICY_DOC}\nA new paragraph.\n"),
    );
    env.commit_all_on("2026-08-10", "edit the policy");
    env.git(&["switch", "--quiet", "main"]);
    env.git_on(
        "2026-08-12",
        &["merge", "--quiet", "--no-ff", "-m", "Merge pr", "pr"],
    );

    let document = format!("{POLICY_DOC}\nA new paragraph.\n");
    env.write(
        "policies/POL-SEC.yaml",
        approved_policy(POLICY, &document, "2026-08-14"),
    );
    env.commit_all_on("2026-08-14", "approve the policy again");

    crate::fixtures::evidence(
        &env,
        "AC-01",
        "2026-09-03-august",
        ("2026-08-01", "2026-08-31"),
        "2026-09-03",
    );
    env.commit_all_on("2026-09-03", "August's evidence");
    env
}

fn days(from: &str, to: &str) -> Vec<String> {
    let (mut day, last) = (
        soc2::model::Date::parse(from).unwrap(),
        soc2::model::Date::parse(to).unwrap(),
    );
    let mut out = Vec::new();
    while day <= last {
        out.push(day.to_string());
        day = day.add_days(1);
    }
    out
}

#[test]
fn as_of_says_what_status_said_that_evening() {
    let env = history();
    let checkout = env.home.join("checkout");
    env.git(&[
        "worktree",
        "add",
        "--quiet",
        "--detach",
        checkout.to_str().unwrap(),
        "HEAD",
    ]);
    let checkout = checkout.to_str().unwrap();
    let timeline: Timeline = env
        .soc2(&[
            "timeline",
            "--every",
            "day",
            "--from",
            "2026-06-20",
            "--to",
            "2026-09-10",
            "--format",
            "json",
        ])
        .success()
        .parse();
    assert_eq!(
        timeline.points.len(),
        days("2026-06-20", "2026-09-10").len()
    );
    for (day, point) in days("2026-06-20", "2026-09-10")
        .iter()
        .zip(&timeline.points)
    {
        // The last commit of the first-parent history dated on or before the day, as
        // git itself finds it.
        let commit = env.git(&[
            "rev-list",
            "--first-parent",
            "-1",
            &format!("--before={day}T23:59:59+00:00"),
            "main",
        ]);
        env.git(&[
            "-C",
            checkout,
            "checkout",
            "--quiet",
            "--detach",
            commit.trim(),
        ]);
        let that_evening: StatusView = env
            .soc2(&[
                "--repo", checkout, "status", "--today", day, "--format", "json",
            ])
            .success()
            .parse();
        let as_of: StatusView = env
            .soc2(&["status", "--as-of", day, "--format", "json"])
            .success()
            .parse();
        assert_eq!(as_of, that_evening, "{day}");
        assert_eq!(point.day.to_string(), *day);
        assert_eq!(point.commit, commit.trim(), "{day}");
        assert_eq!(point.overall, as_of.overall, "{day}");
        assert_eq!(point.categories, as_of.categories, "{day}");
    }
}

fn control(env: &Env, day: &str, id: &str) -> soc2::readiness::ControlResult {
    let shown: soc2::links::Shown = env
        .soc2(&["show", id, "--as-of", day, "--format", "json"])
        .success()
        .parse();
    match shown {
        soc2::links::Shown::Control {
            result,
            window_results,
            ..
        } => {
            let mut result = *result;
            result.window_results = window_results;
            result
        }
        other => panic!("{id} is a control: {other:?}"),
    }
}

fn states(c: &soc2::readiness::ControlResult) -> Vec<&'static str> {
    c.window_results.iter().map(|w| w.state.as_str()).collect()
}

#[test]
fn a_period_is_not_repaired_after_the_fact() {
    let env = history();
    // MON-01 was designed when the first two weeks ended; evidence arrived later.
    let mon01 = control(&env, "2026-09-10", "MON-01");
    assert_eq!(
        &states(&mon01)[..3],
        ["not-operating", "not-operating", "operated"],
        "{:?}",
        mon01.window_results
    );
    assert_eq!(mon01.state, ControlState::NotOperating);
    assert!(
        mon01.reasons[0]
            .detail
            .contains("MON-01 was designed, not implemented, on 2026-07-07")
    );
    assert_eq!(mon01.status_since.unwrap().to_string(), "2026-07-20");
}

#[test]
fn a_pull_request_counts_from_the_day_it_was_merged() {
    let env = history();
    // The policy was edited on a branch on 08-10 and merged on 08-12: the week ending
    // 08-11 stood on the approved policy; the week ending 08-18 stood on the policy
    // approved again on 08-14, and waits for its evidence.
    let mon01 = control(&env, "2026-09-10", "MON-01");
    let w = |end: &str| {
        mon01
            .window_results
            .iter()
            .find(|w| w.window.end.to_string() == end)
            .unwrap()
            .state
    };
    assert_eq!(w("2026-08-11"), WindowState::Operated);
    assert_eq!(w("2026-08-18"), WindowState::Pending);
    // As of 08-13 the merged edit voided the policy's approval.
    let as_of = control(&env, "2026-08-13", "AC-01");
    assert_eq!(as_of.state, ControlState::Unapproved);
    let before_merge = control(&env, "2026-08-11", "AC-01");
    assert_ne!(before_merge.state, ControlState::Unapproved);
}

#[test]
fn a_period_is_not_spoiled_after_the_fact() {
    let env = history();
    // After the period, the policy is edited again and not approved: the period's
    // windows keep the approval they stood on.
    env.write(
        "policies/POL-SEC.md",
        format!("{POLICY_DOC}\nA new paragraph.\nAnd another.\n"),
    );
    env.commit_all_on("2026-10-01", "edit the policy after the period");
    let ac01 = control(&env, "2026-10-05", "AC-01");
    assert_eq!(states(&ac01), ["operated", "operated"]);
    assert_eq!(ac01.state, ControlState::Ready, "{:?}", ac01.reasons);
}

#[test]
fn evidence_counts_from_the_day_it_arrived() {
    let env = history();
    // July's AC-01 window was due on 08-30; its evidence arrived on 08-05.
    assert_eq!(states(&control(&env, "2026-08-04", "AC-01"))[0], "pending");
    assert_eq!(states(&control(&env, "2026-08-05", "AC-01"))[0], "operated");
}

#[test]
fn a_shallow_clone_is_judged_as_far_as_its_history_reaches() {
    let env = history();
    let clone = env.home.join("shallow");
    let url = format!("file://{}", env.repo.display());
    env.git(&[
        "clone",
        "--quiet",
        "--depth",
        "1",
        &url,
        clone.to_str().unwrap(),
    ]);
    let clone = clone.to_str().unwrap();
    let run = env
        .soc2(&["--repo", clone, "status", "--today", "2026-09-10"])
        .success();
    assert!(run.stdout.contains("This is a shallow clone"), "{run}");
    let status: StatusView = env
        .soc2(&[
            "--repo",
            clone,
            "status",
            "--today",
            "2026-09-10",
            "--format",
            "json",
        ])
        .success()
        .parse();
    assert!(status.history.shallow);
    assert_eq!(status.history.starts.unwrap().to_string(), "2026-09-03");
}

#[test]
fn a_history_that_starts_mid_period_says_so_once() {
    let env = Env::new();
    env.write("soc2.yaml", approved_program("2026-08-20"));
    env.write("policies/POL-SEC.md", POLICY_DOC);
    env.write(
        "policies/POL-SEC.yaml",
        approved_policy(POLICY, POLICY_DOC, "2026-08-20"),
    );
    env.write("controls/AC-01.yaml", approved_control(AC01, "2026-08-20"));
    crate::fixtures::evidence(
        &env,
        "AC-01",
        "2026-08-03-july",
        ("2026-07-01", "2026-07-31"),
        "2026-08-03",
    );
    env.commit_all_on("2026-08-20", "moved from spreadsheets");
    let run = env.soc2(&["status", "--today", "2026-09-10"]).success();
    assert_eq!(
        run.stdout
            .matches("Git history starts on 2026-08-20")
            .count(),
        1,
        "{run}"
    );
    let check = env
        .soc2(&["check", "--today", "2026-09-10", "--format", "json"])
        .check();
    assert_eq!(
        check
            .findings
            .iter()
            .filter(|f| f.code == "W-NO-HISTORY")
            .count(),
        1
    );
    // July's evidence was in the first commit: received before history, not late.
    assert!(!check.findings.iter().any(|f| f.code == "W-LATE-EVIDENCE"));
    // As of a day before history starts, the first commit is judged, and said so.
    let before = env.soc2(&["status", "--as-of", "2026-07-15"]).success();
    assert!(
        before.stdout.contains("Git history starts on 2026-08-20"),
        "{before}"
    );
}

/// A record whose `link` names a file outside its folder is checked again when only
/// that file changes: the timeline reuses what it made of a folder that did not
/// change, and must not reuse this.
#[test]
fn a_linked_file_that_changes_elsewhere_is_noticed_by_the_timeline() {
    use crate::fixtures::{PROGRAM, approved_control, approved_policy, scope_approved};
    let env = Env::new();
    env.write("soc2.yaml", scope_approved(PROGRAM));
    env.write("policies/POL-SEC.md", POLICY_DOC);
    env.write("policies/POL-SEC.yaml", approved_policy(POLICY, POLICY_DOC));
    env.write("controls/AC-01.yaml", approved_control(AC01));
    let report = "user,mfa\nalice,yes\n";
    env.write("shared/mfa.csv", report);
    env.write(
        "evidence/AC-01/2026-03-03-mfa.yaml",
        format!(
            "control: AC-01\ncollected_at: 2026-03-03\ncollected_by: alice@example.com\n\
             kind: export\ndescription: MFA report\nfiles:\n  - link: shared/mfa.csv\n    sha256: {}\n",
            soc2::model::Sha256Hex::of(report.as_bytes())
        ),
    );
    env.commit_all_on("2026-03-03", "the store");
    env.write("shared/mfa.csv", "user,mfa\nalice,no\n");
    env.commit_all_on("2026-03-05", "the report changed under its record");

    let timeline: Timeline = env
        .soc2(&[
            "--today",
            "2026-03-06",
            "timeline",
            "--every",
            "day",
            "--from",
            "2026-03-03",
            "--format",
            "json",
        ])
        .success()
        .parse();
    let days = days("2026-03-03", "2026-03-06");
    assert_eq!(timeline.points.len(), days.len());
    for (day, point) in days.iter().zip(&timeline.points) {
        let as_of: StatusView = env
            .soc2(&["status", "--as-of", day, "--format", "json"])
            .success()
            .parse();
        assert_eq!(point.overall, as_of.overall, "{day}");
        assert_eq!(point.categories, as_of.categories, "{day}");
    }
    assert!(
        timeline.points[2].overall.met < timeline.points[1].overall.met,
        "the record stops counting once its file changed: {:?}",
        timeline.points
    );
}
