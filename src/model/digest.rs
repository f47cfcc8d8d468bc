//! What an approval's digest covers: the record's content in a canonical serialisation
//! (so comments and formatting do not matter), without the fields that change without
//! changing what was approved.

use super::{Control, Policy, Sha256Hex, Store};

/// A control's content, without `approval` (it records the approval itself) and
/// `exceptions` (each carries its own approver).
pub fn control(control: &Control) -> Sha256Hex {
    let mut content = control.clone();
    content.approval = None;
    content.exceptions.clear();
    Sha256Hex::of(&serde_json::to_vec(&content).expect("records serialize to JSON"))
}

/// A policy's content and its document's bytes, without `approval` and `last_reviewed`
/// (a review does not change what was approved).
pub fn policy(policy: &Policy, document: Option<&[u8]>) -> Sha256Hex {
    let mut content = policy.clone();
    content.approval = None;
    content.last_reviewed = None;
    let mut bytes = serde_json::to_vec(&content).expect("records serialize to JSON");
    if let Some(document) = document {
        bytes.push(b'\n');
        bytes.extend_from_slice(document);
    }
    Sha256Hex::of(&bytes)
}

/// A loaded policy's digest, with its document as the store holds it.
pub fn policy_in(store: &Store, policy: &Policy) -> Sha256Hex {
    self::policy(policy, store.documents.get(&policy.id).map(Vec::as_slice))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Approval, ControlStatus, Date, Exception, Frequency};

    fn sample() -> Control {
        crate::store::from_yaml("id: AC-01\ntitle: MFA\nstatus: implemented\nfrequency: daily\n")
            .unwrap()
    }

    #[test]
    fn approval_and_exceptions_do_not_change_the_digest() {
        let before = control(&sample());
        let mut after = sample();
        after.approval = Some(Approval {
            by: "c".into(),
            at: Date::from_ymd(2026, 1, 1),
            digest: before.clone(),
        });
        after.exceptions.push(Exception {
            reason: "r".into(),
            approved_by: "d".into(),
            expires: Date::from_ymd(2027, 1, 1),
        });
        assert_eq!(control(&after), before);
    }

    #[test]
    fn content_changes_change_the_digest() {
        let mut changed = sample();
        changed.status = ControlStatus::Designed;
        assert_ne!(control(&changed), control(&sample()));
        changed = sample();
        changed.frequency = Frequency::Weekly;
        assert_ne!(control(&changed), control(&sample()));
    }

    #[test]
    fn formatting_does_not_change_the_digest() {
        let spaced: Control = crate::store::from_yaml(
            "# comment\nid: AC-01\ntitle:   MFA\nstatus: implemented   # yes\nfrequency: daily\n",
        )
        .unwrap();
        assert_eq!(control(&spaced), control(&sample()));
    }

    #[test]
    fn policy_digest_covers_the_document_not_the_review_date() {
        let base: Policy = crate::store::from_yaml("id: POL-A\ntitle: A\n").unwrap();
        let digest = policy(&base, Some(b"text"));
        let mut reviewed = base.clone();
        reviewed.last_reviewed = Some(Date::from_ymd(2026, 5, 1));
        assert_eq!(policy(&reviewed, Some(b"text")), digest);
        assert_ne!(policy(&base, Some(b"text, edited")), digest);
    }
}
