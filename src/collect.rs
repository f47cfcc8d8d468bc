//! Which collectors `soc2 collect` runs, and why (pure: the store and a day in, a plan
//! out). A collector is due when the window of its control's frequency that holds
//! today (a window of the observation period, or of the one after it; otherwise the
//! last window's length up to today) has no evidence from it: a record it made that
//! counts (it was not set aside) and is not a deviation. Only implemented controls
//! collect, unless named.

use serde::{Deserialize, Serialize};

use crate::model::paths::evidence_id;
use crate::model::{
    Collector, ControlStatus, Date, EvidenceResult, Frequency, Period, Program, Store,
};
use crate::readiness::windows::{sampling_unit, windows};

/// What `soc2 collect` is asked to run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Controls named on the command line; none means every control.
    pub controls: Vec<String>,
    /// Every collector, due or not.
    pub all: bool,
}

/// One collector and whether it runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Planned {
    pub control: String,
    pub collector: Collector,
    /// The window evidence from it is for (and, when run, covers today).
    pub window: (Date, Date),
    pub decision: Decision,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "decision", content = "detail")]
pub enum Decision {
    /// Its window has no evidence from it.
    Due,
    /// `--all`: run although its window has evidence.
    Forced,
    /// Its window has evidence from it: the record's ID.
    Evidenced(String),
    /// Its control is not implemented (and was not named): the control's status.
    Inactive(String),
}

impl Decision {
    pub fn runs(&self) -> bool {
        matches!(self, Decision::Due | Decision::Forced)
    }
}

/// What `soc2 collect` did (or, dry, would do): every collector considered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectReport {
    pub dry_run: bool,
    /// The commit that recorded the evidence, when anything was recorded.
    pub commit: Option<String>,
    pub collectors: Vec<CollectorReport>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollectorReport {
    pub control: String,
    pub collector: String,
    /// The command as a person reads it.
    pub command: String,
    pub window: (Date, Date),
    pub decision: Decision,
    /// How its run went; none when it did not run.
    pub outcome: Option<Outcome>,
}

/// How one collector's run went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub result: RunResult,
    /// The evidence record made, if any.
    pub recorded: Option<String>,
    pub exit: Option<i32>,
    pub duration_ms: Option<u64>,
    /// Why it failed.
    pub reason: Option<String>,
    /// The last lines of its standard error, when it failed.
    pub stderr_tail: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunResult {
    /// Exited as expected: recorded as operating.
    Operated,
    /// Failed and recorded as a deviation (`on_failure: deviation`).
    Deviation,
    /// Failed and nothing was recorded.
    Failed,
}

impl CollectReport {
    /// Collectors that failed, recorded as deviations or not.
    pub fn failures(&self) -> usize {
        self.collectors
            .iter()
            .filter_map(|c| c.outcome.as_ref())
            .filter(|o| o.result != RunResult::Operated)
            .count()
    }
}

/// Every collector of the selected controls, in control order, with what to do.
pub fn plan(store: &Store, today: Date, selection: &Selection) -> Vec<Planned> {
    let program = store.program();
    let mut out = Vec::new();
    for record in &store.controls {
        let control = &record.value;
        let named = selection.controls.contains(&control.id);
        if !selection.controls.is_empty() && !named {
            continue;
        }
        let window = current_window(program, control.frequency, today);
        for collector in &control.collect {
            let evidenced = store
                .evidence
                .iter()
                .filter(|e| e.value.control == control.id)
                .filter(|e| {
                    e.value
                        .command
                        .as_ref()
                        .and_then(|c| c.collector.as_deref())
                        == Some(collector.name.as_str())
                })
                .filter(|e| e.value.result() != EvidenceResult::Deviation)
                .filter(|e| e.value.covered().overlaps(window.0, window.1))
                .map(|e| evidence_id(&e.path))
                .max();
            let decision = match (control.status, named, evidenced) {
                (status, false, _) if status != ControlStatus::Implemented => {
                    Decision::Inactive(status.as_str().to_string())
                }
                (_, _, None) => Decision::Due,
                (_, _, Some(_)) if selection.all => Decision::Forced,
                (_, _, Some(id)) => Decision::Evidenced(id),
            };
            out.push(Planned {
                control: control.id.clone(),
                collector: collector.clone(),
                window,
                decision,
            });
        }
    }
    out
}

/// The window of `frequency` that holds `today`.
pub fn current_window(program: &Program, frequency: Frequency, today: Date) -> (Date, Date) {
    let periods: Vec<Period> = program
        .audit
        .period
        .into_iter()
        .chain(program.audit.following_period())
        .collect();
    for period in periods {
        if period.start <= today
            && today <= period.end
            && let Some(window) = windows(period, frequency, program.audit.windows)
                .into_iter()
                .find(|w| w.start <= today && today <= w.end)
        {
            return (window.start, window.end);
        }
    }
    let days = match sampling_unit(frequency) {
        Frequency::Daily => 1,
        Frequency::Weekly => 7,
        Frequency::Monthly => 30,
        Frequency::Quarterly => 91,
        Frequency::Semiannual => 182,
        _ => 365,
    };
    (today.add_days(1 - days), today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{MemoryTree, load};

    fn store(files: &[(&str, &str)]) -> Store {
        let mut tree = MemoryTree::new();
        tree.insert(
            "soc2.yaml",
            "organisation: X\naudit: {type: type2, period: {start: 2026-07-01, end: 2026-12-31}}\n",
        );
        for (path, text) in files {
            tree.insert(*path, *text);
        }
        load(&tree).unwrap().store
    }

    const CONTROL: &str = "id: AC-01\ntitle: t\nstatus: implemented\nfrequency: quarterly\ncollect:\n  - {name: mfa, run: [echo, ok]}\n  - {name: users, run: [echo, users]}\n";

    fn record(day: &str, collector: &str, exit: i32) -> String {
        format!(
            "control: AC-01\ncollected_at: {day}\nkind: command-output\ncommand: {{run: echo ok, exit: {exit}, collector: {collector}}}\n"
        )
    }

    #[test]
    fn a_collector_is_due_until_its_window_has_its_evidence() {
        let today = Date::from_ymd(2026, 11, 22);
        let evidence = record("2026-10-05", "mfa", 0);
        let old = record("2026-09-30", "users", 0);
        let s = store(&[
            ("controls/AC-01.yaml", CONTROL),
            ("evidence/AC-01/2026-10-05-mfa.yaml", &evidence),
            ("evidence/AC-01/2026-09-30-users.yaml", &old),
        ]);
        let plan = plan(&s, today, &Selection::default());
        assert_eq!(plan.len(), 2);
        assert_eq!(
            plan[0].window,
            (Date::from_ymd(2026, 10, 1), Date::from_ymd(2026, 12, 31))
        );
        assert_eq!(
            plan[0].decision,
            Decision::Evidenced("AC-01/2026-10-05-mfa".into())
        );
        assert_eq!(
            plan[1].decision,
            Decision::Due,
            "last quarter's record is not this one's"
        );
        let all = super::plan(
            &s,
            today,
            &Selection {
                all: true,
                ..Selection::default()
            },
        );
        assert_eq!(all[0].decision, Decision::Forced);
    }

    #[test]
    fn a_deviation_leaves_the_collector_due() {
        let failed = record("2026-11-20", "mfa", 1);
        let s = store(&[
            ("controls/AC-01.yaml", CONTROL),
            ("evidence/AC-01/2026-11-20-mfa.yaml", &failed),
        ]);
        let plan = plan(&s, Date::from_ymd(2026, 11, 22), &Selection::default());
        assert_eq!(plan[0].decision, Decision::Due);
    }

    #[test]
    fn controls_not_implemented_collect_only_when_named() {
        let designed = CONTROL.replace("implemented", "designed");
        let s = store(&[("controls/AC-01.yaml", &designed)]);
        let today = Date::from_ymd(2026, 11, 22);
        let plan = super::plan(&s, today, &Selection::default());
        assert_eq!(plan[0].decision, Decision::Inactive("designed".into()));
        let named = Selection {
            controls: vec!["AC-01".into()],
            all: false,
        };
        assert_eq!(super::plan(&s, today, &named)[0].decision, Decision::Due);
    }

    #[test]
    fn outside_any_period_the_window_ends_today() {
        let program = Program::default();
        let today = Date::from_ymd(2026, 11, 22);
        assert_eq!(
            current_window(&program, Frequency::Daily, today),
            (today, today)
        );
        assert_eq!(
            current_window(&program, Frequency::Weekly, today),
            (Date::from_ymd(2026, 11, 16), today)
        );
        assert_eq!(
            current_window(&program, Frequency::Continuous, today).0,
            Date::from_ymd(2026, 10, 24)
        );
    }
}
