//! Evidence kept outside git's objects: files linked by a URI, and Git LFS pointers.

use soc2::audit::Verification;
use soc2::model::{Evidence, LfsPointer, Sha256Hex};

use crate::fixtures::committed_small_store;

#[test]
fn a_link_needs_a_valid_hash() {
    let env = committed_small_store();
    let runs = [
        env.soc2(&[
            "evidence",
            "add",
            "AC-01",
            "--link",
            "s3://audit/q3-export.csv",
        ]),
        env.soc2(&[
            "evidence",
            "add",
            "AC-01",
            "--link",
            "s3://audit/q3.csv",
            "--sha256",
            "abc123",
        ]),
        env.soc2(&["evidence", "add", "AC-01", "--sha256", &"a".repeat(64)]),
    ];
    insta::assert_snapshot!(runs.map(|r| r.code(2).stderr).join("\n"), @"
    error: --link s3://audit/q3-export.csv needs --sha256: a linked file is recorded by the hash of its content
    hint: compute it where the file is (`sha256sum FILE`, or the object store's checksum) and pass `--sha256 HEX --size BYTES`

    error: invalid value 'abc123' for '--sha256 <HEX>': `abc123` is not a sha256: expected 64 hexadecimal characters

    For more information, try '--help'.

    error: --sha256 and --size describe a file linked by a URI
    hint: pass `--link URI` with them (s3://..., https://..., file:///...), or drop them: soc2 hashes the files it copies
    ");
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn linked_files_are_checked_only_when_fetched() {
    let env = committed_small_store();
    let outside = env.outside("big-export.csv", "user,mfa\nalice,yes\n");
    let sha = Sha256Hex::of(b"user,mfa\nalice,yes\n").0;
    let uri = format!("file://{}", outside.display());
    env.soc2(&[
        "evidence", "add", "AC-01", "--link", &uri, "--sha256", &sha, "--size", "19",
    ])
    .success();
    env.soc2(&[
        "evidence",
        "add",
        "AC-01",
        "--link",
        "s3://audit/q3.pdf",
        "--sha256",
        &sha,
        "--size",
        "19",
    ])
    .success();
    let record: Evidence =
        soc2::store::from_yaml(&env.read("evidence/AC-01/2026-11-22-q3.yaml")).unwrap();
    assert_eq!(record.files[0].link.as_deref(), Some("s3://audit/q3.pdf"));
    assert_eq!(record.files[0].size, Some(19));
    env.soc2(&["check"]).success();

    let plain: Verification = env.soc2(&["verify", "--format", "json"]).success().parse();
    assert_eq!(plain.not_checked.len(), 2);
    assert!(plain.not_checked[0].reason.contains("--fetch-links"));

    let fetched: Verification = env
        .soc2(&["verify", "--fetch-links", "--format", "json"])
        .success()
        .parse();
    assert_eq!(fetched.elsewhere_checked, 1);
    assert_eq!(fetched.not_checked.len(), 1, "no command fetches s3://");
    assert!(
        fetched.not_checked[0]
            .reason
            .contains("no command fetches `s3://` links")
    );

    // A fetch command configured in soc2.yaml; then the file changes where it is kept.
    let program = env.read("soc2.yaml");
    env.write(
        "soc2.yaml",
        format!(
            "{program}links:\n  fetch:\n    s3: [cat, {}]\n",
            outside.display()
        ),
    );
    env.commit_all("fetch s3 links with cat");
    let fetched: Verification = env
        .soc2(&["verify", "--fetch-links", "--format", "json"])
        .success()
        .parse();
    assert_eq!(
        (fetched.elsewhere_checked, fetched.not_checked.len()),
        (2, 0)
    );
    std::fs::write(&outside, "tampered\n").unwrap();
    let run = env.soc2(&["verify", "--fetch-links"]).code(1);
    assert!(run.stdout.contains("has changed: sha256"), "{run}");
}

#[test]
fn git_lfs_files_are_recorded_by_their_content() {
    let env = committed_small_store();
    env.write(
        ".gitattributes",
        "evidence/**/*.mp4 filter=lfs diff=lfs merge=lfs -text\n",
    );
    env.commit_all("LFS for recordings");
    let content = b"a screen recording, in real life large".repeat(100);
    let recording = env.outside("walkthrough.mp4", &content);
    env.soc2(&["evidence", "add", "AC-01", recording.to_str().unwrap()])
        .success();
    let path = "evidence/AC-01/2026-11-22-walkthrough.mp4";
    // git holds the pointer; the working tree and the LFS store hold the content.
    let blob = env.git(&["cat-file", "-p", &format!("HEAD:{path}")]);
    let pointer = LfsPointer::parse(blob.as_bytes()).expect("git holds an LFS pointer");
    assert_eq!(pointer, LfsPointer::of(&content));
    let record: Evidence =
        soc2::store::from_yaml(&env.read("evidence/AC-01/2026-11-22-walkthrough.yaml")).unwrap();
    assert_eq!(record.files[0].sha256, pointer.oid);
    assert_eq!(record.files[0].size, Some(content.len() as u64));
    env.soc2(&["check"]).success();
    // Read from the commit, the file is its pointer: it counts by its oid, and the
    // object present locally is checked.
    let at_head: Verification = env
        .soc2(&["verify", "--rev", "HEAD", "--format", "json"])
        .success()
        .parse();
    assert_eq!(
        (at_head.elsewhere_checked, at_head.not_checked.len()),
        (1, 0)
    );
    env.soc2(&["status", "--rev", "HEAD"]).success();
    // Without the object (a clone that did not fetch it), it is listed as not fetched.
    std::fs::remove_dir_all(env.path(".git/lfs")).unwrap();
    let unfetched: Verification = env
        .soc2(&["verify", "--rev", "HEAD", "--format", "json"])
        .success()
        .parse();
    assert_eq!(unfetched.not_checked.len(), 1);
    assert!(
        unfetched.not_checked[0]
            .reason
            .starts_with("Git LFS object not fetched")
    );
}
