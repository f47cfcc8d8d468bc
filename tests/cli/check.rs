//! `soc2 check`: one snapshot per rule (human and JSON), every exit code, the gate,
//! the output formats.

use crate::common::{Env, Run};
use crate::fixtures::{PROGRAM, committed_small_store, evidence, scope_approved};
use soc2::findings::{Code, Severity};

/// `check` with every warning but `code` allowed, in both formats.
fn only(env: &Env, code: Code, extra: &[&str]) -> (Run, Run) {
    let mut args: Vec<String> = vec!["check".into()];
    for other in Code::ALL
        .iter()
        .filter(|c| c.default_severity() == Severity::Warning && **c != code)
    {
        args.push("--allow".into());
        args.push(other.as_str().into());
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let human = env.soc2(&args);
    let mut json_args = args.clone();
    json_args.extend(["--format", "json"]);
    let json = env.soc2(&json_args);
    let codes = json.codes();
    assert!(
        codes.iter().any(|c| c == code.as_str()),
        "{code} not reported:\n{human}"
    );
    (human, json)
}

macro_rules! rule {
    ($name:ident, $code:expr, $setup:expr) => {
        rule!($name, $code, $setup, &[]);
    };
    ($name:ident, $code:expr, $setup:expr, $extra:expr) => {
        #[test]
        fn $name() {
            let env = committed_small_store();
            let setup: fn(&Env) = $setup;
            setup(&env);
            // Staged, as in a pre-commit hook: new records count once git holds them.
            env.git(&["add", "--all"]);
            let (human, json) = only(&env, $code, $extra);
            insta::assert_snapshot!(concat!(stringify!($name), "_human"), human);
            insta::assert_snapshot!(concat!(stringify!($name), "_json"), json);
        }
    };
}

rule!(e_parse, Code::Parse, |env| {
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Backups\n\tstatus: designed\n",
    );
});
rule!(e_schema, Code::Schema, |env| {
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Backups\nstatus: designed\nfrequncy: daily\n",
    );
});
rule!(e_invalid_id, Code::InvalidId, |env| {
    env.write(
        "controls/bc_02.yaml",
        "title: Restores\nstatus: planned\nfrequency: annual\n",
    );
});
rule!(e_id_mismatch, Code::IdMismatch, |env| {
    env.write(
        "controls/BC-02.yaml",
        "id: BC-20\ntitle: Restores\nstatus: planned\nfrequency: annual\n",
    );
});
rule!(e_duplicate_id, Code::DuplicateId, |env| {
    env.write(
        "controls/BC-01.yml",
        "id: BC-01\ntitle: Backups again\nstatus: planned\nfrequency: daily\n",
    );
});
rule!(e_unknown_ref, Code::UnknownRef, |env| {
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Backups\ncriteria: [A1.2, CC6.9]\nstatus: designed\nfrequency: daily\n",
    );
});
rule!(e_invalid_value, Code::InvalidValue, |env| {
    env.write(
        "controls/PHY-01.yaml",
        "id: PHY-01\ntitle: Badges\ncriteria: [CC6.4]\nstatus: not-applicable\nfrequency: annual\n",
    );
});
rule!(e_bad_path, Code::BadPath, |env| {
    env.write(
        "evidence/AC-01/2026-11-01-x.yaml",
        "control: AC-01\ncollected_at: 2026-11-01\nkind: log\nfiles:\n  - path: ../../soc2.yaml\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n",
    );
});
rule!(e_evidence_missing, Code::EvidenceMissing, |env| {
    std::fs::remove_file(env.path("evidence/AC-01/2026-10-02-mfa-report.csv")).unwrap();
});
rule!(e_hash_mismatch, Code::HashMismatch, |env| {
    env.write(
        "evidence/AC-01/2026-10-02-mfa-report.csv",
        "edited after the fact\n",
    );
});
rule!(w_missing_evidence, Code::MissingEvidence, |env| {
    env.write("controls/BC-01.yaml", "id: BC-01\ntitle: Backups\nowner: carol@example.com\ncriteria: [A1.2]\nstatus: implemented\nfrequency: daily\n");
});
rule!(w_stale_evidence, Code::StaleEvidence, |_| {});
rule!(
    w_overdue_review,
    Code::OverdueReview,
    |_| {},
    &["--today", "2027-03-03"]
);
rule!(w_unapproved, Code::Unapproved, |env| {
    env.write(
        "controls/AC-01.yaml",
        env.read("controls/AC-01.yaml")
            .replace("Multi-factor authentication", "MFA everywhere"),
    );
});
rule!(w_expired_exception, Code::ExpiredException, |env| {
    env.write(
        "controls/AC-02.yaml",
        format!("{}exceptions:\n  - reason: New IdP rollout\n    approved_by: cfo@example.com\n    expires: 2026-10-31\n", env.read("controls/AC-02.yaml")),
    );
});
rule!(w_uncovered_criterion, Code::UncoveredCriterion, |_| {});
rule!(w_not_operating, Code::NotOperating, |env| {
    // BC-01 was designed when the period's windows ended; it is implemented now.
    type2(env);
    env.write(
        "controls/BC-01.yaml",
        env.read("controls/BC-01.yaml")
            .replace("status: designed", "status: implemented"),
    );
});
rule!(w_deviation, Code::Deviation, |env| {
    evidence(
        env,
        "AC-01",
        "2026-11-20-mfa-failed",
        ("2026-11-20", "2026-11-20"),
        "2026-11-20",
    );
    env.write(
        "evidence/AC-01/2026-11-20-mfa-failed.yaml",
        format!(
            "{}result: deviation\nreason: two admins had MFA switched off\n",
            env.read("evidence/AC-01/2026-11-20-mfa-failed.yaml")
        ),
    );
});
rule!(w_backdated, Code::Backdated, |env| {
    // Written in November (git received it on 2026-11-22), dated June.
    evidence(
        env,
        "AC-02",
        "2026-06-01-review",
        ("2026-04-01", "2026-05-31"),
        "2026-06-01",
    );
});
rule!(w_late_evidence, Code::LateEvidence, |env| {
    // The Q3 window of AC-02 was due on 2026-10-30; this arrives on 2026-11-22.
    type2(env);
    evidence(
        env,
        "AC-02",
        "2026-11-21-q3-review",
        ("2026-07-01", "2026-09-30"),
        "2026-11-21",
    );
});
rule!(w_self_exception, Code::SelfException, |env| {
    env.write(
        "controls/AC-02.yaml",
        format!("{}exceptions:\n  - reason: New IdP rollout\n    approved_by: bob@example.com\n    expires: 2027-01-31\n", env.read("controls/AC-02.yaml")),
    );
});
rule!(w_long_exception, Code::LongException, |env| {
    env.write(
        "controls/AC-02.yaml",
        format!("{}exceptions:\n  - reason: Reviews resume some day\n    approved_by: cfo@example.com\n    expires: 2099-12-31\n", env.read("controls/AC-02.yaml")),
    );
});
rule!(w_scope_unapproved, Code::ScopeUnapproved, |env| {
    env.write(
        "soc2.yaml",
        env.read("soc2.yaml")
            .replace("Cloud only; no offices", "We would rather not"),
    );
});
rule!(
    w_excluded_common_criterion,
    Code::ExcludedCommonCriterion,
    |_| {}
);
rule!(w_point_in_time_span, Code::PointInTimeSpan, |env| {
    evidence(
        env,
        "AC-01",
        "2026-11-20-console",
        ("2026-10-01", "2026-11-20"),
        "2026-11-20",
    );
    env.write(
        "evidence/AC-01/2026-11-20-console.yaml",
        env.read("evidence/AC-01/2026-11-20-console.yaml")
            .replace("kind: export", "kind: screenshot"),
    );
});
rule!(w_no_history, Code::NoHistory, type2);

/// The small store as a Type II audit of 2026-04-01..2026-09-30, committed on
/// 2026-11-22: its history starts after the period.
fn type2(env: &Env) {
    env.write(
        "soc2.yaml",
        scope_approved(&PROGRAM.replace(
            "  type: type1\n",
            "  type: type2\n  period: {start: 2026-04-01, end: 2026-09-30}\n",
        )),
    );
    env.commit_all("a Type II period");
}
rule!(w_no_owner, Code::NoOwner, |_| {});
rule!(w_unrecorded_file, Code::UnrecordedFile, |env| {
    env.write("evidence/AC-01/screenshot.png", "png");
});

fn allow_all_warnings() -> Vec<String> {
    Code::ALL
        .iter()
        .filter(|c| c.default_severity() == Severity::Warning)
        .flat_map(|c| ["--allow".to_string(), c.as_str().to_string()])
        .collect()
}

fn check(env: &Env, extra: &[&str]) -> Run {
    let mut args = vec!["check".to_string()];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.soc2(&args)
}

#[test]
fn exit_0_when_nothing_fails() {
    let env = committed_small_store();
    let allow = allow_all_warnings();
    let allow: Vec<&str> = allow.iter().map(String::as_str).collect();
    insta::assert_snapshot!(check(&env, &allow).code(0));
    // Warnings alone do not fail the check.
    check(&env, &[]).code(0);
}

#[test]
fn exit_1_when_an_error_is_found() {
    let env = committed_small_store();
    env.write("controls/BC-01.yaml", "not: [closed");
    check(&env, &[]).code(1);
}

#[test]
fn exit_1_when_readiness_is_below_the_gate() {
    let env = committed_small_store();
    let allow = allow_all_warnings();
    let mut args: Vec<&str> = allow.iter().map(String::as_str).collect();
    args.extend(["--min-readiness", "50"]);
    insta::assert_snapshot!(check(&env, &args).code(1));
    // 1 of 35 criteria met is 2.8%: a gate of 2% passes, 3% fails.
    check(&env, &["--min-readiness", "2"]).code(0);
    check(&env, &["--min-readiness", "3"]).code(1);
}

#[test]
fn the_gate_comes_from_soc2_yaml_and_the_flag_overrides_it() {
    let env = committed_small_store();
    env.write(
        "soc2.yaml",
        format!("{}gate:\n  min_readiness: 50\n", scope_approved(PROGRAM)),
    );
    check(&env, &[]).code(1);
    check(&env, &["--min-readiness", "0"]).code(0);
}

#[test]
fn exit_1_when_a_denied_warning_is_found() {
    let env = committed_small_store();
    let run = check(&env, &["--deny", "stale-evidence", "--format", "json"]).code(1);
    let stale = run
        .check()
        .findings
        .into_iter()
        .find(|f| f.code == "W-STALE-EVIDENCE")
        .unwrap();
    assert_eq!(stale.severity, Severity::Error);
}

#[test]
fn fail_on_in_soc2_yaml_promotes_warnings() {
    let env = committed_small_store();
    env.write(
        "soc2.yaml",
        format!("{}gate:\n  fail_on: [no-owner]\n", scope_approved(PROGRAM)),
    );
    let json = check(&env, &["--format", "json"]).code(1).check();
    assert_eq!(json.summary.errors, 1);
    check(&env, &["--allow", "no-owner"]).code(0);
}

#[test]
fn exit_2_when_it_cannot_run() {
    let env = Env::new();
    insta::assert_snapshot!("no_store", check(&env, &[]).code(2));
    let env = committed_small_store();
    insta::assert_snapshot!(
        "unknown_code",
        check(&env, &["--deny", "stale-evidense"]).code(2)
    );
    insta::assert_snapshot!(
        "allowing_an_error",
        check(&env, &["--allow", "E-PARSE"]).code(2)
    );
    check(&env, &["--min-readiness", "101"]).code(2);
}

#[test]
fn a_broken_store_reports_every_problem_at_once() {
    let env = committed_small_store();
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Backups\n\tstatus: designed\n",
    );
    env.write(
        "controls/IR-01.yaml",
        "id: IR-01\ntitle: IR\nstatus: planned\nfrequency: yearly\n",
    );
    env.write("controls/AC-03.yaml", "id: AC-03\ntitle: x\ncriteria: [CC6.99]\nstatus: planned\nfrequency: daily\npolicies: [POL-NONE]\n");
    env.write("evidence/AC-01/2026-10-02-mfa-report.csv", "tampered\n");
    env.write("policies/POL-X.yaml", "");
    let json = check(&env, &["--format", "json"]).code(1).check();
    let mut errors: Vec<(String, String)> = json
        .findings
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.file.unwrap().into_owned(), f.code.into_owned()))
        .collect();
    errors.dedup();
    insta::assert_debug_snapshot!(errors);
    // Sorted by file, whatever the order they were found in.
    let files: Vec<String> = errors.iter().map(|e| e.0.clone()).collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}

#[test]
fn github_annotations() {
    let env = committed_small_store();
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Backups\ncriteria: [A1.2, CC6.9]\nstatus: designed\nfrequency: daily\n",
    );
    let run = check(
        &env,
        &[
            "--format",
            "github",
            "--allow",
            "uncovered-criterion",
            "--min-readiness",
            "10",
        ],
    )
    .code(1);
    insta::assert_snapshot!(run);
}

#[test]
fn explain_every_code() {
    let env = Env::new();
    let text: Vec<String> = Code::ALL
        .iter()
        .map(|c| {
            env.soc2(&["check", "--explain", c.as_str()])
                .success()
                .stdout
        })
        .collect();
    insta::assert_snapshot!(text.join("\n---\n"));
    assert_eq!(
        env.soc2(&["check", "--explain", "stale-evidence"])
            .success()
            .stdout,
        text[Code::ALL
            .iter()
            .position(|c| *c == Code::StaleEvidence)
            .unwrap()]
    );
}

#[test]
fn the_readme_lists_every_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for code in Code::ALL {
        assert!(
            readme.contains(&format!("`{}`", code.as_str())),
            "README.md does not list {code}"
        );
    }
}

/// The parts of SARIF 2.1.0 soc2 writes, read strictly: a misspelt or misplaced
/// property fails to parse.
mod sarif {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Log {
        #[serde(rename = "$schema")]
        pub schema: String,
        pub version: String,
        pub runs: Vec<Run>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Run {
        pub tool: Tool,
        pub results: Vec<Result>,
        pub column_kind: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Tool {
        pub driver: Driver,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Driver {
        pub name: String,
        pub version: String,
        pub rules: Vec<Rule>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Rule {
        pub id: String,
        pub short_description: Text,
        pub full_description: Text,
        pub help: Text,
        pub default_configuration: Configuration,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Text {
        pub text: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Configuration {
        pub level: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Result {
        pub rule_id: String,
        pub rule_index: usize,
        pub level: String,
        pub message: Text,
        pub locations: Vec<Location>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Location {
        pub physical_location: Physical,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Physical {
        pub artifact_location: Artifact,
        pub region: Option<Region>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Artifact {
        pub uri: String,
        pub uri_base_id: String,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    pub struct Region {
        pub start_line: usize,
        pub start_column: usize,
    }
}

#[test]
fn sarif_for_code_scanning() {
    let env = committed_small_store();
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Backups\nstatus: designed\nfrequncy: daily\n",
    );
    let human = env.soc2(&["check"]);
    let run = env.soc2(&["check", "--format", "sarif"]);
    assert_eq!(run.code, human.code, "the same verdict");
    let log: sarif::Log = run.parse();
    assert_eq!(log.version, "2.1.0");
    assert!(log.schema.contains("sarif-2.1.0"));
    let [run] = log.runs.as_slice() else {
        panic!("one run");
    };
    let driver = &run.tool.driver;
    assert_eq!(
        (driver.name.as_str(), driver.version.as_str()),
        ("soc2", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(driver.rules.len(), Code::ALL.len());
    for rule in &driver.rules {
        assert!(Code::parse(&rule.id).is_some());
        assert!(!rule.short_description.text.is_empty() && !rule.full_description.text.is_empty());
        assert!(rule.help.text.contains(&rule.id));
        assert!(["error", "warning", "note"].contains(&rule.default_configuration.level.as_str()));
    }
    assert!(!run.results.is_empty());
    assert_eq!(run.column_kind, "unicodeCodePoints");
    for result in &run.results {
        assert_eq!(driver.rules[result.rule_index].id, result.rule_id);
        assert!(["error", "warning", "note"].contains(&result.level.as_str()));
        assert!(!result.message.text.is_empty());
        let physical = &result.locations[0].physical_location;
        let uri = &physical.artifact_location.uri;
        assert!(!uri.starts_with('/') && !uri.contains('\\'), "{uri}");
        assert_eq!(physical.artifact_location.uri_base_id, "%SRCROOT%");
        if let Some(region) = &physical.region {
            assert!(region.start_line >= 1 && region.start_column >= 1);
        }
    }
    let schema_error = run
        .results
        .iter()
        .find(|r| r.rule_id == "E-SCHEMA")
        .expect("the schema error");
    let physical = &schema_error.locations[0].physical_location;
    assert_eq!(physical.artifact_location.uri, "controls/BC-01.yaml");
    assert_eq!(physical.region.as_ref().map(|r| r.start_line), Some(4));
}

#[test]
fn github_writes_a_job_summary() {
    let env = committed_small_store();
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Backups\nstatus: designed\nfrequncy: daily\n",
    );
    let summary = env.home.join("step-summary.md");
    std::fs::write(&summary, "earlier steps\n").unwrap();
    let run = env.soc2_with(
        &["check", "--format", "github"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(run.code, 1, "{run}");
    assert!(
        run.stdout.contains("::error file=controls/BC-01.yaml"),
        "{run}"
    );
    let written = std::fs::read_to_string(&summary).unwrap();
    insta::assert_snapshot!(written);
    // Without the variable, nothing is written anywhere.
    env.soc2(&["check", "--format", "github"]).code(1);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), written);
}
