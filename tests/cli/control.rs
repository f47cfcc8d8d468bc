use crate::common::Env;
use crate::fixtures::{committed_small_store, small_store};

#[test]
fn add_writes_the_canonical_file_and_commits_it() {
    let env = committed_small_store();
    let run = env.soc2(&[
        "control",
        "add",
        "AC-03",
        "--title",
        "Least privilege for production",
        "--frequency",
        "quarterly",
        "--criteria",
        "CC6.3,CC6.1",
        "--owner",
        "alice@example.com",
        "--policies",
        "POL-SEC",
        "--description",
        "Production roles grant the least access needed.",
    ]);
    insta::assert_snapshot!(run.success());
    insta::assert_snapshot!(env.read("controls/AC-03.yaml"), @r"
    id: AC-03
    title: Least privilege for production
    description: Production roles grant the least access needed.
    owner: alice@example.com
    criteria: [CC6.3, CC6.1]
    status: planned
    frequency: quarterly
    policies: [POL-SEC]
    ");
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: control add AC-03

    Add control AC-03: Least privilege for production

    Soc2-Action: control-add
    Soc2-Object: AC-03


     controls/AC-03.yaml | 8 ++++++++
     1 file changed, 8 insertions(+)
    ");
    // The new control loads with the rest of the store.
    env.soc2(&["status"]).success();
}

#[test]
fn add_refuses_bad_input() {
    let env = committed_small_store();
    let runs = [
        env.soc2(&[
            "control",
            "add",
            "AC-01",
            "--title",
            "x",
            "--frequency",
            "daily",
        ]),
        env.soc2(&[
            "control",
            "add",
            "ac-9",
            "--title",
            "x",
            "--frequency",
            "daily",
        ]),
        env.soc2(&[
            "control",
            "add",
            "AC-09",
            "--title",
            "x",
            "--frequency",
            "sometimes",
        ]),
        env.soc2(&[
            "control",
            "add",
            "AC-09",
            "--title",
            "x",
            "--frequency",
            "daily",
            "--criteria",
            "CC6.9",
        ]),
        env.soc2(&[
            "control",
            "add",
            "AC-09",
            "--title",
            "x",
            "--frequency",
            "daily",
            "--policies",
            "POL-SECC",
        ]),
        env.soc2(&[
            "control",
            "add",
            "AC-09",
            "--title",
            "x",
            "--frequency",
            "daily",
            "--status",
            "not-applicable",
        ]),
        env.soc2(&["control", "add", "AC-09", "--frequency", "daily"]),
    ];
    let text: Vec<String> = runs.into_iter().map(|r| r.code(2).to_string()).collect();
    insta::assert_snapshot!(text.join("\n"));
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

const COMMENTED: &str = "\
# Owned by the platform team; reviewed in the June audit prep.
id: BC-01
title: Daily backups   # of every production database
owner: carol@example.com
criteria:
  - A1.2   # backups
status: designed  # restore test pending
frequency: daily
";

fn commented_store() -> Env {
    let env = Env::new();
    small_store(&env);
    env.write("controls/BC-01.yaml", COMMENTED);
    env.commit_all("fixture");
    env
}

#[test]
fn set_keeps_comments_and_key_order() {
    let env = commented_store();
    let run = env.soc2(&[
        "control",
        "set",
        "BC-01",
        "--status",
        "implemented",
        "--owner",
        "dan@example.com",
        "--notes",
        "Restore tested 2026-11-20.",
    ]);
    insta::assert_snapshot!(run.success());
    insta::assert_snapshot!(env.read("controls/BC-01.yaml"), @r"
    # Owned by the platform team; reviewed in the June audit prep.
    id: BC-01
    title: Daily backups   # of every production database
    owner: dan@example.com
    criteria:
      - A1.2   # backups
    status: implemented  # restore test pending
    frequency: daily
    notes: Restore tested 2026-11-20.
    ");
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: control set BC-01

    owner: carol@example.com -> dan@example.com
    status: designed -> implemented
    notes: (none) -> Restore tested 2026-11-20.

    Soc2-Action: control-set
    Soc2-Object: BC-01


     controls/BC-01.yaml | 5 +++--
     1 file changed, 3 insertions(+), 2 deletions(-)
    ");
}

#[test]
fn set_refuses_to_drop_a_comment_and_changes_nothing() {
    let env = commented_store();
    let run = env
        .soc2(&["control", "set", "BC-01", "--add-criteria", "A1.3"])
        .code(2);
    insta::assert_snapshot!(run);
    assert_eq!(env.read("controls/BC-01.yaml"), COMMENTED);
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]), "1\n");
}

#[test]
fn set_with_nothing_new_commits_nothing() {
    let env = commented_store();
    let run = env
        .soc2(&["control", "set", "BC-01", "--status", "designed"])
        .success();
    assert_eq!(
        run.stdout,
        "BC-01 already has those values; nothing to commit\n"
    );
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]), "1\n");
}

#[test]
fn set_an_unknown_control_suggests_one() {
    let env = committed_small_store();
    insta::assert_snapshot!(
        env.soc2(&["control", "set", "BC-1", "--status", "implemented"])
            .code(2)
    );
}

#[test]
fn set_keeps_a_byte_order_mark_and_the_comment_after_it() {
    let env = crate::fixtures::committed_small_store();
    let text = format!(
        "\u{feff}# Reviewed with the auditor\n{}",
        env.read("controls/BC-01.yaml")
    );
    env.write("controls/BC-01.yaml", &text);
    env.commit_all("an editor that writes a BOM");
    env.soc2(&["control", "set", "BC-01", "--owner", "dana@example.com"])
        .success();
    let after = env.read("controls/BC-01.yaml");
    assert!(
        after.starts_with("\u{feff}# Reviewed with the auditor\n"),
        "{after:?}"
    );
    assert!(after.contains("owner: dana@example.com\n"), "{after}");
    env.soc2(&["check", "--deny", "E-SCHEMA"]).code(0);
}
