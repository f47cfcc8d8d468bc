//! What a sign-off covers, as a list of named digests: for control implementation,
//! each in-scope control's approved-content digest; for internal audit results, each
//! file under `tests/<ID>/` and `findings/`; for a step signed off with a document, the
//! document (or evidence record). The sign-off's digest is one digest over that list,
//! so a later change to anything it covered shows, and the two lists say what changed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog;
use crate::model::{Control, Date, History, Program, Sha256Hex, SignOff, Stood, digest};
use crate::store::integrity::files_digest;

/// Named digests: a control ID or a path, and its digest.
pub type Covered = BTreeMap<String, Sha256Hex>;

/// What a sign-off covers now, and what it covered when it was given (when history
/// holds the commit that recorded it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub now: Covered,
    pub then: Option<Covered>,
    /// The commit that recorded the sign-off.
    pub commit: Option<String>,
}

/// One digest over a covered list.
pub fn digest_of(covered: &Covered) -> Sha256Hex {
    let items: Vec<(String, Sha256Hex)> = covered
        .iter()
        .map(|(name, digest)| (name.clone(), digest.clone()))
        .collect();
    files_digest(&items)
}

/// A sign-off as judged now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignOffResult {
    pub by: String,
    pub at: Date,
    pub digest: Sha256Hex,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// It covers the state as it is now.
    pub current: bool,
    /// The commit that recorded it, when history holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// What changed since it was given (`AC-01 changed`, `AC-09 added`), when history
    /// tells.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed: Vec<String>,
}

pub fn result(given: &SignOff, coverage: Option<&Coverage>) -> SignOffResult {
    let current = coverage.is_some_and(|c| digest_of(&c.now) == given.digest);
    let changed = match coverage {
        Some(Coverage {
            now,
            then: Some(then),
            ..
        }) if !current => changes(then, now),
        _ => Vec::new(),
    };
    SignOffResult {
        by: given.by.clone(),
        at: given.at,
        digest: given.digest.clone(),
        document: given.document.clone(),
        evidence: given.evidence.clone(),
        current,
        commit: coverage.and_then(|c| c.commit.clone()),
        changed,
    }
}

/// What differs between two covered lists, by name.
pub fn changes(then: &Covered, now: &Covered) -> Vec<String> {
    let mut out = Vec::new();
    for (name, digest) in now {
        match then.get(name) {
            None => out.push(format!("{name} added")),
            Some(before) if before != digest => out.push(format!("{name} changed")),
            Some(_) => {}
        }
    }
    for name in then.keys().filter(|n| !now.contains_key(*n)) {
        out.push(format!("{name} removed"));
    }
    out
}

/// Whether a control counts for the audit's scope: it maps to no criterion, or to one
/// of a category in scope (as readiness counts it).
pub fn in_scope(program: &Program, control: &Control) -> bool {
    control.criteria.is_empty()
        || control
            .criteria
            .iter()
            .any(|id| catalog::find(id).is_none_or(|c| program.scope.includes(c.category)))
}

/// Control implementation: each in-scope control's approved-content digest.
pub fn controls<'a>(program: &Program, controls: impl Iterator<Item = &'a Control>) -> Covered {
    controls
        .filter(|c| in_scope(program, c))
        .map(|c| (c.id.clone(), digest::control(c).current))
        .collect()
}

/// The commit (by index) that recorded `given` under `name`: the first of the latest
/// run of soc2.yaml versions that hold it.
pub fn recorded_at(history: &History, name: &str, given: &SignOff) -> Option<usize> {
    let holds = |value: &Stood<Program>| {
        value
            .present()
            .and_then(|p| p.signoffs.get(name))
            .is_some_and(|s| s == given)
    };
    let versions = &history.programs;
    let last = versions.iter().rposition(|v| holds(&v.value))?;
    let mut first = last;
    while first > 0 && holds(&versions[first - 1].value) {
        first -= 1;
    }
    Some(versions[first].commit)
}

/// Control implementation as it stood after commit `commit`.
pub fn controls_at(history: &History, commit: usize) -> Covered {
    let program = History::version_at(&history.programs, commit)
        .and_then(|v| v.value.present().cloned())
        .unwrap_or_default();
    let stood: Vec<&Control> = history
        .controls
        .values()
        .filter_map(|versions| History::version_at(versions, commit))
        .filter_map(|v| v.value.present())
        .collect();
    controls(&program, stood.into_iter())
}

/// The commit (by index) that last changed the approved content of any control in
/// `covered`, leaving out what `soc2 init` wrote: who made it may not sign off.
pub fn last_control_change(history: &History, covered: &Covered) -> Option<usize> {
    let mut last: Option<usize> = None;
    for (id, now) in covered {
        let Some(versions) = history.controls.get(id) else {
            continue;
        };
        let digest_of = |v: &crate::model::Version<Control>| {
            v.value.present().map(|c| digest::control(c).current)
        };
        // The first version of the run that ends with today's content.
        let Some(end) = versions
            .iter()
            .rposition(|v| digest_of(v).as_ref() == Some(now))
        else {
            continue;
        };
        let mut start = end;
        while start > 0 && digest_of(&versions[start - 1]).as_ref() == Some(now) {
            start -= 1;
        }
        let commit = versions[start].commit;
        let by_init = history
            .commits
            .get(commit)
            .is_some_and(|c| c.action.as_deref() == Some("init"));
        if !by_init {
            last = last.max(Some(commit));
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(text: &str) -> Sha256Hex {
        Sha256Hex::of(text.as_bytes())
    }

    #[test]
    fn changes_name_what_was_added_changed_and_removed() {
        let then: Covered = [
            ("AC-01", sha("a")),
            ("AC-02", sha("b")),
            ("AC-03", sha("c")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let mut now = then.clone();
        now.insert("AC-02".into(), sha("b2"));
        now.remove("AC-03");
        now.insert("AC-09".into(), sha("n"));
        assert_eq!(
            changes(&then, &now),
            ["AC-02 changed", "AC-09 added", "AC-03 removed"]
        );
        assert!(changes(&then, &then).is_empty());
    }

    #[test]
    fn a_sign_off_is_current_while_its_digest_is_the_covered_list_s() {
        let now: Covered = [("AC-01".to_string(), sha("a"))].into_iter().collect();
        let given = SignOff {
            by: "erin".into(),
            at: Date::from_ymd(2026, 6, 1),
            digest: digest_of(&now),
            document: None,
            evidence: None,
        };
        let coverage = Coverage {
            now: now.clone(),
            then: Some(now.clone()),
            commit: None,
        };
        assert!(result(&given, Some(&coverage)).current);
        let mut later = now.clone();
        later.insert("AC-01".into(), sha("a2"));
        let coverage = Coverage {
            now: later,
            then: Some(now),
            commit: None,
        };
        let judged = result(&given, Some(&coverage));
        assert!(!judged.current);
        assert_eq!(judged.changed, ["AC-01 changed"]);
    }

    #[test]
    fn the_digest_does_not_depend_on_order_and_names_matter() {
        let a: Covered = [("x".to_string(), sha("1")), ("y".to_string(), sha("2"))]
            .into_iter()
            .collect();
        let b: Covered = [("y".to_string(), sha("1")), ("x".to_string(), sha("2"))]
            .into_iter()
            .collect();
        assert_ne!(digest_of(&a), digest_of(&b));
        // The sha256sum format: "<hex>  <name>\n" per item.
        let one: Covered = [("x".to_string(), sha("1"))].into_iter().collect();
        assert_eq!(
            digest_of(&one),
            Sha256Hex::of(format!("{}  x\n", sha("1")).as_bytes())
        );
    }
}
