//! Vendors and subservice organisations: `soc2 vendor add|review`, `soc2 vendors`, and
//! the carve-out rule in readiness.

use soc2::readiness::CriterionState;
use soc2::readiness::vendors::{ReportState, VendorResult};

use crate::common::Env;
use crate::fixtures::{self, committed_small_store};

/// The small store with CC6.4 kept in scope, and a vendor review control VM-02 that is
/// ready.
fn store_with_monitoring() -> Env {
    let env = Env::new();
    fixtures::small_store(&env);
    env.write(
        "soc2.yaml",
        fixtures::scope_approved(
            "organisation: Fixture Co\nscope:\n  categories: [availability]\naudit:\n  type: type1\n",
        ),
    );
    env.write(
        "controls/VM-02.yaml",
        fixtures::approved_control(
            "id: VM-02\ntitle: Vendor SOC reports reviewed\nowner: sam@example.com\ncriteria: [CC9.2]\nstatus: implemented\nfrequency: annual\n",
        ),
    );
    fixtures::evidence(
        &env,
        "VM-02",
        "2026-10-28-cloud-review",
        ("2026-10-28", "2026-10-28"),
        "2026-10-28",
    );
    env.commit_all("fixture with a vendor review control");
    env
}

fn add_cloud(env: &Env) {
    env.soc2(&[
        "vendor",
        "add",
        "CLOUD",
        "--name",
        "Example Cloud",
        "--criticality",
        "critical",
        "--owner",
        "sam@example.com",
        "--services",
        "compute,storage",
        "--data",
        "customer data",
        "--method",
        "carve-out",
        "--csoc",
        "CC6.4:Physical access to the data centres is restricted",
        "--cuec",
        "AC-01:MFA on the provider's console",
    ])
    .success();
}

fn criterion(env: &Env, id: &str) -> CriterionState {
    match env
        .soc2(&["show", id, "--format", "json"])
        .success()
        .parse()
    {
        soc2::links::Shown::Criterion {
            result: Some(result),
            ..
        } => result.state,
        _ => panic!("{id} is not an in-scope criterion"),
    }
}

#[test]
fn add_writes_the_record_and_commits_it() {
    let env = store_with_monitoring();
    let run = env
        .soc2(&[
            "vendor",
            "add",
            "CLOUD",
            "--name",
            "Example Cloud",
            "--criticality",
            "critical",
            "--owner",
            "sam@example.com",
            "--services",
            "compute,storage",
            "--data",
            "customer data",
            "--method",
            "carve-out",
            "--csoc",
            "CC6.4:Physical access to the data centres is restricted",
            "--cuec",
            "AC-01:MFA on the provider's console",
        ])
        .success();
    insta::assert_snapshot!(run);
    insta::assert_snapshot!(env.read("vendors/CLOUD.yaml"));
    insta::assert_snapshot!(env.show("HEAD"));
}

#[test]
fn a_carve_out_criterion_is_met_once_the_report_is_current_and_reviewed() {
    let env = store_with_monitoring();
    assert_eq!(criterion(&env, "CC6.4"), CriterionState::Uncovered);
    add_cloud(&env);
    assert_eq!(criterion(&env, "CC6.4"), CriterionState::Partial);
    insta::assert_snapshot!(env.soc2(&["status"]).success());

    let run = env
        .as_person(
            "Sam",
            "sam@example.com",
            &[
                "vendor",
                "review",
                "CLOUD",
                "--period",
                "2025-10-01..2026-09-30",
                "--received",
                "2026-10-20",
                "-m",
                "No exceptions noted",
            ],
        )
        .success();
    insta::assert_snapshot!(run);
    assert_eq!(criterion(&env, "CC6.4"), CriterionState::Met);
    insta::assert_snapshot!(env.soc2(&["vendors"]).success());
    insta::assert_snapshot!(env.soc2(&["show", "CLOUD"]).success());
    insta::assert_snapshot!(env.soc2(&["show", "CC6.4"]).success());

    // Thirteen months after the report's period, it is no longer current.
    let later = env
        .soc2_with(
            &["status", "--format", "json"],
            &[("SOC2_TODAY", "2027-10-01")],
        )
        .status();
    assert_eq!(later.carve_outs.len(), 1);
    assert!(
        later.carve_outs[0]
            .reason
            .contains("more than 12 months before 2027-10-01")
    );
    let codes = env
        .soc2_with(
            &["check", "--format", "json"],
            &[("SOC2_TODAY", "2027-10-01")],
        )
        .codes();
    assert!(
        codes.contains(&"W-SUBSERVICE-REPORT".to_string()),
        "{codes:?}"
    );

    // A bridge letter covers the gap.
    env.as_person(
        "Sam",
        "sam@example.com",
        &[
            "vendor",
            "review",
            "CLOUD",
            "--bridge-through",
            "2026-11-15",
        ],
    )
    .success();
    let vendors: Vec<VendorResult> = env.soc2(&["vendors", "--format", "json"]).success().parse();
    assert_eq!(vendors[0].report, ReportState::Current);
    assert_eq!(
        vendors[0].report_current_until.unwrap().to_string(),
        "2027-09-30"
    );
}

#[test]
fn the_monitoring_control_must_be_ready() {
    let env = store_with_monitoring();
    add_cloud(&env);
    env.as_person(
        "Sam",
        "sam@example.com",
        &[
            "vendor",
            "review",
            "CLOUD",
            "--period",
            "2025-10-01..2026-09-30",
        ],
    )
    .success();
    env.as_person(
        "Carol",
        "carol@example.com",
        &["control", "set", "VM-02", "--status", "designed"],
    )
    .success();
    let status = env.soc2(&["status", "--format", "json"]).status();
    assert_eq!(
        status.carve_outs[0].reason,
        "the monitoring control VM-02 is not ready (designed)"
    );
}

#[test]
fn bad_vendor_input_is_refused_or_reported() {
    let env = store_with_monitoring();
    // A CUEC naming an unknown control.
    insta::assert_snapshot!(
        env.soc2(&[
            "vendor",
            "add",
            "CLOUD",
            "--name",
            "Cloud",
            "--criticality",
            "high",
            "--method",
            "carve-out",
            "--cuec",
            "AC-99:MFA",
        ])
        .code(2)
    );
    // A SOC report period that ends before it starts.
    add_cloud(&env);
    insta::assert_snapshot!(
        env.soc2(&[
            "vendor",
            "review",
            "CLOUD",
            "--period",
            "2026-09-30..2025-10-01"
        ])
        .code(2)
    );
    // Inclusive with no CSOCs: a warning as it is added, and in `check`.
    let run = env
        .soc2(&[
            "vendor",
            "add",
            "PAY",
            "--name",
            "Payroll Co",
            "--criticality",
            "medium",
            "--method",
            "inclusive",
        ])
        .success();
    assert!(
        run.stdout.contains("warning: PAY uses the inclusive method but lists no controls: inclusive method means its controls are tested in our audit"),
        "{run}"
    );

    // The same, and worse, written by hand.
    env.write(
        "vendors/HOST.yaml",
        "id: HOST\nname: Host Co\ncriticality: high\nmethod: carve-out\ncsoc: [{criterion: CC6.9, description: x}]\ncuec:\n  - {description: MFA, control: AC-99}\nsoc_report:\n  type: type2\n  period: {start: 2026-09-30, end: 2025-10-01}\n  received_on: 2026-10-20\n",
    );
    let codes = env.soc2(&["check", "--format", "json"]).codes();
    for code in [
        "E-UNKNOWN-REF",
        "E-INVALID-VALUE",
        "W-INCLUSIVE-WITHOUT-CSOC",
    ] {
        assert!(codes.contains(&code.to_string()), "{code}: {codes:?}");
    }
    insta::assert_snapshot!(env.soc2(&["check"]).code(1));
}

#[test]
fn a_subservice_organisation_needs_a_report_to_review() {
    let env = committed_small_store();
    add_cloud(&env);
    insta::assert_snapshot!(env.soc2(&["vendor", "review", "CLOUD"]).code(2));
    let run = env
        .soc2(&[
            "vendor",
            "add",
            "MAIL",
            "--name",
            "Mail Co",
            "--criticality",
            "low",
            "--csoc",
            "CC6.4:x",
        ])
        .code(2);
    assert!(run.stderr.contains("needs --method"), "{run}");
    // A vendor that is not a subservice organisation is reviewed without a report.
    env.soc2(&[
        "vendor",
        "add",
        "MAIL",
        "--name",
        "Mail Co",
        "--criticality",
        "low",
    ])
    .success();
    env.soc2(&["vendor", "review", "MAIL", "-m", "Contract renewed"])
        .success();
    let vendors: Vec<VendorResult> = env.soc2(&["vendors", "--format", "json"]).success().parse();
    let mail = vendors.iter().find(|v| v.id == "MAIL").unwrap();
    assert_eq!(mail.review_due.unwrap().to_string(), "2027-11-22");
}
