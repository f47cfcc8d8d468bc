//! The store's layout: where each kind of record lives, and the path rules every
//! reader and writer shares.

pub const PROGRAM_FILE: &str = "soc2.yaml";
pub const CONTROLS_DIR: &str = "controls";
pub const POLICIES_DIR: &str = "policies";
pub const EVIDENCE_DIR: &str = "evidence";
pub const RISKS_DIR: &str = "risks";
pub const REQUESTS_DIR: &str = "requests";
pub const TESTS_DIR: &str = "tests";
pub const FINDINGS_DIR: &str = "findings";
pub const POPULATIONS_DIR: &str = "populations";
pub const VENDORS_DIR: &str = "vendors";
pub const SYSTEM_DIR: &str = "system";
/// Who owns the system description and its approval.
pub const SYSTEM_FILE: &str = "system/description.yaml";
/// The system description's text.
pub const SYSTEM_DOCUMENT: &str = "system/description.md";

/// The files and folders the store is loaded from.
pub const STORE_ROOTS: &[&str] = &[
    PROGRAM_FILE,
    CONTROLS_DIR,
    POLICIES_DIR,
    EVIDENCE_DIR,
    RISKS_DIR,
    REQUESTS_DIR,
    TESTS_DIR,
    FINDINGS_DIR,
    POPULATIONS_DIR,
    VENDORS_DIR,
    SYSTEM_DIR,
];

/// `evidence/AC-01/2026-10-03-mfa.yaml` -> `AC-01/2026-10-03-mfa`.
pub fn evidence_id(path: &str) -> String {
    evidence_id_in(path).to_string()
}

/// `evidence_id`, as the part of `path` it is.
pub fn evidence_id_in(path: &str) -> &str {
    let inner = path.strip_prefix("evidence/").unwrap_or(path);
    inner
        .strip_suffix(".yaml")
        .or_else(|| inner.strip_suffix(".yml"))
        .unwrap_or(inner)
}

/// `tests/AC-01/2026-11-20-period.yaml` -> `AC-01/2026-11-20-period`.
pub fn test_id(path: &str) -> String {
    let inner = path.strip_prefix("tests/").unwrap_or(path);
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

/// Whether `relative` (as written in a record) names something inside the folder it
/// is relative to: `join_inside` joins exactly these.
pub fn stays_inside(relative: &str) -> bool {
    if relative.is_empty()
        || relative.starts_with('/')
        || relative.contains('\\')
        || relative.contains(':')
    {
        return false;
    }
    // `.git` holds git's own data, never the repository's files.
    relative.split('/').all(|segment| {
        !segment.is_empty()
            && segment != ".."
            && segment != "."
            && !segment.eq_ignore_ascii_case(".git")
    })
}

/// Joins `relative` (as written in a record) onto `dir`, refusing absolute paths and
/// any `..` or `.` segment, so that the result stays inside `dir`.
pub fn join_inside(dir: &str, relative: &str) -> Option<String> {
    if !stays_inside(relative) {
        return None;
    }
    let mut joined = String::with_capacity(dir.len() + 1 + relative.len());
    if !dir.is_empty() {
        joined.push_str(dir);
        joined.push('/');
    }
    joined.push_str(relative);
    Some(joined)
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
            ".git/config",
            "x/.GIT/HEAD",
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
