//! A control test: drawing its sample, recording each item's result and concluding.
//! Each step returns the test as it is to be written; the command commits it.

use anyhow::{Result, bail};

use super::population::{Population, population};
use super::sampling::{sample_size, select};
use crate::Hinted;
use crate::duties::same_person;
use crate::model::paths::EVIDENCE_DIR;
use crate::model::{
    Conclusion, Control, ControlTest, Covers, Date, History, ItemResult, Store, TestItem,
    TestPopulation, owner_is,
};
use crate::readiness::windows::windows;

/// What a test covers, as asked on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpanChoice {
    /// The observation period, or the days given.
    Period(Option<Covers>),
    /// One window of the observation period, by its label (`2026-Q3`).
    Window(String),
}

/// The days a test or a population covers, and the window's label when it is one.
pub fn resolve_span(
    store: &Store,
    control: &Control,
    choice: &SpanChoice,
) -> Result<(Covers, Option<String>)> {
    let audit = &store.program().audit;
    let period = audit.period.map(|p| Covers {
        from: p.start,
        to: p.end,
    });
    match choice {
        SpanChoice::Period(Some(span)) => Ok((*span, None)),
        SpanChoice::Period(None) => match period {
            Some(span) => Ok((span, None)),
            None => bail!(Hinted::new(
                "soc2.yaml sets no observation period (`audit.period`)",
                "pass the days to test: `--period FROM..TO`",
            )),
        },
        SpanChoice::Window(label) => {
            let Some(period) = audit.period else {
                bail!(Hinted::new(
                    "soc2.yaml sets no observation period (`audit.period`), so there are no windows",
                    "pass the days to test: `--period FROM..TO`",
                ));
            };
            let cut = windows(period, control.frequency, audit.windows);
            match cut.iter().find(|w| w.label.eq_ignore_ascii_case(label)) {
                Some(w) => Ok((
                    Covers {
                        from: w.start,
                        to: w.end,
                    },
                    Some(w.label.clone()),
                )),
                None => {
                    let labels: Vec<&str> = cut.iter().map(|w| w.label.as_str()).collect();
                    bail!(Hinted::new(
                        crate::suggest::unknown("window", label, labels.iter().copied()),
                        format!(
                            "{}'s windows of the observation period are: {}",
                            control.id,
                            labels.join(", ")
                        ),
                    ))
                }
            }
        }
    }
}

/// Why `person` may not test `control` with these sampled evidence records: they own
/// it, or collected (or committed) evidence in the sample. `None` when they may.
pub fn duty_conflict(
    store: &Store,
    history: &History,
    control: &Control,
    sampled_evidence: &[String],
    person: &str,
) -> Option<String> {
    if owner_is(control.owner.as_deref(), person) {
        return Some(format!(
            "you ({person}) own {}, so you cannot test it",
            control.id
        ));
    }
    for id in sampled_evidence {
        let path_prefix = format!("{EVIDENCE_DIR}/{id}.");
        let Some(record) = store
            .evidence
            .iter()
            .find(|e| e.path.starts_with(&path_prefix))
        else {
            continue;
        };
        let collected = record
            .value
            .collected_by
            .as_deref()
            .is_some_and(|by| same_person(by, person));
        let committed = history
            .received_in(&record.path)
            .map(|i| &history.commits[i])
            .is_some_and(|c| same_person(&c.author_email, person));
        if collected || committed {
            return Some(format!(
                "you ({person}) {} {id}, which is in the sample, so you cannot test it",
                if collected { "collected" } else { "committed" }
            ));
        }
    }
    None
}

/// What drawing a test needs.
pub struct Draw<'a> {
    pub store: &'a Store,
    pub control: &'a Control,
    pub span: Covers,
    pub window: Option<String>,
    pub seed: String,
    /// The commit the store was read from.
    pub commit: Option<String>,
    pub tester: String,
    pub today: Date,
    pub title: Option<String>,
}

/// Draws the sample: the test to write, and the population it came from.
pub fn draw(draw: Draw) -> Result<(ControlTest, Population)> {
    let control = draw.control;
    let population = population(draw.store, &control.id, draw.span);
    if population.items.is_empty() && population.no_occurrence.is_empty() {
        bail!(Hinted::new(
            format!(
                "{} has no population from {} to {}: no evidence record and no population file row",
                control.id, draw.span.from, draw.span.to
            ),
            format!(
                "add the evidence first (`soc2 evidence add {}`), or a population file under populations/{}/; when nothing happened, record it: `soc2 evidence add {} --result no-occurrence --reason ...`",
                control.id, control.id, control.id
            ),
        ));
    }
    let ids = population.ids();
    let size = sample_size(
        control.frequency,
        ids.len(),
        &draw.store.program().testing.sample_sizes,
    );
    let sample: Vec<TestItem> = select(&ids, &draw.seed, size)
        .into_iter()
        .enumerate()
        .map(|(n, index)| {
            let item = &population.items[index];
            TestItem {
                item: n + 1,
                id: item.id.clone(),
                date: item.date,
                evidence: item.evidence.clone(),
                result: None,
                note: None,
            }
        })
        .collect();
    let test = ControlTest {
        control: control.id.clone(),
        title: draw.title,
        tester: draw.tester,
        drawn_on: draw.today,
        drawn_at: draw.commit,
        span: draw.span,
        window: draw.window,
        procedure: control.test_procedure.clone(),
        population: TestPopulation {
            source: population.source,
            size: population.items.len(),
            digest: population.digest.clone(),
            no_occurrence: population.no_occurrence.clone(),
        },
        seed: draw.seed,
        sample,
        conclusion: None,
        concluded_on: None,
        concluded_by: None,
        finding: None,
        notes: None,
    };
    Ok((test, population))
}

/// The evidence records of a test's sample.
pub fn sampled_evidence(test: &ControlTest) -> Vec<String> {
    test.sample
        .iter()
        .flat_map(|i| i.evidence.iter().cloned())
        .collect()
}

fn refuse_concluded(test: &ControlTest, id: &str) -> Result<()> {
    if let Some(conclusion) = test.conclusion {
        bail!(Hinted::new(
            format!(
                "{id} was concluded {} on {}; its results stand",
                conclusion.as_str(),
                test.concluded_on.map_or("-".to_string(), |d| d.to_string())
            ),
            format!(
                "to test {} again, draw a new test: `soc2 test {}`",
                test.control, test.control
            ),
        ));
    }
    Ok(())
}

/// Records the result of sampled item `item`.
pub fn record(
    test: &ControlTest,
    id: &str,
    item: usize,
    result: ItemResult,
    note: Option<String>,
) -> Result<ControlTest> {
    refuse_concluded(test, id)?;
    let count = test.sample.len();
    if item == 0 || item > count {
        let has = match count {
            0 => "its sample is empty".to_string(),
            1 => "its sample has item 1".to_string(),
            n => format!("its sample has items 1 to {n}"),
        };
        bail!(Hinted::new(
            format!("item {item} is not in the sample of {id}: {has}"),
            format!("`soc2 show {}` lists the sampled items", test.control),
        ));
    }
    let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    if result == ItemResult::Exception && note.is_none() {
        bail!(Hinted::new(
            "an exception needs a note",
            "say what was wrong: `--exception \"approved after it was deployed\"`",
        ));
    }
    let mut updated = test.clone();
    let entry = &mut updated.sample[item - 1];
    entry.result = Some(result);
    entry.note = note;
    Ok(updated)
}

/// Concludes the test: effective when every item passed, deficient otherwise.
pub fn conclude(test: &ControlTest, id: &str, by: &str, today: Date) -> Result<ControlTest> {
    refuse_concluded(test, id)?;
    let unrecorded = test.unrecorded();
    if !unrecorded.is_empty() {
        let list: Vec<String> = unrecorded.iter().map(usize::to_string).collect();
        bail!(Hinted::new(
            format!(
                "{id} has {} without a result: {}",
                if unrecorded.len() == 1 {
                    "an item"
                } else {
                    "items"
                },
                list.join(", ")
            ),
            format!(
                "record each one first: `soc2 test record {id} --item {} --pass` (or `--exception \"...\"`)",
                unrecorded[0]
            ),
        ));
    }
    let mut updated = test.clone();
    updated.conclusion = Some(if test.exceptions().is_empty() {
        Conclusion::Effective
    } else {
        Conclusion::Deficient
    });
    updated.concluded_on = Some(today);
    updated.concluded_by = Some(by.to_string());
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{EvidenceResult, Frequency, Record};

    fn store(yaml_records: &[(&str, &str)]) -> Store {
        let mut store = Store::default();
        for (path, text) in yaml_records {
            store.evidence.push(Record {
                path: path.to_string(),
                text: (*text).into(),
                value: crate::store::from_yaml::<_>(text)
                    .map(std::sync::Arc::new)
                    .unwrap(),
            });
        }
        store
    }

    fn control(frequency: Frequency) -> Control {
        crate::store::from_yaml(&format!(
            "id: HR-04\ntitle: Offboarding\nowner: alice@example.com\nstatus: implemented\nfrequency: {}\n",
            frequency.as_str()
        ))
        .unwrap()
    }

    fn span() -> Covers {
        Covers {
            from: Date::from_ymd(2026, 7, 1),
            to: Date::from_ymd(2026, 9, 30),
        }
    }

    fn draw_with(
        store: &Store,
        control: &Control,
        seed: &str,
    ) -> Result<(ControlTest, Population)> {
        draw(Draw {
            store,
            control,
            span: span(),
            window: None,
            seed: seed.to_string(),
            commit: None,
            tester: "dana@example.com".to_string(),
            today: Date::from_ymd(2026, 11, 20),
            title: None,
        })
    }

    #[test]
    fn an_empty_population_needs_a_no_occurrence_record() {
        let control = control(Frequency::PerEvent);
        let err = draw_with(&Store::default(), &control, "s").unwrap_err();
        assert!(err.to_string().contains("has no population"), "{err}");
        let store = store(&[(
            "evidence/HR-04/2026-10-02-none.yaml",
            "control: HR-04\ncollected_at: 2026-10-02\ncovers: {from: 2026-07-01, to: 2026-09-30}\nkind: attestation\nresult: no-occurrence\nreason: No leavers in Q3\n",
        )]);
        assert_eq!(
            store.evidence[0].value.result(),
            EvidenceResult::NoOccurrence
        );
        let (test, population) = draw_with(&store, &control, "s").unwrap();
        assert!(population.items.is_empty());
        assert!(test.sample.is_empty());
        assert_eq!(test.population.no_occurrence, ["HR-04/2026-10-02-none"]);
        let concluded = conclude(
            &test,
            "HR-04/x",
            "dana@example.com",
            Date::from_ymd(2026, 11, 21),
        )
        .unwrap();
        assert_eq!(concluded.conclusion, Some(Conclusion::Effective));
    }

    #[test]
    fn a_population_smaller_than_the_sample_is_tested_whole() {
        let records: Vec<(String, String)> = (1..=3)
            .map(|m| {
                (
                    format!("evidence/HR-04/2026-0{}-01-r.yaml", m + 6),
                    format!(
                        "control: HR-04\ncollected_at: 2026-0{0}-20\ncollected_by: bob@example.com\ncovers: {{from: 2026-0{0}-01, to: 2026-0{0}-20}}\nkind: attestation\n",
                        m + 6
                    ),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = records
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let store = store(&refs);
        let (test, population) = draw_with(&store, &control(Frequency::Daily), "seed").unwrap();
        assert_eq!(population.items.len(), 3);
        assert_eq!(test.sample.len(), 3);
        assert_eq!(
            test.sample.iter().map(|i| i.item).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        // Bob collected them: he may not test; nor may Alice, who owns the control.
        let evidence = sampled_evidence(&test);
        let history = History::default();
        let control = control(Frequency::Daily);
        assert!(
            duty_conflict(&store, &history, &control, &evidence, "BOB@example.com")
                .unwrap()
                .contains("collected HR-04/2026-07-01-r")
        );
        assert!(
            duty_conflict(&store, &history, &control, &evidence, "alice@example.com")
                .unwrap()
                .contains("own HR-04")
        );
        assert_eq!(
            duty_conflict(&store, &history, &control, &evidence, "dana@example.com"),
            None
        );
    }

    #[test]
    fn results_and_conclusions() {
        let store = store(&[
            (
                "evidence/HR-04/a.yaml",
                "control: HR-04\ncollected_at: 2026-07-02\nkind: attestation\n",
            ),
            (
                "evidence/HR-04/b.yaml",
                "control: HR-04\ncollected_at: 2026-08-02\nkind: attestation\n",
            ),
        ]);
        let (test, _) = draw_with(&store, &control(Frequency::Quarterly), "s").unwrap();
        assert_eq!(test.sample.len(), 2);
        let id = "HR-04/2026-11-20-period";
        let err = record(&test, id, 3, ItemResult::Pass, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "item 3 is not in the sample of HR-04/2026-11-20-period: its sample has items 1 to 2"
        );
        assert!(record(&test, id, 1, ItemResult::Exception, None).is_err());
        let test = record(&test, id, 1, ItemResult::Pass, None).unwrap();
        let err = conclude(&test, id, "d", Date::from_ymd(2026, 11, 21)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "HR-04/2026-11-20-period has an item without a result: 2"
        );
        let test = record(&test, id, 2, ItemResult::Exception, Some("late".into())).unwrap();
        let done = conclude(&test, id, "d", Date::from_ymd(2026, 11, 21)).unwrap();
        assert_eq!(done.conclusion, Some(Conclusion::Deficient));
        assert!(record(&done, id, 2, ItemResult::Pass, None).is_err());
        assert!(conclude(&done, id, "d", Date::from_ymd(2026, 11, 21)).is_err());
    }
}
