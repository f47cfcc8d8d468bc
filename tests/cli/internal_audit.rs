//! Internal audit: populations, seeded samples, tests and their segregation of duties,
//! findings through remediation and retest, `deficient` readiness and the results.

use crate::common::Env;
use crate::fixtures::{PROGRAM, approved_control, scope_approved, small_store};
use sha2::Digest;
use soc2::internal_audit::{AuditResults, FindingSummary, Population};
use soc2::links::Shown;
use soc2::model::{Conclusion, ControlTest, FindingStatus, ItemResult};
use soc2::readiness::ControlState;
use soc2::readiness::due::DueItem;

const DANA: (&str, &str) = ("Dana Tester", "dana@example.com");
const ERIN: (&str, &str) = ("Erin Auditor", "erin@example.com");
const BOB: (&str, &str) = ("Bob Owner", "bob@example.com");

/// The small store as a Type II audit of 2026-04-01..2026-09-30, with a per-event
/// control, CM-03 (owned by Bob), whose twelve Q3 production changes are listed in a
/// population file; Carol's evidence shows the first ten.
fn store() -> Env {
    let env = Env::new();
    small_store(&env);
    env.write(
        "soc2.yaml",
        scope_approved(&PROGRAM.replace(
            "  type: type1\n",
            "  type: type2\n  period: {start: 2026-04-01, end: 2026-09-30}\n",
        )),
    );
    env.write(
        "controls/CM-03.yaml",
        approved_control(
            "id: CM-03\ntitle: Changes approved before release\ntest_procedure: Inspect the approval of each sampled change before its deployment.\nowner: bob@example.com\ncriteria: [CC8.1]\nstatus: implemented\nfrequency: per-event\npolicies: [POL-SEC]\n",
        ),
    );
    let mut rows = String::from("id,date,description\n");
    for n in 1..=12 {
        rows.push_str(&format!(
            "CHG-{n:03},2026-07-{:02},\"Deploy {n}, api\"\n",
            n * 2
        ));
    }
    env.write("populations/CM-03/2026-Q3.csv", rows);
    env.write(
        "evidence/CM-03/approvals.csv",
        "change,approver\nCHG-001,erin\n",
    );
    let events: Vec<String> = (1..=10).map(|n| format!("CHG-{n:03}")).collect();
    env.write(
        "evidence/CM-03/2026-10-01-approvals.yaml",
        format!(
            "control: CM-03\ncollected_at: 2026-10-01\ncollected_by: carol@example.com\ncovers: {{from: 2026-07-01, to: 2026-09-30}}\nkind: export\ndescription: Pull request approvals\nevents: [{}]\nfiles:\n  - path: approvals.csv\n    sha256: {}\n",
            events.join(", "),
            soc2::model::Sha256Hex::of(b"change,approver\nCHG-001,erin\n")
        ),
    );
    env.commit_all("fixture");
    env
}

fn as_(env: &Env, who: (&str, &str), args: &[&str]) -> crate::common::Run {
    env.as_person(who.0, who.1, args)
}

fn test_file(env: &Env, id: &str) -> ControlTest {
    soc2::store::from_yaml(&env.read(&format!("tests/{id}.yaml"))).unwrap()
}

#[test]
fn population_from_files_and_from_evidence() {
    let env = store();
    let run = env.soc2(&["population", "CM-03"]).success();
    insta::assert_snapshot!("population_table", run);
    let csv = env
        .soc2(&["population", "CM-03", "--format", "csv"])
        .success();
    insta::assert_snapshot!("population_csv", csv.stdout);
    let population: Population = env
        .soc2(&["population", "CM-03", "--format", "json"])
        .success()
        .parse();
    assert_eq!(population.items.len(), 12);
    assert_eq!(population.unevidenced(), 2);
    assert_eq!(population.files, ["populations/CM-03/2026-Q3.csv"]);
    // Without population files, the evidence records are the population.
    let quarter: Population = env
        .soc2(&[
            "population",
            "AC-02",
            "--window",
            "2026-Q2",
            "--format",
            "json",
        ])
        .success()
        .parse();
    assert_eq!(quarter.ids(), ["AC-02/2026-07-01-access-review"]);
    let none: Population = env
        .soc2(&[
            "population",
            "AC-02",
            "--window",
            "2026-Q3",
            "--format",
            "json",
        ])
        .success()
        .parse();
    assert!(none.items.is_empty());
    let run = env
        .soc2(&["population", "AC-02", "--window", "2026-13"])
        .code(2);
    assert!(run.stderr.contains("unknown window `2026-13`"), "{run}");
    assert!(run.stderr.contains("2026-Q2, 2026-Q3"), "{run}");
}

#[test]
fn bad_population_files_are_located() {
    let env = store();
    env.write(
        "populations/CM-03/2026-Q2.csv",
        "id,date\nCHG-101,2026-05-01\nCHG-101,2026-05-02\nCHG-102,2026-02-30\nCHG-001,2026-06-01\n",
    );
    env.write("populations/AC-01/2026.csv", "id,when\nX,2026-05-01\n");
    env.write("populations/loose.csv", "id,date\n");
    let run = env.soc2(&["check", "--format", "json"]).code(1);
    let found: Vec<String> = run
        .check()
        .findings
        .into_iter()
        .filter(|f| f.code == "E-POPULATION")
        .map(|f| {
            format!(
                "{}:{}:{} {}",
                f.file.unwrap_or_default(),
                f.line.unwrap_or(0),
                f.column.unwrap_or(0),
                f.message
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "populations/AC-01/2026.csv:1:1 missing column `date`: the first row names `id`, `when`",
            "populations/CM-03/2026-Q2.csv:3:1 duplicate id `CHG-101`: line 2 lists it already",
            "populations/CM-03/2026-Q2.csv:4:9 event `CHG-102`: invalid date `2026-02-30`: no such day in the calendar",
            "populations/CM-03/2026-Q3.csv:2:1 event `CHG-001` is already listed in populations/CM-03/2026-Q2.csv (line 5)",
            "populations/loose.csv:0:0 a population file sits directly in populations/",
        ]
    );
    // A store with a broken population file cannot be judged, like any broken file.
    let run = env.soc2(&["status"]).code(2);
    assert!(
        run.stderr.contains("populations/CM-03/2026-Q2.csv:3:1"),
        "{run}"
    );
}

#[test]
fn a_test_draws_a_reproducible_sample() {
    let env = store();
    let run = as_(&env, DANA, &["test", "CM-03", "--seed", "fieldwork-2026"]).success();
    insta::assert_snapshot!("test_draw", run);
    let test = test_file(&env, "CM-03/2026-11-22-period");
    insta::assert_snapshot!("test_file", env.read("tests/CM-03/2026-11-22-period.yaml"));
    // 10% of 12, rounded up, is 2: at least 3.
    assert_eq!(test.sample.len(), 3);
    assert_eq!(test.population.size, 12);
    // Anyone recomputes it: rank each ID by sha256("SEED:ID"), take the smallest.
    let mut ranked: Vec<(String, String)> = (1..=12)
        .map(|n| {
            let id = format!("CHG-{n:03}");
            let rank = sha2::Sha256::digest(format!("fieldwork-2026:{id}").as_bytes());
            let hex: String = rank.iter().map(|b| format!("{b:02x}")).collect();
            (hex, id)
        })
        .collect();
    ranked.sort();
    let mut expected: Vec<String> = ranked.into_iter().take(3).map(|(_, id)| id).collect();
    expected.sort();
    let drawn: Vec<String> = test.sample.iter().map(|i| i.id.clone()).collect();
    assert_eq!(drawn, expected);
    // The commit holds the test file only, with the trailers.
    let shown = env.show("HEAD");
    assert!(
        shown.contains("Soc2-Action: test-draw\nSoc2-Object: CM-03"),
        "{shown}"
    );
    assert!(
        shown.contains("tests/CM-03/2026-11-22-period.yaml | "),
        "{shown}"
    );
    assert!(!shown.contains("populations/"), "{shown}");

    // The default seed is the commit the population was read from: the same for anyone.
    let head = env.git(&["rev-parse", "HEAD"]).trim().to_string();
    as_(&env, ERIN, &["test", "CM-03", "-m", "Second look"]).success();
    let again = test_file(&env, "CM-03/2026-11-22-second-look");
    assert_eq!(again.seed, head);
    assert_eq!(again.drawn_at.as_deref(), Some(head.as_str()));
    assert_eq!(again.tester, "erin@example.com");
}

#[test]
fn testers_may_not_test_their_own_work() {
    let env = store();
    let run = as_(&env, BOB, &["test", "CM-03"]).code(2);
    insta::assert_snapshot!("refused_owner", run.stderr);
    // Carol collected the evidence of every sampled change.
    let run = env
        .as_person(
            "Carol",
            "carol@example.com",
            &["test", "CM-03", "--seed", "fieldwork-2026"],
        )
        .code(2);
    assert!(
        run.stderr.contains(
            "you (carol@example.com) collected CM-03/2026-10-01-approvals, which is in the sample"
        ),
        "{run}"
    );
    assert!(!env.path("tests").exists(), "nothing written");
    // Nor record a result in someone else's test.
    as_(&env, DANA, &["test", "CM-03", "--seed", "fieldwork-2026"]).success();
    let run = as_(
        &env,
        BOB,
        &[
            "test",
            "record",
            "CM-03/2026-11-22-period",
            "--item",
            "1",
            "--pass",
        ],
    )
    .code(2);
    assert!(
        run.stderr.contains("you (bob@example.com) own CM-03"),
        "{run}"
    );
}

#[test]
fn recording_and_concluding_refuse_bad_input() {
    let env = store();
    as_(&env, DANA, &["test", "CM-03", "--seed", "fieldwork-2026"]).success();
    let id = "CM-03/2026-11-22-period";
    let run = as_(&env, DANA, &["test", "record", id, "--item", "4", "--pass"]).code(2);
    insta::assert_snapshot!("item_not_in_sample", run.stderr);
    let run = as_(&env, DANA, &["test", "record", id, "--item", "1"]).code(2);
    assert!(run.stderr.contains("--pass"), "{run}");
    let run = as_(
        &env,
        DANA,
        &[
            "test",
            "record",
            "CM-03/2026-11-21-period",
            "--item",
            "1",
            "--pass",
        ],
    )
    .code(2);
    assert!(
        run.stderr
            .contains("did you mean `CM-03/2026-11-22-period`?"),
        "{run}"
    );
    as_(
        &env,
        DANA,
        &[
            "test",
            "record",
            id,
            "--item",
            "2",
            "--pass",
            "--note",
            "Approved by Erin",
        ],
    )
    .success();
    let run = as_(&env, DANA, &["test", "conclude", id]).code(2);
    insta::assert_snapshot!("conclude_unrecorded", run.stderr);
    as_(&env, DANA, &["test", "record", id, "--item", "1", "--pass"]).success();
    as_(&env, DANA, &["test", "record", id, "--item", "3", "--pass"]).success();
    let run = as_(&env, DANA, &["test", "conclude", id]).success();
    assert!(
        run.stdout
            .starts_with("Concluded CM-03/2026-11-22-period: effective"),
        "{run}"
    );
    let test = test_file(&env, id);
    assert_eq!(test.conclusion, Some(Conclusion::Effective));
    assert_eq!(test.sample[1].note.as_deref(), Some("Approved by Erin"));
    assert_eq!(test.sample[1].result, Some(ItemResult::Pass));
    let run = as_(
        &env,
        DANA,
        &["test", "record", id, "--item", "1", "--exception", "late"],
    )
    .code(2);
    assert!(
        run.stderr.contains("was concluded effective on 2026-11-22"),
        "{run}"
    );
    // One commit per step.
    let log = env.git(&["log", "--format=%s"]);
    assert_eq!(log.matches("soc2: test record CM-03").count(), 3, "{log}");
    assert_eq!(log.matches("soc2: test conclude CM-03").count(), 1, "{log}");
    // `show` lists the control's tests.
    let shown: Shown = env
        .soc2(&["show", "CM-03", "--format", "json"])
        .success()
        .parse();
    let Shown::Control { tests, .. } = shown else {
        panic!("a control")
    };
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0].conclusion, Some(Conclusion::Effective));
}

#[test]
fn an_empty_population_is_tested_on_its_no_occurrence_record() {
    let env = store();
    let run = as_(&env, DANA, &["test", "AC-02", "--window", "2026-Q3"]).code(2);
    assert!(
        run.stderr
            .contains("AC-02 has no population from 2026-07-01 to 2026-09-30"),
        "{run}"
    );
    env.write(
        "evidence/AC-02/2026-10-01-no-review.yaml",
        "control: AC-02\ncollected_at: 2026-10-01\ncollected_by: bob@example.com\ncovers: {from: 2026-07-01, to: 2026-09-30}\nkind: attestation\nresult: no-occurrence\nreason: No accounts to review in Q3\n",
    );
    env.commit_all("no occurrence");
    let run = as_(&env, DANA, &["test", "AC-02", "--window", "2026-Q3"]).success();
    assert!(
        run.stdout
            .contains("Nothing to sample: AC-02/2026-10-01-no-review says nothing happened"),
        "{run}"
    );
    as_(
        &env,
        DANA,
        &["test", "conclude", "AC-02/2026-11-22-2026-q3"],
    )
    .success();
    assert_eq!(
        test_file(&env, "AC-02/2026-11-22-2026-q3").conclusion,
        Some(Conclusion::Effective)
    );
}

/// Dana finds an exception in CM-03 on 2026-11-22; Bob fixes it on 2026-11-25; Dana
/// retests on 2026-12-20 over December's changes; Erin closes it.
#[test]
fn a_deficiency_is_remediated_retested_and_closed() {
    let env = store();
    as_(&env, DANA, &["test", "CM-03", "--seed", "fieldwork-2026"]).success();
    let id = "CM-03/2026-11-22-period";
    as_(&env, DANA, &["test", "record", id, "--item", "1", "--pass"]).success();
    as_(
        &env,
        DANA,
        &[
            "test",
            "record",
            id,
            "--item",
            "2",
            "--exception",
            "Deployed two hours before its approval",
        ],
    )
    .success();
    as_(&env, DANA, &["test", "record", id, "--item", "3", "--pass"]).success();
    let run = as_(
        &env,
        DANA,
        &[
            "test",
            "conclude",
            id,
            "--severity",
            "significant-deficiency",
            "--due",
            "2027-01-15",
        ],
    )
    .success();
    assert!(
        run.stdout.contains(
            "Filed F-001 (significant-deficiency) for bob@example.com to remediate by 2027-01-15"
        ),
        "{run}"
    );
    let shown = env.show("HEAD");
    assert!(
        shown.contains("findings/F-001.yaml")
            && shown.contains("tests/CM-03/2026-11-22-period.yaml"),
        "{shown}"
    );
    insta::assert_snapshot!("finding_file", env.read("findings/F-001.yaml"));

    // Readiness: CM-03 is deficient, CC8.1 partial.
    let status = env.soc2(&["status", "--format", "json"]).success().status();
    let cm03 = status
        .not_ready
        .iter()
        .find(|c| c.id == "CM-03")
        .expect("CM-03 is not ready");
    assert_eq!(cm03.state, ControlState::Deficient);
    assert_eq!(
        status
            .tested
            .as_ref()
            .map(|t| (t.tested, t.deficient, t.open_findings)),
        Some((1, 1, 1))
    );
    let table = env.soc2(&["status"]).success();
    assert!(
        table
            .stdout
            .contains("Tested: 1 of 3 controls this period, 1 deficient, 1 open finding\n"),
        "{table}"
    );
    let findings = env.soc2(&["findings"]).success();
    insta::assert_snapshot!("findings_table", findings.stdout);

    // Closing needs a remediation, then a retest.
    let run = as_(&env, ERIN, &["finding", "close", "F-001"]).code(2);
    assert!(
        run.stderr
            .contains("F-001 is open: it has not been remediated"),
        "{run}"
    );
    let run = as_(
        &env,
        BOB,
        &[
            "finding",
            "remediate",
            "F-001",
            "-m",
            "Branch protection requires an approval",
        ],
    )
    .code(2);
    assert!(run.stderr.contains("F-001 has no root cause"), "{run}");
    env.soc2_with(
        &[
            "finding",
            "remediate",
            "F-001",
            "-m",
            "Branch protection requires an approval",
            "--root-cause",
            "Admins could bypass branch protection",
        ],
        &[
            ("SOC2_TODAY", "2026-11-25"),
            ("GIT_AUTHOR_EMAIL", BOB.1),
            ("GIT_COMMITTER_EMAIL", BOB.1),
        ],
    )
    .success();
    let run = as_(&env, ERIN, &["finding", "close", "F-001"]).code(2);
    insta::assert_snapshot!("close_without_retest", run.stderr);
    // The test that found it is no retest.
    let run = as_(&env, DANA, &["finding", "retest", "F-001", "--test", id]).code(2);
    assert!(
        run.stderr
            .contains("a retest is drawn after the remediation of 2026-11-25"),
        "{run}"
    );

    // December's changes, evidenced, then a new test over them.
    env.write(
        "populations/CM-03/2026-12.csv",
        "id,date\nCHG-201,2026-12-02\nCHG-202,2026-12-09\nCHG-203,2026-12-16\n",
    );
    env.write(
        "evidence/CM-03/2026-12-18-approvals.yaml",
        "control: CM-03\ncollected_at: 2026-12-18\ncollected_by: carol@example.com\ncovers: {from: 2026-12-01, to: 2026-12-18}\nkind: attestation\nevents: [CHG-201, CHG-202, CHG-203]\n",
    );
    env.commit_all("December");
    let december = [
        ("SOC2_TODAY", "2026-12-20"),
        ("GIT_AUTHOR_EMAIL", DANA.1),
        ("GIT_COMMITTER_EMAIL", DANA.1),
    ];
    env.soc2_with(
        &[
            "test",
            "CM-03",
            "--period",
            "2026-11-26..2026-12-19",
            "-m",
            "Retest",
        ],
        &december,
    )
    .success();
    let retest = "CM-03/2026-12-20-retest";
    for item in ["1", "2", "3"] {
        env.soc2_with(
            &["test", "record", retest, "--item", item, "--pass"],
            &december,
        )
        .success();
    }
    env.soc2_with(&["test", "conclude", retest], &december)
        .success();
    env.soc2_with(&["finding", "retest", "F-001", "--test", retest], &december)
        .success();

    // Its owner may not close it; Erin does.
    let run = env
        .soc2_with(
            &["finding", "close", "F-001"],
            &[
                ("SOC2_TODAY", "2026-12-21"),
                ("GIT_AUTHOR_EMAIL", BOB.1),
                ("GIT_COMMITTER_EMAIL", BOB.1),
            ],
        )
        .code(2);
    assert!(
        run.stderr.contains("you (bob@example.com) own F-001"),
        "{run}"
    );
    env.soc2_with(
        &["finding", "close", "F-001"],
        &[
            ("SOC2_TODAY", "2026-12-21"),
            ("GIT_AUTHOR_EMAIL", ERIN.1),
            ("GIT_COMMITTER_EMAIL", ERIN.1),
        ],
    )
    .success();
    let findings: Vec<FindingSummary> = env
        .soc2(&["findings", "--format", "json", "--today", "2026-12-21"])
        .success()
        .parse();
    assert_eq!(findings[0].status, FindingStatus::Closed);
    let open: Vec<FindingSummary> = env
        .soc2(&[
            "findings",
            "--open",
            "--format",
            "json",
            "--today",
            "2026-12-21",
        ])
        .success()
        .parse();
    assert!(open.is_empty());
    let log = env.git(&[
        "log",
        "--format=%(trailers:key=Soc2-Action,valueonly)%(trailers:key=Soc2-Object,valueonly)",
    ]);
    for action in [
        "finding-remediate\nF-001",
        "finding-retest\nF-001",
        "finding-close\nF-001",
    ] {
        assert!(log.contains(action), "{log}");
    }
}

#[test]
fn overdue_findings_are_due_and_warned() {
    let env = store();
    let run = as_(
        &env,
        DANA,
        &["finding", "add", "--control", "CM-99", "--title", "x"],
    )
    .code(2);
    assert!(
        run.stderr
            .contains("unknown control `CM-99`, did you mean `CM-03`?"),
        "{run}"
    );
    as_(
        &env,
        DANA,
        &[
            "finding",
            "add",
            "--control",
            "AC-02",
            "--title",
            "Two leavers kept access",
            "--source",
            "incident",
            "--severity",
            "material-weakness",
            "--due",
            "2026-12-01",
        ],
    )
    .success();
    let status = env.soc2(&["status", "--format", "json"]).success().status();
    assert_eq!(
        status
            .not_ready
            .iter()
            .find(|c| c.id == "AC-02")
            .map(|c| c.state),
        Some(ControlState::Deficient)
    );
    let later = [("SOC2_TODAY", "2026-12-05")];
    let due: Vec<DueItem> = env
        .soc2_with(&["due", "--format", "json"], &later)
        .success()
        .parse();
    let item = due
        .iter()
        .find(|d| d.id == "F-001")
        .expect("the finding is due");
    assert!(item.overdue);
    assert_eq!(item.owner.as_deref(), Some("bob@example.com"));
    let run = env.soc2_with(&["check", "--format", "json"], &later);
    assert!(
        run.codes().contains(&"W-FINDING-OVERDUE".to_string()),
        "{run}"
    );
    let run = env.soc2(&["check", "--format", "json"]);
    assert!(
        !run.codes().contains(&"W-FINDING-OVERDUE".to_string()),
        "{run}"
    );
    // A finding filed by hand on an unknown control is a load error.
    env.write(
        "findings/F-002.yaml",
        "control: XX-01\ntitle: t\nsource: auditor\nseverity: deficiency\nowner: bob@example.com\nfound_on: 2026-11-01\ndue: 2026-12-01\nstatus: closed\n",
    );
    let run = env.soc2(&["check", "--format", "json"]).code(1);
    let messages: Vec<String> = run
        .check()
        .findings
        .into_iter()
        .filter(|f| f.file.as_deref() == Some("findings/F-002.yaml"))
        .map(|f| format!("{} {}", f.code, f.message))
        .collect();
    assert_eq!(
        messages,
        [
            "E-UNKNOWN-REF a finding on an unknown control `XX-01`",
            "E-INVALID-VALUE a `closed` finding needs `remediated_on`",
        ]
    );
}

#[test]
fn audit_results_summarise_the_period() {
    let env = store();
    as_(&env, DANA, &["test", "CM-03", "--seed", "fieldwork-2026"]).success();
    let id = "CM-03/2026-11-22-period";
    for item in ["1", "2"] {
        as_(
            &env,
            DANA,
            &["test", "record", id, "--item", item, "--pass"],
        )
        .success();
    }
    as_(
        &env,
        DANA,
        &[
            "test",
            "record",
            id,
            "--item",
            "3",
            "--exception",
            "No approval",
        ],
    )
    .success();
    as_(&env, DANA, &["test", "conclude", id]).success();
    as_(&env, DANA, &["test", "AC-01", "--window", "2026-Q3"]).success();
    insta::assert_snapshot!(
        "audit_results_table",
        env.soc2(&["audit-results"]).success()
    );
    insta::assert_snapshot!(
        "audit_results_markdown",
        env.soc2(&["audit-results", "--format", "markdown"])
            .success()
            .stdout
    );
    let results: AuditResults = env
        .soc2(&["audit-results", "--format", "json"])
        .success()
        .parse();
    assert_eq!(
        (results.key_controls, results.tested, results.deficient),
        (3, 1, 1)
    );
    assert_eq!(results.untested, ["AC-01", "AC-02"]);
    assert_eq!(results.open_findings.len(), 1);
    // The digest is `sha256sum` of the test and finding files, sorted by path.
    let mut lines = Vec::new();
    for path in [
        "findings/F-001.yaml",
        "tests/AC-01/2026-11-22-2026-q3.yaml",
        "tests/CM-03/2026-11-22-period.yaml",
    ] {
        let hash = sha2::Sha256::digest(env.read(path).as_bytes());
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        lines.push(format!("{hex}  {path}\n"));
    }
    let all = sha2::Sha256::digest(lines.concat().as_bytes());
    let hex: String = all.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(results.digest.0, hex);
}

#[test]
fn the_tests_folder_may_hold_a_projects_own_tests() {
    let env = store();
    // Only folders named like IDs hold control tests; the rest of tests/ is not the store's.
    env.write("tests/cli/main.rs", "fn main() {}\n");
    env.write("tests/cli/snapshots/x.yaml", "not: [a test\n");
    env.write("tests/fixtures.yaml", "- anything\n");
    env.write("tests/AC-01/README.md", "notes\n");
    env.commit_all("project tests");
    let run = env.soc2(&["check", "--format", "json"]);
    let bad: Vec<String> = run
        .check()
        .findings
        .into_iter()
        .filter(|f| f.file.as_deref().is_some_and(|p| p.starts_with("tests/")))
        .map(|f| f.message.into_owned())
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    // A test file in an ID's folder is read, and checked.
    env.write(
        "tests/AC-01/2026-11-01-broken.yaml",
        "control: AC-01\ntester: dana@example.com\n",
    );
    let run = env.soc2(&["check", "--format", "json"]).code(1);
    let found: Vec<(String, String)> = run
        .check()
        .findings
        .into_iter()
        .filter(|f| f.file.as_deref().is_some_and(|p| p.starts_with("tests/")))
        .map(|f| (f.code.into_owned(), f.file.unwrap_or_default().into_owned()))
        .collect();
    assert_eq!(
        found,
        [(
            "E-SCHEMA".to_string(),
            "tests/AC-01/2026-11-01-broken.yaml".to_string()
        )]
    );
}

#[test]
fn findings_from_a_deviation_record_and_the_trail() {
    let env = store();
    env.write(
        "evidence/AC-02/2026-09-15-review.yaml",
        "control: AC-02\ncollected_at: 2026-09-15\ncollected_by: bob@example.com\nkind: attestation\nresult: deviation\nreason: Two leavers kept access for a week\n",
    );
    env.commit_all("deviation");
    let run = as_(
        &env,
        DANA,
        &[
            "finding",
            "add",
            "--evidence",
            "AC-02/2026-07-01-access-review",
            "--title",
            "x",
        ],
    )
    .code(2);
    assert!(
        run.stderr.contains("records `operated`, not a deviation"),
        "{run}"
    );
    let run = as_(
        &env,
        DANA,
        &[
            "finding",
            "add",
            "--evidence",
            "AC-02/2026-09-15-review",
            "--title",
            "Leavers kept access",
            "--plan",
            "Remove access on the last day",
        ],
    )
    .success();
    assert!(
        run.stdout.starts_with(
            "Filed F-001 (deficiency) on AC-02 for bob@example.com to close by 2026-12-22"
        ),
        "{run}"
    );
    let finding: soc2::model::AuditFinding =
        soc2::store::from_yaml(&env.read("findings/F-001.yaml")).unwrap();
    assert_eq!(finding.source, soc2::model::FindingSource::SelfIdentified);
    assert_eq!(finding.evidence.as_deref(), Some("AC-02/2026-09-15-review"));
    // Not found by testing: it closes once remediated.
    as_(
        &env,
        BOB,
        &[
            "finding",
            "remediate",
            "F-001",
            "-m",
            "Same-day offboarding",
            "--root-cause",
            "A manual step",
        ],
    )
    .success();
    as_(&env, ERIN, &["finding", "close", "F-001"]).success();
    // `soc2 log` follows a finding, and a control's tests.
    as_(&env, DANA, &["test", "AC-01", "--window", "2026-Q3"]).success();
    let log = env.soc2(&["log", "F-001", "--format", "json"]).success();
    assert_eq!(
        log.stdout.matches("\"action\": \"finding-").count(),
        3,
        "{log}"
    );
    let log = env.soc2(&["log", "AC-01", "--format", "json"]).success();
    assert!(log.stdout.contains("\"action\": \"test-draw\""), "{log}");
    // Both forms of `soc2 test` parse; without a control it says what is missing.
    let run = as_(&env, DANA, &["test"]).code(2);
    assert!(run.stderr.contains("<CONTROL>"), "{run}");
    let run = as_(&env, DANA, &["test", "record"]).code(2);
    assert!(run.stderr.contains("<TEST>"), "{run}");
}
