//! Approvals: who approved a record's content, identified by its digest, and whether
//! the approval still holds.

use std::borrow::Borrow;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Date, Sha256Hex};

/// Someone other than the author approved the record's content, identified by its digest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub by: String,
    pub at: Date,
    pub digest: Sha256Hex,
}

/// Whether a record's approval still holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalState {
    Approved,
    /// Never approved.
    Missing,
    /// Approved, then changed: the digest no longer matches.
    Changed,
}

impl ApprovalState {
    /// "approved", "not approved", "changed since approval".
    pub fn describe(self) -> &'static str {
        match self {
            ApprovalState::Approved => "approved",
            ApprovalState::Missing => "not approved",
            ApprovalState::Changed => "changed since approval",
        }
    }

    /// The one rule: an approval holds when its digest is the content's digest now
    /// (under the current rule, or the rule it was given under, soc2 0.1's).
    pub fn of(approval: Option<&Approval>, content: &ContentDigest) -> ApprovalState {
        ApprovalState::of_lazy(approval, || &content.current, || content.legacy.as_ref())
    }

    /// `of`, computing the content's digests only when they are needed: none without
    /// an approval, the old rule's only when the current one does not match.
    /// (Each digest is given as a value or a reference to one.)
    pub fn of_lazy<C: Borrow<Sha256Hex>, L: Borrow<Sha256Hex>>(
        approval: Option<&Approval>,
        current: impl FnOnce() -> C,
        legacy: impl FnOnce() -> Option<L>,
    ) -> ApprovalState {
        match approval {
            None => ApprovalState::Missing,
            Some(a)
                if *current().borrow() == a.digest
                    || legacy().is_some_and(|l| *l.borrow() == a.digest) =>
            {
                ApprovalState::Approved
            }
            Some(_) => ApprovalState::Changed,
        }
    }
}

/// The digest of a record's approved content, under the current rule and, for
/// records soc2 0.1 could approve, the rule it used (which also covered `notes`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentDigest {
    pub current: Sha256Hex,
    pub legacy: Option<Sha256Hex>,
}

impl ContentDigest {
    pub fn matches(&self, digest: &Sha256Hex) -> bool {
        &self.current == digest || self.legacy.as_ref() == Some(digest)
    }

    /// True when `digest` is this content's digest under the old rule only: the
    /// approval holds, and approving again records the current digest.
    pub fn is_legacy(&self, digest: &Sha256Hex) -> bool {
        &self.current != digest && self.legacy.as_ref() == Some(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(c: char) -> Sha256Hex {
        Sha256Hex(c.to_string().repeat(64))
    }

    fn approval(digest: Sha256Hex) -> Approval {
        Approval {
            by: "bob@example.com".into(),
            at: Date::parse("2026-01-01").unwrap(),
            digest,
        }
    }

    #[test]
    fn digests_are_worked_out_only_when_the_answer_needs_them() {
        let never = || -> Sha256Hex { panic!("no digest is needed") };
        let never_legacy = || -> Option<Sha256Hex> { panic!("no old-rule digest is needed") };
        assert_eq!(
            ApprovalState::of_lazy(None, never, never_legacy),
            ApprovalState::Missing
        );
        let current = approval(sha('a'));
        assert_eq!(
            ApprovalState::of_lazy(Some(&current), || sha('a'), never_legacy),
            ApprovalState::Approved
        );
        let legacy = approval(sha('b'));
        assert_eq!(
            ApprovalState::of_lazy(Some(&legacy), || sha('a'), || Some(sha('b'))),
            ApprovalState::Approved
        );
        assert_eq!(
            ApprovalState::of_lazy(Some(&legacy), || sha('a'), || Some(sha('c'))),
            ApprovalState::Changed
        );
        assert_eq!(
            ApprovalState::of_lazy(Some(&legacy), || sha('a'), || None::<Sha256Hex>),
            ApprovalState::Changed
        );
    }
}
