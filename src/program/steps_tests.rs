//! Each step's rule on small stores: one store where it is done, one where it is not.

use super::*;
use crate::model::{Approval, Control, History, Policy, Record, STEPS, SystemDescription};
use crate::program::{FindingSummary, TestSummary};
use crate::readiness;

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

const TODAY: &str = "2026-11-23";

fn record<T: serde::de::DeserializeOwned>(path: &str, yaml: &str) -> Record<T> {
    Record {
        path: path.to_string(),
        text: yaml.into(),
        value: std::sync::Arc::new(
            crate::store::from_yaml(yaml).unwrap_or_else(|e| panic!("{path}: {e}")),
        ),
    }
}

fn approval(digest: crate::model::Sha256Hex) -> Option<Approval> {
    Some(Approval {
        by: "approver@example.com".into(),
        at: day("2026-01-05"),
        digest,
    })
}

/// Every common criterion, for a control that covers them all.
fn all_common() -> String {
    catalog::CRITERIA
        .iter()
        .filter(|c| c.category == Category::Security)
        .map(|c| c.id)
        .collect::<Vec<_>>()
        .join(", ")
}

struct Fixture {
    store: Store,
}

impl Fixture {
    /// A security-only Type I program whose scope names a service and is approved.
    fn new() -> Fixture {
        Fixture::with_program("organisation: Test Co\nscope: {services: [api]}\n", true)
    }

    fn with_program(yaml: &str, approved: bool) -> Fixture {
        let mut program: Record<crate::model::Program> = record("soc2.yaml", yaml);
        if approved {
            program.value_mut().scope_approval = approval(digest::scope(&program.value).current);
        }
        Fixture {
            store: Store {
                program: Some(program),
                ..Store::default()
            },
        }
    }

    /// A control, approved unless the YAML says `# unapproved`.
    fn control(mut self, id: &str, yaml: &str) -> Fixture {
        let mut control: Record<Control> = record(
            &format!("controls/{id}.yaml"),
            &format!("id: {id}\ntitle: {id}\n{yaml}"),
        );
        if !yaml.contains("# unapproved") {
            control.value_mut().approval = approval(digest::control(&control.value).current);
        }
        self.store.controls.push(control);
        self
    }

    /// One control covering every common criterion, owned, documented, implemented.
    fn covering_control(self, extra: &str) -> Fixture {
        self.control(
            "GOV-01",
            &format!(
                "owner: alice\ndescription: d\ntest_procedure: t\ncriteria: [{}]\nstatus: implemented\nfrequency: annual\n{extra}",
                all_common()
            ),
        )
    }

    fn policy(mut self, id: &str, approved: bool) -> Fixture {
        let mut policy: Record<Policy> = record(
            &format!("policies/{id}.yaml"),
            &format!("id: {id}\ntitle: {id}\nowner: o\nlast_reviewed: 2026-06-01\n"),
        );
        if approved {
            policy.value_mut().approval = approval(digest::policy(&policy.value, None).current);
        }
        self.store.policies.push(policy);
        self
    }

    fn evidence(mut self, control: &str) -> Fixture {
        self.store.evidence.push(record(
            &format!("evidence/{control}/2026-10-01-x.yaml"),
            &format!(
                "control: {control}\ncollected_at: 2026-10-01\nkind: export\nfiles: [{{path: a.csv, sha256: 8e20dad31e08dc515bb8b54c8a3a2c2356ed82939116aa4751263f1069799fc7}}]\n"
            ),
        ));
        self
    }

    fn risk(mut self, yaml: &str) -> Fixture {
        self.store.risks.push(record(
            "risks/RISK-01.yaml",
            &format!("id: RISK-01\ntitle: r\nlikelihood: 2\nimpact: 3\n{yaml}"),
        ));
        self
    }

    fn system(mut self, text: &str, approved: bool) -> Fixture {
        let mut meta: Record<SystemDescription> =
            record("system/description.yaml", "owner: dana\n");
        if approved {
            meta.value_mut().approval = approval(digest::system(&meta.value, Some(text)).current);
        }
        self.store.system = Some(meta);
        self.store.system_text = Some(text.to_string());
        self
    }

    fn assess(&self) -> Assessment {
        readiness::assess(&self.store, day(TODAY), &History::default())
    }
}

fn state(d: &Derived) -> StepState {
    d.state
}

/// The template with every section written.
fn written_description() -> String {
    let mut text = system::template("Test Co");
    for section in system::SECTIONS
        .iter()
        .filter(|s| !s.container && s.generated.is_none())
    {
        let heading = format!("{} {}\n", "#".repeat(section.level), section.heading);
        text = text.replace(&heading, &format!("{heading}\nWritten.\n"));
    }
    text
}

#[test]
fn step_1_services_done_when_named_and_the_scope_approved() {
    let f = Fixture::new();
    assert_eq!(state(&services(&f.store, &f.assess())), StepState::Done);
    let unnamed = Fixture::with_program("organisation: Test Co\n", true);
    assert_eq!(
        state(&services(&unnamed.store, &unnamed.assess())),
        StepState::NotStarted
    );
    let unapproved =
        Fixture::with_program("organisation: Test Co\nscope: {services: [api]}\n", false);
    let d = services(&unapproved.store, &unapproved.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert_eq!(d.reason, "api; the scope is not approved");
}

#[test]
fn step_2_criteria_done_when_approved_without_excluding_a_common_criterion() {
    let f = Fixture::with_program(
        "organisation: T\nscope: {categories: [availability]}\n",
        true,
    );
    let d = criteria(&f.store, &f.assess());
    assert_eq!(d.state, StepState::Done, "{d:?}");
    assert!(
        d.reason
            .starts_with("security, availability: 36 criteria in scope")
    );
    let excluded = Fixture::with_program(
        "organisation: T\nscope: {excluded_criteria: [{criterion: CC6.4, reason: r}]}\n",
        true,
    );
    let d = criteria(&excluded.store, &excluded.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert!(d.reason.contains("common criteria excluded: CC6.4"));
    let fresh = Fixture::with_program("organisation: T\n", false);
    assert_eq!(
        state(&criteria(&fresh.store, &fresh.assess())),
        StepState::NotStarted
    );
}

#[test]
fn step_3_owners_done_when_every_criterion_has_an_owned_control() {
    let f = Fixture::new().covering_control("");
    assert_eq!(state(&owners(&f.assess())), StepState::Done);
    let partly = Fixture::new().control(
        "AC-01",
        "owner: alice\ncriteria: [CC6.1]\nstatus: planned\nfrequency: annual\n",
    );
    let d = owners(&partly.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert!(
        d.reason
            .starts_with("32 of 33 criteria have no control with an owner: CC1.1")
    );
    let none = Fixture::new().control(
        "AC-01",
        "owner: TODO\ncriteria: [CC6.1]\nstatus: planned\nfrequency: annual\n",
    );
    assert_eq!(state(&owners(&none.assess())), StepState::NotStarted);
}

#[test]
fn step_4_system_description_done_when_written_and_approved() {
    let text = written_description();
    let f = Fixture::new().system(&text, true);
    let d = system_description(&f.store);
    assert_eq!(d.state, StepState::Done, "{d:?}");
    let unapproved = Fixture::new().system(&text, false);
    let d = system_description(&unapproved.store);
    assert_eq!(d.state, StepState::InProgress);
    assert_eq!(d.reason, "it is not approved");
    let template = Fixture::new().system(&system::template("Test Co"), true);
    assert_eq!(
        state(&system_description(&template.store)),
        StepState::NotStarted
    );
    assert_eq!(
        state(&system_description(&Fixture::new().store)),
        StepState::NotStarted
    );
    let one_empty = text.replace(
        "## Company and services\n\nWritten.\n",
        "## Company and services\n",
    );
    let d = system_description(&Fixture::new().system(&one_empty, true).store);
    assert_eq!(d.state, StepState::InProgress);
    assert!(
        d.reason.contains("sections to write: Company and services"),
        "{}",
        d.reason
    );
}

#[test]
fn step_5_existing_controls_done_when_owned_documented_and_covering() {
    let f = Fixture::new().covering_control("");
    assert_eq!(
        state(&existing_controls(&f.store, &f.assess())),
        StepState::Done
    );
    let undocumented = Fixture::new().covering_control("").control(
        "AC-01",
        "owner: bob\ncriteria: [CC6.1]\nstatus: planned\nfrequency: annual\n",
    );
    let d = existing_controls(&undocumented.store, &undocumented.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert!(d.reason.starts_with("1 of 2 controls lack"));
    let fresh = Fixture::new().control(
        "AC-01",
        "owner: TODO\ncriteria: [CC6.1]\nstatus: planned\nfrequency: annual\n",
    );
    assert_eq!(
        state(&existing_controls(&fresh.store, &fresh.assess())),
        StepState::NotStarted
    );
}

#[test]
fn step_6_effectiveness_done_when_each_implemented_control_has_evidence() {
    let f = Fixture::new().covering_control("").evidence("GOV-01");
    assert_eq!(state(&effectiveness(&f.assess())), StepState::Done);
    let without = Fixture::new().covering_control("");
    let d = effectiveness(&without.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert_eq!(
        d.reason,
        "1 of 1 implemented controls have no evidence yet: GOV-01"
    );
    let none = Fixture::new().control(
        "AC-01",
        "criteria: [CC6.1]\nstatus: designed\nfrequency: annual\n",
    );
    assert_eq!(state(&effectiveness(&none.assess())), StepState::NotStarted);
}

#[test]
fn step_7_risks_done_when_each_is_owned_and_treated() {
    let f = Fixture::new().risk("treatment: mitigate\nowner: sam\ncontrols: [AC-01]\n");
    assert_eq!(state(&risks(&f.store)), StepState::Done);
    let unowned = Fixture::new().risk("treatment: mitigate\ncontrols: [AC-01]\n");
    assert_eq!(state(&risks(&unowned.store)), StepState::InProgress);
    assert_eq!(state(&risks(&Fixture::new().store)), StepState::NotStarted);
}

#[test]
fn step_8_design_done_when_no_control_is_only_planned() {
    let f = Fixture::new().control(
        "AC-01",
        "criteria: [CC6.1]\nstatus: designed\nfrequency: annual\n",
    );
    assert_eq!(state(&design(&f.assess())), StepState::Done);
    let mixed = Fixture::new()
        .control(
            "AC-01",
            "criteria: [CC6.1]\nstatus: designed\nfrequency: annual\n",
        )
        .control(
            "AC-02",
            "criteria: [CC6.2]\nstatus: planned\nfrequency: annual\n",
        );
    let d = design(&mixed.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert_eq!(d.reason, "1 of 2 controls are still planned: AC-02");
    let planned = Fixture::new().control(
        "AC-02",
        "criteria: [CC6.2]\nstatus: planned\nfrequency: annual\n",
    );
    assert_eq!(state(&design(&planned.assess())), StepState::NotStarted);
}

#[test]
fn step_9_implementation_done_when_no_control_is_planned_or_designed() {
    let f = Fixture::new().covering_control("");
    assert_eq!(state(&implementation(&f.assess())), StepState::Done);
    let mixed = Fixture::new().covering_control("").control(
        "AC-01",
        "criteria: [CC6.1]\nstatus: designed\nfrequency: annual\n",
    );
    let d = implementation(&mixed.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert_eq!(d.reason, "1 of 2 controls are planned or designed: AC-01");
    let designed = Fixture::new().control(
        "AC-01",
        "criteria: [CC6.1]\nstatus: designed\nfrequency: annual\n",
    );
    assert_eq!(
        state(&implementation(&designed.assess())),
        StepState::NotStarted
    );
}

#[test]
fn step_11_documentation_done_when_controls_and_their_policies_are_approved() {
    let f = Fixture::new()
        .covering_control("policies: [POL-A]\n")
        .policy("POL-A", true);
    assert_eq!(state(&documentation(&f.assess())), StepState::Done);
    let policy = Fixture::new()
        .covering_control("policies: [POL-A]\n")
        .policy("POL-A", false);
    let d = documentation(&policy.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert_eq!(d.reason, "policies not approved: POL-A");
    let none = Fixture::new().covering_control("# unapproved\n");
    assert_eq!(state(&documentation(&none.assess())), StepState::NotStarted);
}

#[test]
fn step_12_evidence_done_when_no_implemented_control_lacks_it() {
    let f = Fixture::new().covering_control("").evidence("GOV-01");
    let d = evidence(&f.assess());
    assert_eq!(d.state, StepState::Done, "{d:?}");
    let lacking = Fixture::new().covering_control("");
    let d = evidence(&lacking.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert!(
        d.reason.ends_with("1 control lacks evidence: GOV-01"),
        "{}",
        d.reason
    );
    let none = Fixture::new().control(
        "AC-01",
        "criteria: [CC6.1]\nstatus: planned\nfrequency: annual\n",
    );
    assert_eq!(state(&evidence(&none.assess())), StepState::NotStarted);
}

#[test]
fn step_13_internal_audit_needs_a_concluded_test_per_control() {
    let f = Fixture::new().covering_control("");
    let a = f.assess();
    let d = internal_audit(&a, &InternalAudit::default());
    assert_eq!(d.state, StepState::NotStarted);
    assert!(
        d.reason
            .contains("no implemented control has a concluded internal test")
    );
    let tested = InternalAudit {
        tests: vec![TestSummary {
            control: "GOV-01".into(),
            concluded: true,
        }],
        findings: Vec::new(),
    };
    assert_eq!(state(&internal_audit(&a, &tested)), StepState::Done);
    let open = InternalAudit {
        tests: vec![TestSummary {
            control: "GOV-01".into(),
            concluded: false,
        }],
        findings: Vec::new(),
    };
    assert_eq!(state(&internal_audit(&a, &open)), StepState::NotStarted);
}

#[test]
fn step_15_remediation_done_while_no_finding_is_open_past_due() {
    let today = day(TODAY);
    assert_eq!(
        state(&remediation(&InternalAudit::default(), today)),
        StepState::NotStarted
    );
    let audit = |due: &str, open: bool| InternalAudit {
        tests: vec![TestSummary {
            control: "GOV-01".into(),
            concluded: true,
        }],
        findings: vec![FindingSummary {
            id: "F-001".into(),
            open,
            due: Some(day(due)),
        }],
    };
    assert_eq!(
        state(&remediation(&audit("2026-12-31", true), today)),
        StepState::Done
    );
    assert_eq!(
        state(&remediation(&audit("2026-10-31", false), today)),
        StepState::Done
    );
    let late = remediation(&audit("2026-10-31", true), today);
    assert_eq!(late.state, StepState::InProgress);
    assert_eq!(late.reason, "1 finding open past the due date: F-001");
}

#[test]
fn step_16_report_documentation_done_when_description_scope_and_policies_hold() {
    let f = Fixture::new()
        .covering_control("policies: [POL-A]\n")
        .policy("POL-A", true)
        .system(&written_description(), true);
    assert_eq!(
        state(&report_documentation(&f.store, &f.assess())),
        StepState::Done
    );
    let unapproved = Fixture::new()
        .covering_control("policies: [POL-A]\n")
        .policy("POL-A", true)
        .system(&written_description(), false);
    let d = report_documentation(&unapproved.store, &unapproved.assess());
    assert_eq!(d.state, StepState::InProgress);
    assert_eq!(d.reason, "the system description is not approved");
    let nothing = Fixture::new()
        .covering_control("policies: [POL-A]\n")
        .policy("POL-A", false);
    assert_eq!(
        state(&report_documentation(&nothing.store, &nothing.assess())),
        StepState::NotStarted
    );
}

#[test]
fn step_19_audit_support_needs_each_request_provided() {
    let requests = |provided: bool| {
        vec![AuditorRequest {
            id: "REQ-001".into(),
            provided,
        }]
    };
    assert_eq!(state(&audit_support(&requests(true))), StepState::Done);
    assert_eq!(
        state(&audit_support(&requests(false))),
        StepState::InProgress
    );
    assert_eq!(state(&audit_support(&[])), StepState::NotStarted);
}

fn signoff(current: bool, changed: &[&str]) -> SignOffResult {
    SignOffResult {
        by: "erin@example.com".into(),
        at: day("2026-06-01"),
        digest: crate::model::Sha256Hex::of(b"x"),
        document: None,
        evidence: None,
        current,
        commit: None,
        changed: changed.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn milestones_and_sign_offs_done_while_they_cover_the_state_as_it_is() {
    let store = Fixture::new().store;
    let step = &STEPS[9];
    assert_eq!(step.slug, "control-implementation");
    let none = signed_off(step, None, &store);
    assert_eq!(none.state, StepState::NotStarted);
    assert!(
        none.next
            .unwrap()
            .contains("soc2 approve milestone control-implementation")
    );
    assert_eq!(
        state(&signed_off(step, Some(&signoff(true, &[])), &store)),
        StepState::Done
    );
    let older = signed_off(
        step,
        Some(&signoff(false, &["AC-01 changed", "AC-09 added"])),
        &store,
    );
    assert_eq!(older.state, StepState::InProgress);
    assert_eq!(
        older.reason,
        "signed off by erin@example.com on 2026-06-01, but it covers an older state; changed since: AC-01 changed, AC-09 added"
    );
    let engage = &STEPS[16];
    let named = Fixture::with_program(
        "organisation: T\naudit: {auditor: Example Assurance LLP}\n",
        true,
    )
    .store;
    let d = signed_off(engage, None, &named);
    assert_eq!(d.state, StepState::InProgress);
    assert!(
        d.next
            .unwrap()
            .contains("soc2 program sign-off engage-auditor --document PATH")
    );
}
