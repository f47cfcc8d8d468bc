//! Type II windows, exceptions, segregation of duties, `due`, `show` and the risk register.

use crate::common::Env;
use crate::fixtures::{PROGRAM, scope_approved, small_store};
use soc2::links::Shown;
use soc2::model::{Control, digest};
use soc2::readiness::due::DueItem;
use soc2::readiness::risks::RiskResult;
use soc2::readiness::{ControlState, WindowState};

/// The small store as a Type II audit of 2026-04-01..2026-09-30: AC-01 has evidence for
/// Q3 only, AC-02 for Q2 only.
fn type2() -> Env {
    let env = Env::new();
    small_store(&env);
    env.write(
        "soc2.yaml",
        scope_approved(&PROGRAM.replace(
            "  type: type1\n",
            "  type: type2\n  period: {start: 2026-04-01, end: 2026-09-30}\n",
        )),
    );
    env.commit_all("fixture");
    env
}

#[test]
fn show_lists_each_window_with_its_evidence_or_missing() {
    let env = type2();
    insta::assert_snapshot!(env.soc2(&["show", "AC-01"]).success());
    let json = env
        .soc2(&["show", "AC-02", "--format", "json"])
        .success()
        .parse::<Shown>();
    let Shown::Control {
        result,
        window_results: windows,
        ..
    } = json
    else {
        panic!("AC-02 is a control: {json:?}");
    };
    assert_eq!(result.state, ControlState::StaleEvidence);
    assert_eq!(windows[0].window.label, "2026-Q2");
    assert_eq!(windows[0].evidence, ["AC-02/2026-07-01-access-review"]);
    assert!(windows[1].evidence.is_empty());
    assert_eq!(windows[1].state, WindowState::Missing);
}

#[test]
fn status_counts_missing_windows() {
    let env = type2();
    let json = env.soc2(&["status", "--format", "json"]).success().status();
    // AC-01 misses Q2 and AC-02 Q3; controls not yet implemented are not counted.
    assert_eq!(json.windows.unwrap().missing, 2);
    let table = env.soc2(&["status"]).stdout;
    assert!(
        table.contains("\nWindows: 2 of 4 due windows evidenced (2 missing)\n"),
        "{table}"
    );
}

#[test]
fn show_other_records() {
    let env = type2();
    let runs = [
        env.soc2(&["show", "POL-SEC"]),
        env.soc2(&["show", "CC6.2"]),
        env.soc2(&["show", "CC6.4"]),
        env.soc2(&["show", "AC-01/2026-10-02-mfa-report"]),
    ];
    insta::assert_snapshot!(runs.map(|r| r.success().to_string()).join("\n"));
    insta::assert_snapshot!(env.soc2(&["show", "AC-1"]).code(2));
}

#[test]
fn due_lists_overdue_and_upcoming_work() {
    let env = type2();
    insta::assert_snapshot!(env.soc2(&["due"]).success());
    let json = env
        .soc2(&["due", "--within", "1y", "--format", "json"])
        .success()
        .parse::<Vec<DueItem>>();
    let kinds: Vec<&str> = json.iter().map(|i| i.kind.as_str()).collect();
    assert!(
        kinds.contains(&"review"),
        "the policy review falls due within a year: {kinds:?}"
    );
    let bob = env
        .soc2(&["due", "--owner", "bob@example.com", "--format", "json"])
        .success()
        .parse::<Vec<DueItem>>();
    assert!(
        bob.iter()
            .all(|i| i.owner.as_deref() == Some("bob@example.com"))
    );
    assert_eq!(bob.len(), 1);
}

#[test]
fn due_as_an_icalendar_file() {
    let env = type2();
    let run = env.soc2(&["due", "--format", "ical"]).success();
    assert!(run.stdout.contains("BEGIN:VCALENDAR\r\n"));
    assert!(
        run.stdout.lines().all(|l| l.len() <= 76),
        "lines are folded at 75 octets"
    );
    insta::assert_snapshot!(run.stdout.replace("\r\n", "\n"));
}

#[test]
fn due_in_a_type1_store_follows_freshness() {
    let env = Env::new();
    small_store(&env);
    // Evidence counts once git holds it: staged is enough.
    env.git(&["add", "--all"]);
    let json = env
        .soc2(&["due", "--within", "90d", "--format", "json"])
        .success()
        .parse::<Vec<DueItem>>();
    let ac01 = json.iter().find(|i| i.id == "AC-01").unwrap();
    // Q3 evidence ends 2026-09-30; quarterly evidence is fresh for 113 days.
    assert_eq!(ac01.date.to_string(), "2027-01-21");
    assert!(!ac01.overdue);
    let ac02 = json.iter().find(|i| i.id == "AC-02").unwrap();
    assert!(ac02.overdue);
}

#[test]
fn exceptions_show_as_excepted_until_they_expire() {
    let env = type2();
    let run = env.soc2(&[
        "control",
        "except",
        "AC-02",
        "--reason",
        "New IdP rollout; reviews resume in Q1",
        "--until",
        "2026-12-31",
    ]);
    insta::assert_snapshot!(run.success());
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: control except AC-02

    Accept a gap in AC-02 until 2026-12-31: New IdP rollout; reviews resume in Q1

    Soc2-Action: control-except
    Soc2-Object: AC-02


     controls/AC-02.yaml | 4 ++++
     1 file changed, 4 insertions(+)
    ");
    let state = |today: &str| {
        let json = env
            .soc2(&["show", "AC-02", "--format", "json", "--today", today])
            .success()
            .parse::<Shown>();
        match json {
            Shown::Control { result, .. } => result.state.as_str().to_string(),
            other => panic!("AC-02 is a control: {other:?}"),
        }
    };
    assert_eq!(state("2026-12-31"), "excepted");
    assert_eq!(state("2027-01-01"), "stale-evidence");
    let check = env
        .soc2(&["check", "--format", "json", "--today", "2027-01-01"])
        .codes();
    let codes: Vec<&str> = check.iter().map(String::as_str).collect();
    assert!(codes.contains(&"W-EXPIRED-EXCEPTION"), "{codes:?}");
    insta::assert_snapshot!(
        env.soc2(&[
            "control",
            "except",
            "AC-02",
            "--reason",
            "x",
            "--until",
            "2026-01-01"
        ])
        .code(2)
    );
}

#[test]
fn check_flags_an_approval_by_the_last_author() {
    let env = type2();
    let carol = [
        ("GIT_AUTHOR_NAME", "Carol"),
        ("GIT_AUTHOR_EMAIL", "carol@example.com"),
        ("GIT_COMMITTER_NAME", "Carol"),
        ("GIT_COMMITTER_EMAIL", "carol@example.com"),
    ];
    env.soc2_with(
        &["control", "set", "BC-01", "--status", "implemented"],
        &carol,
    )
    .success();
    // Carol writes her own approval by hand, around `soc2 approve`.
    let text = env.read("controls/BC-01.yaml");
    let control: Control = soc2::store::from_yaml(&text).unwrap();
    env.write(
        "controls/BC-01.yaml",
        format!(
            "{text}approval:\n  by: carol@example.com\n  at: 2026-11-22\n  digest: {}\n",
            digest::control(&control).current
        ),
    );
    env.git(&["add", "--all"]);
    env.git(&[
        "-c",
        "user.name=Carol",
        "-c",
        "user.email=carol@example.com",
        "commit",
        "--quiet",
        "-m",
        "approve BC-01",
    ]);
    let run = env.soc2(&[
        "check",
        "--allow",
        "W-UNCOVERED-CRITERION",
        "--allow",
        "W-MISSING-EVIDENCE",
        "--allow",
        "W-STALE-EVIDENCE",
        "--allow",
        "W-NO-OWNER",
    ]);
    insta::assert_snapshot!(run.code(0));
    env.soc2(&["check", "--deny", "self-approval"]).code(1);
    env.soc2(&["verify"]).code(1);
    // Approved by someone else, it passes.
    env.soc2_with(
        &["approve", "BC-01"],
        &[
            ("GIT_AUTHOR_NAME", "Vera"),
            ("GIT_AUTHOR_EMAIL", "vera@example.com"),
            ("GIT_COMMITTER_NAME", "Vera"),
            ("GIT_COMMITTER_EMAIL", "vera@example.com"),
        ],
    )
    .success();
    env.soc2(&["check", "--deny", "self-approval"]).code(0);
}

#[test]
fn risks_are_listed_by_score_with_their_controls() {
    let env = type2();
    env.soc2(&[
        "risk",
        "add",
        "RISK-01",
        "--title",
        "Phishing takes over an account",
        "--likelihood",
        "4",
        "--impact",
        "4",
        "--treatment",
        "mitigate",
        "--controls",
        "AC-01,AC-02",
        "--owner",
        "alice@example.com",
    ])
    .success();
    env.soc2(&[
        "risk",
        "add",
        "RISK-02",
        "--title",
        "Key person leaves",
        "--likelihood",
        "3",
        "--impact",
        "3",
        "--treatment",
        "accept",
    ])
    .success();
    env.soc2(&[
        "risk",
        "add",
        "RISK-03",
        "--title",
        "Lost laptop",
        "--likelihood",
        "2",
        "--impact",
        "2",
        "--treatment",
        "mitigate",
        "--controls",
        "AC-01",
    ])
    .success();
    insta::assert_snapshot!(env.soc2(&["risks"]).success());
    let open = env
        .soc2(&["risks", "--open", "--format", "json"])
        .success()
        .parse::<Vec<RiskResult>>();
    let ids: Vec<&str> = open.iter().map(|r| r.id.as_str()).collect();
    // AC-01 misses a window and AC-02 is stale: both mitigated risks stay open.
    assert_eq!(ids, ["RISK-01", "RISK-03"]);
}

#[test]
fn risk_add_commits_one_file() {
    let env = type2();
    env.soc2(&[
        "risk",
        "add",
        "RISK-01",
        "--title",
        "Phishing",
        "--likelihood",
        "4",
        "--impact",
        "5",
        "--treatment",
        "mitigate",
        "--controls",
        "AC-01",
    ])
    .success();
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: risk add RISK-01

    Add risk RISK-01: Phishing (score 20, mitigate)

    Soc2-Action: risk-add
    Soc2-Object: RISK-01


     risks/RISK-01.yaml | 6 ++++++
     1 file changed, 6 insertions(+)
    ");
    insta::assert_snapshot!(env.read("risks/RISK-01.yaml"), @"
    id: RISK-01
    title: Phishing
    likelihood: 4
    impact: 5
    treatment: mitigate
    controls: [AC-01]
    ");
}

#[test]
fn risk_add_refuses_bad_input() {
    let env = type2();
    let runs = [
        env.soc2(&[
            "risk",
            "add",
            "RISK-01",
            "--title",
            "x",
            "--likelihood",
            "6",
            "--impact",
            "1",
            "--treatment",
            "accept",
        ]),
        env.soc2(&[
            "risk",
            "add",
            "RISK-01",
            "--title",
            "x",
            "--likelihood",
            "1",
            "--impact",
            "1",
            "--treatment",
            "mitigate",
        ]),
        env.soc2(&[
            "risk",
            "add",
            "RISK-01",
            "--title",
            "x",
            "--likelihood",
            "1",
            "--impact",
            "1",
            "--treatment",
            "mitigate",
            "--controls",
            "AC-9",
        ]),
        env.soc2(&[
            "risk",
            "add",
            "RISK-01",
            "--title",
            "x",
            "--likelihood",
            "1",
            "--impact",
            "1",
            "--treatment",
            "ignore",
        ]),
    ];
    insta::assert_snapshot!(runs.map(|r| r.code(2).to_string()).join("\n"));
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}
