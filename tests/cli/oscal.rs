//! `soc2 oscal`: the documents validate against NIST's OSCAL JSON Schemas (committed
//! under tests/oscal/, see its README), hold together across files, are the same bytes
//! for one commit, and bad input writes nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use soc2::oscal::model::{
    AssessmentResultsDocument, CatalogDocument, ComponentDefinitionDocument, Property,
};

use crate::common::Env;
use crate::fixtures::{committed_small_store, small_store};

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oscal");

/// (document written, the schema of its model).
const MODELS: [(&str, &str); 3] = [
    ("catalog.json", "oscal_catalog_schema.json"),
    ("component-definition.json", "oscal_component_schema.json"),
    (
        "assessment-results.json",
        "oscal_assessment-results_schema.json",
    ),
];

/// A folder outside the repository for the documents (the export is not part of the
/// store).
fn out(env: &Env, name: &str) -> PathBuf {
    env.repo.parent().unwrap().join(name)
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse<T: serde::de::DeserializeOwned>(dir: &Path, name: &str) -> T {
    serde_json::from_slice(&read(dir, name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every `uuid` value anywhere in a document.
fn uuids(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                match inner {
                    serde_json::Value::String(text) if key == "uuid" => out.push(text.clone()),
                    _ => uuids(inner, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| uuids(i, out)),
        _ => {}
    }
}

/// The schema errors of each document in `dir`, by file.
fn schema_errors(dir: &Path) -> Vec<String> {
    let mut errors = Vec::new();
    for (document, schema) in MODELS {
        let schema: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(Path::new(SCHEMAS).join(schema)).unwrap(),
        )
        .unwrap();
        let validator = jsonschema::validator_for(&schema)
            .unwrap_or_else(|e| panic!("{schema} does not compile: {e}"));
        let instance: serde_json::Value = parse(dir, document);
        for error in validator.iter_errors(&instance) {
            errors.push(format!("{document}{}: {error}", error.instance_path()));
        }
    }
    errors
}

#[test]
fn the_documents_validate_against_nists_schemas_and_hold_together() {
    let env = committed_small_store();
    let dir = out(&env, "oscal");
    let run = env.soc2(&["oscal", arg(&dir)]).success();
    insta::assert_snapshot!(run);
    assert_eq!(
        entries(&dir),
        [
            "assessment-results.json",
            "catalog.json",
            "component-definition.json"
        ]
    );
    assert_eq!(schema_errors(&dir), Vec::<String>::new());

    let catalog: CatalogDocument = parse(&dir, "catalog.json");
    let components: ComponentDefinitionDocument = parse(&dir, "component-definition.json");
    let results: AssessmentResultsDocument = parse(&dir, "assessment-results.json");
    let (catalog, components, results) = (
        catalog.catalog,
        components.component_definition,
        results.assessment_results,
    );

    // Every control-id and target names a control of the catalog.
    let criteria: BTreeSet<&str> = catalog
        .groups
        .iter()
        .flat_map(|g| &g.groups)
        .flat_map(|g| &g.controls)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(criteria.len(), 61);
    let mut named = Vec::new();
    for component in &components.components {
        for implementation in &component.control_implementations {
            // hrefs resolve: the source is the catalog beside the document.
            assert!(dir.join(&implementation.source).is_file());
            named.extend(
                implementation
                    .implemented_requirements
                    .iter()
                    .map(|r| r.control_id.clone()),
            );
        }
    }
    let result = &results.results[0];
    for selection in &result.reviewed_controls.control_selections {
        named.extend(
            selection
                .include_controls
                .iter()
                .map(|c| c.control_id.clone()),
        );
        named.extend(
            selection
                .exclude_controls
                .iter()
                .map(|c| c.control_id.clone()),
        );
    }
    named.extend(result.findings.iter().map(|f| f.target.target_id.clone()));
    assert!(named.len() > 40);
    for id in &named {
        assert!(criteria.contains(id.as_str()), "{id} is not in the catalog");
    }

    // import-ap points at a resource of the back matter; other links at files beside.
    let method = results.import_ap.href.strip_prefix('#').unwrap();
    assert!(
        results
            .back_matter
            .resources
            .iter()
            .any(|r| r.uuid == method)
    );
    for resource in &results.back_matter.resources {
        for link in &resource.rlinks {
            assert!(dir.join(&link.href).is_file(), "{}", link.href);
        }
    }
    let observations: BTreeSet<&str> = result
        .observations
        .iter()
        .map(|o| o.uuid.as_str())
        .collect();
    for finding in &result.findings {
        for related in &finding.related_observations {
            assert!(observations.contains(related.observation_uuid.as_str()));
        }
    }

    // Uuids are unique across the three files.
    let mut all = Vec::new();
    for (document, _) in MODELS {
        uuids(&parse(&dir, document), &mut all);
    }
    let unique: BTreeSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
    assert!(all.len() > 50);
}

#[test]
fn a_document_that_breaks_the_schema_is_caught() {
    // The validation above can fail: a finding without its target is not OSCAL.
    let env = committed_small_store();
    let dir = out(&env, "oscal");
    env.soc2(&["oscal", arg(&dir)]).success();
    let text = String::from_utf8(read(&dir, "assessment-results.json")).unwrap();
    std::fs::write(
        dir.join("assessment-results.json"),
        text.replacen("\"target\"", "\"aim\"", 1),
    )
    .unwrap();
    let errors = schema_errors(&dir);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("assessment-results.json")),
        "{errors:?}"
    );
}

#[test]
fn the_schemas_are_the_ones_noted() {
    let readme = std::fs::read_to_string(Path::new(SCHEMAS).join("README.md")).unwrap();
    for (_, schema) in MODELS {
        let bytes = std::fs::read(Path::new(SCHEMAS).join(schema)).unwrap();
        let digest = soc2::model::Sha256Hex::of(&bytes).to_string();
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{schema}`")))
            .unwrap_or_else(|| panic!("{schema} is not in tests/oscal/README.md"));
        assert!(
            row.contains(&digest),
            "{schema} is not the file noted: {digest}"
        );
    }
}

#[test]
fn the_results_follow_readiness() {
    let env = committed_small_store();
    let dir = out(&env, "oscal");
    env.soc2(&["oscal", arg(&dir)]).success();
    let status = env.soc2(&["status", "--format", "json"]).status();
    let results: AssessmentResultsDocument = parse(&dir, "assessment-results.json");
    let result = &results.assessment_results.results[0];

    assert_eq!(
        Property::find(&result.props, "readiness"),
        Some(format!("{:.1}", status.overall.readiness).as_str())
    );
    assert_eq!(
        Property::find(&result.props, "judged-on"),
        Some("2026-11-22")
    );
    assert_eq!(result.findings.len(), status.overall.total);
    let satisfied = result
        .findings
        .iter()
        .filter(|f| f.target.status.state == "satisfied")
        .count();
    assert_eq!(satisfied, status.overall.met);

    // CC6.4 is excluded (approved scope): reviewed as excluded, no finding.
    let selection = &result.reviewed_controls.control_selections[0];
    let excluded: Vec<&str> = selection
        .exclude_controls
        .iter()
        .map(|c| c.control_id.as_str())
        .collect();
    assert_eq!(excluded, ["CC6.4"]);
    assert_eq!(selection.include_controls.len(), 33 + 3);
    assert!(
        result
            .findings
            .iter()
            .all(|f| f.target.target_id != "CC6.4")
    );

    let finding = |id: &str| {
        result
            .findings
            .iter()
            .find(|f| f.target.target_id == id)
            .unwrap()
    };
    let observation = |uuid: &str| result.observations.iter().find(|o| o.uuid == uuid).unwrap();
    // CC6.1: AC-01 is ready, so met and satisfied.
    let cc61 = finding("CC6.1");
    assert_eq!(cc61.target.status.state, "satisfied");
    assert_eq!(Property::find(&cc61.props, "state"), Some("met"));
    let ac01 = observation(&cc61.related_observations[0].observation_uuid);
    assert_eq!(Property::find(&ac01.props, "control-id"), Some("AC-01"));
    assert_eq!(Property::find(&ac01.props, "state"), Some("ready"));
    // CC6.2: AC-01 ready, AC-02's evidence is stale: partial.
    let cc62 = finding("CC6.2");
    assert_eq!(cc62.target.status.state, "not-satisfied");
    assert_eq!(Property::find(&cc62.props, "state"), Some("partial"));
    assert_eq!(cc62.related_observations.len(), 2);
    let ac02 = observation(&cc62.related_observations[1].observation_uuid);
    assert_eq!(Property::find(&ac02.props, "state"), Some("stale-evidence"));
    // An uncovered criterion is not satisfied and links no observation.
    let cc11 = finding("CC1.1");
    assert_eq!(cc11.target.status.state, "not-satisfied");
    assert_eq!(Property::find(&cc11.props, "state"), Some("uncovered"));
    assert!(cc11.related_observations.is_empty());
}

#[test]
fn the_component_definition() {
    let env = committed_small_store();
    let dir = out(&env, "oscal");
    env.soc2(&["oscal", arg(&dir)]).success();
    let text = String::from_utf8(read(&dir, "component-definition.json")).unwrap();
    insta::assert_snapshot!(text);
}

#[test]
fn exports_of_one_commit_are_byte_identical() {
    let env = committed_small_store();
    let head = out(&env, "head");
    env.soc2(&["oscal", arg(&head)]).success();
    let again = out(&env, "again");
    env.soc2(&["oscal", arg(&again)]).success();
    let rev = out(&env, "rev");
    env.soc2(&["oscal", arg(&rev), "--rev", "HEAD"]).success();
    // The commit is dated 2026-11-22, the day the tests act as of.
    let as_of = out(&env, "as-of");
    env.soc2(&["oscal", arg(&as_of), "--as-of", "2026-11-22"])
        .success();
    for (document, _) in MODELS {
        let bytes = read(&head, document);
        for other in [&again, &rev, &as_of] {
            assert!(
                bytes == read(other, document),
                "{document} differs in {other:?}"
            );
        }
    }

    // Another day judged is another assessment, of the same catalog and controls.
    let later = out(&env, "later");
    env.soc2(&["oscal", arg(&later), "--today", "2027-01-10"])
        .success();
    assert_eq!(read(&later, "catalog.json"), read(&head, "catalog.json"));
    assert_ne!(
        read(&later, "assessment-results.json"),
        read(&head, "assessment-results.json")
    );
}

#[test]
fn the_documents_are_pinned_to_the_commit_read() {
    let env = committed_small_store();
    let first = env.git(&["rev-parse", "HEAD"]).trim().to_string();
    env.write(
        "controls/AC-03.yaml",
        "id: AC-03\ntitle: Password manager\nstatus: planned\nfrequency: annual\n",
    );
    env.commit_all("AC-03");

    let past = out(&env, "past");
    env.soc2(&["oscal", arg(&past), "--rev", "HEAD~1"])
        .success();
    let components: ComponentDefinitionDocument = parse(&past, "component-definition.json");
    let metadata = &components.component_definition.metadata;
    assert_eq!(metadata.version, first[..12]);
    assert_eq!(
        Property::find(&metadata.props, "commit"),
        Some(first.as_str())
    );
    assert_eq!(metadata.last_modified, "2026-11-22T09:00:00+00:00");
    assert_eq!(components.component_definition.components.len(), 5);

    let now = out(&env, "now");
    env.soc2(&["oscal", arg(&now)]).success();
    let components: ComponentDefinitionDocument = parse(&now, "component-definition.json");
    assert_eq!(components.component_definition.components.len(), 6);
    // AC-03 maps to no criterion: a component without control implementations.
    let ac03 = &components.component_definition.components[2];
    assert_eq!(Property::find(&ac03.props, "control-id"), Some("AC-03"));
    assert!(ac03.control_implementations.is_empty());
    assert_eq!(schema_errors(&now), Vec::<String>::new());
}

#[test]
fn uncommitted_changes_are_exported_and_said() {
    let env = committed_small_store();
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Daily backups, restored monthly\nowner: carol@example.com\ncriteria: [A1.2, A1.3]\nstatus: designed\nfrequency: daily\n",
    );
    let dir = out(&env, "oscal");
    let run = env.soc2(&["oscal", arg(&dir)]).success();
    assert!(
        run.stderr
            .contains("warning: the store has uncommitted changes"),
        "{run}"
    );
    assert!(
        run.stdout.contains("uncommitted changes on commit"),
        "{run}"
    );
    let results: AssessmentResultsDocument = parse(&dir, "assessment-results.json");
    let metadata = &results.assessment_results.metadata;
    assert!(metadata.version.ends_with("+uncommitted"));
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
    assert_eq!(schema_errors(&dir), Vec::<String>::new());

    // A file outside the store (the export itself, a README) is not a change to it.
    env.git(&["checkout", "--", "controls/BC-01.yaml"]);
    env.write("notes.txt", "not part of the store\n");
    let clean = out(&env, "clean");
    let run = env.soc2(&["oscal", arg(&clean)]).success();
    assert!(run.stderr.is_empty(), "{run}");
}

#[test]
fn a_folder_that_is_not_empty_is_refused_unless_forced() {
    let env = committed_small_store();
    let dir = out(&env, "oscal");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.md"), "keep me\n").unwrap();
    let run = env.soc2(&["oscal", arg(&dir)]).code(2);
    insta::assert_snapshot!("not_empty", run);
    assert_eq!(entries(&dir), ["notes.md"]);

    env.soc2(&["oscal", arg(&dir), "--force"]).success();
    assert_eq!(
        entries(&dir),
        [
            "assessment-results.json",
            "catalog.json",
            "component-definition.json",
            "notes.md"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.md")).unwrap(),
        "keep me\n"
    );
    // Forced again over its own documents: replaced, nothing left beside them.
    env.soc2(&["oscal", arg(&dir), "--force"]).success();
    assert_eq!(entries(&dir).len(), 4);

    // An empty folder is fine; a file where the folder should be is not.
    let empty = out(&env, "empty");
    std::fs::create_dir_all(&empty).unwrap();
    env.soc2(&["oscal", arg(&empty)]).success();
    let file = out(&env, "file");
    std::fs::write(&file, "").unwrap();
    let run = env.soc2(&["oscal", arg(&file)]).code(2);
    assert!(run.stderr.contains("is not a folder"), "{run}");
}

#[test]
fn a_store_with_load_errors_is_refused_and_nothing_is_written() {
    let env = Env::new();
    small_store(&env);
    env.write(
        "controls/AC-02.yaml",
        "id: AC-02\ntitle: Access review\nstatus: sometimes\nfrequency: quarterly\n",
    );
    env.commit_all("broken");
    let dir = out(&env, "nested/oscal");
    let run = env.soc2(&["oscal", arg(&dir)]).code(2);
    insta::assert_snapshot!("load_errors", run);
    assert!(!out(&env, "nested").exists());
}

#[test]
fn a_store_without_a_commit_is_refused() {
    let env = Env::new();
    small_store(&env);
    let dir = out(&env, "oscal");
    let run = env.soc2(&["oscal", arg(&dir)]).code(2);
    insta::assert_snapshot!("no_commit", run);
    assert!(!dir.exists());
}
