//! What an approval's digest covers: the fields a person approves, in a canonical
//! serialisation (so comments and formatting do not matter). Free text (`notes`), the
//! tester's procedure, collection settings and the approval process itself (approval,
//! exceptions, review dates, the tool-kept version) are outside it, so changing them
//! does not void an approval.

use serde::Serialize;

use super::{
    ApprovalState, Audit, AuditType, ContentDigest, Control, ControlStatus, Exclusion, Frequency,
    Interval, Period, Policy, Program, Sha256Hex, Store, SystemDescription,
};
use crate::catalog::Category;

/// What is approved of a control.
#[derive(Serialize)]
struct ControlContent<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a Option<String>,
    owner: &'a Option<String>,
    criteria: &'a [String],
    status: ControlStatus,
    reason: &'a Option<String>,
    frequency: Frequency,
    policies: &'a [String],
}

/// What is approved of a policy (its document's bytes follow).
#[derive(Serialize)]
struct PolicyContent<'a> {
    id: &'a str,
    title: &'a str,
    description: &'a Option<String>,
    owner: &'a Option<String>,
    document: &'a Option<String>,
    review_every: Interval,
}

/// What is approved of the system description (its text follows).
#[derive(Serialize)]
struct SystemContent<'a> {
    title: &'a Option<String>,
    owner: &'a Option<String>,
    review_every: Interval,
}

/// What is approved of the scope: what the audit covers, and when.
#[derive(Serialize)]
struct ScopeContent<'a> {
    services: &'a [String],
    categories: &'a [Category],
    excluded_criteria: &'a [Exclusion],
    audit_type: AuditType,
    period: &'a Option<Period>,
    next_period: &'a Option<Period>,
    as_of: &'a Option<super::Date>,
}

/// Each kind's content is prefixed by its rule's name, so two kinds (or a later rule)
/// never share a digest.
fn digest_of<T: Serialize>(rule: &str, content: &T, tail: Option<&[u8]>) -> Sha256Hex {
    let mut bytes = format!("{rule}\n").into_bytes();
    bytes.extend(serde_json::to_vec(content).expect("records serialize to JSON"));
    if let Some(tail) = tail {
        bytes.push(b'\n');
        bytes.extend_from_slice(tail);
    }
    Sha256Hex::of(&bytes)
}

pub fn control(control: &Control) -> ContentDigest {
    ContentDigest {
        current: current_control(control),
        legacy: Some(legacy_control(control)),
    }
}

/// Whether the control's own approval holds: `ApprovalState::of` its digest, each
/// rule's digest computed only when needed (a control is judged on many days).
pub fn control_approval(control: &Control) -> ApprovalState {
    ApprovalState::of_lazy(
        control.approval.as_ref(),
        || current_control(control),
        || Some(legacy_control(control)),
    )
}

fn current_control(control: &Control) -> Sha256Hex {
    let content = ControlContent {
        id: &control.id,
        title: &control.title,
        description: &control.description,
        owner: &control.owner,
        criteria: &control.criteria,
        status: control.status,
        reason: &control.reason,
        frequency: control.frequency,
        policies: &control.policies,
    };
    digest_of("soc2 control 2", &content, None)
}

/// A policy's digest, over its content and its document's bytes.
pub fn policy(policy: &Policy, document: Option<&[u8]>) -> ContentDigest {
    let content = PolicyContent {
        id: &policy.id,
        title: &policy.title,
        description: &policy.description,
        owner: &policy.owner,
        document: &policy.document,
        review_every: policy.review_every(),
    };
    ContentDigest {
        current: digest_of("soc2 policy 2", &content, document),
        legacy: Some(legacy_policy(policy, document)),
    }
}

/// A loaded policy's digest, with its document as the store holds it.
pub fn policy_in(store: &Store, policy: &Policy) -> ContentDigest {
    self::policy(policy, store.documents.get(&policy.id).map(Vec::as_slice))
}

/// The system description's digest, over its record's content and its text.
pub fn system(description: &SystemDescription, text: Option<&str>) -> ContentDigest {
    let content = SystemContent {
        title: &description.title,
        owner: &description.owner,
        review_every: description.review_every(),
    };
    ContentDigest {
        current: digest_of("soc2 system 1", &content, text.map(str::as_bytes)),
        legacy: None,
    }
}

/// The loaded system description's digest, when the store has one.
pub fn system_in(store: &Store) -> Option<ContentDigest> {
    let record = store.system.as_ref()?;
    Some(system(&record.value, store.system_text.as_deref()))
}

/// The scope's digest (soc2.yaml's scope and audit periods).
pub fn scope(program: &Program) -> ContentDigest {
    let Audit {
        kind,
        period,
        next_period,
        as_of,
        ..
    } = &program.audit;
    let content = ScopeContent {
        services: &program.scope.services,
        categories: &program.scope.categories,
        excluded_criteria: &program.scope.excluded_criteria,
        audit_type: *kind,
        period,
        next_period,
        as_of,
    };
    ContentDigest {
        current: digest_of("soc2 scope 2", &content, None),
        legacy: None,
    }
}

/// soc2 0.1's rule: the control's JSON without approval and exceptions, `notes`
/// included, over the fields that version knew.
fn legacy_control(control: &Control) -> Sha256Hex {
    #[derive(Serialize)]
    struct Legacy<'a> {
        id: &'a str,
        title: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        owner: &'a Option<String>,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        criteria: &'a [String],
        status: ControlStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: &'a Option<String>,
        frequency: Frequency,
        #[serde(skip_serializing_if = "<[String]>::is_empty")]
        policies: &'a [String],
        #[serde(skip_serializing_if = "Option::is_none")]
        notes: &'a Option<String>,
    }
    let legacy = Legacy {
        id: &control.id,
        title: &control.title,
        description: &control.description,
        owner: &control.owner,
        criteria: &control.criteria,
        status: control.status,
        reason: &control.reason,
        frequency: control.frequency,
        policies: &control.policies,
        notes: &control.notes,
    };
    Sha256Hex::of(&serde_json::to_vec(&legacy).expect("records serialize to JSON"))
}

/// soc2 0.1's rule for policies: the JSON without approval and review date, then the
/// document.
fn legacy_policy(policy: &Policy, document: Option<&[u8]>) -> Sha256Hex {
    #[derive(Serialize)]
    struct Legacy<'a> {
        id: &'a str,
        title: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        description: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        owner: &'a Option<String>,
        version: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        document: &'a Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        review_every: &'a Option<Interval>,
        #[serde(skip_serializing_if = "Option::is_none")]
        notes: &'a Option<String>,
    }
    let legacy = Legacy {
        id: &policy.id,
        title: &policy.title,
        description: &policy.description,
        owner: &policy.owner,
        version: policy.version,
        document: &policy.document,
        review_every: &policy.review_every,
        notes: &policy.notes,
    };
    let mut bytes = serde_json::to_vec(&legacy).expect("records serialize to JSON");
    if let Some(document) = document {
        bytes.push(b'\n');
        bytes.extend_from_slice(document);
    }
    Sha256Hex::of(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Approval, Date, Exception};

    fn sample() -> Control {
        crate::store::from_yaml("id: AC-01\ntitle: MFA\nstatus: implemented\nfrequency: daily\n")
            .unwrap()
    }

    #[test]
    fn the_approval_process_does_not_change_the_digest() {
        let before = control(&sample());
        let mut after = sample();
        after.approval = Some(Approval {
            by: "c".into(),
            at: Date::from_ymd(2026, 1, 1),
            digest: before.current.clone(),
        });
        after.exceptions.push(Exception {
            reason: "r".into(),
            approved_by: "d".into(),
            expires: Date::from_ymd(2027, 1, 1),
        });
        assert_eq!(control(&after).current, before.current);
    }

    #[test]
    fn free_text_and_the_test_procedure_do_not_change_the_digest() {
        let before = control(&sample()).current;
        let mut after = sample();
        after.notes = Some("handed over to Bob".into());
        after.test_procedure = Some("Inspect the IdP setting.".into());
        assert_eq!(control(&after).current, before);
    }

    #[test]
    fn approved_content_changes_change_the_digest() {
        let base = control(&sample()).current;
        let mut changed = sample();
        changed.status = ControlStatus::Designed;
        assert_ne!(control(&changed).current, base);
        changed = sample();
        changed.frequency = Frequency::Weekly;
        assert_ne!(control(&changed).current, base);
        changed = sample();
        changed.description = Some("now with more".into());
        assert_ne!(control(&changed).current, base);
        changed = sample();
        changed.owner = Some("bob".into());
        assert_ne!(control(&changed).current, base);
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
    fn the_old_rule_still_matches_what_it_approved() {
        // soc2 0.1 approved this control with this digest.
        let old: Control = crate::store::from_yaml(
            "id: AC-01\ntitle: MFA\nstatus: implemented\nfrequency: daily\nnotes: n\n",
        )
        .unwrap();
        let v1 = Sha256Hex::of(br#"{"id":"AC-01","title":"MFA","status":"implemented","frequency":"daily","notes":"n"}"#);
        let digest = control(&old);
        assert!(digest.matches(&v1));
        assert!(digest.is_legacy(&v1));
        assert!(!digest.is_legacy(&digest.current));
    }

    #[test]
    fn policy_digest_covers_the_document_not_the_review_date_or_version() {
        let base: Policy = crate::store::from_yaml("id: POL-A\ntitle: A\n").unwrap();
        let digest = policy(&base, Some(b"text")).current;
        let mut reviewed = base.clone();
        reviewed.last_reviewed = Some(Date::from_ymd(2026, 5, 1));
        reviewed.version = 4;
        reviewed.notes = Some("n".into());
        assert_eq!(policy(&reviewed, Some(b"text")).current, digest);
        assert_ne!(policy(&base, Some(b"text, edited")).current, digest);
    }

    #[test]
    fn scope_digest_covers_exclusions_and_the_period() {
        let base: Program = crate::store::from_yaml(
            "organisation: X\nscope:\n  excluded_criteria: [{criterion: CC6.4, reason: r}]\naudit: {type: type2, period: {start: 2026-01-01, end: 2026-06-30}}\n",
        )
        .unwrap();
        let digest = scope(&base).current;
        let mut changed = base.clone();
        changed.scope.excluded_criteria[0].reason = "other".into();
        assert_ne!(scope(&changed).current, digest);
        let mut gate = base.clone();
        gate.gate.min_readiness = Some(80);
        assert_eq!(scope(&gate).current, digest, "the gate is not scope");
    }
}
