//! Small hand-built stores, one rule at a time.

use super::*;
use crate::model::Record;
use crate::model::{Approval, Control, History, Policy, digest};

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn record<T: serde::de::DeserializeOwned>(path: &str, yaml: &str) -> Record<T> {
    Record {
        path: path.to_string(),
        text: yaml.into(),
        value: std::sync::Arc::new(
            crate::store::from_yaml(yaml).unwrap_or_else(|e| panic!("{path}: {e}")),
        ),
    }
}

/// A store builder: security-only type1 program unless told otherwise.
struct Fixture {
    store: Store,
    history: History,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::with_program("organisation: Test Co\n")
    }

    fn with_program(yaml: &str) -> Fixture {
        let store = Store {
            program: Some(record("soc2.yaml", yaml)),
            ..Store::default()
        };
        Fixture {
            store,
            history: History::default(),
        }
    }

    /// A control with the given extra YAML; approved unless `approval` is in the text.
    fn control(mut self, id: &str, yaml: &str) -> Fixture {
        let mut control: Record<Control> = record(
            &format!("controls/{id}.yaml"),
            &format!("id: {id}\ntitle: {id}\n{yaml}"),
        );
        if !yaml.contains("approval") && !yaml.contains("# unapproved") {
            control.value_mut().approval = Some(Approval {
                by: "approver@example.com".into(),
                at: day("2026-01-05"),
                digest: digest::control(&control.value).current,
            });
        }
        self.store.controls.push(control);
        self
    }

    /// An approved policy, reviewed on `reviewed`.
    fn policy(mut self, id: &str, reviewed: &str) -> Fixture {
        let mut policy: Record<Policy> = record(
            &format!("policies/{id}.yaml"),
            &format!("id: {id}\ntitle: {id}\nowner: o\nlast_reviewed: {reviewed}\n"),
        );
        policy.value_mut().approval = Some(Approval {
            by: "approver@example.com".into(),
            at: day(reviewed),
            digest: digest::policy(&policy.value, None).current,
        });
        self.store.policies.push(policy);
        self
    }

    /// An evidence record; it carries a (non-empty) file unless `yaml` says what it
    /// holds (`files`, `command`, or another kind).
    fn evidence(mut self, control: &str, name: &str, yaml: &str) -> Fixture {
        let kind = if yaml.contains("kind:") {
            ""
        } else {
            "kind: export\n"
        };
        let file = if yaml.contains("files:") || yaml.contains("kind:") {
            ""
        } else {
            "files: [{path: a.csv, sha256: 8e20dad31e08dc515bb8b54c8a3a2c2356ed82939116aa4751263f1069799fc7}]\n"
        };
        self.store.evidence.push(record(
            &format!("evidence/{control}/{name}.yaml"),
            &format!("control: {control}\n{kind}{yaml}{file}"),
        ));
        self
    }

    fn assess(&self, today: &str) -> Assessment {
        assess(&self.store, day(today), &self.history)
    }

    fn vendor(mut self, id: &str, yaml: &str) -> Fixture {
        self.store.vendors.push(record(
            &format!("vendors/{id}.yaml"),
            &format!("id: {id}\nname: {id}\ncriticality: critical\n{yaml}"),
        ));
        self
    }
}

const READY: &str = "owner: alice\ncriteria: [CC6.1]\nstatus: implemented\nfrequency: quarterly\n";

fn state(a: &Assessment, id: &str) -> ControlState {
    a.control(id).unwrap().state
}

fn reasons(a: &Assessment, id: &str) -> Vec<ControlState> {
    a.control(id)
        .unwrap()
        .reasons
        .iter()
        .map(|r| r.state)
        .collect()
}

fn fresh(f: Fixture, control: &str) -> Fixture {
    f.evidence(
        control,
        "2026-10-01-q3",
        "collected_at: 2026-10-01\ncovers: {from: 2026-07-01, to: 2026-09-30}\n",
    )
}

#[test]
fn implemented_approved_owned_and_evidenced_is_ready() {
    let a = fresh(Fixture::new().control("AC-01", READY), "AC-01").assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::Ready);
    assert!(a.control("AC-01").unwrap().reasons.is_empty());
    assert_eq!(a.criterion("CC6.1").unwrap().state, CriterionState::Met);
}

#[test]
fn planned_and_designed_controls_are_not_ready() {
    let a = Fixture::new()
        .control(
            "AC-01",
            "owner: a\ncriteria: [CC6.1]\nstatus: planned\nfrequency: daily\n",
        )
        .control(
            "AC-02",
            "owner: a\ncriteria: [CC6.2]\nstatus: designed\nfrequency: daily\n",
        )
        .assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::Planned);
    assert_eq!(state(&a, "AC-02"), ControlState::Designed);
    assert_eq!(a.criterion("CC6.1").unwrap().state, CriterionState::Partial);
}

#[test]
fn reasons_come_in_precedence_order() {
    let a = Fixture::new()
        .control(
            "AC-01",
            "owner: TODO\ncriteria: [CC6.1]\nstatus: planned\nfrequency: daily\n# unapproved\n",
        )
        .assess("2026-11-22");
    assert_eq!(
        reasons(&a, "AC-01"),
        [
            ControlState::Planned,
            ControlState::NoOwner,
            ControlState::MissingEvidence,
            ControlState::Unapproved
        ]
    );
    assert_eq!(state(&a, "AC-01"), ControlState::Planned);
}

#[test]
fn a_missing_or_placeholder_owner_is_no_owner() {
    let a = fresh(
        fresh(
            Fixture::new()
                .control(
                    "AC-01",
                    "criteria: [CC6.1]\nstatus: implemented\nfrequency: quarterly\n",
                )
                .control(
                    "AC-02",
                    "owner: ' '\ncriteria: [CC6.1]\nstatus: implemented\nfrequency: quarterly\n",
                ),
            "AC-01",
        ),
        "AC-02",
    )
    .assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::NoOwner);
    assert_eq!(state(&a, "AC-02"), ControlState::NoOwner);
}

#[test]
fn no_evidence_is_missing_evidence() {
    let a = Fixture::new().control("AC-01", READY).assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::MissingEvidence);
    assert_eq!(
        a.control("AC-01").unwrap().reasons[0].detail,
        "no evidence yet"
    );
}

#[test]
fn type1_freshness_is_one_window_plus_a_quarter() {
    // Quarterly: 91 days * 1.25 = 113 days after covers.to.
    let f = fresh(Fixture::new().control("AC-01", READY), "AC-01");
    assert_eq!(state(&f.assess("2027-01-21"), "AC-01"), ControlState::Ready); // 113 days
    let a = f.assess("2027-01-22"); // 114 days
    assert_eq!(state(&a, "AC-01"), ControlState::StaleEvidence);
    assert_eq!(
        a.control("AC-01").unwrap().reasons[0].detail,
        "newest evidence ends 2026-09-30, 114 days ago; quarterly evidence is stale after 113 days"
    );
    assert_eq!(
        a.control("AC-01").unwrap().evidence_due,
        Some(day("2027-01-21"))
    );
}

#[test]
fn continuous_and_per_event_evidence_stays_fresh_90_days() {
    for frequency in ["continuous", "per-event"] {
        let f = Fixture::new()
            .control(
                "OPS-01",
                &format!(
                    "owner: a\ncriteria: [CC7.2]\nstatus: implemented\nfrequency: {frequency}\n"
                ),
            )
            .evidence("OPS-01", "2026-08-01-x", "collected_at: 2026-08-01\n");
        assert_eq!(
            state(&f.assess("2026-10-30"), "OPS-01"),
            ControlState::Ready,
            "{frequency}"
        );
        assert_eq!(
            state(&f.assess("2026-10-31"), "OPS-01"),
            ControlState::StaleEvidence,
            "{frequency}"
        );
    }
}

#[test]
fn freshness_per_frequency() {
    let cases = [
        ("daily", 1),
        ("weekly", 8),
        ("monthly", 37),
        ("semiannual", 227),
        ("annual", 456),
    ];
    for (frequency, days) in cases {
        let f = Fixture::new()
            .control(
                "X-01",
                &format!(
                    "owner: a\ncriteria: [CC1.1]\nstatus: implemented\nfrequency: {frequency}\n"
                ),
            )
            .evidence("X-01", "2026-01-01-x", "collected_at: 2026-01-01\n");
        let last_fresh = day("2026-01-01").add_days(days);
        assert_eq!(
            state(&assess(&f.store, last_fresh, &f.history), "X-01"),
            ControlState::Ready,
            "{frequency}"
        );
        assert_eq!(
            state(
                &assess(&f.store, last_fresh.add_days(1), &f.history),
                "X-01"
            ),
            ControlState::StaleEvidence,
            "{frequency}"
        );
    }
}

#[test]
fn evidence_collected_after_today_does_not_count() {
    let a = fresh(Fixture::new().control("AC-01", READY), "AC-01").assess("2026-09-30");
    assert_eq!(state(&a, "AC-01"), ControlState::MissingEvidence);
    assert_eq!(a.control("AC-01").unwrap().evidence_count, 0);
}

#[test]
fn unapproved_and_changed_controls() {
    let mut f = fresh(
        Fixture::new()
            .control("AC-01", READY)
            .control("AC-02", READY),
        "AC-01",
    );
    f = fresh(f, "AC-02");
    f.store.controls[0].value_mut().approval = None;
    f.store.controls[1].value_mut().title = "Edited after approval".into();
    let a = f.assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::Unapproved);
    assert_eq!(a.control("AC-01").unwrap().approval, ApprovalState::Missing);
    assert_eq!(a.control("AC-02").unwrap().approval, ApprovalState::Changed);
    assert_eq!(
        a.control("AC-02").unwrap().reasons[0].detail,
        "changed since it was approved by approver@example.com on 2026-01-05"
    );
}

#[test]
fn policies_must_be_approved_and_reviewed() {
    let control = "owner: a\ncriteria: [CC6.1]\nstatus: implemented\nfrequency: quarterly\npolicies: [POL-A]\n";
    let f = fresh(
        Fixture::new()
            .policy("POL-A", "2026-01-10")
            .control("AC-01", control),
        "AC-01",
    );
    assert_eq!(state(&f.assess("2026-11-22"), "AC-01"), ControlState::Ready);
    // 365 days after 2026-01-10 is 2027-01-10: due that day, overdue the day after.
    assert_eq!(state(&f.assess("2027-01-10"), "AC-01"), ControlState::Ready);
    let a = f.assess("2027-01-11");
    assert!(reasons(&a, "AC-01").contains(&ControlState::PolicyOverdue));
    assert!(a.policies[0].overdue);

    let mut unapproved = f;
    unapproved.store.policies[0].value_mut().title = "Changed".into();
    let a = unapproved.assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::Unapproved);
    assert_eq!(
        a.control("AC-01").unwrap().reasons[0].detail,
        "policy POL-A changed since it was approved"
    );
}

#[test]
fn policy_overdue_without_other_gaps() {
    let control = "owner: a\ncriteria: [CC6.1]\nstatus: implemented\nfrequency: per-event\npolicies: [POL-A]\n";
    let f = Fixture::new()
        .policy("POL-A", "2025-06-01")
        .control("AC-01", control)
        .evidence("AC-01", "2026-11-01-x", "collected_at: 2026-11-01\n");
    let a = f.assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::PolicyOverdue);
    assert_eq!(
        a.control("AC-01").unwrap().reasons[0].detail,
        "policy POL-A was due for review on 2026-06-01"
    );
}

#[test]
fn a_policy_review_interval_can_be_months() {
    let mut f = Fixture::new().policy("POL-A", "2026-01-31");
    f.store.policies[0].value_mut().review_every = Some(model::Interval::parse("1m").unwrap());
    assert_eq!(
        f.assess("2026-02-28").policies[0].review_due,
        Some(day("2026-02-28"))
    );
    assert!(f.assess("2026-03-01").policies[0].overdue);
}

#[test]
fn active_exceptions_show_as_excepted_then_expire() {
    let yaml = format!(
        "{READY}exceptions:\n  - {{reason: migrating IdP, approved_by: cfo, expires: 2026-12-31}}\n"
    );
    let f = Fixture::new().control("AC-01", &yaml);
    let a = f.assess("2026-12-31");
    assert_eq!(state(&a, "AC-01"), ControlState::Excepted);
    assert_eq!(
        reasons(&a, "AC-01"),
        [ControlState::Excepted, ControlState::MissingEvidence]
    );
    assert_eq!(
        a.control("AC-01")
            .unwrap()
            .exception
            .as_ref()
            .unwrap()
            .expires,
        day("2026-12-31")
    );
    assert_eq!(a.criterion("CC6.1").unwrap().state, CriterionState::Partial);

    let a = f.assess("2027-01-01");
    assert_eq!(state(&a, "AC-01"), ControlState::MissingEvidence);
    assert_eq!(
        a.control("AC-01").unwrap().expired_exception,
        Some(day("2026-12-31"))
    );
}

#[test]
fn an_exception_never_counts_as_met() {
    let yaml =
        format!("{READY}exceptions:\n  - {{reason: r, approved_by: cfo, expires: 2027-06-30}}\n");
    let a = fresh(Fixture::new().control("AC-01", &yaml), "AC-01").assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::Excepted);
    assert_eq!(a.criterion("CC6.1").unwrap().state, CriterionState::Partial);
}

#[test]
fn a_renewed_exception_hides_the_expired_one() {
    let yaml = format!(
        "{READY}exceptions:\n  - {{reason: r, approved_by: cfo, expires: 2026-01-31}}\n  - {{reason: r, approved_by: cfo, expires: 2027-01-31}}\n"
    );
    let a = Fixture::new().control("AC-01", &yaml).assess("2026-11-22");
    assert_eq!(state(&a, "AC-01"), ControlState::Excepted);
    assert_eq!(a.control("AC-01").unwrap().expired_exception, None);
}

#[test]
fn not_applicable_controls_are_left_out() {
    let na = "criteria: [CC6.4]\nstatus: not-applicable\nreason: no offices\nfrequency: annual\n";
    let a = fresh(
        Fixture::new().control("PHY-01", na).control("AC-01", READY),
        "AC-01",
    )
    .control(
        "PHY-02",
        "owner: a\ncriteria: [CC6.1]\nstatus: not-applicable\nreason: x\nfrequency: annual\n",
    )
    .assess("2026-11-22");
    assert_eq!(state(&a, "PHY-01"), ControlState::NotApplicable);
    // CC6.4's only control does not apply: uncovered, to be excluded with a reason.
    assert_eq!(
        a.criterion("CC6.4").unwrap().state,
        CriterionState::Uncovered
    );
    // CC6.1 is met by AC-01; the not-applicable PHY-02 does not hold it back.
    assert_eq!(a.criterion("CC6.1").unwrap().state, CriterionState::Met);
    assert_eq!(a.criterion("CC6.1").unwrap().controls, ["AC-01"]);
}

#[test]
fn readiness_counts_in_scope_criteria_only() {
    let program = scope::approved(
        "organisation: T\nscope:\n  categories: [availability]\n  excluded_criteria:\n    - {criterion: CC6.4, reason: cloud only}\n",
    );
    let a = fresh(
        Fixture::with_program(&program).control("AC-01", READY),
        "AC-01",
    )
    .assess("2026-11-22");
    // 33 common + 3 availability, one excluded: 35 count, 1 met.
    assert_eq!(a.overall.total, 35);
    assert_eq!(a.overall.met, 1);
    assert_eq!(a.overall.excluded, 1);
    assert_eq!(a.overall.uncovered, 34);
    assert_eq!(a.overall.readiness, 2.8);
    let categories: Vec<Category> = a.categories.iter().map(|c| c.category).collect();
    assert_eq!(categories, [Category::Security, Category::Availability]);
    assert_eq!(
        a.criterion("CC6.4").unwrap().exclusion.as_deref(),
        Some("cloud only")
    );
    assert!(a.criterion("P1.1").is_none());
}

#[test]
fn percentages_round_down_and_gates_compare_exactly() {
    let mut score = Score::default();
    for state in [
        CriterionState::Met,
        CriterionState::Met,
        CriterionState::Partial,
    ] {
        score.add(state);
    }
    assert_eq!(score.readiness, 66.6);
    assert!(score.reaches(66));
    assert!(!score.reaches(67));
    let mut almost = Score::default();
    for _ in 0..2999 {
        almost.add(CriterionState::Met);
    }
    almost.add(CriterionState::Uncovered);
    assert_eq!(almost.readiness, 99.9);
    assert!(!almost.reaches(100));
}

const TYPE2: &str =
    "organisation: T\naudit:\n  type: type2\n  period: {start: 2026-07-01, end: 2026-12-31}\n";
const MONTHLY: &str = "owner: a\ncriteria: [CC7.2]\nstatus: implemented\nfrequency: monthly\n";

fn monthly(f: Fixture, month: u32) -> Fixture {
    let last = Date::from_ymd(2026, month, 1).add_months(1).add_days(-1);
    f.evidence(
        "OPS-01",
        &format!("2026-{month:02}-review"),
        &format!("collected_at: {last}\ncovers: {{from: 2026-{month:02}-01, to: {last}}}\n"),
    )
}

fn ops(a: &Assessment) -> ControlResult {
    a.control("OPS-01").unwrap().clone()
}

fn window_states(c: &ControlResult) -> Vec<&'static str> {
    c.window_results
        .iter()
        .map(|w| match (w.state, w.late) {
            (WindowState::Operated, true) => "late",
            (state, _) => state.as_str(),
        })
        .collect()
}

#[test]
fn type2_needs_evidence_in_every_due_window() {
    let mut f = Fixture::with_program(TYPE2).control("OPS-01", MONTHLY);
    for month in 7..=10 {
        f = monthly(f, month);
    }
    // On 2026-11-15 July to September are due; October ended but may still get evidence
    // until 2026-11-30; November and December are open.
    let a = f.assess("2026-11-15");
    let c = ops(&a);
    assert_eq!(c.state, ControlState::Ready);
    assert_eq!(
        window_states(&c),
        [
            "operated", "operated", "operated", "operated", "pending", "pending"
        ]
    );
    let counts = c.windows.unwrap();
    assert_eq!((counts.due, counts.operated, counts.pending), (4, 4, 2));
    assert_eq!(c.window_results[0].evidence, ["OPS-01/2026-07-review"]);
    assert_eq!(c.window_results[3].due_on, day("2026-11-30"));
    assert_eq!(
        a.evidence_rule,
        EvidenceRule::Windows {
            start: day("2026-07-01"),
            end: day("2026-12-31")
        }
    );
}

#[test]
fn pending_is_not_missing() {
    let f = monthly(Fixture::with_program(TYPE2).control("OPS-01", MONTHLY), 7);
    // August has ended, but its evidence may arrive until 2026-09-30 (30 days' grace).
    for today in ["2026-09-01", "2026-09-15", "2026-09-30"] {
        let c = ops(&f.assess(today));
        assert_eq!(c.state, ControlState::Ready, "{today}");
        assert_eq!(c.window_results[1].state, WindowState::Pending, "{today}");
    }
    let c = ops(&f.assess("2026-10-01"));
    assert_eq!(c.state, ControlState::StaleEvidence);
    assert_eq!(
        c.reasons[0].detail,
        "window 2026-08 (2026-08-01..2026-08-31) was due on 2026-09-30 without evidence"
    );
}

#[test]
fn a_control_may_set_its_own_grace() {
    let f = monthly(
        Fixture::with_program(TYPE2).control("OPS-01", &format!("{MONTHLY}grace: 5d\n")),
        7,
    );
    assert_eq!(ops(&f.assess("2026-09-05")).state, ControlState::Ready);
    assert_eq!(
        ops(&f.assess("2026-09-06")).state,
        ControlState::StaleEvidence
    );
    let program = TYPE2.replace("audit:\n", "audit:\n  grace: 10d\n");
    let f = monthly(
        Fixture::with_program(&program).control("OPS-01", MONTHLY),
        7,
    );
    assert_eq!(
        ops(&f.assess("2026-09-11")).state,
        ControlState::StaleEvidence
    );
}

#[test]
fn type2_a_gap_in_the_middle_is_missing_evidence() {
    let f = monthly(
        monthly(
            monthly(Fixture::with_program(TYPE2).control("OPS-01", MONTHLY), 7),
            9,
        ),
        10,
    );
    let c = ops(&f.assess("2026-11-15"));
    assert_eq!(c.state, ControlState::MissingEvidence);
    assert_eq!(
        c.reasons[0].detail,
        "1 of 3 due windows has no evidence: 2026-08"
    );
    assert_eq!(c.windows.unwrap().missing, 1);
}

#[test]
fn type2_only_the_last_due_window_missing_is_stale() {
    let f = monthly(
        monthly(
            monthly(Fixture::with_program(TYPE2).control("OPS-01", MONTHLY), 7),
            8,
        ),
        9,
    );
    let c = ops(&f.assess("2026-12-15"));
    assert_eq!(c.state, ControlState::StaleEvidence);
    assert_eq!(
        c.reasons[0].detail,
        "window 2026-10 (2026-10-01..2026-10-31) was due on 2026-11-30 without evidence"
    );
    assert_eq!(c.evidence_due, Some(day("2026-11-30")));
}

#[test]
fn type2_evidence_covering_two_windows_counts_for_both() {
    let f = Fixture::with_program(TYPE2)
        .control("OPS-01", MONTHLY)
        .evidence(
            "OPS-01",
            "2026-08-31-two-months",
            "collected_at: 2026-08-31\ncovers: {from: 2026-07-01, to: 2026-08-31}\n",
        );
    let c = ops(&f.assess("2026-10-15"));
    assert_eq!(c.state, ControlState::Ready);
    assert_eq!(c.window_results[0].evidence, c.window_results[1].evidence);
}

#[test]
fn type2_evidence_outside_the_period_does_not_count() {
    let f = Fixture::with_program(TYPE2)
        .control("OPS-01", MONTHLY)
        .evidence(
            "OPS-01",
            "2026-06-30-june",
            "collected_at: 2026-06-30\ncovers: {from: 2026-06-01, to: 2026-06-30}\n",
        );
    let c = ops(&f.assess("2026-09-15"));
    assert_eq!(c.state, ControlState::StaleEvidence);
    assert!(c.window_results.iter().all(|w| w.evidence.is_empty()));
}

#[test]
fn type2_nothing_due_yet_is_ready() {
    let annual = "owner: a\ncriteria: [CC1.1]\nstatus: implemented\nfrequency: annual\n";
    let f = Fixture::with_program(TYPE2).control("GOV-01", annual);
    let c = f.assess("2026-09-01").control("GOV-01").unwrap().clone();
    assert_eq!(c.state, ControlState::Ready);
    assert_eq!(window_states(&c), ["pending"]);
    assert_eq!(c.evidence_due, Some(day("2027-01-30")));
}

#[test]
fn type2_before_the_period_uses_freshness() {
    let f = monthly(Fixture::with_program(TYPE2).control("OPS-01", MONTHLY), 7);
    let a = f.assess("2026-06-15");
    assert_eq!(
        a.evidence_rule,
        EvidenceRule::Freshness {
            on: day("2026-06-15")
        }
    );
    assert_eq!(state(&a, "OPS-01"), ControlState::MissingEvidence);
}

#[test]
fn type2_after_the_period_every_window_is_due_and_the_next_period_is_current() {
    let mut f = Fixture::with_program(TYPE2).control("OPS-01", MONTHLY);
    for month in 7..=11 {
        f = monthly(f, month);
    }
    let a = f.assess("2027-03-05");
    let c = ops(&a);
    assert_eq!(c.state, ControlState::StaleEvidence);
    assert_eq!(c.windows.unwrap().missing, 1);
    assert_eq!(
        a.next_period,
        Some(Period {
            start: day("2027-01-01"),
            end: day("2027-06-30")
        })
    );
    assert_eq!(c.next_windows.len(), 6);
    assert_eq!(c.next_windows[0].state, WindowState::Missing);
    assert_eq!(c.next_windows[1].state, WindowState::Pending);
}

#[test]
fn many_missing_windows_are_listed_five_at_a_time() {
    let a = Fixture::with_program(TYPE2)
        .control("OPS-01", MONTHLY)
        .assess("2027-03-01");
    let c = a.control("OPS-01").unwrap();
    assert_eq!(
        c.reasons[0].detail,
        "6 of 6 due windows have no evidence: 2026-07, 2026-08, 2026-09, 2026-10, 2026-11 and 1 more"
    );
}

mod results {
    use super::*;

    fn july(f: Fixture, yaml: &str) -> Fixture {
        f.evidence(
            "OPS-01",
            "2026-07-31-x",
            &format!(
                "collected_at: 2026-07-31\ncovers: {{from: 2026-07-01, to: 2026-07-31}}\n{yaml}"
            ),
        )
    }

    const FILE: &str = "files: [{path: a.csv, sha256: 8e20dad31e08dc515bb8b54c8a3a2c2356ed82939116aa4751263f1069799fc7}]\n";

    #[test]
    fn a_deviation_never_satisfies_a_window() {
        let f = july(
            Fixture::with_program(TYPE2).control("OPS-01", MONTHLY),
            &format!("result: deviation\nreason: the job failed\n{FILE}"),
        );
        let c = ops(&f.assess("2026-08-15"));
        assert_eq!(c.state, ControlState::Deviation);
        assert_eq!(c.window_results[0].state, WindowState::Deviation);
        assert_eq!(c.window_results[0].deviations, ["OPS-01/2026-07-31-x"]);
        assert_eq!(
            c.reasons[0].detail,
            "deviation in 2026-07 (OPS-01/2026-07-31-x)"
        );
    }

    #[test]
    fn a_failed_command_is_a_deviation_unless_it_says_otherwise() {
        let failed = format!("kind: command-output\ncommand: {{run: check, exit: 1}}\n{FILE}");
        let f = july(
            Fixture::with_program(TYPE2).control("OPS-01", MONTHLY),
            &failed,
        );
        assert_eq!(ops(&f.assess("2026-08-15")).state, ControlState::Deviation);
        let expected = format!("{failed}result: operated\n");
        let f = july(
            Fixture::with_program(TYPE2).control("OPS-01", MONTHLY),
            &expected,
        );
        assert_eq!(ops(&f.assess("2026-08-15")).state, ControlState::Ready);
    }

    #[test]
    fn no_occurrence_counts_for_its_window() {
        let f = july(
            Fixture::with_program(TYPE2).control("OPS-01", MONTHLY),
            "kind: attestation\nresult: no-occurrence\nreason: no hires in July\n",
        );
        let c = ops(&f.assess("2026-08-15"));
        assert_eq!(c.state, ControlState::Ready);
        assert_eq!(c.window_results[0].state, WindowState::NoOccurrence);
    }

    #[test]
    fn a_record_without_content_proves_nothing() {
        let empty = "files: [{path: a.csv, sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855}]\n";
        for yaml in ["files: []\n", empty, "kind: attestation\n"] {
            let f = july(
                Fixture::with_program(TYPE2).control("OPS-01", MONTHLY),
                yaml,
            );
            let c = ops(&f.assess("2026-09-15"));
            assert_eq!(c.window_results[0].state, WindowState::Missing, "{yaml:?}");
        }
        // An attestation signed by whoever collected it is content.
        let f = july(
            Fixture::with_program(TYPE2).control("OPS-01", MONTHLY),
            "kind: attestation\ncollected_by: bob@example.com\n",
        );
        assert_eq!(
            ops(&f.assess("2026-08-15")).window_results[0].state,
            WindowState::Operated
        );
    }

    #[test]
    fn a_screenshot_shows_only_the_day_it_was_taken() {
        let f = Fixture::with_program(TYPE2)
            .control("OPS-01", MONTHLY)
            .evidence(
                "OPS-01",
                "2026-09-10-console",
                &format!("kind: screenshot\ncollected_at: 2026-09-10\ncovers: {{from: 2026-07-01, to: 2026-09-10}}\n{FILE}"),
            );
        let c = ops(&f.assess("2026-10-05"));
        assert_eq!(window_states(&c)[..3], ["missing", "missing", "operated"]);
    }

    #[test]
    fn a_control_may_mark_other_kinds_point_in_time() {
        let f = Fixture::with_program(TYPE2)
            .control("OPS-01", &format!("{MONTHLY}point_in_time: [export]\n"))
            .evidence(
                "OPS-01",
                "2026-08-10-dump",
                &format!(
                    "collected_at: 2026-08-10\ncovers: {{from: 2026-07-01, to: 2026-08-10}}\n{FILE}"
                ),
            );
        let c = ops(&f.assess("2026-09-05"));
        assert_eq!(window_states(&c)[..2], ["missing", "operated"]);
    }
}

/// Histories built by hand: the core takes them as data.
mod judged_as_it_stood {
    use super::*;
    use crate::model::{Commit, Stood, Version};

    fn commits(days: &[&str]) -> Vec<Commit> {
        days.iter()
            .enumerate()
            .map(|(i, d)| Commit {
                id: format!("{i:040}"),
                date: day(d),
                author_email: "dev@example.com".into(),
                committer_email: "dev@example.com".into(),
                action: None,
            })
            .collect()
    }

    fn control(f: &Fixture, id: &str) -> Control {
        (*f.store.control(id).unwrap().value).clone()
    }

    /// OPS-01 as the fixture holds it now, and `then` (a control) in the first commit.
    fn with_past(f: Fixture, days: &[&str], versions: Vec<(usize, Stood<Control>)>) -> Fixture {
        let mut f = f;
        f.history.commits = commits(days);
        f.history.controls.insert(
            "OPS-01".into(),
            versions
                .into_iter()
                .map(|(commit, value)| Version { commit, value })
                .collect(),
        );
        f
    }

    fn designed() -> Control {
        crate::store::from_yaml(
            "id: OPS-01\ntitle: OPS-01\nowner: a\ncriteria: [CC7.2]\nstatus: designed\nfrequency: monthly\n",
        )
        .unwrap()
    }

    #[test]
    fn a_period_cannot_be_repaired_after_the_fact() {
        // OPS-01 was designed all period; in November it was implemented, approved and
        // given evidence for every month.
        let mut f = Fixture::with_program(TYPE2).control("OPS-01", MONTHLY);
        for month in 7..=12 {
            f = monthly(f, month);
        }
        let now = control(&f, "OPS-01");
        let f = with_past(
            f,
            &["2026-06-01", "2026-11-20"],
            vec![(0, Stood::Present(designed())), (1, Stood::Present(now))],
        );
        let c = ops(&f.assess("2027-02-01"));
        assert_eq!(c.state, ControlState::NotOperating);
        // Implemented on 2026-11-20: November and December operated (their evidence,
        // not committed yet, is late), the months before did not, whatever evidence
        // arrived for them since.
        assert_eq!(
            window_states(&c),
            [
                "not-operating",
                "not-operating",
                "not-operating",
                "not-operating",
                "late",
                "late"
            ]
        );
        assert_eq!(
            c.reasons[0].detail,
            "4 of 6 ended windows not operating (2026-07, 2026-08, 2026-09, 2026-10): OPS-01 was designed, not implemented, on 2026-07-31"
        );
        assert_eq!(c.window_results[0].design_from, "000000000000");
        assert_eq!(c.window_results[4].design_from, "000000000000");
        assert_eq!(c.status_since, Some(day("2026-11-20")));
    }

    #[test]
    fn a_period_cannot_be_spoiled_after_the_fact() {
        // The policy OPS-01 names was approved all period, then edited in November.
        let mut f = Fixture::with_program(TYPE2)
            .control("OPS-01", &format!("{MONTHLY}policies: [POL-A]\n"))
            .policy("POL-A", "2026-06-01");
        for month in 7..=12 {
            f = monthly(f, month);
        }
        let approved = (*f.store.policy("POL-A").unwrap().value).clone();
        let then = control(&f, "OPS-01");
        f.store.policies[0].value_mut().description = Some("edited in November".into());
        let mut f = with_past(
            f,
            &["2026-06-01", "2026-11-20"],
            vec![(0, Stood::Present(then))],
        );
        f.history.policies.insert(
            "POL-A".into(),
            vec![Version {
                commit: 0,
                value: Stood::Present(crate::model::PolicyVersion {
                    digest: digest::policy(&approved, None),
                    policy: approved,
                }),
            }],
        );
        let c = ops(&f.assess("2027-02-01"));
        assert_eq!(c.state, ControlState::Ready, "{:?}", c.reasons);
        // While the period is open, today's unapproved policy is a gap.
        let c = ops(&f.assess("2026-12-01"));
        assert_eq!(c.state, ControlState::Unapproved);
    }

    #[test]
    fn a_control_added_after_the_period_is_not_in_it() {
        let mut f = Fixture::with_program(TYPE2).control("OPS-01", MONTHLY);
        let now = control(&f, "OPS-01");
        f = with_past(
            f,
            &["2026-06-01", "2027-01-10"],
            vec![(1, Stood::Present(now))],
        );
        let a = f.assess("2027-02-01");
        assert_eq!(state(&a, "OPS-01"), ControlState::NotInPeriod);
        assert_eq!(
            a.criterion("CC7.2").unwrap().state,
            CriterionState::Uncovered
        );
    }

    #[test]
    fn days_before_history_are_judged_on_its_first_commit() {
        let mut f = Fixture::with_program(TYPE2).control("OPS-01", MONTHLY);
        for month in 7..=12 {
            f = monthly(f, month);
        }
        let now = control(&f, "OPS-01");
        let f = with_past(f, &["2027-01-10"], vec![(0, Stood::Present(now))]);
        let a = f.assess("2027-02-01");
        let c = ops(&a);
        assert_eq!(c.state, ControlState::Ready);
        assert!(
            c.window_results
                .iter()
                .all(|w| w.design_from == "before-history")
        );
        assert_eq!(a.history.starts, Some(day("2027-01-10")));
        assert_eq!(a.history.windows_before_history, 6);
    }

    #[test]
    fn evidence_received_after_its_window_was_due_is_late() {
        let f = monthly(Fixture::with_program(TYPE2).control("OPS-01", MONTHLY), 7);
        let now = control(&f, "OPS-01");
        let mut f = with_past(
            f,
            &["2026-06-01", "2026-10-20"],
            vec![(0, Stood::Present(now))],
        );
        f.history.received = std::sync::Arc::new(crate::model::ReceivedIn::from_iter([(
            "evidence/OPS-01/2026-07-review.yaml".into(),
            1,
        )]));
        let c = ops(&f.assess("2026-11-01"));
        assert_eq!(c.window_results[0].state, WindowState::Operated);
        assert!(
            c.window_results[0].late,
            "due 2026-08-30, received 2026-10-20"
        );
        assert_eq!(c.windows.unwrap().late, 1);
        // Judged as of a day before it arrived, it did not count.
        let c = ops(&f.assess("2026-10-01"));
        assert_eq!(c.window_results[0].state, WindowState::Missing);
    }
}

mod scope {
    use super::*;

    const EXCLUDED: &str = "organisation: T\nscope:\n  excluded_criteria:\n    - {criterion: CC6.4, reason: cloud only}\n";

    pub(super) fn approved(program: &str) -> String {
        let value: crate::model::Program = crate::store::from_yaml(program).unwrap();
        format!(
            "{program}scope_approval: {{by: a, at: 2026-01-01, digest: {}}}\n",
            digest::scope(&value).current
        )
    }

    #[test]
    fn an_exclusion_counts_only_with_an_approved_scope() {
        let a = Fixture::with_program(EXCLUDED).assess("2026-11-22");
        assert_eq!(a.scope.approval, ApprovalState::Missing);
        assert_eq!(a.scope.unapproved_exclusions, ["CC6.4"]);
        assert_eq!(
            a.criterion("CC6.4").unwrap().state,
            CriterionState::Uncovered
        );
        let a = Fixture::with_program(&approved(EXCLUDED)).assess("2026-11-22");
        assert_eq!(a.scope.approval, ApprovalState::Approved);
        assert_eq!(
            a.criterion("CC6.4").unwrap().state,
            CriterionState::Excluded
        );
        // Changing the scope voids the approval.
        let changed = approved(EXCLUDED).replace("cloud only", "no offices");
        let a = Fixture::with_program(&changed).assess("2026-11-22");
        assert_eq!(a.scope.approval, ApprovalState::Changed);
    }

    #[test]
    fn a_not_applicable_control_needs_an_approval() {
        let na = "owner: a\ncriteria: [CC6.4]\nstatus: not-applicable\nreason: no offices\nfrequency: annual\n";
        let a = Fixture::new()
            .control("PHY-01", &format!("{na}# unapproved\n"))
            .assess("2026-11-22");
        assert_eq!(state(&a, "PHY-01"), ControlState::Unapproved);
        assert_eq!(a.criterion("CC6.4").unwrap().state, CriterionState::Partial);
    }
}

#[test]
fn type1_judges_the_design_as_of_its_date() {
    let program = "organisation: T\naudit: {type: type1, as_of: 2026-09-30}\n";
    let f = fresh(
        Fixture::with_program(program).control("AC-01", READY),
        "AC-01",
    );
    let a = f.assess("2026-11-22");
    assert_eq!(
        a.evidence_rule,
        EvidenceRule::Freshness {
            on: day("2026-09-30")
        }
    );
    // Evidence collected after the Type I date does not count for it.
    assert_eq!(state(&a, "AC-01"), ControlState::MissingEvidence);
    let a = f.assess("2026-09-01");
    assert_eq!(
        a.evidence_rule,
        EvidenceRule::Freshness {
            on: day("2026-09-01")
        }
    );
}

#[test]
fn criteria_list_their_controls_and_gaps() {
    let a = fresh(Fixture::new().control("AC-01", READY), "AC-01")
        .control(
            "AC-02",
            "owner: a\ncriteria: [CC6.1]\nstatus: designed\nfrequency: daily\n",
        )
        .assess("2026-11-22");
    let c = a.criterion("CC6.1").unwrap();
    assert_eq!(c.state, CriterionState::Partial);
    assert_eq!(c.controls, ["AC-01", "AC-02"]);
    assert_eq!(c.not_ready, ["AC-02"]);
    assert_eq!(
        a.criterion("CC1.1").unwrap().state,
        CriterionState::Uncovered
    );
}

#[test]
fn unknown_references_do_not_panic() {
    let a = Fixture::new()
        .control("AC-01", "owner: a\ncriteria: [CC6.9]\nstatus: implemented\nfrequency: daily\npolicies: [POL-NOPE]\n")
        .evidence("NOPE-01", "2026-01-01-x", "collected_at: 2026-01-01\n")
        .assess("2026-11-22");
    assert_eq!(a.overall.met, 0);
    assert_eq!(
        a.criterion("CC6.1").unwrap().state,
        CriterionState::Uncovered
    );
}

#[test]
fn controls_of_categories_out_of_scope_are_out_of_scope() {
    let a = Fixture::new()
        .control(
            "PRV-01",
            "owner: a\ncriteria: [P1.1]\nstatus: planned\nfrequency: annual\n",
        )
        .control("AC-01", READY)
        .control("X-01", "owner: a\nstatus: planned\nfrequency: annual\n")
        .assess("2026-11-22");
    assert!(!a.control("PRV-01").unwrap().in_scope);
    assert!(a.control("AC-01").unwrap().in_scope);
    assert!(
        a.control("X-01").unwrap().in_scope,
        "a control with no criteria yet is shown"
    );
}

mod risk_register {
    use super::*;
    use crate::model::Risk;
    use crate::readiness::risks::{RiskStatus, assess_risk, assess_risks};

    fn risk(yaml: &str) -> Risk {
        crate::store::from_yaml(&format!("title: r\nlikelihood: 3\nimpact: 4\n{yaml}")).unwrap()
    }

    #[test]
    fn a_mitigated_risk_needs_every_control_ready() {
        let a = fresh(Fixture::new().control("AC-01", READY), "AC-01")
            .control(
                "AC-02",
                "owner: a\ncriteria: [CC6.2]\nstatus: designed\nfrequency: daily\n",
            )
            .assess("2026-11-22");
        let status = |yaml: &str| assess_risk(&risk(yaml), &a).status;
        assert_eq!(
            status("treatment: mitigate\ncontrols: [AC-01]\n"),
            RiskStatus::Mitigated
        );
        assert_eq!(
            status("treatment: mitigate\ncontrols: [AC-01, AC-02]\n"),
            RiskStatus::Open
        );
        assert_eq!(
            status("treatment: mitigate\ncontrols: [AC-99]\n"),
            RiskStatus::Open
        );
        assert_eq!(status("treatment: mitigate\n"), RiskStatus::Open);
        assert_eq!(status("treatment: accept\n"), RiskStatus::Accepted);
        assert_eq!(
            status("treatment: transfer\ncontrols: [AC-02]\n"),
            RiskStatus::Transferred
        );
        assert_eq!(status("treatment: avoid\n"), RiskStatus::Avoided);
    }

    #[test]
    fn risks_sort_by_score_then_id() {
        let a = Fixture::new().assess("2026-11-22");
        let mut low = risk("treatment: accept\n");
        low.id = "R-1".into();
        low.likelihood = 1;
        let mut high = risk("treatment: accept\n");
        high.id = "R-2".into();
        let mut tie = high.clone();
        tie.id = "R-0".into();
        let ids: Vec<String> = assess_risks([&low, &high, &tie].into_iter(), &a)
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["R-0", "R-2", "R-1"]);
    }
}

mod due_work {
    use super::*;
    use crate::readiness::due::{DueKind, due};

    fn items(f: &Fixture, today: &str, until: &str) -> Vec<(String, DueKind, String, bool)> {
        let a = f.assess(today);
        due(f.store.program(), &a, day(until))
            .into_iter()
            .map(|i| (i.date.to_string(), i.kind, i.id, i.overdue))
            .collect()
    }

    #[test]
    fn type1_evidence_falls_due_when_it_goes_stale() {
        let f = fresh(Fixture::new().control("AC-01", READY), "AC-01");
        assert_eq!(items(&f, "2026-11-22", "2026-12-22"), []);
        assert_eq!(
            items(&f, "2026-11-22", "2027-01-21"),
            [(
                "2027-01-21".to_string(),
                DueKind::Evidence,
                "AC-01".to_string(),
                false
            )]
        );
        assert!(
            items(&f, "2027-02-01", "2027-02-01")[0].3,
            "stale evidence is overdue"
        );
    }

    #[test]
    fn type2_windows_without_evidence_are_due_at_their_end() {
        let f = monthly(Fixture::with_program(TYPE2).control("OPS-01", MONTHLY), 7);
        // August's evidence may arrive until 2026-09-30, September's until 2026-10-30.
        let due = items(&f, "2026-09-15", "2026-10-15");
        assert_eq!(
            due,
            [(
                "2026-09-30".to_string(),
                DueKind::Evidence,
                "OPS-01".to_string(),
                false
            )]
        );
        let due = items(&f, "2026-10-05", "2026-10-31");
        assert_eq!(
            due,
            [
                (
                    "2026-09-30".to_string(),
                    DueKind::Evidence,
                    "OPS-01".to_string(),
                    true
                ),
                (
                    "2026-10-30".to_string(),
                    DueKind::Evidence,
                    "OPS-01".to_string(),
                    false
                ),
            ]
        );
    }

    #[test]
    fn runs_of_missing_daily_windows_are_one_item() {
        let daily = "owner: a\ncriteria: [CC7.2]\nstatus: implemented\nfrequency: daily\n";
        let f = Fixture::with_program(TYPE2).control("BC-01", daily);
        // Each day's evidence may arrive for 30 days.
        let a = f.assess("2026-08-11");
        let due = due(f.store.program(), &a, day("2026-08-13"));
        assert_eq!(due.len(), 2, "{due:?}");
        assert_eq!(
            due[0].what,
            "evidence for 11 windows, 2026-07-01 to 2026-07-11 (2026-07-01..2026-07-11)"
        );
        assert_eq!(due[0].date, day("2026-07-31"));
        assert!(due[0].overdue);
        assert_eq!(
            due[1].what,
            "evidence for 3 windows, 2026-07-12 to 2026-07-14 (2026-07-12..2026-07-14)"
        );
        assert!(!due[1].overdue);
    }

    #[test]
    fn reviews_exceptions_and_unbuilt_controls() {
        let planned = "owner: a\ncriteria: [CC1.1]\nstatus: planned\nfrequency: annual\n";
        let excepted = format!(
            "{READY}exceptions:\n  - {{reason: r, approved_by: cfo, expires: 2026-12-10}}\n"
        );
        let f = fresh(
            Fixture::new()
                .control("GOV-01", planned)
                .control("AC-01", &excepted)
                .policy("POL-A", "2025-12-01"),
            "AC-01",
        );
        let due = items(&f, "2026-11-22", "2026-12-22");
        assert!(
            due.contains(&(
                "2026-11-22".to_string(),
                DueKind::Build,
                "GOV-01".to_string(),
                false
            )),
            "{due:?}"
        );
        assert!(
            due.contains(&(
                "2026-12-01".to_string(),
                DueKind::Review,
                "POL-A".to_string(),
                false
            )),
            "{due:?}"
        );
        assert!(
            due.contains(&(
                "2026-12-10".to_string(),
                DueKind::Exception,
                "AC-01".to_string(),
                false
            )),
            "{due:?}"
        );
    }

    #[test]
    fn controls_are_built_by_the_start_of_a_future_period() {
        let program = "organisation: T\naudit:\n  type: type2\n  period: {start: 2027-01-01, end: 2027-06-30}\n";
        let planned = "owner: a\ncriteria: [CC1.1]\nstatus: designed\nfrequency: annual\n";
        let f = Fixture::with_program(program).control("GOV-01", planned);
        assert_eq!(items(&f, "2026-11-22", "2026-12-01"), []);
        assert_eq!(items(&f, "2026-11-22", "2027-01-01")[0].0, "2027-01-01");
    }
}

mod carve_out {
    use super::*;

    const CLOUD: &str = "method: carve-out\ncsoc: [{criterion: CC6.4, description: Data centres}]\nsoc_report: {type: type2, period: {start: 2025-10-01, end: 2026-09-30}, received_on: 2026-10-20, reviewed_by: sam, reviewed_on: 2026-10-28}\n";
    const REVIEW: &str = "owner: sam\ncriteria: [CC9.2]\nstatus: implemented\nfrequency: annual\n";

    fn criterion(a: &Assessment, id: &str) -> CriterionResult {
        a.criterion(id).unwrap().clone()
    }

    #[test]
    fn a_criterion_carried_by_a_holding_carve_out_is_met_without_a_control() {
        let f = fresh(Fixture::new().control("VM-02", REVIEW), "VM-02").vendor("CLOUD", CLOUD);
        let a = f.assess("2026-11-23");
        let cc64 = criterion(&a, "CC6.4");
        assert_eq!(cc64.state, CriterionState::Met);
        assert_eq!(cc64.carved_out.len(), 1);
        assert!(cc64.carved_out[0].holds);
        // Without the vendor, nothing covers it.
        let without = fresh(Fixture::new().control("VM-02", REVIEW), "VM-02");
        assert_eq!(
            criterion(&without.assess("2026-11-23"), "CC6.4").state,
            CriterionState::Uncovered
        );
    }

    #[test]
    fn a_carve_out_that_does_not_hold_leaves_its_criterion_partial_with_the_reason() {
        // The monitoring control has no evidence.
        let f = Fixture::new()
            .control("VM-02", REVIEW)
            .vendor("CLOUD", CLOUD);
        let cc64 = criterion(&f.assess("2026-11-23"), "CC6.4");
        assert_eq!(cc64.state, CriterionState::Partial);
        assert_eq!(
            cc64.gaps(),
            ["the monitoring control VM-02 is not ready (missing-evidence)"]
        );
        // A stale report.
        let f = fresh(Fixture::new().control("VM-02", REVIEW), "VM-02").vendor("CLOUD", CLOUD);
        let cc64 = criterion(&f.assess("2027-11-23"), "CC6.4");
        assert_eq!(cc64.state, CriterionState::Partial);
    }

    #[test]
    fn a_carve_out_does_not_excuse_our_own_controls_and_inclusive_carries_nothing() {
        let f = fresh(Fixture::new().control("VM-02", REVIEW), "VM-02")
            .control(
                "PHY-01",
                "owner: a\ncriteria: [CC6.4]\nstatus: designed\nfrequency: annual\n",
            )
            .vendor("CLOUD", CLOUD);
        let cc64 = criterion(&f.assess("2026-11-23"), "CC6.4");
        assert_eq!(cc64.state, CriterionState::Partial);
        assert_eq!(cc64.gaps(), ["PHY-01 is not ready"]);
        let inclusive = fresh(Fixture::new().control("VM-02", REVIEW), "VM-02")
            .vendor("CLOUD", &CLOUD.replace("carve-out", "inclusive"));
        let cc64 = criterion(&inclusive.assess("2026-11-23"), "CC6.4");
        assert_eq!(cc64.state, CriterionState::Uncovered);
        assert!(cc64.carved_out.is_empty());
    }
}
