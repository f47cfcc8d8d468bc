//! The store: loading the YAML tree (from the working tree or a git revision) and
//! writing files back. The only module that reads or writes the store's files.

pub mod edit;
pub mod integrity;
mod load;
pub mod locate;
pub mod render;
mod source;
mod write;
mod yaml;

use std::collections::{BTreeMap, BTreeSet};

pub use load::{Loaded, load};
pub use source::{DirEntry, EntryKind, Source, WorkTree};
pub use write::{PendingWrite, write_atomic};
pub use yaml::{parse, utf8};

use crate::model::{Control, Evidence, Policy, Program, Risk};

pub const PROGRAM_FILE: &str = "soc2.yaml";
pub const CONTROLS_DIR: &str = "controls";
pub const POLICIES_DIR: &str = "policies";
pub const EVIDENCE_DIR: &str = "evidence";
pub const RISKS_DIR: &str = "risks";

/// One parsed file with where it came from and its text, for locating findings.
#[derive(Clone, Debug)]
pub struct Record<T> {
    pub path: String,
    pub text: String,
    pub value: T,
}

impl<T> Record<T> {
    /// The file name without its extension.
    pub fn stem(&self) -> &str {
        file_stem(&self.path)
    }
}

/// Everything in the store, as loaded. Records that failed to parse are absent (their
/// findings say why); the rest is sorted by ID or path.
#[derive(Clone, Debug, Default)]
pub struct Store {
    pub program: Option<Record<Program>>,
    pub controls: Vec<Record<Control>>,
    pub policies: Vec<Record<Policy>>,
    /// Policy documents by policy ID.
    pub documents: BTreeMap<String, Vec<u8>>,
    pub evidence: Vec<Record<Evidence>>,
    pub risks: Vec<Record<Risk>>,
    /// Every file under `evidence/` that is not a record (attachments, and strays),
    /// with its kind as listed, so integrity checking need not look again.
    pub evidence_files: BTreeMap<String, EntryKind>,
    /// Record files that failed to load (their findings say why). Their IDs still
    /// count as known, so that one broken file does not cascade into more findings.
    pub unreadable: BTreeSet<String>,
}

impl Store {
    /// The program, or an empty one when `soc2.yaml` did not load.
    pub fn program(&self) -> &Program {
        static EMPTY: std::sync::OnceLock<Program> = std::sync::OnceLock::new();
        match &self.program {
            Some(record) => &record.value,
            None => EMPTY.get_or_init(Program::default),
        }
    }

    pub fn control(&self, id: &str) -> Option<&Record<Control>> {
        self.controls.iter().find(|c| c.value.id == id)
    }

    pub fn policy(&self, id: &str) -> Option<&Record<Policy>> {
        self.policies.iter().find(|p| p.value.id == id)
    }

    pub fn risk(&self, id: &str) -> Option<&Record<Risk>> {
        self.risks.iter().find(|r| r.value.id == id)
    }

    /// IDs of the records in `dir`, those that failed to load included.
    pub fn known_ids<'a>(
        &'a self,
        dir: &str,
        loaded: impl Iterator<Item = &'a str>,
    ) -> BTreeSet<&'a str> {
        let prefix = format!("{dir}/");
        let unreadable = self
            .unreadable
            .iter()
            .filter(move |p| p.starts_with(&prefix) && !p[prefix.len()..].contains('/'))
            .map(|p| file_stem(p));
        loaded.chain(unreadable).collect()
    }
}

/// `evidence/AC-01/2026-10-03-mfa.yaml` -> `AC-01/2026-10-03-mfa`.
pub fn evidence_id(path: &str) -> String {
    let inner = path.strip_prefix("evidence/").unwrap_or(path);
    inner
        .strip_suffix(".yaml")
        .or_else(|| inner.strip_suffix(".yml"))
        .unwrap_or(inner)
        .to_string()
}

/// The folder of a record: `evidence/AC-01/x.yaml` -> `evidence/AC-01`.
pub fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

pub fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name)
}

pub fn is_yaml(name: &str) -> bool {
    name.ends_with(".yaml") || name.ends_with(".yml")
}

/// Joins `relative` (as written in a record) onto `dir`, refusing absolute paths and
/// any `..` or `.` segment, so that the result stays inside `dir`.
pub fn join_inside(dir: &str, relative: &str) -> Option<String> {
    if relative.is_empty()
        || relative.starts_with('/')
        || relative.contains('\\')
        || relative.contains(':')
    {
        return None;
    }
    let clean = relative
        .split('/')
        .all(|segment| !segment.is_empty() && segment != ".." && segment != ".");
    if !clean {
        return None;
    }
    Some(if dir.is_empty() {
        relative.to_string()
    } else {
        format!("{dir}/{relative}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_paths_stay_inside() {
        assert_eq!(
            join_inside("evidence/AC-01", "a.csv").as_deref(),
            Some("evidence/AC-01/a.csv")
        );
        assert_eq!(
            join_inside("evidence/AC-01", "x/a.csv").as_deref(),
            Some("evidence/AC-01/x/a.csv")
        );
        for bad in [
            "../a.csv",
            "x/../../a",
            "/etc/passwd",
            "./a",
            "",
            "a//b",
            "C:\\x",
            "..\\x",
        ] {
            assert_eq!(join_inside("evidence/AC-01", bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_from_paths() {
        assert_eq!(
            evidence_id("evidence/AC-01/2026-10-03-mfa.yaml"),
            "AC-01/2026-10-03-mfa"
        );
        assert_eq!(file_stem("controls/AC-01.yml"), "AC-01");
        assert_eq!(parent_dir("evidence/AC-01/x.yaml"), "evidence/AC-01");
    }
}
