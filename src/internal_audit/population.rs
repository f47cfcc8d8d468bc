//! The population of a control over a span: each evidence record that covers part of
//! it is one occurrence; a control with population files lists its events there
//! instead (rows dated inside the span), each matched to the evidence records that
//! name it in `events`. `no-occurrence` records are not occurrences: they say that
//! there were none.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::model::paths::evidence_id;
use crate::model::{
    Covers, Date, Evidence, EvidenceResult, PopulationFile, PopulationSource, Record, Sha256Hex,
    Store,
};

/// The occurrences of a control in a span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Population {
    pub control: String,
    pub span: Covers,
    pub source: PopulationSource,
    /// The population files read, when the source is `populations`.
    pub files: Vec<String>,
    /// In order of date, then ID.
    pub items: Vec<PopulationItem>,
    /// `no-occurrence` evidence records covering part of the span.
    pub no_occurrence: Vec<String>,
    /// sha256 of the items' IDs, one per line in this order.
    pub digest: Sha256Hex,
}

/// One occurrence.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopulationItem {
    /// An evidence ID, or a population row's ID.
    pub id: String,
    /// The event's date, or the day the evidence was collected.
    pub date: Date,
    /// For an evidence record: the days it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<Covers>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Evidence records that show it (a record is its own evidence).
    pub evidence: Vec<String>,
    /// Who collected that evidence.
    pub collected_by: Vec<String>,
    /// An evidence record that shows a deviation.
    pub deviation: bool,
    /// Where the row is: `populations/CM-03/2026-Q3.csv:14`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Population {
    /// Items with no evidence (rows of a population file nobody has evidenced).
    pub fn unevidenced(&self) -> usize {
        self.items.iter().filter(|i| i.evidence.is_empty()).count()
    }

    pub fn ids(&self) -> Vec<&str> {
        self.items.iter().map(|i| i.id.as_str()).collect()
    }
}

/// The digest a test records of its population.
pub fn digest(ids: &[&str]) -> Sha256Hex {
    let mut text = String::new();
    for id in ids {
        text.push_str(id);
        text.push('\n');
    }
    Sha256Hex::of(text.as_bytes())
}

/// The population of `control` over `span`.
pub fn population(store: &Store, control: &str, span: Covers) -> Population {
    let evidence: Vec<_> = store
        .evidence
        .iter()
        .filter(|e| e.value.control == control)
        .collect();
    let files: Vec<_> = store
        .populations
        .iter()
        .filter(|f| f.control == control)
        .collect();
    population_of(control, &evidence, &files, span)
}

/// The population of each of `controls` over `span`, in their order: the store's
/// evidence and population files are sorted by control once, not scanned per control.
pub fn populations<'a>(
    store: &Store,
    controls: impl IntoIterator<Item = &'a str>,
    span: Covers,
) -> Vec<Population> {
    let evidence = store.evidence_by_control();
    let mut files: HashMap<&str, Vec<&PopulationFile>> = HashMap::new();
    for file in &store.populations {
        files.entry(file.control.as_str()).or_default().push(file);
    }
    controls
        .into_iter()
        .map(|control| {
            let evidence = evidence.get(control).map_or(&[][..], Vec::as_slice);
            let files = files.get(control).map_or(&[][..], Vec::as_slice);
            population_of(control, evidence, files, span)
        })
        .collect()
}

/// The population among one control's evidence records and population files.
fn population_of(
    control: &str,
    evidence: &[&Record<Evidence>],
    files: &[&PopulationFile],
    span: Covers,
) -> Population {
    let no_occurrence = evidence
        .iter()
        .filter(|e| e.value.result() == EvidenceResult::NoOccurrence)
        .filter(|e| e.value.covered().overlaps(span.from, span.to))
        .map(|e| evidence_id(&e.path))
        .collect();
    let (source, mut items) = if files.is_empty() {
        let items: Vec<PopulationItem> = evidence
            .iter()
            .filter(|e| e.value.result() != EvidenceResult::NoOccurrence)
            .filter(|e| e.value.covered().overlaps(span.from, span.to))
            .map(|e| {
                let id = evidence_id(&e.path);
                PopulationItem {
                    date: e.value.collected_at,
                    covers: Some(e.value.covered()),
                    description: e.value.description.clone(),
                    evidence: vec![id.clone()],
                    collected_by: e.value.collected_by.iter().cloned().collect(),
                    deviation: e.value.result() == EvidenceResult::Deviation,
                    source: Some(e.path.clone()),
                    id,
                }
            })
            .collect();
        (PopulationSource::Evidence, items)
    } else {
        let items: Vec<PopulationItem> = files
            .iter()
            .flat_map(|f| f.rows.iter().map(move |r| (f, r)))
            .filter(|(_, r)| span.from <= r.date && r.date <= span.to)
            .map(|(file, row)| {
                let showing: Vec<_> = evidence
                    .iter()
                    .filter(|e| e.value.events.iter().any(|event| event == &row.id))
                    .collect();
                PopulationItem {
                    id: row.id.clone(),
                    date: row.date,
                    covers: None,
                    description: row.description.clone(),
                    evidence: showing.iter().map(|e| evidence_id(&e.path)).collect(),
                    collected_by: showing
                        .iter()
                        .filter_map(|e| e.value.collected_by.clone())
                        .collect(),
                    deviation: showing
                        .iter()
                        .any(|e| e.value.result() == EvidenceResult::Deviation),
                    source: Some(format!("{}:{}", file.path, row.line)),
                }
            })
            .collect();
        (PopulationSource::Populations, items)
    };
    items.sort_by(|a: &PopulationItem, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    let digest = digest(&ids);
    Population {
        control: control.to_string(),
        span,
        source,
        files: files.iter().map(|f| f.path.clone()).collect(),
        items,
        no_occurrence,
        digest,
    }
}
