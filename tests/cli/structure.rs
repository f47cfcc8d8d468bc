//! The structure the README promises, checked on every `cargo test`: each dependency
//! and each kind of side effect stays in its one module, so the code cannot drift.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every Rust file under src/, as (path relative to src/, code without comments and
/// without its unit tests, which sit at the end of a file or in a `tests.rs`).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(Path::new(SRC), &mut files);
    files.sort();
    files
        .into_iter()
        .filter(|path| !path.ends_with("tests.rs"))
        .map(|path| {
            let relative = path
                .strip_prefix(SRC)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap();
            let code: String = text
                .lines()
                .take_while(|l| l.trim() != "#[cfg(test)]")
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| format!("{l}\n"))
                .collect();
            (relative, code)
        })
        .collect()
}

/// The files that use `needle` but are not under one of `allowed` (prefixes of paths
/// relative to src/).
fn offenders(needle: &str, allowed: &[&str]) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(path, code)| {
            code.contains(needle) && !allowed.iter().any(|a| path.starts_with(a))
        })
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn printing_goes_through_the_binarys_output_module() {
    for needle in ["println!", "eprintln!", "print!(", "eprint!(", "dbg!("] {
        assert_eq!(
            offenders(needle, &["commands/output.rs"]),
            Vec::<String>::new(),
            "`{needle}` outside src/commands/output.rs: library code returns data, renderers return text"
        );
    }
}

#[test]
fn only_store_and_git_touch_the_file_system() {
    for needle in [
        "std::fs",
        "fs::read",
        "fs::write",
        "File::open",
        "tempfile::",
    ] {
        assert_eq!(
            offenders(needle, &["store/", "git/"]),
            Vec::<String>::new(),
            "`{needle}` outside src/store/ and src/git/: the store is the only module that reads or writes its files, git reads its own"
        );
    }
}

#[test]
fn only_store_and_git_look_at_paths() {
    // git reads its own files (the index lock); everything else asks the store.
    for needle in [
        ".is_file()",
        ".is_dir()",
        ".exists()",
        "read_dir",
        "canonicalize",
        "symlink_metadata",
    ] {
        assert_eq!(
            offenders(needle, &["store/", "git/"]),
            Vec::<String>::new(),
            "`{needle}` outside src/store/ and src/git/"
        );
    }
}

#[test]
fn only_git_uses_git2() {
    assert_eq!(offenders("git2::", &["git/"]), Vec::<String>::new());
}

#[test]
fn only_store_uses_serde_yaml() {
    // serde_yaml is archived upstream: a maintained fork must replace it in one place.
    assert_eq!(offenders("serde_yaml", &["store/"]), Vec::<String>::new());
}

#[test]
fn only_the_binary_uses_clap() {
    assert_eq!(
        offenders("clap::", &["main.rs", "commands/"]),
        Vec::<String>::new()
    );
}

#[test]
fn only_report_builds_tables() {
    assert_eq!(offenders("comfy_table", &["report/"]), Vec::<String>::new());
    assert_eq!(offenders("table(&[", &["report/"]), Vec::<String>::new());
}

#[test]
fn the_readiness_core_is_pure() {
    // No file, git, clock or environment access: the store and a date in, data out.
    for (path, code) in sources()
        .iter()
        .filter(|(p, _)| p.starts_with("readiness/"))
    {
        for needle in [
            "crate::store",
            "crate::git",
            "crate::report",
            "crate::history",
            "std::env",
            "::now(",
        ] {
            assert!(!code.contains(needle), "{path} uses `{needle}`");
        }
    }
}

#[test]
fn each_finding_code_is_raised_in_one_module() {
    let mut homes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, code) in sources() {
        let mut rest = code.as_str();
        while let Some(at) = rest.find("Finding::new(") {
            rest = &rest[at + "Finding::new(".len()..];
            let args = rest.trim_start();
            if let Some(name) = args.strip_prefix("Code::") {
                let name: String = name.chars().take_while(|c| c.is_alphanumeric()).collect();
                let files = homes.entry(name).or_default();
                if !files.contains(&path) {
                    files.push(path.clone());
                }
            }
        }
    }
    assert!(homes.len() > 10, "the scan found the codes: {homes:?}");
    let shared: BTreeMap<&String, &Vec<String>> =
        homes.iter().filter(|(_, files)| files.len() > 1).collect();
    assert!(
        shared.is_empty(),
        "codes raised in more than one module: {shared:?}"
    );
}
