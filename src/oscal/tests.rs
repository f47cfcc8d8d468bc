//! The documents' shape, on the demonstration store of this checkout and on small
//! stores built by hand. Schema validation and the files written are tested through the
//! command (`tests/cli/oscal.rs`).

use std::collections::BTreeSet;

use super::model::Property;
use super::*;
use crate::model::{History, Record};
use crate::readiness;

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn pin() -> Pin {
    Pin {
        commit: COMMIT.to_string(),
        // 2026-11-22T09:00:00Z
        time: 1_795_338_000,
        offset_minutes: 60,
        uncommitted: false,
    }
}

fn day() -> Date {
    Date::from_ymd(2026, 11, 23)
}

fn demo() -> (Store, Assessment) {
    let loaded =
        crate::store::load(&crate::store::WorkTree::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(!loaded.has_errors());
    let assessment = readiness::assess(&loaded.store, day(), &History::default());
    (loaded.store, assessment)
}

fn record<T: serde::de::DeserializeOwned>(path: &str, yaml: &str) -> Record<T> {
    Record {
        path: path.to_string(),
        text: yaml.into(),
        value: std::sync::Arc::new(crate::store::from_yaml(yaml).unwrap()),
    }
}

/// A store of `program` with two controls: one mapped to CC6.1 (a title over two
/// lines, a blank description), one mapped to nothing.
fn small(program: &str) -> (Store, Assessment) {
    let store = Store {
        program: Some(record("soc2.yaml", program)),
        controls: vec![
            record(
                "controls/AC-01.yaml",
                "id: AC-01\ntitle: \"MFA\n  for production\"\ndescription: \"  \"\nowner: alice@example.com\ncriteria: [CC6.1]\nstatus: designed\nfrequency: quarterly\n",
            ),
            record(
                "controls/GOV-01.yaml",
                "id: GOV-01\ntitle: Board meetings\nstatus: planned\nfrequency: annual\n",
            ),
        ],
        ..Store::default()
    };
    let assessment = readiness::assess(&store, day(), &History::default());
    (store, assessment)
}

fn uuids(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                if key == "uuid" {
                    out.push(inner.as_str().unwrap().to_string());
                }
                uuids(inner, out);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| uuids(i, out)),
        _ => {}
    }
}

/// Paths of empty arrays, empty objects and empty strings: OSCAL allows none.
fn empties(value: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            if map.is_empty() {
                out.push(path.to_string());
            }
            for (key, inner) in map {
                empties(inner, &format!("{path}/{key}"), out);
            }
        }
        serde_json::Value::Array(items) => {
            if items.is_empty() {
                out.push(path.to_string());
            }
            for (i, inner) in items.iter().enumerate() {
                empties(inner, &format!("{path}/{i}"), out);
            }
        }
        serde_json::Value::String(text) if text.trim().is_empty() => out.push(path.to_string()),
        _ => {}
    }
}

fn values(files: &[(String, Vec<u8>)]) -> Vec<serde_json::Value> {
    files
        .iter()
        .map(|(_, bytes)| serde_json::from_slice(bytes).unwrap())
        .collect()
}

#[test]
fn the_catalog_holds_every_criterion_once_grouped_by_category_then_series() {
    let (store, assessment) = demo();
    let catalog = build(&store, &assessment, &pin()).catalog.catalog;
    let categories: Vec<&str> = catalog.groups.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(
        categories,
        [
            "security",
            "availability",
            "confidentiality",
            "processing-integrity",
            "privacy"
        ]
    );
    let mut ids = Vec::new();
    let mut series = BTreeSet::new();
    for category in &catalog.groups {
        assert!(category.controls.is_empty() && !category.groups.is_empty());
        for group in &category.groups {
            assert!(group.groups.is_empty() && !group.controls.is_empty());
            assert!(series.insert(group.id.clone()), "{} twice", group.id);
            for control in &group.controls {
                let criterion = crate::catalog::find(&control.id).unwrap();
                assert_eq!(control.title, criterion.title);
                assert_eq!(
                    Property::find(&control.props, "series"),
                    Some(group.id.as_str())
                );
                assert_eq!(
                    Property::find(&control.props, "category"),
                    Some(category.id.as_str())
                );
                assert_eq!(
                    Property::find(&control.props, "coso-principle").map(str::to_string),
                    criterion.coso_principle.map(|p| p.to_string())
                );
                ids.push(control.id.clone());
            }
        }
    }
    let expected: Vec<&str> = crate::catalog::CRITERIA.iter().map(|c| c.id).collect();
    assert_eq!(ids, expected);
    assert_eq!(series.len(), 9 + 1 + 1 + 1 + 8);
}

#[test]
fn two_builds_of_one_commit_are_byte_identical_and_every_uuid_is_unique() {
    let (store, assessment) = demo();
    let first = documents(&store, &assessment, &pin());
    assert_eq!(first, documents(&store, &assessment, &pin()));
    let names: Vec<&str> = first.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "catalog.json",
            "component-definition.json",
            "assessment-results.json"
        ]
    );

    let mut all = Vec::new();
    for value in values(&first) {
        uuids(&value, &mut all);
    }
    assert!(all.len() > 200, "{}", all.len());
    for id in &all {
        let parsed = Uuid::parse_str(id).unwrap();
        assert_eq!(parsed.get_version_num(), 5, "{id}");
    }
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "a uuid appears twice");
}

#[test]
fn documents_change_uuid_with_the_commit_and_subjects_keep_theirs() {
    let (store, assessment) = demo();
    let one = build(&store, &assessment, &pin());
    let other_pin = Pin {
        commit: "f".repeat(40),
        ..pin()
    };
    let other = build(&store, &assessment, &other_pin);
    assert_ne!(one.catalog.catalog.uuid, other.catalog.catalog.uuid);
    let (a, b) = (
        &one.component_definition.component_definition,
        &other.component_definition.component_definition,
    );
    assert_ne!(a.uuid, b.uuid);
    assert_eq!(a.components[0].uuid, b.components[0].uuid);
    assert_ne!(
        one.assessment_results.assessment_results.results[0].uuid,
        other.assessment_results.assessment_results.results[0].uuid
    );
}

#[test]
fn no_document_holds_an_empty_list_or_string() {
    let (store, assessment) = demo();
    let (small_store, small_assessment) = small("organisation: Small Co\n");
    for files in [
        documents(&store, &assessment, &pin()),
        documents(&small_store, &small_assessment, &pin()),
    ] {
        for (value, (name, _)) in values(&files).iter().zip(&files) {
            let mut found = Vec::new();
            empties(value, "", &mut found);
            assert_eq!(found, Vec::<String>::new(), "in {name}");
        }
    }
}

#[test]
fn a_control_mapped_to_nothing_has_no_control_implementation() {
    let (store, assessment) = small("organisation: Small Co\n");
    let components = build(&store, &assessment, &pin())
        .component_definition
        .component_definition
        .components;
    let ac = &components[0];
    assert_eq!(Property::find(&ac.props, "control-id"), Some("AC-01"));
    assert_eq!(ac.title, "MFA for production");
    assert_eq!(
        ac.description, "MFA for production",
        "a blank description falls back"
    );
    let implementation = &ac.control_implementations[0];
    assert_eq!(implementation.source, "catalog.json");
    let ids: Vec<&str> = implementation
        .implemented_requirements
        .iter()
        .map(|r| r.control_id.as_str())
        .collect();
    assert_eq!(ids, ["CC6.1"]);
    let gov = &components[1];
    assert_eq!(Property::find(&gov.props, "control-id"), Some("GOV-01"));
    assert!(gov.control_implementations.is_empty());
    assert_eq!(Property::find(&gov.props, "owner"), None);
}

#[test]
fn findings_are_satisfied_only_when_met_and_link_the_controls_observed() {
    let (store, assessment) = demo();
    let results = build(&store, &assessment, &pin()).assessment_results;
    let result = &results.assessment_results.results[0];
    let counted: Vec<_> = assessment
        .criteria
        .iter()
        .filter(|c| c.state != readiness::CriterionState::Excluded)
        .collect();
    assert_eq!(result.findings.len(), counted.len());
    let observations: BTreeSet<&str> = result
        .observations
        .iter()
        .map(|o| o.uuid.as_str())
        .collect();
    let mut linked = BTreeSet::new();
    for (finding, criterion) in result.findings.iter().zip(&counted) {
        assert_eq!(finding.target.target_id, criterion.id);
        assert_eq!(
            finding.target.status.state == "satisfied",
            criterion.state == readiness::CriterionState::Met
        );
        assert_eq!(
            Property::find(&finding.props, "state"),
            Some(criterion.state.as_str())
        );
        assert_eq!(finding.related_observations.len(), criterion.controls.len());
        for related in &finding.related_observations {
            assert!(observations.contains(related.observation_uuid.as_str()));
            linked.insert(related.observation_uuid.as_str());
        }
    }
    assert_eq!(
        linked, observations,
        "every observation is linked from a finding"
    );
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.target.status.state == "satisfied")
    );
    assert!(
        result
            .findings
            .iter()
            .any(|f| f.target.status.state == "not-satisfied")
    );
    assert_eq!(
        Property::find(&result.props, "readiness"),
        Some(format!("{:.1}", assessment.overall.readiness).as_str())
    );
    let method = results
        .assessment_results
        .import_ap
        .href
        .trim_start_matches('#');
    assert!(
        results
            .assessment_results
            .back_matter
            .resources
            .iter()
            .any(|r| r.uuid == method)
    );
}

#[test]
fn excluded_criteria_are_reviewed_as_excluded_and_get_no_finding() {
    let program = "organisation: Small Co\nscope:\n  excluded_criteria:\n    - {criterion: CC6.4, reason: No offices}\n";
    let program_value: crate::model::Program = crate::store::from_yaml(program).unwrap();
    let approved = format!(
        "{program}scope_approval: {{by: a@example.com, at: 2026-01-02, digest: {}}}\n",
        crate::model::digest::scope(&program_value).current
    );
    let (store, assessment) = small(&approved);
    let result = &build(&store, &assessment, &pin())
        .assessment_results
        .assessment_results
        .results[0];
    let selection = &result.reviewed_controls.control_selections[0];
    assert_eq!(selection.include_controls.len(), 33);
    let excluded: Vec<&str> = selection
        .exclude_controls
        .iter()
        .map(|c| c.control_id.as_str())
        .collect();
    assert_eq!(excluded, ["CC6.4"]);
    assert_eq!(result.findings.len(), 32);
    assert!(
        result
            .findings
            .iter()
            .all(|f| f.target.target_id != "CC6.4")
    );
}

#[test]
fn uncommitted_changes_are_said_and_change_the_document_uuids() {
    let (store, assessment) = small("organisation: Small Co\n");
    let clean = build(&store, &assessment, &pin());
    let dirty = build(
        &store,
        &assessment,
        &Pin {
            uncommitted: true,
            ..pin()
        },
    );
    let metadata = &dirty.catalog.catalog.metadata;
    assert_eq!(
        Property::find(&metadata.props, "source"),
        Some("working-tree-with-uncommitted-changes")
    );
    assert!(
        metadata
            .remarks
            .as_ref()
            .unwrap()
            .contains("not yet committed")
    );
    assert_eq!(
        dirty
            .component_definition
            .component_definition
            .metadata
            .version,
        "0123456789ab+uncommitted"
    );
    assert_ne!(dirty.catalog.catalog.uuid, clean.catalog.catalog.uuid);
    assert_eq!(
        clean
            .component_definition
            .component_definition
            .metadata
            .version,
        "0123456789ab"
    );
}

#[test]
fn times_carry_the_commits_zone_when_oscal_allows_it() {
    let (store, assessment) = small("organisation: Small Co\n");
    let documents = build(&store, &assessment, &pin());
    assert_eq!(
        documents.catalog.catalog.metadata.last_modified,
        "2026-11-22T10:00:00+01:00"
    );
    let result = &documents.assessment_results.assessment_results.results[0];
    assert_eq!(result.start, "2026-11-23T00:00:00+01:00");
    assert_eq!(result.end, "2026-11-23T23:59:59+01:00");

    assert_eq!(zone(-210).local_minus_utc(), -210 * 60);
    assert_eq!(zone(-150).local_minus_utc(), 0, "no zone is UTC-02:30");
    assert_eq!(zone(345).local_minus_utc(), 345 * 60);
    assert_eq!(zone(-13 * 60).local_minus_utc(), 0, "no zone is UTC-13");
    assert_eq!(zone(17).local_minus_utc(), 0);
    let odd = Pin {
        offset_minutes: 17,
        ..pin()
    };
    assert_eq!(
        build(&store, &assessment, &odd)
            .catalog
            .catalog
            .metadata
            .last_modified,
        "2026-11-22T09:00:00+00:00"
    );
}
