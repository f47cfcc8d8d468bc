//! `soc2 verify --package`: a package checked against its own `SHA256SUMS` and
//! manifest, and, inside the repository, against the commit it names: the files copied
//! from the store must be the commit's, and every file soc2 made is made again from
//! the commit and the day and compared.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{FORMAT, MANIFEST_FILE, Manifest, Package, SUMS_FILE, is_store_file, parse_sums};

/// A package as read back: each file's sha256, and the two files verification reads.
pub struct Opened {
    pub hashes: BTreeMap<String, String>,
    pub sums: Option<Vec<u8>>,
    pub manifest: Option<Vec<u8>>,
}

/// One thing wrong with a package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The file concerned, if one is.
    pub file: Option<String>,
    pub message: String,
}

/// How the package compares with the repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "compared")]
pub enum AgainstRepository {
    /// Run outside a repository, or the manifest could not be read.
    NotCompared { why: String },
    /// The commit is not in this repository.
    CommitMissing { commit: String },
    Compared {
        commit: String,
        /// Files copied from the store, compared with the commit's tree.
        store_files: usize,
        /// Files soc2 made, made again and compared (only when this is the version of
        /// soc2 that made the package).
        generated_files: usize,
        /// Why generated files were not compared, when they were not.
        #[serde(skip_serializing_if = "Option::is_none")]
        generated_skipped: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageVerification {
    pub ok: bool,
    pub package: String,
    pub files: usize,
    pub commit: Option<String>,
    pub generated_for: Option<String>,
    pub repository: AgainstRepository,
    pub problems: Vec<Problem>,
}

fn problem(file: Option<&str>, message: String) -> Problem {
    Problem {
        file: file.map(str::to_string),
        message,
    }
}

/// Checks the package against its own SHA256SUMS and manifest; returns the
/// verification so far and the manifest, when it reads.
pub fn check_self(name: &str, opened: &Opened) -> (PackageVerification, Option<Manifest>) {
    let mut problems = Vec::new();
    match &opened.sums {
        None => problems.push(problem(
            Some(SUMS_FILE),
            format!("{SUMS_FILE} is missing: nothing says what the files should be"),
        )),
        Some(bytes) => match std::str::from_utf8(bytes)
            .map_err(|_| String::new())
            .and_then(parse_sums)
        {
            Err(line) => problems.push(problem(
                Some(SUMS_FILE),
                format!("{SUMS_FILE} does not read: `{line}` is not `<sha256>  <path>`"),
            )),
            Ok(lines) => {
                let listed: BTreeMap<&str, &str> = lines
                    .iter()
                    .map(|(p, h)| (p.as_str(), h.as_str()))
                    .collect();
                for (path, expected) in &listed {
                    match opened.hashes.get(*path) {
                        None => problems.push(problem(
                            Some(path),
                            format!("{path} is listed in {SUMS_FILE} but missing"),
                        )),
                        Some(actual) if actual != expected => problems.push(problem(
                            Some(path),
                            format!(
                                "{path} changed: {SUMS_FILE} says sha256 {}, the file is {}",
                                &expected[..12],
                                &actual[..12.min(actual.len())]
                            ),
                        )),
                        Some(_) => {}
                    }
                }
                for path in opened.hashes.keys() {
                    if path != SUMS_FILE && !listed.contains_key(path.as_str()) {
                        problems.push(problem(
                            Some(path),
                            format!("{path} is not listed in {SUMS_FILE}: it was added after the package was made"),
                        ));
                    }
                }
            }
        },
    }
    let manifest = match &opened.manifest {
        None => {
            problems.push(problem(
                Some(MANIFEST_FILE),
                format!("{MANIFEST_FILE} is missing"),
            ));
            None
        }
        Some(bytes) => match serde_json::from_slice::<Manifest>(bytes) {
            Ok(m) if m.format == FORMAT => Some(m),
            Ok(m) => {
                problems.push(problem(
                    Some(MANIFEST_FILE),
                    format!("{MANIFEST_FILE} is of format `{}`, not {FORMAT}", m.format),
                ));
                None
            }
            Err(err) => {
                problems.push(problem(
                    Some(MANIFEST_FILE),
                    format!("{MANIFEST_FILE} does not read: {err}"),
                ));
                None
            }
        },
    };
    if let Some(m) = &manifest
        && m.counts.files != opened.hashes.len()
    {
        problems.push(problem(
            None,
            format!(
                "the package holds {} files; its manifest says {}",
                opened.hashes.len(),
                m.counts.files
            ),
        ));
    }
    let verification = PackageVerification {
        ok: problems.is_empty(),
        package: name.to_string(),
        files: opened.hashes.len(),
        commit: manifest.as_ref().map(|m| m.commit.clone()),
        generated_for: manifest.as_ref().map(|m| m.generated_for.to_string()),
        repository: AgainstRepository::NotCompared {
            why: "not run inside the repository".to_string(),
        },
        problems,
    };
    (verification, manifest)
}

/// Compares the package with `rebuilt`, the package made again from its commit and
/// day. Generated files are compared only when `same_tool` (this version of soc2 made
/// the package); the store's files always are.
pub fn compare(
    verification: &mut PackageVerification,
    opened: &Opened,
    rebuilt: &Package,
    same_tool: bool,
    made_by: &str,
) {
    let (mut store_files, mut generated_files) = (0, 0);
    for (path, content) in &rebuilt.files {
        let store_file = is_store_file(path);
        if !store_file && !same_tool {
            continue;
        }
        let expected = content.sha256().0;
        match opened.hashes.get(path) {
            None => verification.problems.push(problem(
                Some(path),
                format!("{path} is in the commit but not in the package"),
            )),
            Some(actual) if *actual != expected => verification.problems.push(problem(
                Some(path),
                if store_file {
                    format!("{path} differs from the commit's")
                } else {
                    format!("{path} differs from the one made again from the commit")
                },
            )),
            Some(_) => {}
        }
        if store_file {
            store_files += 1;
        } else {
            generated_files += 1;
        }
    }
    for path in opened.hashes.keys() {
        let considered = is_store_file(path) || same_tool;
        if considered && !rebuilt.files.contains_key(path) {
            verification.problems.push(problem(
                Some(path),
                format!("{path} is in the package but not in the commit"),
            ));
        }
    }
    verification.repository = AgainstRepository::Compared {
        commit: rebuilt.manifest.commit.clone(),
        store_files,
        generated_files,
        generated_skipped: (!same_tool).then(|| {
            format!(
                "the package was made by {made_by}; this is soc2 {}",
                env!("CARGO_PKG_VERSION")
            )
        }),
    };
    verification.problems.sort_by(|a, b| a.file.cmp(&b.file));
    verification.ok = verification.problems.is_empty();
}
