//! The benchmark store generator (examples/gen-store.rs): what it writes is a valid,
//! committed store, and the same seed always writes the same history.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Env;

/// cargo builds the examples with the test binaries, beside the soc2 binary.
fn generator() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_soc2"))
        .with_file_name("examples")
        .join(format!("gen-store{}", std::env::consts::EXE_SUFFIX))
}

fn generate(dir: &Path, seed: &str) {
    let output = Command::new(generator())
        .args(["--controls", "12", "--policies", "3", "--evidence", "200"])
        .args(["--commits", "30", "--seed", seed])
        .arg(dir)
        .output()
        .expect("running gen-store, which a plain `cargo test` builds");
    assert!(
        output.status.success(),
        "gen-store failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn generated_stores_are_valid_committed_and_reproducible() {
    let env = Env::new();
    let root = env.repo.parent().unwrap();
    let (a, b, c) = (root.join("a"), root.join("b"), root.join("c"));
    generate(&a, "7");
    generate(&b, "7");
    generate(&c, "8");
    let dir = a.to_str().unwrap();
    let head = |dir: &Path| env.git(&["-C", dir.to_str().unwrap(), "rev-parse", "HEAD"]);
    assert_eq!(head(&a), head(&b));
    assert_ne!(head(&a), head(&c));
    assert_eq!(env.git(&["-C", dir, "rev-list", "--count", "HEAD"]), "30\n");
    assert_eq!(env.git(&["-C", dir, "status", "--porcelain"]), "");
    env.git(&["-C", dir, "fsck", "--no-progress"]);

    let check = env
        .soc2(&["--repo", dir, "check", "--format", "json"])
        .check();
    assert_eq!(check.summary.errors, 0, "{check:#?}");
    let verify: soc2::audit::Verification = env
        .soc2(&["--repo", dir, "verify", "--format", "json"])
        .parse();
    assert!(verify.ok, "{verify:#?}");
    assert_eq!(verify.records, 200);
    let status = env
        .soc2(&["--repo", dir, "status", "--format", "json"])
        .status();
    let overall = status.overall.readiness;
    assert!(overall > 0.0 && overall < 100.0, "{overall}");
}
