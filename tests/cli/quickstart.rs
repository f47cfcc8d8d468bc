//! README's quick start, run as a new user would: its code blocks in order, Alice's
//! then Bob's (in his own clone, with his own identity) then Alice's again, against a
//! shared remote standing in for the team's. It must end with a control ready.

use std::path::Path;

use crate::common::Env;

const README: &str = include_str!("../../README.md");

/// The `sh` blocks of README's "Quick start" section, in order.
fn quick_start_blocks() -> Vec<String> {
    let section = README
        .split("\n## Quick start\n")
        .nth(1)
        .expect("README has a Quick start section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(start) = rest.find("```sh\n") {
        let body = &rest[start + 6..];
        let end = body.find("```").expect("a closed code block");
        blocks.push(body[..end].to_string());
        rest = &body[end + 3..];
    }
    blocks
}

/// Runs a block with `sh -e` in `dir`, as the person named, soc2 on the PATH.
fn run_block(env: &Env, dir: &Path, block: &str, (name, email): (&str, &str)) -> String {
    let soc2 = Path::new(env!("CARGO_BIN_EXE_soc2"));
    let path = format!(
        "{}:{}",
        soc2.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = env
        .command("sh")
        .args(["-e", "-x", "-c", block])
        .current_dir(dir)
        .env("PATH", path)
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_COMMITTER_NAME", name)
        .env("GIT_COMMITTER_EMAIL", email)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "README's quick start stopped, as {name}:\n{text}"
    );
    text
}

#[test]
fn the_quick_start_ends_with_a_control_ready() {
    let blocks = quick_start_blocks();
    assert_eq!(blocks.len(), 3, "Alice's, Bob's, Alice's: {blocks:#?}");
    let env = Env::bare();
    std::fs::write(
        env.home.join(".gitconfig"),
        "[init]\n\tdefaultBranch = main\n[push]\n\tautoSetupRemote = true\n",
    )
    .unwrap();
    let downloads = env.home.join("Downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    std::fs::write(
        downloads.join("access-review.csv"),
        "user,reviewer,decision\nbob,alice,keep\nmallory,alice,revoke\n",
    )
    .unwrap();
    let work = env.repo.clone();
    let alice = ("Alice", "alice@example.com");
    let bob = ("Bob", "bob@example.com");

    // The team's remote, which the README's `git push` assumes.
    let origin = work.join("origin.git");
    env.git(&["init", "--quiet", "--bare", origin.to_str().unwrap()]);
    let (first, setup) = blocks[0]
        .split_once("git push")
        .expect("Alice's block ends by pushing");
    run_block(&env, &work, first, alice);
    let store = work.join("acme-compliance");
    env.git(&[
        "-C",
        store.to_str().unwrap(),
        "remote",
        "add",
        "origin",
        origin.to_str().unwrap(),
    ]);
    run_block(&env, &store, &format!("git push{setup}"), alice);

    let bobs = work.join("bob");
    env.git(&[
        "clone",
        "--quiet",
        origin.to_str().unwrap(),
        bobs.to_str().unwrap(),
    ]);
    run_block(&env, &bobs, &blocks[1], bob);

    let last = run_block(&env, &store, &blocks[2], alice);
    assert!(last.contains("check passed"), "{last}");

    let status = env
        .soc2(&[
            "--repo",
            store.to_str().unwrap(),
            "status",
            "--format",
            "json",
        ])
        .status();
    assert!(
        status.controls.ready >= 1,
        "a control is ready: {status:#?}"
    );
    assert!(!status.not_ready.iter().any(|c| c.id == "AC-03"));
}
