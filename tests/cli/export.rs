//! `soc2 export` and `soc2 verify --package`: what the package holds, that it checks
//! with the real `sha256sum -c`, that it is the same bytes each time, that it comes
//! from the commit and not the working tree, and that bad input writes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use soc2::export::Manifest;
use soc2::export::verify::PackageVerification;

use crate::common::Env;
use crate::fixtures::{committed_small_store, evidence};

/// A path beside the repository (a package never goes inside it).
fn out(env: &Env, name: &str) -> PathBuf {
    env.repo.parent().unwrap().join(name)
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Names in `dir` (leftovers of a failed export would start with `.soc2-`).
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A store with a request provided, committed.
fn store_with_requests() -> Env {
    let env = committed_small_store();
    let list = env.outside(
        "pbc.csv",
        "ID,Request,Controls,Due\nPBC-1,MFA report for Q3,AC-01,2026-11-16\nPBC-2,Access reviews,AC-02,2026-12-04\n",
    );
    env.soc2(&["request", "import", arg(&list), "--asked-on", "2026-11-02"])
        .success();
    env.soc2(&["request", "provide", "PBC-1", "AC-01/2026-10-02-mfa-report"])
        .success();
    env
}

#[test]
fn the_package_holds_what_the_auditor_needs_and_checks_with_sha256sum() {
    let env = store_with_requests();
    let dir = out(&env, "package");
    let run = env.soc2(&["export", arg(&dir)]).success();
    insta::assert_snapshot!("export", run);
    insta::assert_snapshot!("export_files", files(&dir).join("\n"));
    insta::assert_snapshot!(
        "export_readme",
        std::fs::read_to_string(dir.join("README.txt")).unwrap()
    );
    insta::assert_snapshot!(
        "export_evidence_index",
        std::fs::read_to_string(dir.join("evidence-index.csv")).unwrap()
    );
    insta::assert_snapshot!(
        "export_population",
        std::fs::read_to_string(dir.join("populations/AC-01.csv")).unwrap()
    );
    insta::assert_snapshot!(
        "export_requests",
        std::fs::read_to_string(dir.join("requests.csv")).unwrap()
    );
    insta::assert_snapshot!(
        "export_trail",
        std::fs::read_to_string(dir.join("audit-trail.csv")).unwrap()
    );

    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.commit, env.git(&["rev-parse", "HEAD"]).trim());
    assert_eq!(manifest.tree, env.git(&["rev-parse", "HEAD^{tree}"]).trim());
    assert_eq!(manifest.counts.files, files(&dir).len());
    assert_eq!(manifest.counts.requests, 2);
    let status = env.soc2(&["status", "--format", "json"]).status();
    assert_eq!(manifest.readiness, status.overall);
    // The store's files are the commit's, byte for byte.
    for path in [
        "soc2.yaml",
        "policies/POL-SEC.md",
        "evidence/AC-01/2026-10-02-mfa-report.csv",
    ] {
        assert_eq!(
            std::fs::read(dir.join(path)).unwrap(),
            env.git(&["show", &format!("HEAD:{path}")]).into_bytes(),
            "{path}"
        );
    }

    // The real sha256sum checks every file but SHA256SUMS itself.
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), files(&dir).len() - 1);
    match Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(&dir)
        .output()
    {
        Ok(output) => assert!(
            output.status.success(),
            "sha256sum -c failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            eprintln!(
                "SKIPPED: sha256sum is not on PATH, so `sha256sum -c SHA256SUMS` was not run"
            );
        }
        Err(err) => panic!("running sha256sum: {err}"),
    }

    let verified = env
        .soc2(&["verify", "--package", arg(&dir), "--format", "json"])
        .success();
    let verified: PackageVerification = verified.parse();
    assert!(verified.ok, "{verified:#?}");
    insta::assert_snapshot!(
        "verify_package",
        env.soc2(&["verify", "--package", arg(&dir)]).success()
    );
}

#[test]
fn the_same_commit_and_day_give_the_same_bytes() {
    let env = store_with_requests();
    let (one, two) = (out(&env, "one"), out(&env, "two"));
    env.soc2(&["export", arg(&one)]).success();
    env.soc2(&["export", arg(&two)]).success();
    let listed = files(&one);
    assert_eq!(listed, files(&two));
    for path in &listed {
        assert_eq!(
            std::fs::read(one.join(path)).unwrap(),
            std::fs::read(two.join(path)).unwrap(),
            "{path} differs between two exports"
        );
    }
    let (a, b) = (out(&env, "a.zip"), out(&env, "b.zip"));
    env.soc2(&["export", arg(&a)]).success();
    // A later wall clock changes nothing: the package is dated by its commit.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.soc2(&["export", arg(&b)]).success();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let verified: PackageVerification = env
        .soc2(&["verify", "--package", arg(&a), "--format", "json"])
        .success()
        .parse();
    assert!(verified.ok, "{verified:#?}");
    assert_eq!(verified.files, listed.len());
}

#[test]
fn the_package_comes_from_the_commit_not_the_working_tree() {
    let env = committed_small_store();
    let first = env.git(&["rev-parse", "HEAD"]);
    evidence(
        &env,
        "AC-02",
        "2026-10-05-access-review",
        ("2026-07-01", "2026-09-30"),
        "2026-10-05",
    );
    env.commit_all("Q3 access review");
    // Uncommitted changes to the store are refused without --rev.
    env.write(
        "policies/POL-SEC.md",
        "# Security Policy\n\nRewritten, not committed.\n",
    );
    let run = env.soc2(&["export", arg(&out(&env, "dirty"))]).code(2);
    insta::assert_snapshot!("export_dirty", run);
    assert!(!out(&env, "dirty").exists());
    // With --rev, the commit's files are exported, never the working tree's.
    let dir = out(&env, "at-first");
    env.soc2(&["export", arg(&dir), "--rev", "HEAD~1"])
        .success();
    assert_eq!(
        std::fs::read_to_string(dir.join("policies/POL-SEC.md")).unwrap(),
        crate::fixtures::POLICY_DOC
    );
    assert!(
        !dir.join("evidence/AC-02/2026-10-05-access-review.csv")
            .exists()
    );
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.commit, first.trim());
    let verified: PackageVerification = env
        .soc2(&["verify", "--package", arg(&dir), "--format", "json"])
        .success()
        .parse();
    assert!(verified.ok, "{verified:#?}");
}

#[test]
fn bad_targets_are_refused_and_nothing_is_written() {
    let env = committed_small_store();
    let full = out(&env, "full");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("notes.txt"), "mine").unwrap();
    let zip = out(&env, "old.zip");
    std::fs::write(&zip, "old").unwrap();
    let mut text = String::new();
    for target in [
        arg(&full),
        "audit/package",
        arg(&env.path("evidence/pkg.zip")),
        arg(&zip),
        arg(&out(&env, "no/such/folder/pkg")),
    ] {
        let run = env.soc2(&["export", target]).code(2);
        text.push_str(&format!(
            "== export {}\n{}",
            target.replace(arg(env.repo.parent().unwrap()), "[TMP]"),
            run.stderr
        ));
    }
    insta::assert_snapshot!("export_refused", text);
    assert_eq!(entries(&full), ["notes.txt"]);
    assert_eq!(std::fs::read(&zip).unwrap(), b"old");
    assert!(!env.path("audit").exists());
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    // An empty folder is fine.
    let empty = out(&env, "empty");
    std::fs::create_dir_all(&empty).unwrap();
    env.soc2(&["export", arg(&empty)]).success();
    assert!(empty.join("SHA256SUMS").is_file());
}

#[test]
fn a_missing_or_changed_evidence_file_fails_the_export_and_leaves_nothing() {
    let env = committed_small_store();
    std::fs::remove_file(env.path("evidence/AC-01/2026-10-02-mfa-report.csv")).unwrap();
    env.commit_all("lose the MFA report");
    let before = entries(env.repo.parent().unwrap());
    for target in ["missing", "missing.zip"] {
        let run = env.soc2(&["export", arg(&out(&env, target))]).code(2);
        insta::assert_snapshot!("export_missing_file", run);
    }
    assert_eq!(entries(env.repo.parent().unwrap()), before);

    let env = committed_small_store();
    env.write(
        "evidence/AC-02/2026-07-01-access-review.csv",
        "edited after it was recorded\n",
    );
    env.commit_all("edit the access review");
    let before = entries(env.repo.parent().unwrap());
    for target in ["changed", "changed.zip"] {
        let run = env.soc2(&["export", arg(&out(&env, target))]).code(2);
        assert!(
            run.stderr.contains(
                "evidence/AC-02/2026-07-01-access-review.csv has changed since it was recorded"
            ),
            "{run}"
        );
    }
    assert_eq!(entries(env.repo.parent().unwrap()), before);
}

#[test]
fn verify_finds_a_package_that_changed() {
    let env = store_with_requests();
    let dir = out(&env, "package");
    env.soc2(&["export", arg(&dir)]).success();
    // An edited file.
    std::fs::write(dir.join("control-matrix.csv"), "control\nAC-01\n").unwrap();
    // A file slipped in.
    std::fs::write(dir.join("evidence/AC-01/extra.csv"), "x\n").unwrap();
    // An evidence file replaced, and SHA256SUMS edited to match: only the repository
    // tells.
    let forged = b"a forged report\n";
    std::fs::write(dir.join("evidence/AC-01/2026-10-02-mfa-report.csv"), forged).unwrap();
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    let original = soc2::model::Sha256Hex::of(b"report for AC-01 2026-10-02-mfa-report\n");
    let sums = sums.replace(&original.0, &soc2::model::Sha256Hex::of(forged).0);
    std::fs::write(dir.join("SHA256SUMS"), sums).unwrap();
    let run = env.soc2(&["verify", "--package", arg(&dir)]).code(1);
    insta::assert_snapshot!("verify_package_changed", run);
    // Outside the repository only the package's own sums are checked.
    let outside = Env::bare();
    let run = outside
        .soc2(&["verify", "--package", arg(&dir), "--format", "json"])
        .code(1);
    let result: PackageVerification = run.parse();
    assert_eq!(result.problems.len(), 3, "{result:#?}");
}

#[test]
fn linked_files_travel_under_linked() {
    let env = committed_small_store();
    env.write(
        "docs/runbook.md",
        "# Runbook\n\nWhat to do when MFA fails.\n",
    );
    env.commit_all("runbook");
    env.soc2(&[
        "evidence",
        "add",
        "AC-01",
        "docs/runbook.md",
        "--link",
        "--kind",
        "document",
    ])
    .success();
    let zip = out(&env, "linked.zip");
    env.soc2(&["export", arg(&zip)]).success();
    let dir = out(&env, "linked");
    env.soc2(&["export", arg(&dir)]).success();
    assert_eq!(
        std::fs::read_to_string(dir.join("linked/docs/runbook.md")).unwrap(),
        "# Runbook\n\nWhat to do when MFA fails.\n"
    );
    assert!(
        std::fs::read_to_string(dir.join("evidence-index.csv"))
            .unwrap()
            .contains(",linked/docs/runbook.md,")
    );
    for package in [&zip, &dir] {
        let verified: PackageVerification = env
            .soc2(&["verify", "--package", arg(package), "--format", "json"])
            .success()
            .parse();
        assert!(verified.ok, "{verified:#?}");
    }
}
