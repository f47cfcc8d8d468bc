//! The 20 steps together: blocked steps, owners, targets and late steps.

use super::*;
use crate::model::{History, Record};
use crate::readiness;

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn store(program: &str) -> Store {
    Store {
        program: Some(Record {
            path: "soc2.yaml".into(),
            text: program.into(),
            value: std::sync::Arc::new(crate::store::from_yaml(program).unwrap()),
        }),
        controls: vec![Record {
            path: "controls/AC-01.yaml".into(),
            text: "".into(),
            value: std::sync::Arc::new(
                crate::store::from_yaml(
                    "id: AC-01\ntitle: MFA\nowner: TODO\ncriteria: [CC6.1]\nstatus: planned\nfrequency: annual\n",
                )
                .unwrap(),
            ),
        }],
        ..Store::default()
    }
}

fn view(store: &Store, today: &str) -> ProgramView {
    let assessment = readiness::assess(store, day(today), &History::default());
    assess(&Inputs {
        store,
        assessment: &assessment,
        signoffs: BTreeMap::new(),
        internal_audit: InternalAudit::default(),
    })
}

#[test]
fn a_new_store_has_twenty_steps_none_done_and_later_ones_blocked() {
    let program = view(&store("organisation: New Co\n"), "2026-11-23");
    assert_eq!(program.steps.len(), 20);
    assert_eq!(program.done, 0);
    let state = |n: u8| program.step(n).unwrap().state;
    assert_eq!(state(1), StepState::NotStarted);
    assert_eq!(state(3), StepState::Blocked);
    assert!(
        program
            .step(3)
            .unwrap()
            .reason
            .starts_with("waits for step 2 (criteria); "),
        "{}",
        program.step(3).unwrap().reason
    );
    assert_eq!(state(10), StepState::Blocked);
    assert_eq!(state(13), StepState::Blocked);
    // Audit support waits for the steps before it, whatever the request list holds.
    assert_eq!(state(19), StepState::Blocked);
}

#[test]
fn owners_and_targets_come_from_soc2_yaml_and_late_steps_are_due() {
    let store = store(
        "organisation: New Co\nprogram:\n  owner: erin@example.com\n  owners: {services: dana@example.com}\n  targets: {1: 2026-10-01, 2: 2026-12-15, 20: 2027-06-30}\n",
    );
    let program = view(&store, "2026-11-23");
    let one = program.step(1).unwrap();
    assert_eq!(one.owner.as_deref(), Some("dana@example.com"));
    assert_eq!(one.target, Some(day("2026-10-01")));
    assert!(one.late);
    assert_eq!(
        program.step(2).unwrap().owner.as_deref(),
        Some("erin@example.com")
    );
    assert!(!program.step(2).unwrap().late);
    assert_eq!(program.late, 1);

    let due = due_items(&program, day("2026-12-23"));
    let ids: Vec<(&str, bool)> = due.iter().map(|d| (d.id.as_str(), d.overdue)).collect();
    assert_eq!(ids, [("step-1", true), ("step-2", false)]);
    assert_eq!(due[0].kind, DueKind::Step);
    assert!(
        due[0].what.starts_with(
            "program step 1: Identify and document the services in scope (not-started: "
        )
    );
}

#[test]
fn a_done_step_is_never_late() {
    let store = store(
        "organisation: New Co\nscope: {services: [api]}\nprogram: {targets: {1: 2026-10-01}}\n",
    );
    let mut store = store;
    let program = store.program.as_mut().unwrap();
    program.value_mut().scope_approval = Some(crate::model::Approval {
        by: "a".into(),
        at: day("2026-09-01"),
        digest: crate::model::digest::scope(&program.value).current,
    });
    let view = view(&store, "2026-11-23");
    assert_eq!(view.step(1).unwrap().state, StepState::Done);
    assert!(!view.step(1).unwrap().late);
    assert!(due_items(&view, day("2026-12-31")).is_empty());
}
