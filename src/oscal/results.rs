//! Readiness on the day judged as OSCAL assessment results: one result, a finding per
//! in-scope criterion (satisfied only when met), an observation per control that
//! counts for one of them, readiness overall and per category as props.

use std::collections::BTreeMap;

use chrono::NaiveTime;

use crate::readiness::{Assessment, ControlResult, CriterionResult, CriterionState, Score};

use super::model::{
    AssessmentResult, AssessmentResults, AssessmentResultsDocument, BackMatter, ControlSelection,
    Finding, FindingTarget, ImportAp, ObjectiveStatus, Observation, Property, RelatedObservation,
    Resource, ReviewedControls, Rlink, SelectControl,
};
use super::{CATALOG_FILE, COMPONENT_DEFINITION_FILE, Names, line_or, prop};

pub(super) const SATISFIED: &str = "satisfied";
const NOT_SATISFIED: &str = "not-satisfied";

pub(super) fn build(names: &Names, assessment: &Assessment) -> AssessmentResultsDocument {
    let mut metadata = names.metadata(
        format!(
            "{}: SOC 2 readiness on {}",
            names.organisation, assessment.today
        ),
        names.pin.version(),
    );
    metadata
        .props
        .push(prop("judged-on", &assessment.today.to_string()));
    metadata.parties = vec![names.party("assessment-results")];
    let method = names.revision("assessment-method");
    AssessmentResultsDocument {
        assessment_results: AssessmentResults {
            uuid: names.revision("assessment-results"),
            metadata,
            import_ap: ImportAp {
                href: format!("#{method}"),
                remarks: Some(
                    "There is no separate assessment plan: the method is described in the back matter."
                        .to_string(),
                ),
            },
            results: vec![result(names, assessment)],
            back_matter: BackMatter {
                resources: vec![
                    Resource {
                        uuid: method,
                        title: "How soc2 judges readiness".to_string(),
                        description: METHOD.to_string(),
                        props: Vec::new(),
                        rlinks: Vec::new(),
                    },
                    Resource {
                        uuid: names.revision("catalog-resource"),
                        title: "The criteria judged".to_string(),
                        description: "The Trust Services Criteria the findings target, as an OSCAL catalog.".to_string(),
                        props: Vec::new(),
                        rlinks: vec![json_link(CATALOG_FILE)],
                    },
                    Resource {
                        uuid: names.revision("component-definition-resource"),
                        title: "The controls judged".to_string(),
                        description: "The store's controls the observations are about, as an OSCAL component definition.".to_string(),
                        props: Vec::new(),
                        rlinks: vec![json_link(COMPONENT_DEFINITION_FILE)],
                    },
                ],
            },
        },
    }
}

const METHOD: &str = "\
soc2 judges a SOC 2 program kept as files in a git repository against the Trust Services Criteria, on one day, from the store's files and its git history. It is a readiness assessment, not an auditor's examination.

- A control is ready when it is implemented, has an owner, is approved (the approval's digest matches its content), every policy it names is approved and not overdue for review, and its evidence proves it operated: for a Type I audit, evidence no older than one window of the control's frequency plus a quarter; for a Type II audit, evidence for every window of the observation period that is due, each window judged on the store as it stood at the window's end. An exception in force makes it excepted, never ready.
- A criterion in scope is met when at least one applicable control maps to it and every such control is ready: its finding is satisfied. It is partial when some of those controls are not ready, and uncovered when none maps to it: both are not satisfied. Criteria excluded in an approved scope are left out.
- Readiness is the share of in-scope criteria that are met, overall and per category.";

fn json_link(href: &str) -> Rlink {
    Rlink {
        href: href.to_string(),
        media_type: "application/json".to_string(),
    }
}

fn result(names: &Names, assessment: &Assessment) -> AssessmentResult {
    let counted: Vec<&CriterionResult> = assessment
        .criteria
        .iter()
        .filter(|c| c.state != CriterionState::Excluded)
        .collect();

    // One observation per control that counts for an in-scope criterion, in the
    // store's order.
    let mut observed: BTreeMap<&str, String> = BTreeMap::new();
    for criterion in &counted {
        for id in &criterion.controls {
            observed
                .entry(id.as_str())
                .or_insert_with(|| names.assessed("observation", &[id]));
        }
    }
    let collected = names.on_day(NaiveTime::MIN);
    let observations = assessment
        .controls
        .iter()
        .filter_map(|control| {
            let uuid = observed.get(control.id.as_str())?;
            Some(observation(uuid.clone(), control, &collected))
        })
        .collect();
    let findings = counted
        .iter()
        .map(|criterion| finding(names, assessment, criterion, &observed))
        .collect();

    let overall = &assessment.overall;
    AssessmentResult {
        uuid: names.assessed("result", &[]),
        title: format!("SOC 2 readiness on {}", assessment.today),
        description: format!(
            "Readiness of {} against the Trust Services Criteria on {}, from commit {}: {} of {} in-scope criteria met ({:.1}%).",
            names.organisation,
            assessment.today,
            names.pin.commit,
            overall.met,
            overall.total,
            overall.readiness
        ),
        start: collected,
        end: names.on_day(NaiveTime::from_hms_opt(23, 59, 59).expect("a time of day")),
        props: result_props(assessment),
        reviewed_controls: reviewed_controls(assessment),
        observations,
        findings,
    }
}

fn result_props(assessment: &Assessment) -> Vec<Property> {
    let mut props = vec![
        prop("judged-on", &assessment.today.to_string()),
        prop("audit-type", assessment.audit.as_str()),
    ];
    if let Some(period) = assessment.period {
        props.push(prop("period-start", &period.start.to_string()));
        props.push(prop("period-end", &period.end.to_string()));
    }
    props.push(readiness("readiness", &assessment.overall));
    for category in &assessment.categories {
        props.push(readiness(
            &format!("readiness-{}", category.category.as_str()),
            &category.score,
        ));
    }
    props
}

/// A readiness percentage, with its counts in the remarks.
fn readiness(name: &str, score: &Score) -> Property {
    let mut property = prop(name, &format!("{:.1}", score.readiness));
    property.remarks = Some(format!(
        "Percent of in-scope criteria met: {} of {} ({} partial, {} uncovered, {} excluded).",
        score.met, score.total, score.partial, score.uncovered, score.excluded
    ));
    property
}

fn reviewed_controls(assessment: &Assessment) -> ReviewedControls {
    let select = |c: &CriterionResult| SelectControl {
        control_id: c.id.clone(),
    };
    let categories: Vec<&str> = assessment
        .categories
        .iter()
        .map(|c| c.category.as_str())
        .collect();
    ReviewedControls {
        description: format!(
            "The criteria of the categories in scope ({}), less those excluded in the scope.",
            categories.join(", ")
        ),
        control_selections: vec![ControlSelection {
            include_controls: assessment.criteria.iter().map(select).collect(),
            exclude_controls: assessment
                .criteria
                .iter()
                .filter(|c| c.state == CriterionState::Excluded)
                .map(select)
                .collect(),
        }],
    }
}

fn observation(uuid: String, control: &ControlResult, collected: &str) -> Observation {
    let title = line_or(Some(&control.title), &control.id);
    let description = if control.is_ready() {
        format!(
            "{} is ready: implemented, owned, approved, its policies in force, and its evidence proves it operated.",
            control.id
        )
    } else {
        let reasons: Vec<String> = control
            .reasons
            .iter()
            .map(|r| format!("- {}: {}", r.state.as_str(), r.detail))
            .collect();
        format!(
            "{} is not ready ({}).\n\n{}",
            control.id,
            control.state.as_str(),
            reasons.join("\n")
        )
    };
    let mut props = vec![
        prop("control-id", &control.id),
        prop("state", control.state.as_str()),
        prop("evidence-records", &control.evidence_count.to_string()),
    ];
    if let Some(latest) = control.latest_evidence {
        props.push(prop("latest-evidence", &latest.to_string()));
    }
    if let Some(windows) = &control.windows {
        props.push(prop("windows-due", &windows.due.to_string()));
        props.push(prop("windows-operated", &windows.operated.to_string()));
        props.push(prop("windows-missing", &windows.missing.to_string()));
        props.push(prop("windows-pending", &windows.pending.to_string()));
    }
    Observation {
        uuid,
        title: format!("{}: {title}", control.id),
        description,
        props,
        methods: vec!["EXAMINE".to_string()],
        types: vec!["control-objective".to_string()],
        collected: collected.to_string(),
    }
}

fn finding(
    names: &Names,
    assessment: &Assessment,
    criterion: &CriterionResult,
    observed: &BTreeMap<&str, String>,
) -> Finding {
    let state_of = |id: &str| {
        assessment
            .control(id)
            .map_or("unknown", |c| c.state.as_str())
    };
    let ready: Vec<&str> = criterion
        .controls
        .iter()
        .filter(|id| !criterion.not_ready.contains(id))
        .map(String::as_str)
        .collect();
    let not_ready: Vec<String> = criterion
        .not_ready
        .iter()
        .map(|id| format!("{id} ({})", state_of(id)))
        .collect();
    let description = match criterion.state {
        CriterionState::Met => format!(
            "{} is met: every control mapped to it is ready ({}).",
            criterion.id,
            ready.join(", ")
        ),
        CriterionState::Uncovered => format!(
            "{} is uncovered: no applicable control maps to it.",
            criterion.id
        ),
        _ if ready.is_empty() => format!(
            "{} is partial: not ready: {}.",
            criterion.id,
            not_ready.join(", ")
        ),
        _ => format!(
            "{} is partial: not ready: {}; ready: {}.",
            criterion.id,
            not_ready.join(", "),
            ready.join(", ")
        ),
    };
    let met = criterion.state == CriterionState::Met;
    Finding {
        uuid: names.assessed("finding", &[&criterion.id]),
        title: format!("{}: {}", criterion.id, criterion.title),
        description,
        props: vec![
            prop("state", criterion.state.as_str()),
            prop("category", criterion.category.as_str()),
        ],
        target: FindingTarget {
            kind: "objective-id".to_string(),
            target_id: criterion.id.clone(),
            status: ObjectiveStatus {
                state: if met { SATISFIED } else { NOT_SATISFIED }.to_string(),
                reason: if met { "pass" } else { "fail" }.to_string(),
            },
        },
        related_observations: criterion
            .controls
            .iter()
            .filter_map(|id| observed.get(id.as_str()))
            .map(|uuid| RelatedObservation {
                observation_uuid: uuid.clone(),
            })
            .collect(),
    }
}
