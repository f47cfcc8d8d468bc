//! The demonstration store in this checkout, judged day by day: readiness must tell a
//! believable story, never dropping from one day to the next unless a window really
//! falls due without evidence, or an internal test finds a control deficient.

use soc2::model::{Date, History};
use soc2::readiness::{self, Assessment};
use soc2::store::{self, WorkTree};

/// What counts against readiness: windows due without evidence or not operating, and
/// controls an internal test found deficient.
fn failing_windows(a: &Assessment) -> usize {
    let windows: usize = a
        .controls
        .iter()
        .filter(|c| c.in_scope)
        .filter_map(|c| c.windows)
        .map(|w| w.missing + w.not_operating + w.deviation)
        .sum();
    let deficient = a
        .controls
        .iter()
        .filter(|c| c.in_scope && c.state == soc2::readiness::ControlState::Deficient)
        .count();
    windows + deficient
}

#[test]
fn readiness_never_drops_unless_a_window_falls_due_empty() {
    let loaded = store::load(&WorkTree::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(!loaded.has_errors(), "the demonstration store loads");
    // Judged on the files as they are: the same story with or without git history.
    let history = History::default();
    let period = loaded
        .store
        .program()
        .audit
        .period
        .expect("a Type II period");
    let mut day = period.start;
    let last = Date::from_ymd(2026, 11, 23);
    let mut previous: Option<(f64, usize)> = None;
    let mut drops = Vec::new();
    while day <= last {
        let a = readiness::assess(&loaded.store, day, &history);
        let now = (a.overall.readiness, failing_windows(&a));
        if let Some((readiness, failing)) = previous
            && now.0 + 3.0 < readiness
            && now.1 <= failing
        {
            drops.push(format!(
                "{day}: {readiness} -> {} with no new failing window",
                now.0
            ));
        }
        previous = Some(now);
        day = day.add_days(1);
    }
    assert!(drops.is_empty(), "{drops:#?}");

    // The day after a quarter ends, its evidence may still arrive: nothing falls due.
    let on = |y, m, d| {
        readiness::assess(&loaded.store, Date::from_ymd(y, m, d), &history)
            .overall
            .readiness
    };
    assert!(on(2026, 7, 1) >= on(2026, 6, 30));
    assert!(on(2026, 10, 1) >= on(2026, 9, 30));
}

#[test]
fn the_auditors_request_list_is_part_way_through() {
    use soc2::model::RequestStatus;

    let loaded = store::load(&WorkTree::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(!loaded.has_errors(), "the demonstration store loads");
    let auditor = loaded.store.program().audit.auditor.clone();
    let requests = soc2::requests::views(&loaded.store, Date::from_ymd(2026, 11, 23));
    assert!(requests.len() >= 5, "a handful of requests");
    assert!(requests.iter().all(|r| r.asked_by == auditor));
    let count = |s: RequestStatus| requests.iter().filter(|r| r.status == s).count();
    assert!(count(RequestStatus::Accepted) >= 2);
    assert!(count(RequestStatus::Open) >= 1);
    let overdue: Vec<&str> = requests
        .iter()
        .filter(|r| r.overdue)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(overdue, ["PBC-04"], "one request is overdue");
    // Everything provided is a record of the store.
    for r in &requests {
        for id in &r.evidence {
            assert!(
                loaded
                    .store
                    .evidence
                    .iter()
                    .any(|e| soc2::model::paths::evidence_id(&e.path) == *id),
                "{} names {id}",
                r.id
            );
        }
    }
}

#[test]
fn the_internal_audit_has_an_effective_test_and_a_finding_being_remediated() {
    let loaded = store::load(&WorkTree::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let store = &loaded.store;
    let conclusions: Vec<(&str, Option<soc2::model::Conclusion>)> = store
        .tests
        .iter()
        .map(|t| (t.value.control.as_str(), t.value.conclusion))
        .collect();
    assert_eq!(
        conclusions,
        [
            ("AC-03", Some(soc2::model::Conclusion::Effective)),
            ("CM-01", Some(soc2::model::Conclusion::Deficient)),
        ]
    );
    let finding = &store.audit_findings[0].value;
    assert_eq!(finding.status, soc2::model::FindingStatus::Remediated);
    let a = readiness::assess(store, Date::from_ymd(2026, 11, 23), &History::default());
    assert_eq!(
        a.control("CM-01").map(|c| c.state),
        Some(soc2::readiness::ControlState::Deficient)
    );
}

#[test]
fn the_cloud_provider_carries_cc6_4_and_no_common_criterion_is_excluded() {
    let loaded = store::load(&WorkTree::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    let program = loaded.store.program();
    assert!(
        program
            .scope
            .excluded_criteria
            .iter()
            .all(|e| !e.criterion.starts_with("CC")),
        "the demonstration store excludes no common criterion"
    );
    let a = readiness::assess(
        &loaded.store,
        Date::from_ymd(2026, 11, 23),
        &History::default(),
    );
    let cc64 = a.criterion("CC6.4").unwrap();
    assert_eq!(cc64.carved_out.len(), 1);
    assert!(cc64.carved_out[0].holds, "{:?}", cc64.carved_out);
    // Judged without history, HR-05 (added after the period) counts and is designed;
    // with history it is judged from the next period, and CC6.4 is met.
    assert_eq!(cc64.gaps(), ["HR-05 is not ready"]);
    // The program: some steps done, some late, none by hand.
    let view = soc2::program::assess(&soc2::program::Inputs {
        store: &loaded.store,
        assessment: &a,
        signoffs: Default::default(),
        internal_audit: soc2::program::gather::internal_audit(&loaded.store),
    });
    assert!(view.done >= 5 && view.done < 20, "{}", view.done);
    assert_eq!(
        view.step(4).unwrap().state,
        soc2::program::StepState::Done,
        "the system description is written and approved"
    );
    assert!(view.late > 0);
}
