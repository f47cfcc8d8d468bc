//! The promise of every changing command: one commit, holding only the paths the
//! command wrote, with trailers; and nothing written when git cannot take the commit.

use crate::common::Env;
use crate::fixtures::small_store;

fn store() -> Env {
    let env = Env::new();
    small_store(&env);
    env.write("README.md", "# Compliance\n");
    env.commit_all("fixture");
    env
}

#[test]
fn only_the_written_paths_are_committed() {
    let env = store();
    env.write("notes.txt", "my own staged work\n");
    env.git(&["add", "notes.txt"]);
    env.write("README.md", "# Compliance\n\nunstaged edit\n");
    let report = env.outside("mfa-report.csv", "user,mfa\nalice,yes\n");

    env.soc2(&[
        "evidence",
        "add",
        "AC-01",
        report.to_str().unwrap(),
        "-m",
        "MFA report",
    ])
    .success();

    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: evidence add AC-01

    Record AC-01/2026-11-22-mfa-report (1 file) as evidence for AC-01

    Soc2-Action: evidence-add
    Soc2-Object: AC-01


     evidence/AC-01/2026-11-22-mfa-report.csv  | 2 ++
     evidence/AC-01/2026-11-22-mfa-report.yaml | 8 ++++++++
     2 files changed, 10 insertions(+)
    ");
    // The user's staged change is still staged and not committed; the edit untouched.
    assert_eq!(
        env.git(&["status", "--porcelain"]),
        " M README.md\nA  notes.txt\n"
    );
    assert_eq!(env.read("README.md"), "# Compliance\n\nunstaged edit\n");
    assert!(
        env.git(&["show", "HEAD", "--name-only", "--format="])
            .lines()
            .all(|l| l.starts_with("evidence/"))
    );
    env.git(&["fsck", "--strict"]);
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]), "2\n");
}

#[test]
fn works_in_a_repository_with_no_commits() {
    let env = Env::new();
    small_store(&env);
    env.soc2(&[
        "control",
        "add",
        "HR-01",
        "--title",
        "Background checks",
        "--frequency",
        "per-event",
    ])
    .success();
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]), "1\n");
    assert_eq!(
        env.git(&["show", "HEAD", "--name-only", "--format="]),
        "controls/HR-01.yaml\n"
    );
    // The rest of the store is still the user's to commit.
    assert!(
        env.git(&["status", "--porcelain"])
            .contains("?? controls/AC-01.yaml")
    );
    env.git(&["fsck", "--strict"]);
}

/// Runs `evidence add` expecting a refusal, and checks nothing changed.
fn refused(env: &Env) -> String {
    let head = env.git(&["rev-parse", "HEAD"]);
    let status = env.git(&["status", "--porcelain", "--ignored"]);
    let report = env.outside("r.csv", "x\n");
    let run = env
        .soc2_with(
            &["evidence", "add", "AC-01", report.to_str().unwrap()],
            &[("SOC2_LOCK_TIMEOUT", "0.2")],
        )
        .code(2);
    assert_eq!(env.git(&["rev-parse", "HEAD"]), head, "no commit");
    assert_eq!(
        env.git(&["status", "--porcelain", "--ignored"]),
        status,
        "nothing written"
    );
    run.to_string()
}

#[test]
fn refuses_a_detached_head() {
    let env = store();
    env.git(&["checkout", "--quiet", "--detach"]);
    insta::assert_snapshot!(refused(&env));
}

#[test]
fn refuses_a_merge_in_progress() {
    let env = store();
    env.git(&["checkout", "--quiet", "-b", "other"]);
    env.write("README.md", "# Theirs\n");
    env.commit_all("theirs");
    env.git(&["checkout", "--quiet", "main"]);
    env.write("README.md", "# Ours\n");
    env.commit_all("ours");
    assert!(
        !env.git_status_of(&["merge", "other"]),
        "the merge conflicts"
    );
    insta::assert_snapshot!(refused(&env));
}

#[test]
fn refuses_a_rebase_in_progress() {
    let env = store();
    std::fs::create_dir_all(env.path(".git/rebase-merge")).unwrap();
    std::fs::write(env.path(".git/rebase-merge/head-name"), "refs/heads/main\n").unwrap();
    insta::assert_snapshot!(refused(&env));
}

#[test]
fn refuses_a_locked_index() {
    let env = store();
    std::fs::write(env.path(".git/index.lock"), "").unwrap();
    insta::assert_snapshot!(refused(&env));
}

#[test]
fn refuses_without_a_git_identity() {
    let env = store();
    std::fs::remove_file(env.home.join(".gitconfig")).unwrap();
    insta::assert_snapshot!(refused(&env));
}

#[test]
fn the_identity_can_come_from_the_environment() {
    let env = store();
    std::fs::remove_file(env.home.join(".gitconfig")).unwrap();
    let report = env.outside("r.csv", "x\n");
    env.soc2_with(
        &["evidence", "add", "AC-01", report.to_str().unwrap()],
        &[
            ("GIT_AUTHOR_NAME", "Erin Env"),
            ("GIT_AUTHOR_EMAIL", "erin@example.com"),
            ("GIT_COMMITTER_NAME", "CI"),
            ("GIT_COMMITTER_EMAIL", "ci@example.com"),
        ],
    )
    .success();
    assert_eq!(
        env.git(&["log", "-1", "--format=%an <%ae> / %cn <%ce>"]),
        "Erin Env <erin@example.com> / CI <ci@example.com>\n"
    );
}

#[test]
fn refuses_to_commit_over_uncommitted_changes_to_the_same_file() {
    let env = store();
    env.write(
        "controls/BC-01.yaml",
        format!("{}# my unfinished note\n", env.read("controls/BC-01.yaml")),
    );
    let before = env.read("controls/BC-01.yaml");
    let run = env
        .soc2(&["control", "set", "BC-01", "--status", "implemented"])
        .code(2);
    insta::assert_snapshot!(run);
    assert_eq!(env.read("controls/BC-01.yaml"), before);
}

#[test]
fn refuses_a_sha256_repository_clearly() {
    let env = Env::bare();
    std::fs::write(
        env.home.join(".gitconfig"),
        "[user]\n\tname = Test User\n\temail = test@example.com\n",
    )
    .unwrap();
    env.git(&["init", "--quiet", "--object-format=sha256"]);
    env.write("soc2.yaml", "organisation: X\n");
    let run = env.soc2(&["status"]).code(2);
    assert!(
        run.stderr
            .contains("uses SHA-256 object ids, which soc2 cannot read yet"),
        "{run}"
    );
    let run = env.soc2(&[
        "control",
        "add",
        "AC-01",
        "--title",
        "t",
        "--frequency",
        "daily",
    ]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("SHA-256"), "{run}");
}

/// An ed25519 key made for the test, with git told to sign with it; `None`, with a note,
/// where ssh-keygen is missing.
fn signing_key(env: &Env) -> Option<()> {
    let key = env.home.join("signing-key");
    let made = std::process::Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "test@example.com",
            "-f",
        ])
        .arg(&key)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: ssh-keygen is not installed, so no SSH signing key can be made");
        return None;
    }
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let allowed = env.home.join("allowed-signers");
    std::fs::write(
        &allowed,
        format!("test@example.com namespaces=\"git\" {public}"),
    )
    .unwrap();
    env.git(&["config", "gpg.format", "ssh"]);
    env.git(&["config", "user.signingkey", key.to_str().unwrap()]);
    env.git(&[
        "config",
        "gpg.ssh.allowedSignersFile",
        allowed.to_str().unwrap(),
    ]);
    env.git(&["config", "commit.gpgsign", "true"]);
    Some(())
}

#[test]
fn commits_are_signed_when_git_signs_them() {
    let env = store();
    let Some(()) = signing_key(&env) else {
        return;
    };
    let report = env.outside("r.csv", "x\n");
    env.soc2(&["evidence", "add", "AC-01", report.to_str().unwrap()])
        .success();
    let raw = env.git(&["cat-file", "commit", "HEAD"]);
    assert!(
        raw.contains("\ngpgsig -----BEGIN SSH SIGNATURE-----\n"),
        "{raw}"
    );
    // git itself checks the signature against the allowed signers.
    env.git(&["verify-commit", "HEAD"]);
    assert!(env.show("HEAD").contains("Soc2-Action: evidence-add"));
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_signing_failure_changes_nothing() {
    let env = store();
    env.git(&["config", "commit.gpgsign", "true"]);
    env.git(&["config", "gpg.program", "false"]);
    insta::assert_snapshot!(refused(&env));
}
