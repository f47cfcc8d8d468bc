//! The serde types of the store's files. They deserialize strictly (unknown fields are
//! errors) and serialize in the canonical key order the tool writes.

mod approval;
mod audit_finding;
mod collector;
mod control;
mod control_test;
pub mod digest;
mod evidence;
pub mod history;
pub mod paths;
mod policy;
mod population;
mod program;
mod request;
mod risk;
mod roadmap;
mod store;
mod system;
mod values;
mod vendor;

pub use approval::{Approval, ApprovalState, ContentDigest};
pub use audit_finding::{
    AUDIT_FINDING_FIELDS, AuditFinding, FindingSource, FindingStatus, Severity,
};
pub use collector::{
    ByteSize, Collector, CommandLine, DEFAULT_TIMEOUT, OnFailure, Seconds, is_valid_collector_name,
    shell_words,
};
pub use control::{CONTROL_FIELDS, Control, ControlStatus, Exception, Frequency};
pub use control_test::{
    Conclusion, ControlTest, ItemResult, PopulationSource, TEST_FIELDS, TestItem, TestPopulation,
};
pub use evidence::{
    CommandRun, Covers, EMPTY_SHA256, Evidence, EvidenceFile, EvidenceKind, EvidenceResult,
    LfsPointer, SecretsNote, content_sha256, is_uri,
};
pub use history::{Commit, History, PolicyVersion, ReceivedIn, Stood, Version};
pub use policy::{POLICY_FIELDS, Policy};
pub use population::{PopulationFile, PopulationRow};
pub use program::{
    Audit, AuditType, CollectSettings, DEFAULT_MAX_OUTPUT, Exclusion, Gate, LinkSettings,
    PROGRAM_FIELDS, PerEventSize, Period, Program, SampleSizes, Scope, Testing, WindowAlignment,
};
pub use request::{Comment, REQUEST_FIELDS, Request, RequestStatus};
pub use risk::{RISK_FIELDS, Risk, Treatment};
pub use roadmap::{MILESTONES, Roadmap, STEPS, SignOff, Step, StepKind, StepRef};
pub use store::{EntryKind, KeptText, Record, Store, Text};
pub use system::{SYSTEM_FIELDS, SystemDescription};
pub use values::{
    Date, ID_PATTERN, ID_RULE, Interval, IntervalUnit, SUPPORTED_DATES, Sha256Hex, Timestamp,
    check_evidence_id, check_id, criteria_schema, criterion_schema, is_safe_name, is_valid_id,
};
pub use vendor::{
    BridgeLetter, Criticality, Csoc, Cuec, Method, ReportType, SocReport, VENDOR_FIELDS, Vendor,
};

/// The placeholder `soc2 init` writes where a person must name an owner.
pub const OWNER_PLACEHOLDER: &str = "TODO";

/// True when an owner field names somebody (not empty, not the placeholder).
pub fn owner_is_set(owner: Option<&str>) -> bool {
    owner.is_some_and(|o| !o.trim().is_empty() && !o.trim().eq_ignore_ascii_case(OWNER_PLACEHOLDER))
}

/// Whether an owner field names `who` (emails compare without regard to case).
pub fn owner_is(owner: Option<&str>, who: &str) -> bool {
    owner.is_some_and(|o| o.trim().eq_ignore_ascii_case(who.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys a fully populated record serializes, in order.
    fn keys<T: serde::Serialize>(record: &T) -> Vec<String> {
        crate::store::render::to_yaml(record)
            .lines()
            .filter(|l| !l.starts_with([' ', '-']))
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
            .collect()
    }

    #[test]
    fn field_orders_match_the_serialized_order() {
        let approval = "approval: {by: a, at: 2026-01-01, digest: 0000000000000000000000000000000000000000000000000000000000000000}";
        let control: Control = crate::store::from_yaml(&format!(
            "id: A\ntitle: t\ndescription: d\ntest_procedure: tp\nowner: o\ncriteria: [CC1.1]\nstatus: planned\nreason: r\nfrequency: daily\ngrace: 10d\npoint_in_time: [export]\npolicies: [P]\ncollect: [{{name: x, run: [a]}}]\n{approval}\nexceptions: [{{reason: r, approved_by: a, expires: 2026-01-01}}]\nnotes: n\n"
        ))
        .unwrap();
        assert_eq!(keys(&control), CONTROL_FIELDS);
        let policy: Policy = crate::store::from_yaml(&format!(
            "id: P\ntitle: t\ndescription: d\nowner: o\nversion: 1\ndocument: P.md\nreview_every: 1y\nlast_reviewed: 2026-01-01\n{approval}\nnotes: n\n"
        ))
        .unwrap();
        assert_eq!(keys(&policy), POLICY_FIELDS);
        let risk: Risk = crate::store::from_yaml(
            "id: R\ntitle: t\ndescription: d\nlikelihood: 1\nimpact: 1\ntreatment: accept\nowner: o\ncontrols: [A]\nnotes: n\n",
        )
        .unwrap();
        assert_eq!(keys(&risk), RISK_FIELDS);
    }
}
