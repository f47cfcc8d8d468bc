//! `soc2 collect`: collectors run with small local scripts the tests write.

use soc2::collect::{CollectReport, Decision, RunResult};
use soc2::model::Evidence;

use crate::common::Env;
use crate::fixtures::{approved_control, committed_small_store};

/// A fake AWS access key id, assembled so that this file holds none.
fn fake_key() -> String {
    format!("AKIA{}", "Q7XR2MZP4KD9WN3B")
}

/// The small store, with AC-01 collecting through `collectors` (YAML list items) and
/// the scripts they run, committed.
fn store_with(collectors: &str) -> Env {
    let env = committed_small_store();
    env.write(
        "controls/AC-01.yaml",
        approved_control(&format!(
            "id: AC-01\ntitle: Multi-factor authentication\nowner: alice@example.com\ncriteria: [CC6.1, CC6.2]\nstatus: implemented\nfrequency: quarterly\npolicies: [POL-SEC]\ncollect:\n{collectors}"
        )),
    );
    env.write(
        "scripts/prints.sh",
        "#!/bin/sh\necho \"mfa: enforced for 12 of 12 users\"\n",
    );
    env.write(
        "scripts/fails.sh",
        "#!/bin/sh\necho partial\necho 'error: token expired' >&2\nexit 4\n",
    );
    env.write("scripts/sleeps.sh", "#!/bin/sh\nsleep 20\necho late\n");
    env.write(
        "scripts/leaks.sh",
        format!("#!/bin/sh\necho \"using key {}\"\n", fake_key()),
    );
    env.write(
        "scripts/floods.sh",
        "#!/bin/sh\nyes 0123456789abcdef | head -c 104857600\n",
    );
    for script in ["prints", "fails", "sleeps", "leaks", "floods"] {
        let path = env.path(&format!("scripts/{script}.sh"));
        std::process::Command::new("chmod")
            .args(["+x", path.to_str().unwrap()])
            .status()
            .unwrap();
    }
    env.commit_all("collectors");
    env
}

fn report(run: &crate::common::Run) -> CollectReport {
    run.parse()
}

#[test]
fn collect_records_successes_and_deviations_in_one_commit() {
    let env = store_with(
        "  - {name: mfa-report, run: [scripts/prints.sh], description: MFA enforcement from the IdP}\n\
         \x20 - {name: token-check, run: [scripts/fails.sh], on_failure: deviation}\n\
         \x20 - {name: skipped, run: [scripts/fails.sh]}\n",
    );
    let head = env.git(&["rev-parse", "HEAD"]);
    let run = env.soc2(&["collect", "--format", "json"]).code(1);
    let report = self::report(&run);
    let results: Vec<_> = report
        .collectors
        .iter()
        .map(|c| {
            let o = c.outcome.as_ref().unwrap();
            (c.collector.as_str(), o.result, o.recorded.clone())
        })
        .collect();
    assert_eq!(
        results,
        [
            (
                "mfa-report",
                RunResult::Operated,
                Some("AC-01/2026-11-22-mfa-report".to_string())
            ),
            (
                "token-check",
                RunResult::Deviation,
                Some("AC-01/2026-11-22-token-check".to_string())
            ),
            ("skipped", RunResult::Failed, None),
        ]
    );
    let failed = report.collectors[2].outcome.as_ref().unwrap();
    assert_eq!(failed.stderr_tail.as_deref(), Some("error: token expired"));
    // One commit on top, with a trailer per record.
    assert_eq!(env.git(&["rev-parse", "HEAD~1"]), head);
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: collect AC-01

    Record the output of 2 collectors as evidence (2 failed)

    Soc2-Action: collect
    Soc2-Object: AC-01
    Soc2-Evidence: AC-01/2026-11-22-mfa-report
    Soc2-Evidence: AC-01/2026-11-22-token-check


     evidence/AC-01/2026-11-22-mfa-report.stdout.txt  |  1 +
     evidence/AC-01/2026-11-22-mfa-report.yaml        | 18 ++++++++++++++++++
     evidence/AC-01/2026-11-22-token-check.stderr.txt |  1 +
     evidence/AC-01/2026-11-22-token-check.stdout.txt |  1 +
     evidence/AC-01/2026-11-22-token-check.yaml       | 21 +++++++++++++++++++++
     5 files changed, 42 insertions(+)
    ");
    let record: Evidence =
        soc2::store::from_yaml(&env.read("evidence/AC-01/2026-11-22-mfa-report.yaml")).unwrap();
    let command = record.command.as_ref().unwrap();
    assert_eq!(command.args, ["scripts/prints.sh"]);
    assert_eq!(command.collector.as_deref(), Some("mfa-report"));
    assert_eq!(command.host.as_deref(), Some("test-host"));
    assert_eq!(
        command.tool.as_deref(),
        Some(concat!("soc2 ", env!("CARGO_PKG_VERSION")))
    );
    assert!(command.started_at.is_some() && command.ended_at.is_some());
    assert_eq!(record.files.len(), 1, "an empty stderr is not recorded");
    assert_eq!(
        record.description.as_deref(),
        Some("MFA enforcement from the IdP")
    );
    let deviation: Evidence =
        soc2::store::from_yaml(&env.read("evidence/AC-01/2026-11-22-token-check.yaml")).unwrap();
    assert_eq!(deviation.result(), soc2::model::EvidenceResult::Deviation);
    env.soc2(&["verify"]).success();

    // The successful collector's window now has its evidence: it is not due again;
    // the failed ones are.
    let again = self::report(
        &env.soc2(&["collect", "--dry-run", "--format", "json"])
            .success(),
    );
    let decisions: Vec<_> = again
        .collectors
        .iter()
        .map(|c| c.decision.clone())
        .collect();
    assert_eq!(
        decisions,
        [
            Decision::Evidenced("AC-01/2026-11-22-mfa-report".into()),
            Decision::Due,
            Decision::Due
        ]
    );
    let all = self::report(
        &env.soc2(&["collect", "--all", "--dry-run", "--format", "json"])
            .success(),
    );
    assert_eq!(all.collectors[0].decision, Decision::Forced);
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let env = store_with("  - {name: mfa-report, run: [scripts/prints.sh]}\n");
    let head = env.git(&["rev-parse", "HEAD"]);
    let run = env.soc2(&["collect", "--dry-run"]).success();
    insta::assert_snapshot!(run, @"
    exit: 0
    --- stdout
    ╭─────────┬────────────┬────────────────────────┬───────────────────┬────────────────╮
    │ Control ┆ Collector  ┆ Window                 ┆ Command           ┆ Result         │
    ╞═════════╪════════════╪════════════════════════╪═══════════════════╪════════════════╡
    │ AC-01   ┆ mfa-report ┆ 2026-08-24..2026-11-22 ┆ scripts/prints.sh ┆ due: would run │
    ╰─────────┴────────────┴────────────────────────┴───────────────────┴────────────────╯
    dry run: 1 collector would run; nothing was run or written
    ");
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_timeout_stops_the_collector_and_fails_the_run() {
    let env = store_with("  - {name: slow, run: [scripts/sleeps.sh], timeout: 1}\n");
    let started = std::time::Instant::now();
    let run = env.soc2(&["collect", "--format", "json"]).code(1);
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    let outcome = self::report(&run).collectors[0].outcome.clone().unwrap();
    assert_eq!(outcome.result, RunResult::Failed);
    assert_eq!(
        outcome.reason.as_deref(),
        Some("it did not finish within its timeout of 1s")
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "", "nothing written");
}

#[test]
fn a_missing_command_and_a_flood_of_output_record_nothing() {
    let env = store_with(
        "  - {name: missing, run: [soc2-no-such-tool, --version], on_failure: deviation}\n\
         \x20 - {name: flood, run: [scripts/floods.sh], on_failure: deviation}\n",
    );
    let run = env.soc2(&["collect", "--format", "json"]).code(1);
    let report = self::report(&run);
    let reasons: Vec<String> = report
        .collectors
        .iter()
        .map(|c| c.outcome.as_ref().unwrap().reason.clone().unwrap())
        .collect();
    assert!(
        reasons[0].starts_with("could not run `soc2-no-such-tool`"),
        "{reasons:?}"
    );
    assert_eq!(
        reasons[1],
        "it printed more than 20MB (`collect.max_output` in soc2.yaml, or --max-output), so nothing was recorded"
    );
    assert!(report.commit.is_none());
    assert_eq!(env.git(&["status", "--porcelain"]), "", "nothing written");
    // The limit is configurable.
    let small = env
        .soc2(&["collect", "--max-output", "1KB", "--format", "json"])
        .code(1);
    assert!(small.stdout.contains("printed more than 1KB"), "{small}");
}

#[test]
fn a_secret_in_the_output_refuses_the_run_unless_redacted_or_allowed() {
    let env = store_with(
        "  - {name: mfa-report, run: [scripts/prints.sh]}\n  - {name: keys, run: [scripts/leaks.sh]}\n",
    );
    let head = env.git(&["rev-parse", "HEAD"]);
    let run = env.soc2(&["collect"]).code(2);
    assert!(!run.stdout.contains(&fake_key()) && !run.stderr.contains(&fake_key()));
    insta::assert_snapshot!(run.stderr, @"
    error: 1 possible secret found in what would be recorded; nothing was written:
      evidence/AC-01/2026-11-22-keys.stdout.txt:1:11: an AWS access key id (aws-access-key-id): using key AKIA********
    hint: keep credentials out of evidence (print less, or pass them through the environment); `--redact` records the output with each one replaced by [REDACTED:<rule>]; if it is not a secret, `--allow-secret aws-access-key-id` records it as it is
    ");
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(env.git(&["status", "--porcelain"]), "", "nothing written");

    env.soc2(&["collect", "--redact"]).success();
    assert_eq!(
        env.read("evidence/AC-01/2026-11-22-keys.stdout.txt"),
        "using key [REDACTED:aws-access-key-id]\n"
    );
    let record: Evidence =
        soc2::store::from_yaml(&env.read("evidence/AC-01/2026-11-22-keys.yaml")).unwrap();
    assert_eq!(record.secrets.unwrap().redacted, ["aws-access-key-id"]);
    let other: Evidence =
        soc2::store::from_yaml(&env.read("evidence/AC-01/2026-11-22-mfa-report.yaml")).unwrap();
    assert!(
        other.secrets.is_none(),
        "only the record that held it says so"
    );
    assert!(
        !env.soc2(&["check", "--format", "json"])
            .codes()
            .contains(&"E-SECRET-IN-EVIDENCE".to_string())
    );

    env.soc2(&["collect", "--all", "--allow-secret", "aws-access-key-id"])
        .success();
    let kept: Evidence =
        soc2::store::from_yaml(&env.read("evidence/AC-01/2026-11-22-keys-2.yaml")).unwrap();
    assert_eq!(kept.secrets.unwrap().allowed, ["aws-access-key-id"]);
    assert!(
        env.read("evidence/AC-01/2026-11-22-keys-2.stdout.txt")
            .contains(&fake_key())
    );
    // Allowed in its record, so check leaves it alone.
    assert!(
        !env.soc2(&["check", "--format", "json"])
            .codes()
            .contains(&"E-SECRET-IN-EVIDENCE".to_string())
    );
}

#[test]
fn bad_collectors_are_reported_where_they_are() {
    let env = store_with(
        "  - {name: empty, run: []}\n\
         \x20 - {name: zero, run: [echo], timeout: 0}\n\
         \x20 - {name: twice, run: [echo]}\n\
         \x20 - {name: twice, run: [echo, again]}\n\
         \x20 - {name: line, run: echo hello | tr a-z A-Z}\n",
    );
    let check = env.soc2(&["check", "--format", "json"]).code(1).check();
    let mut found: Vec<String> = check
        .findings
        .iter()
        .filter(|f| f.file.as_deref() == Some("controls/AC-01.yaml"))
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f.code,
                f.line.unwrap_or(0),
                f.column.unwrap_or(0),
                f.message
            )
        })
        .collect();
    found.sort();
    insta::assert_snapshot!(found.join("\n"), @"
    E-INVALID-VALUE 10:40 the collector `zero` has a timeout of zero
    E-INVALID-VALUE 12:12 two collectors of AC-01 are named `twice`
    E-INVALID-VALUE 13:23 the collector `line` gives `run` as one string
    E-INVALID-VALUE 9:24 the collector `empty` has nothing to run
    ");
    // A store with errors collects nothing.
    env.soc2(&["collect"]).code(2);

    env.write(
        "controls/AC-01.yaml",
        "id: AC-01\ntitle: t\nstatus: implemented\nfrequency: quarterly\ncollect:\n  - {name: a, run: [echo], on_failure: retry}\n",
    );
    let check = env.soc2(&["check", "--format", "json"]).code(1).check();
    let schema = check
        .findings
        .iter()
        .find(|f| f.code == "E-SCHEMA")
        .expect("an unknown on_failure is a schema error");
    assert!(
        schema.message == "field `collect[0].on_failure`: unknown value `retry`"
            && schema
                .hint
                .as_deref()
                .is_some_and(|h| h.contains("deviation")),
        "{schema:?}"
    );
}

#[test]
fn naming_controls_limits_the_run() {
    let env = store_with("  - {name: mfa-report, run: [scripts/prints.sh]}\n");
    insta::assert_snapshot!(env.soc2(&["collect", "AC-02"]).code(2).stderr, @"
    error: AC-02 has no collectors
    hint: give the control a `collect:` list of commands (see README, Collecting evidence automatically)
    ");
    insta::assert_snapshot!(env.soc2(&["collect", "NOPE-1"]).code(2).stderr, @"
    error: there is no control NOPE-1
    hint: `soc2 controls` lists them
    ");
    env.soc2(&["collect", "AC-01"]).success();
}
