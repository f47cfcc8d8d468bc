//! Credentials kept out of evidence: `evidence add` and `evidence run` refuse, redact
//! or allow them; `check` finds those committed by hand.

use soc2::model::Evidence;

use crate::fixtures::{committed_small_store, fake_token};

#[test]
fn add_refuses_a_file_with_a_secret_and_writes_nothing() {
    let env = committed_small_store();
    let file = env.outside(
        "deploy.log",
        format!("deploying\nGITHUB_TOKEN={}\n", fake_token()),
    );
    let head = env.git(&["rev-parse", "HEAD"]);
    let run = env
        .soc2(&["evidence", "add", "AC-01", file.to_str().unwrap()])
        .code(2);
    assert!(!run.stderr.contains(&fake_token()), "{run}");
    assert!(
        run.stderr.contains("evidence/AC-01/2026-11-22-deploy.log:2:14: a GitHub token (github-token): GITHUB_TOKEN=ghp_********"),
        "{run}"
    );
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(env.git(&["status", "--porcelain"]), "");

    env.soc2(&[
        "evidence",
        "add",
        "AC-01",
        file.to_str().unwrap(),
        "--redact",
    ])
    .success();
    assert_eq!(
        env.read("evidence/AC-01/2026-11-22-deploy.log"),
        "deploying\nGITHUB_TOKEN=[REDACTED:github-token]\n"
    );
    let record: Evidence =
        soc2::store::from_yaml(&env.read("evidence/AC-01/2026-11-22-deploy.yaml")).unwrap();
    assert_eq!(record.secrets.unwrap().redacted, ["github-token"]);
    env.soc2(&["verify"]).success();

    env.soc2(&[
        "evidence",
        "add",
        "AC-01",
        file.to_str().unwrap(),
        "--allow-secret",
        "github-token",
    ])
    .success();
    let unknown = env
        .soc2(&[
            "evidence",
            "add",
            "AC-01",
            file.to_str().unwrap(),
            "--allow-secret",
            "tokens",
        ])
        .code(2);
    assert!(
        unknown.stderr.contains("unknown secret rule `tokens`"),
        "{unknown}"
    );
}

#[test]
fn run_refuses_output_with_a_secret() {
    let env = committed_small_store();
    let script = env.outside(
        "leak.sh",
        format!("echo 'Authorization: token {}'\n", fake_token()),
    );
    let script = script.to_str().unwrap();
    let run = env
        .soc2(&["evidence", "run", "IR-01", "--", "sh", script])
        .code(2);
    assert!(
        run.stderr
            .contains("2026-11-22-sh.stdout.txt:1:22: a GitHub token"),
        "{run}"
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    // A secret in the command line itself cannot be redacted from the record.
    let inline = format!("echo {}", fake_token());
    let run = env
        .soc2(&[
            "evidence", "run", "IR-01", "--redact", "--", "sh", "-c", &inline,
        ])
        .code(2);
    assert!(run.stderr.contains("2026-11-22-sh.yaml"), "{run}");
    env.soc2(&["evidence", "run", "IR-01", "--redact", "--", "sh", script])
        .success();
    assert_eq!(
        env.read("evidence/IR-01/2026-11-22-sh.stdout.txt"),
        "Authorization: token [REDACTED:github-token]\n"
    );
}

#[test]
fn check_finds_a_secret_committed_by_hand() {
    let env = committed_small_store();
    let content = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    env.write("evidence/AC-01/key.txt", content);
    env.write(
        "evidence/AC-01/2026-11-20-key.yaml",
        format!(
            "control: AC-01\ncollected_at: 2026-11-20\nkind: export\nfiles:\n  - path: key.txt\n    sha256: {}\n",
            soc2::model::Sha256Hex::of(content.as_bytes())
        ),
    );
    env.commit_all("by hand");
    let run = env.soc2(&["check"]).code(1);
    assert!(!run.stdout.contains("b3BlbnNzaC1rZXktdjEAAAAA"), "{run}");
    let finding = env
        .soc2(&["check", "--format", "json"])
        .check()
        .findings
        .into_iter()
        .find(|f| f.code == "E-SECRET-IN-EVIDENCE")
        .expect("the key is found");
    assert_eq!(finding.file.as_deref(), Some("evidence/AC-01/key.txt"));
    assert_eq!((finding.line, finding.column), (Some(1), Some(1)));
    assert_eq!(
        finding.message,
        "evidence/AC-01/key.txt holds a private key block (private-key)"
    );
    env.soc2(&["check", "--explain", "E-SECRET-IN-EVIDENCE"])
        .success();
}
