//! Every kind of bad input `status` refuses, with the message it prints. A store that
//! cannot be loaded exits 2.

use crate::common::Env;
use crate::fixtures::small_store;

/// The small store with one file replaced; returns `status`'s output.
fn status_with(path: &str, content: &[u8]) -> String {
    let env = Env::new();
    small_store(&env);
    env.write(path, content);
    env.soc2(&["status"]).code(2).to_string()
}

#[test]
fn empty_file() {
    insta::assert_snapshot!(status_with("controls/AC-02.yaml", b""));
}

#[test]
fn a_list_where_a_mapping_is_expected() {
    insta::assert_snapshot!(status_with(
        "controls/AC-02.yaml",
        b"- id: AC-02\n- title: Access review\n"
    ));
}

#[test]
fn tabs_for_indentation() {
    insta::assert_snapshot!(status_with(
        "controls/BC-01.yaml",
        b"id: BC-01\ntitle: Daily backups\ncriteria:\n\t- A1.2\nstatus: designed\nfrequency: daily\n"
    ));
}

#[test]
fn a_wrong_date() {
    insta::assert_snapshot!(status_with(
        "evidence/AC-02/2026-07-01-access-review.yaml",
        b"control: AC-02\ncollected_at: 2026-07-32\nkind: export\n"
    ));
}

#[test]
fn an_unknown_status() {
    insta::assert_snapshot!(status_with(
        "controls/BC-01.yaml",
        b"id: BC-01\ntitle: Daily backups\ncriteria: [A1.2]\nstatus: implemnted\nfrequency: daily\n"
    ));
}

#[test]
fn an_unknown_field_suggests_the_right_one() {
    insta::assert_snapshot!(status_with(
        "controls/BC-01.yaml",
        b"id: BC-01\ntitle: Daily backups\nownr: carol@example.com\ncriteria: [A1.2]\nstatus: designed\nfrequency: daily\n"
    ));
}

#[test]
fn an_unknown_criterion() {
    insta::assert_snapshot!(status_with(
        "controls/BC-01.yaml",
        b"id: BC-01\ntitle: Daily backups\ncriteria: [A1.2, CC6.9]\nstatus: designed\nfrequency: daily\n"
    ));
}

#[test]
fn a_file_named_differently_from_its_id() {
    insta::assert_snapshot!(status_with(
        "controls/BC-02.yaml",
        b"id: BC-03\ntitle: Restore tests\ncriteria: [A1.3]\nstatus: planned\nfrequency: annual\n"
    ));
}

#[test]
fn two_controls_with_one_id() {
    insta::assert_snapshot!(status_with(
        "controls/BC-01.yml",
        b"id: BC-01\ntitle: Backups again\ncriteria: [A1.2]\nstatus: planned\nfrequency: daily\n"
    ));
}

#[test]
fn a_file_that_is_not_utf8() {
    insta::assert_snapshot!(status_with(
        "controls/BC-01.yaml",
        b"id: BC-01\ntitle: Sauvegardes quotidiennes \xe9t\xe9\ncriteria: [A1.2]\nstatus: designed\nfrequency: daily\n"
    ));
}

#[test]
fn a_directory_where_a_file_is_expected() {
    let env = Env::new();
    small_store(&env);
    std::fs::create_dir_all(env.path("controls/AC-03.yaml")).unwrap();
    insta::assert_snapshot!(env.soc2(&["status"]).code(2));
}

#[test]
fn soc2_yaml_is_a_directory() {
    let env = Env::new();
    small_store(&env);
    std::fs::remove_file(env.path("soc2.yaml")).unwrap();
    std::fs::create_dir_all(env.path("soc2.yaml")).unwrap();
    insta::assert_snapshot!(env.soc2(&["status"]).code(2));
}

#[test]
fn no_soc2_yaml_suggests_init() {
    let env = Env::new();
    insta::assert_snapshot!(env.soc2(&["status"]).code(2));
}

#[test]
fn unknown_references_are_reported_together() {
    let env = Env::new();
    small_store(&env);
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Daily backups\ncriteria: [A1.2, CC6.9]\nstatus: designed\nfrequency: daily\npolicies: [POL-SECC]\n",
    );
    env.write(
        "evidence/BC-9/2026-01-01-x.yaml",
        "control: BC-9\ncollected_at: 2026-01-01\nkind: log\n",
    );
    env.write(
        "controls/IR-01.yaml",
        "id: IR-01\ntitle: Incident response\nstatus: bogus\nfrequency: annual\n",
    );
    let run = env.soc2(&["status"]).code(2);
    assert_eq!(run.stderr.matches("error[").count(), 4, "{run}");
    insta::assert_snapshot!(run);
}

#[test]
fn bad_values_in_valid_yaml() {
    let env = Env::new();
    small_store(&env);
    env.write(
        "controls/PHY-01.yaml",
        "id: PHY-01\ntitle: Office badge access\ncriteria: [CC6.4]\nstatus: not-applicable\nfrequency: quarterly\n",
    );
    env.write(
        "evidence/AC-01/2026-11-01-later.yaml",
        "control: AC-01\ncollected_at: 2026-11-01\ncovers: {from: 2026-10-31, to: 2026-10-01}\nkind: log\nfiles:\n  - path: ../AC-02/2026-07-01-access-review.csv\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n",
    );
    insta::assert_snapshot!(env.soc2(&["status"]).code(2));
}
