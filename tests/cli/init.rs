use crate::common::Env;
use soc2::model::ControlStatus;
use soc2::readiness::{ApprovalState, ControlResult, PolicyResult};

#[test]
fn init_writes_the_starter_library_and_commits_it() {
    let env = Env::bare();
    std::fs::write(
        env.home.join(".gitconfig"),
        "[user]\n\tname = Sam\n\temail = sam@example.com\n[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();
    let run = env.soc2(&["init", "--org", "Acme Inc"]).success();
    let head = env.git(&["rev-parse", "--short=12", "HEAD"]);
    insta::assert_snapshot!(run.to_string().replace(head.trim(), "[COMMIT]"));
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]), "1\n");
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    let message = env.git(&["log", "-1", "--format=%B"]);
    assert!(message.starts_with("soc2: init store\n"), "{message}");
    assert!(
        message.contains("Soc2-Action: init\nSoc2-Object: store\n"),
        "{message}"
    );
    env.git(&["fsck", "--strict"]);
}

#[test]
fn a_new_store_loads_cleanly_and_claims_nothing() {
    let env = Env::new();
    env.soc2(&["init", "--org", "Acme Inc"]).success();
    let status = env.soc2(&["status", "--format", "json"]).success().status();
    assert_eq!(status.overall.met, 0, "a new store claims nothing");
    assert_eq!(status.controls.ready, 0);
    assert!(status.controls.total >= 40);
    // Every criterion in scope is covered by the library.
    assert!(status.uncovered.is_empty());
    // No errors: only the warnings of a program that has not started.
    let check = env.soc2(&["check", "--format", "json"]).success().check();
    assert_eq!(check.summary.errors, 0);
    env.soc2(&["verify"]).success();
}

#[test]
fn the_library_maps_every_criterion() {
    let env = Env::new();
    env.soc2(&[
        "init",
        "--categories",
        "availability,confidentiality,processing-integrity,privacy",
    ])
    .success();
    let status = env.soc2(&["status", "--format", "json"]).success().status();
    assert_eq!(status.overall.total, 61);
    assert!(status.uncovered.is_empty());
    let controls: Vec<ControlResult> = env
        .soc2(&["controls", "--format", "json"])
        .success()
        .parse();
    for control in &controls {
        assert_eq!(control.status, ControlStatus::Planned, "{}", control.id);
        assert_eq!(control.owner.as_deref(), Some("TODO"), "{}", control.id);
        assert_eq!(control.approval, ApprovalState::Missing, "{}", control.id);
        assert_eq!(control.evidence_count, 0, "{}", control.id);
    }
    let policies: Vec<PolicyResult> = env
        .soc2(&["policies", "--format", "json"])
        .success()
        .parse();
    let ids: Vec<&str> = policies.iter().map(|p| p.id.as_str()).collect();
    for required in [
        "POL-INFOSEC",
        "POL-ACCESS",
        "POL-CHANGE",
        "POL-INCIDENT",
        "POL-BCDR",
        "POL-RISK",
        "POL-VENDOR",
        "POL-DATA",
        "POL-AUP",
        "POL-CONDUCT",
    ] {
        assert!(ids.contains(&required), "{required} missing from {ids:?}");
    }
}

#[test]
fn init_commits_only_its_own_files_in_an_existing_repository() {
    let env = Env::new();
    env.write("notes.md", "mine\n");
    env.git(&["add", "notes.md"]);
    env.soc2(&["init"]).success();
    assert_eq!(env.git(&["status", "--porcelain"]), "A  notes.md\n");
    assert!(
        !env.git(&["show", "--name-only", "--format=", "HEAD"])
            .contains("notes.md")
    );
}

#[test]
fn init_refuses_to_overwrite() {
    let env = Env::new();
    env.write("controls/AC-01.yaml", "mine\n");
    env.write("soc2.yaml", "organisation: Mine\n");
    insta::assert_snapshot!(env.soc2(&["init"]).code(2));
    assert_eq!(env.read("controls/AC-01.yaml"), "mine\n");
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        "?? controls/\n?? soc2.yaml\n"
    );
}

#[test]
fn init_refuses_a_folder_inside_another_repository() {
    let env = Env::new();
    let run = env.soc2(&["init", "compliance"]).code(2);
    insta::assert_snapshot!(run);
    assert!(!env.path("compliance/soc2.yaml").exists());
}

#[test]
fn init_without_a_git_identity_writes_nothing() {
    let env = Env::bare();
    insta::assert_snapshot!(env.soc2(&["init", "store"]).code(2));
    assert!(!env.path("store/.git").exists());
    assert!(!env.path("store/soc2.yaml").exists());
}

#[test]
fn files_carry_the_schema_line() {
    let env = Env::new();
    env.soc2(&["init"]).success();
    assert!(
        env.read("soc2.yaml")
            .starts_with("# yaml-language-server: $schema=schema/program.json\n")
    );
    assert!(
        env.read("controls/AC-01.yaml")
            .starts_with("# yaml-language-server: $schema=../schema/control.json\n")
    );
    assert!(
        env.read("policies/POL-ACCESS.yaml")
            .starts_with("# yaml-language-server: $schema=../schema/policy.json\n")
    );
    // Commands that add records keep the convention.
    let report = env.outside("r.csv", "x\n");
    env.soc2(&["evidence", "add", "AC-01", report.to_str().unwrap()])
        .success();
    assert!(
        env.read("evidence/AC-01/2026-11-22-r.yaml")
            .starts_with("# yaml-language-server: $schema=../../schema/evidence.json\n")
    );
}
