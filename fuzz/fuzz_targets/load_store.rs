//! Arbitrary bytes as a store: load, validate, check integrity, judge readiness, apply
//! the rules of `check` and render. Anything may come back but a panic.
//!
//! The input is split on `\0` into files, assigned in turn to the store's paths, so the
//! fuzzer mutates each file's text as well as which files exist.

#![no_main]

use libfuzzer_sys::fuzz_target;
use soc2::gate::{self, Overrides};
use soc2::model::{Date, History};
use soc2::report::{self, Style, status};
use soc2::store::MemoryTree;
use soc2::{audit, readiness};

const PATHS: &[&str] = &[
    "soc2.yaml",
    "controls/AC-01.yaml",
    "policies/POL-SEC.yaml",
    "policies/POL-SEC.md",
    "evidence/AC-01/2026-03-02-mfa.yaml",
    "evidence/AC-01/2026-03-02-mfa.csv",
    "risks/RISK-01.yaml",
    "controls/BC-01.yaml",
];

fuzz_target!(|data: &[u8]| {
    let mut tree = MemoryTree::new();
    for (path, bytes) in PATHS.iter().zip(data.split(|b| *b == 0)) {
        tree.insert(*path, bytes.to_vec());
    }
    let Ok(audited) = audit::load_audited(&tree, None, "HEAD") else {
        return;
    };
    let store = &audited.loaded.store;
    for today in [Date::from_ymd(9999, 12, 31), Date::from_ymd(2026, 11, 22)] {
        let assessment = readiness::assess(store, today, &History::default());
        let items = readiness::due::due(store.program(), &assessment, today.add_days(365));
        let _ = report::due::render(&items, today, Style::plain());
        let view = status::view(&assessment, &status::Filter::default());
        let _ = status::render_table(&view, Style::plain());
    }
    let today = Date::from_ymd(2026, 11, 22);
    let assessment = readiness::assess(store, today, &History::default());
    let gate = store.program().gate.clone();
    let findings = audited.check_findings(&assessment);
    let verdict = gate::judge(findings, &gate, &assessment.overall, &Overrides::default());
    let _ = report::check::render_human(&verdict.report, &verdict.findings, Style::plain());
});
