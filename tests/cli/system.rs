//! The system description: written by `init`, its sections checked, approved like a
//! policy, and shown with the lists soc2 writes from the vendors.

use soc2::model::SystemDescription;
use soc2::program::{ProgramView, StepState};

use crate::common::Env;

fn init() -> Env {
    let env = Env::new();
    env.soc2(&["init", "--org", "Acme"]).success();
    env
}

/// Every section written, in the text init wrote.
fn write_sections(env: &Env) {
    let mut text = env.read("system/description.md");
    for section in soc2::system::SECTIONS
        .iter()
        .filter(|s| !s.container && s.generated.is_none())
    {
        let heading = format!("{} {}\n", "#".repeat(section.level), section.heading);
        text = text.replace(&heading, &format!("{heading}\nWritten by Dana.\n"));
    }
    env.write("system/description.md", text);
}

fn step_4(env: &Env) -> soc2::program::StepResult {
    let view: ProgramView = env.soc2(&["program", "--format", "json"]).success().parse();
    view.step(4).unwrap().clone()
}

#[test]
fn init_writes_a_description_whose_empty_sections_are_warned() {
    let env = init();
    assert!(
        env.read("system/description.md")
            .starts_with("# System description: Acme\n")
    );
    insta::assert_snapshot!(env.read("system/description.yaml"), @r#"
    # yaml-language-server: $schema=../schema/system.json
    title: "System description: Acme"
    owner: TODO
    version: 1
    review_every: 365d
    "#);
    let codes = env.soc2(&["check", "--format", "json"]).codes();
    assert_eq!(
        codes
            .iter()
            .filter(|c| *c == "W-SYSTEM-SECTION-EMPTY")
            .count(),
        9,
        "{codes:?}"
    );
    assert_eq!(step_4(&env).state, StepState::Blocked, "step 1 is not done");
}

#[test]
fn a_missing_heading_is_warned_by_name() {
    let env = init();
    write_sections(&env);
    let text = env.read("system/description.md").replace("### Data\n", "");
    env.write("system/description.md", text);
    let run = env.soc2(&[
        "check",
        "--allow",
        "no-owner",
        "--allow",
        "unapproved",
        "--allow",
        "uncovered-criterion",
        "--allow",
        "subservice-report",
    ]);
    insta::assert_snapshot!(run);
}

#[test]
fn the_description_is_approved_like_a_policy_and_versioned() {
    let env = init();
    write_sections(&env);
    env.as_person("Dana", "dana@example.com", &["show", "system"])
        .success();
    env.git(&["add", "--all"]);
    env.git(&[
        "-c",
        "user.name=Dana",
        "-c",
        "user.email=dana@example.com",
        "commit",
        "-qm",
        "Write the system description",
    ]);
    let refused = env
        .as_person("Dana", "dana@example.com", &["approve", "system"])
        .code(2);
    assert!(
        refused
            .stderr
            .contains("you (dana@example.com) last changed system in commit"),
        "{refused}"
    );
    let run = env
        .as_person("Vera", "vera@example.com", &["approve", "system"])
        .success();
    assert!(
        run.stdout
            .starts_with("Approved system as vera@example.com"),
        "{run}"
    );
    let step = step_4(&env);
    assert_eq!(step.state, StepState::Done, "{}", step.reason);
    assert_eq!(
        step.reason,
        "every section written; approved by vera@example.com on 2026-11-22 (version 1)"
    );

    // A change voids the approval; approving it again is version 2.
    let text = env
        .read("system/description.md")
        .replace("Written by Dana.", "Rewritten by Dana.");
    env.write("system/description.md", text);
    env.git(&["add", "--all"]);
    env.git(&[
        "-c",
        "user.name=Dana",
        "-c",
        "user.email=dana@example.com",
        "commit",
        "-qm",
        "Revise",
    ]);
    assert_eq!(step_4(&env).state, StepState::InProgress);
    assert!(
        env.soc2(&["check", "--format", "json"])
            .codes()
            .contains(&"W-UNAPPROVED".to_string())
    );
    let run = env
        .as_person("Vera", "vera@example.com", &["approve", "system"])
        .success();
    assert!(
        run.stdout
            .starts_with("Approved system (version 2) as vera@example.com"),
        "{run}"
    );
    let record: SystemDescription =
        soc2::store::from_yaml(&env.read("system/description.yaml")).unwrap();
    assert_eq!(record.version, 2);
    assert_eq!(step_4(&env).state, StepState::Done);
}

#[test]
fn show_system_writes_the_lists_from_the_vendors() {
    let env = init();
    let run = env.soc2(&["show", "system"]).success();
    let subservice = run
        .stdout
        .split("## Subservice organisations")
        .nth(1)
        .unwrap()
        .split("## Significant changes")
        .next()
        .unwrap()
        .to_string();
    insta::assert_snapshot!(subservice);
    let json: soc2::links::Shown = env
        .soc2(&["show", "system", "--format", "json"])
        .success()
        .parse();
    let soc2::links::Shown::System { problems, .. } = json else {
        panic!("not the system description");
    };
    assert_eq!(problems.len(), 9);
}
