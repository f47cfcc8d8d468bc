//! The demonstration store in this checkout, judged day by day: readiness must tell a
//! believable story, never dropping from one day to the next unless a window really
//! falls due without evidence.

use soc2::model::{Date, History};
use soc2::readiness::{self, Assessment};
use soc2::store::{self, WorkTree};

/// Windows that count against readiness: due without evidence, or not operating.
fn failing_windows(a: &Assessment) -> usize {
    a.controls
        .iter()
        .filter(|c| c.in_scope)
        .filter_map(|c| c.windows)
        .map(|w| w.missing + w.not_operating + w.deviation)
        .sum()
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
