//! The store in OSCAL (NIST's Open Security Controls Assessment Language), for
//! compliance tools to read: three OSCAL 1.2 JSON documents.
//!
//! - `catalog.json`: the 61 criteria of the built-in catalogue (ids, our short titles,
//!   category, series, COSO principle), grouped by category, then series.
//! - `component-definition.json`: one component per control of the store, with the
//!   criteria it maps to as implemented requirements of `catalog.json`.
//! - `assessment-results.json`: one result for the day judged: a finding per in-scope
//!   criterion, an observation per control that counts for one, readiness as props.
//!
//! Documents are a pure function of the store, its assessment and the commit it was
//! read from ([`Pin`]): uuids are version 5, derived from names (the organisation, a
//! control or criterion id, the commit, the day judged), and dates come from the
//! commit, so two exports of one commit on one day are byte-identical.

mod catalog;
mod components;
pub mod model;
mod results;

use chrono::{DateTime, FixedOffset, NaiveTime};
use serde::Serialize;
use uuid::Uuid;

use crate::model::{Date, Store};
use crate::readiness::Assessment;

use self::model::{
    AssessmentResultsDocument, CatalogDocument, ComponentDefinitionDocument, Metadata, Party,
    Property,
};

/// The OSCAL version the documents follow (and are tested against).
pub const OSCAL_VERSION: &str = "1.2.3";
/// The namespace of soc2's own property names.
pub const NAMESPACE: &str = "https://soc2.dev/ns/oscal";

pub const CATALOG_FILE: &str = "catalog.json";
pub const COMPONENT_DEFINITION_FILE: &str = "component-definition.json";
pub const ASSESSMENT_RESULTS_FILE: &str = "assessment-results.json";

/// The commit the store was read from, and when its content last changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    pub commit: String,
    /// When the content last changed, as seconds since the epoch and an offset in
    /// minutes: the commit's committer time, or for uncommitted changes the moment of
    /// the export.
    pub time: i64,
    pub offset_minutes: i32,
    /// Read from the working tree with uncommitted changes to the store on top of
    /// `commit`: the documents are then not pinned to a commit.
    pub uncommitted: bool,
}

impl Pin {
    fn short(&self) -> &str {
        &self.commit[..self.commit.len().min(12)]
    }

    /// The document version: the commit, marked when changes were not committed.
    fn version(&self) -> String {
        if self.uncommitted {
            format!("{}+uncommitted", self.short())
        } else {
            self.short().to_string()
        }
    }

    /// What names a revision of the documents: the commit, and for uncommitted
    /// changes the moment of the export too.
    fn revision(&self) -> String {
        if self.uncommitted {
            format!("{}+uncommitted@{}", self.commit, self.time)
        } else {
            self.commit.clone()
        }
    }
}

/// The three documents, as data.
#[derive(Clone, Debug, PartialEq)]
pub struct Documents {
    pub catalog: CatalogDocument,
    pub component_definition: ComponentDefinitionDocument,
    pub assessment_results: AssessmentResultsDocument,
}

/// What an export holds, for the command to say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: Vec<String>,
    pub criteria: usize,
    pub components: usize,
    pub findings: usize,
    pub satisfied: usize,
    pub observations: usize,
}

/// The documents of `store`, judged in `assessment`, read from the commit `pin`.
pub fn build(store: &Store, assessment: &Assessment, pin: &Pin) -> Documents {
    let names = Names::new(&assessment.organisation, pin, assessment.today);
    Documents {
        catalog: catalog::build(&names),
        component_definition: components::build(&names, store, assessment),
        assessment_results: results::build(&names, assessment),
    }
}

/// The documents as files: (file name, JSON bytes), in a fixed order.
pub fn documents(store: &Store, assessment: &Assessment, pin: &Pin) -> Vec<(String, Vec<u8>)> {
    build(store, assessment, pin).files()
}

impl Documents {
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        vec![
            (CATALOG_FILE.to_string(), json(&self.catalog)),
            (
                COMPONENT_DEFINITION_FILE.to_string(),
                json(&self.component_definition),
            ),
            (
                ASSESSMENT_RESULTS_FILE.to_string(),
                json(&self.assessment_results),
            ),
        ]
    }

    pub fn summary(&self) -> Summary {
        let result = self.assessment_results.assessment_results.results.first();
        let findings = result.map_or(&[][..], |r| r.findings.as_slice());
        Summary {
            files: self.files().into_iter().map(|(name, _)| name).collect(),
            criteria: self
                .catalog
                .catalog
                .groups
                .iter()
                .flat_map(|g| &g.groups)
                .map(|g| g.controls.len())
                .sum(),
            components: self
                .component_definition
                .component_definition
                .components
                .len(),
            findings: findings.len(),
            satisfied: findings
                .iter()
                .filter(|f| f.target.status.state == results::SATISFIED)
                .count(),
            observations: result.map_or(0, |r| r.observations.len()),
        }
    }
}

fn json(document: &impl Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(document).expect("OSCAL documents serialise");
    bytes.push(b'\n');
    bytes
}

/// Uuids and times, derived from the export's names.
struct Names {
    organisation: String,
    revision: String,
    day: Date,
    pin: Pin,
    namespace: Uuid,
}

impl Names {
    fn new(organisation: &str, pin: &Pin, day: Date) -> Names {
        let organisation = line(organisation);
        Names {
            organisation: if organisation.is_empty() {
                "Unnamed organisation".to_string()
            } else {
                organisation
            },
            revision: pin.revision(),
            day,
            pin: pin.clone(),
            namespace: Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE.as_bytes()),
        }
    }

    fn uuid(&self, parts: &[&str]) -> String {
        // A JSON array of the parts: unambiguous whatever characters they hold.
        let name = serde_json::to_string(parts).expect("strings serialise");
        Uuid::new_v5(&self.namespace, name.as_bytes()).to_string()
    }

    /// A uuid for a subject that stays the same across exports (a control, a
    /// requirement), as OSCAL asks of components.
    fn subject(&self, kind: &str, ids: &[&str]) -> String {
        let mut parts = vec![self.organisation.as_str(), kind];
        parts.extend_from_slice(ids);
        self.uuid(&parts)
    }

    /// A uuid for something that changes with each revision of the store (a
    /// document).
    fn revision(&self, kind: &str) -> String {
        self.uuid(&[&self.organisation, kind, &self.revision])
    }

    /// A uuid for a part of the assessment of one revision on one day.
    fn assessed(&self, kind: &str, ids: &[&str]) -> String {
        let day = self.day.to_string();
        let mut parts = vec![self.organisation.as_str(), kind, &self.revision, &day];
        parts.extend_from_slice(ids);
        self.uuid(&parts)
    }

    fn zone(&self) -> FixedOffset {
        zone(self.pin.offset_minutes)
    }

    fn last_modified(&self) -> String {
        DateTime::from_timestamp(self.pin.time, 0)
            .unwrap_or_default()
            .with_timezone(&self.zone())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }

    /// A time of the day judged, in the commit's time zone.
    fn on_day(&self, time: NaiveTime) -> String {
        self.day
            .0
            .and_time(time)
            .and_local_timezone(self.zone())
            .single()
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
            .unwrap_or_else(|| format!("{}T{}Z", self.day, time.format("%H:%M:%S")))
    }

    /// The organisation, as a party of one document (uuids are unique across the
    /// documents, so each names it with its own).
    fn party(&self, document: &str) -> Party {
        Party {
            uuid: self.subject("party", &[document]),
            kind: "organization".to_string(),
            name: self.organisation.clone(),
        }
    }

    /// Metadata of a document of the store's revision.
    fn metadata(&self, title: String, version: String) -> Metadata {
        let mut props = vec![prop("commit", &self.pin.commit)];
        if self.pin.uncommitted {
            props.push(prop("source", "working-tree-with-uncommitted-changes"));
        }
        Metadata {
            title,
            last_modified: self.last_modified(),
            version,
            oscal_version: OSCAL_VERSION.to_string(),
            props,
            parties: Vec::new(),
            remarks: self.pin.uncommitted.then(|| {
                format!(
                    "Read from the working tree, with changes to the store not yet committed on top of commit {}: this export is not pinned to a commit, and its uuids and last-modified are the moment of the export.",
                    self.pin.commit
                )
            }),
        }
    }
}

/// The commit's time zone, when OSCAL's date-time pattern allows it; UTC otherwise
/// (git accepts any offset, OSCAL only the real zones').
fn zone(offset_minutes: i32) -> FixedOffset {
    const HALF_AND_QUARTER_HOURS: [i32; 11] = [
        -9 * 60 - 30,
        -3 * 60 - 30,
        3 * 60 + 30,
        4 * 60 + 30,
        5 * 60 + 30,
        6 * 60 + 30,
        9 * 60 + 30,
        10 * 60 + 30,
        5 * 60 + 45,
        8 * 60 + 45,
        12 * 60 + 45,
    ];
    let whole = offset_minutes % 60 == 0 && (-12 * 60..=14 * 60).contains(&offset_minutes);
    let allowed = whole || HALF_AND_QUARTER_HOURS.contains(&offset_minutes);
    let seconds = if allowed { offset_minutes * 60 } else { 0 };
    FixedOffset::east_opt(seconds).unwrap_or(FixedOffset::east_opt(0).expect("UTC"))
}

/// A property in soc2's namespace.
fn prop(name: &str, value: &str) -> Property {
    Property {
        name: name.to_string(),
        ns: Some(NAMESPACE.to_string()),
        value: line(value),
        class: None,
        remarks: None,
    }
}

/// Text on one line, spaces collapsed: what OSCAL's titles and values allow.
fn line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `line`, or `fallback` when nothing is left.
fn line_or(text: Option<&str>, fallback: &str) -> String {
    let text = line(text.unwrap_or_default());
    if text.is_empty() {
        fallback.to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests;
