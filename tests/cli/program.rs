//! `soc2 program`, its milestones and sign-offs, and late steps in `soc2 due`.

use soc2::model::Sha256Hex;
use soc2::program::{ProgramView, StepState};
use soc2::readiness::due::{DueItem, DueKind};

use crate::common::Env;
use crate::fixtures::committed_small_store;

fn program(env: &Env) -> ProgramView {
    env.soc2(&["program", "--format", "json"]).success().parse()
}

fn step(view: &ProgramView, number: u8) -> &soc2::program::StepResult {
    view.step(number).unwrap()
}

/// The small store with services named, targets set, and its scope approved again.
fn store_with_targets() -> Env {
    let env = committed_small_store();
    let program = env.read("soc2.yaml");
    let program = program
        .split("scope_approval")
        .next()
        .unwrap()
        .replace("scope:\n", "scope:\n  services: [api]\n");
    env.write(
        "soc2.yaml",
        format!(
            "{program}program:\n  owner: erin@example.com\n  owners: {{system-description: dana@example.com}}\n  targets: {{services: 2026-10-01, 4: 2026-11-01, 9: 2026-12-15, 20: 2027-09-30}}\n"
        ),
    );
    env.commit_all("name the services and plan the program");
    env.as_person("Vera", "vera@example.com", &["approve", "scope"])
        .success();
    env
}

#[test]
fn the_program_shows_twenty_derived_steps_in_three_formats() {
    let env = store_with_targets();
    insta::assert_snapshot!(env.soc2(&["program"]).success());
    insta::assert_snapshot!(env.soc2(&["program", "--format", "markdown"]).success());
    let view = program(&env);
    assert_eq!(view.steps.len(), 20);
    assert_eq!(step(&view, 1).state, StepState::Done);
    // CC6.4 is excluded in the fixture: step 2 says so.
    assert_eq!(step(&view, 2).state, StepState::InProgress);
    assert!(
        step(&view, 2)
            .reason
            .contains("common criteria excluded: CC6.4")
    );
    assert_eq!(step(&view, 4).owner.as_deref(), Some("dana@example.com"));
    assert_eq!(step(&view, 9).owner.as_deref(), Some("erin@example.com"));
    assert!(
        step(&view, 4).late,
        "target 2026-11-01, not done on 2026-11-22"
    );
    assert!(!step(&view, 1).late, "done on time");
    assert_eq!(
        step(&view, 9).reason,
        "2 of 4 controls are planned or designed: BC-01, IR-01"
    );
}

#[test]
fn late_steps_are_due_and_upcoming_ones_within_the_horizon() {
    let env = store_with_targets();
    let items: Vec<DueItem> = env
        .soc2(&["due", "--within", "30d", "--format", "json"])
        .success()
        .parse();
    let steps: Vec<(&str, bool)> = items
        .iter()
        .filter(|i| i.kind == DueKind::Step)
        .map(|i| (i.id.as_str(), i.overdue))
        .collect();
    assert_eq!(steps, [("step-4", true), ("step-9", false)]);
    let run = env.soc2(&["due", "--owner", "dana@example.com"]).success();
    insta::assert_snapshot!(run);
}

#[test]
fn a_milestone_that_does_not_exist_is_refused_with_the_three() {
    let env = committed_small_store();
    insta::assert_snapshot!(
        env.soc2(&["approve", "milestone", "control-implementaton"])
            .code(2)
    );
    insta::assert_snapshot!(env.soc2(&["approve", "milestone"]).code(2));
}

#[test]
fn control_implementation_covers_every_in_scope_control_and_shows_later_changes() {
    let env = committed_small_store();
    let run = env
        .as_person(
            "Erin",
            "erin@example.com",
            &[
                "approve",
                "milestone",
                "control-implementation",
                "-m",
                "Ready for the period",
            ],
        )
        .success();
    insta::assert_snapshot!(run);
    insta::assert_snapshot!(env.show("HEAD"));
    let view = program(&env);
    let ten = step(&view, 10);
    assert_eq!(ten.state, StepState::Done, "{}", ten.reason);
    let signoff = ten.signoff.as_ref().unwrap();
    assert!(signoff.current);
    assert_eq!(signoff.by, "erin@example.com");

    // A later change to a control, and a new one, show as an older state.
    env.as_person(
        "Carol",
        "carol@example.com",
        &["control", "set", "BC-01", "--frequency", "weekly"],
    )
    .success();
    env.soc2(&[
        "control",
        "add",
        "AC-09",
        "--title",
        "Access reviews",
        "--frequency",
        "quarterly",
        "--criteria",
        "CC6.2",
    ])
    .success();
    let view = program(&env);
    let ten = step(&view, 10);
    assert_eq!(ten.state, StepState::InProgress);
    assert_eq!(
        ten.signoff.as_ref().unwrap().changed,
        ["AC-09 added", "BC-01 changed"]
    );
    assert!(
        ten.reason
            .ends_with("but it covers an older state; changed since: AC-09 added, BC-01 changed"),
        "{}",
        ten.reason
    );
}

#[test]
fn a_sign_off_by_the_last_author_of_what_it_covers_is_refused() {
    let env = committed_small_store();
    env.as_person(
        "Carol",
        "carol@example.com",
        &["control", "set", "BC-01", "--frequency", "weekly"],
    )
    .success();
    let run = env
        .as_person(
            "Carol",
            "carol@example.com",
            &["approve", "milestone", "control-implementation"],
        )
        .code(2);
    insta::assert_snapshot!(run);
    env.as_person(
        "Erin",
        "erin@example.com",
        &["approve", "milestone", "control-implementation"],
    )
    .success();
}

/// A concluded internal test of AC-01 and a finding, as `soc2 test` and `soc2 finding`
/// write them.
const Q3_TEST: &str = "control: AC-01
tester: dana@example.com
drawn_on: 2026-10-15
drawn_at: 0000000000000000000000000000000000000000
span: {from: 2026-07-01, to: 2026-09-30}
procedure: Inspect the MFA report.
population:
  source: evidence
  size: 1
  digest: 0c3e8cf1f1a1bc46b4ea97fc2a41af46c053e988cf803d9a7aac4a293d87753d
seed: q3
sample:
  - item: 1
    id: AC-01/2026-10-01-mfa
    date: 2026-10-01
    result: pass
conclusion: effective
concluded_on: 2026-10-16
concluded_by: dana@example.com
";

const LATE_REVIEW: &str = "id: F-001
control: AC-01
title: Late review
source: self-identified
severity: deficiency
owner: bob@example.com
found_on: 2026-10-20
found_by: dana@example.com
due: 2026-12-31
status: open
";

#[test]
fn internal_audit_results_digest_the_files_under_tests_and_findings() {
    let env = committed_small_store();
    let refused = env
        .as_person(
            "Erin",
            "erin@example.com",
            &["approve", "milestone", "internal-audit-results"],
        )
        .code(2);
    assert!(
        refused
            .stderr
            .contains("there is nothing for internal-audit-results to cover yet")
    );

    env.write("tests/AC-01/2026-10-15-q3.yaml", Q3_TEST);
    // Not a record: the digest covers what the store loads as tests and findings.
    env.write("tests/AC-01/sample.csv", "id\n1\n");
    env.write("findings/F-001.yaml", LATE_REVIEW);
    // Not the store's: lower-case folders of tests/ (this repository's own tests).
    env.write("tests/cli/main.rs", "fn main() {}\n");
    env.commit_all("internal audit of Q3");
    env.as_person(
        "Erin",
        "erin@example.com",
        &["approve", "milestone", "internal-audit-results"],
    )
    .success();
    let soc2_yaml: soc2::model::Program = soc2::store::from_yaml(&env.read("soc2.yaml")).unwrap();
    let recorded = &soc2_yaml.signoffs["internal-audit-results"].digest;
    // The definition: `<sha256>  <path>` lines, sorted by path, hashed.
    let line = |path: &str| format!("{}  {path}\n", Sha256Hex::of(env.read(path).as_bytes()));
    let expected = Sha256Hex::of(
        format!(
            "{}{}",
            line("findings/F-001.yaml"),
            line("tests/AC-01/2026-10-15-q3.yaml"),
        )
        .as_bytes(),
    );
    assert_eq!(recorded, &expected);
    let from_library =
        soc2::program::internal_audit_digest(&soc2::store::WorkTree::new(&env.repo)).unwrap();
    assert_eq!(from_library, expected);
    // What `soc2 audit-results` summarises is what the sign-off approves.
    let results: soc2::internal_audit::AuditResults = env
        .soc2(&["audit-results", "--format", "json"])
        .success()
        .parse();
    assert_eq!(results.digest, expected);

    env.write(
        "findings/F-001.yaml",
        LATE_REVIEW.replace(
            "status: open",
            "status: remediated\nremediated_on: 2026-11-20",
        ),
    );
    env.commit_all("close F-001");
    let view = program(&env);
    let fourteen = step(&view, 14);
    assert_eq!(fourteen.state, StepState::InProgress);
    assert_eq!(
        fourteen.signoff.as_ref().unwrap().changed,
        ["findings/F-001.yaml changed"]
    );
}

#[test]
fn auditor_engagement_names_a_document_and_steps_17_and_20_are_signed_off() {
    let env = committed_small_store();
    env.write("docs/engagement-letter.md", "# Engagement\n\nSigned.\n");
    env.commit_all("the engagement letter");
    let run = env
        .as_person(
            "Erin",
            "erin@example.com",
            &["approve", "milestone", "auditor-engagement"],
        )
        .code(2);
    assert!(run.stderr.contains("pass --document PATH"), "{run}");
    let run = env
        .soc2(&[
            "approve",
            "milestone",
            "auditor-engagement",
            "--document",
            "docs/engagement-letter.md",
        ])
        .code(2);
    assert!(
        run.stderr.contains(
            "you (test@example.com) made the last change to what auditor-engagement covers"
        ),
        "{run}"
    );
    env.as_person(
        "Erin",
        "erin@example.com",
        &[
            "program",
            "sign-off",
            "17",
            "--document",
            "docs/engagement-letter.md",
        ],
    )
    .success();
    env.as_person(
        "Erin",
        "erin@example.com",
        &[
            "approve",
            "milestone",
            "auditor-engagement",
            "--document",
            "docs/engagement-letter.md",
        ],
    )
    .success();
    let view = program(&env);
    assert_eq!(step(&view, 17).state, StepState::Done);
    assert_eq!(step(&view, 18).state, StepState::Done);
    assert_eq!(
        step(&view, 18).reason,
        "signed off by erin@example.com on 2026-11-22 (docs/engagement-letter.md)"
    );

    // Step 20 with an evidence record.
    env.as_person(
        "Erin",
        "erin@example.com",
        &[
            "program",
            "sign-off",
            "final-report",
            "--evidence",
            "AC-01/2026-10-02-mfa-report",
        ],
    )
    .success();
    assert_eq!(step(&program(&env), 20).state, StepState::Done);

    env.write("docs/engagement-letter.md", "# Engagement\n\nAmended.\n");
    env.commit_all("amend the letter");
    let view = program(&env);
    assert_eq!(step(&view, 18).state, StepState::InProgress);
    assert_eq!(
        step(&view, 18).signoff.as_ref().unwrap().changed,
        ["docs/engagement-letter.md changed"]
    );
}

#[test]
fn only_steps_17_and_20_are_signed_off_by_hand() {
    let env = committed_small_store();
    insta::assert_snapshot!(
        env.soc2(&["program", "sign-off", "4", "--document", "x.md"])
            .code(2)
    );
    insta::assert_snapshot!(
        env.soc2(&[
            "program",
            "sign-off",
            "control-implementation",
            "--document",
            "x.md"
        ])
        .code(2)
    );
    let run = env
        .soc2(&["program", "sign-off", "final-reprot", "--document", "x.md"])
        .code(2);
    assert!(run.stderr.contains("did you mean `final-report`?"), "{run}");
    let run = env
        .soc2(&["program", "sign-off", "20", "--document", "docs/none.md"])
        .code(2);
    assert!(
        run.stderr
            .contains("there is no file docs/none.md in the repository"),
        "{run}"
    );
}

#[test]
fn steps_and_sign_offs_in_soc2_yaml_are_validated() {
    let env = committed_small_store();
    let program = env.read("soc2.yaml");
    env.write(
        "soc2.yaml",
        format!(
            "{program}program:\n  targets: {{21: 2027-01-01, system-descripton: 2027-01-01, 4: 2027-01-01}}\nsignoffs:\n  implementation: {{by: a, at: 2026-01-01, digest: {}}}\n",
            Sha256Hex::of(b"x")
        ),
    );
    let codes = env.soc2(&["check", "--format", "json"]).codes();
    assert_eq!(
        codes.iter().filter(|c| *c == "E-UNKNOWN-REF").count(),
        3,
        "{codes:?}"
    );
    insta::assert_snapshot!(env.soc2(&["check"]).code(1));
}

#[test]
fn init_plans_the_targets_back_from_the_period_start() {
    let env = Env::new();
    env.soc2(&["init", "--org", "Acme", "--period-start", "2027-07-01"])
        .success();
    let program: soc2::model::Program = soc2::store::from_yaml(&env.read("soc2.yaml")).unwrap();
    let period = program.audit.period.unwrap();
    assert_eq!(
        (period.start.to_string(), period.end.to_string()),
        ("2027-07-01".to_string(), "2027-12-31".to_string())
    );
    assert_eq!(program.roadmap.target(1).unwrap().to_string(), "2026-12-31");
    assert_eq!(
        program.roadmap.target(20).unwrap().to_string(),
        "2028-03-30"
    );
    let view = self::program(&env);
    assert_eq!(view.done, 0);
    assert_eq!(view.late, 0);
}
