//! `soc2 controls`: the controls with their readiness state.

use serde::{Deserialize, Serialize};

use super::{Style, plural, table};
use crate::readiness::ControlResult;
use crate::store::integrity::Distrusted;

/// One control as `controls --format json` lists it: its readiness, and the evidence
/// of it that does not count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlRow {
    #[serde(flatten)]
    pub result: ControlResult,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_counted: Vec<Distrusted>,
}

/// The rows of `controls`, with the evidence set aside (see `audit::set_aside`).
pub fn rows(controls: &[&ControlResult], distrusted: &[Distrusted]) -> Vec<ControlRow> {
    controls
        .iter()
        .map(|c| ControlRow {
            result: (*c).clone(),
            not_counted: distrusted
                .iter()
                .filter(|d| d.control == c.id)
                .cloned()
                .collect(),
        })
        .collect()
}

pub fn render_table(rows: &[ControlRow], style: Style) -> String {
    let mut t = table(&[
        "Control",
        "Title",
        "Owner",
        "Status",
        "Frequency",
        "State",
        "Criteria",
    ]);
    for row in rows {
        let c = &row.result;
        t.add_row(vec![
            c.id.clone(),
            c.title.clone(),
            c.owner.clone().unwrap_or_default(),
            c.status.as_str().to_string(),
            c.frequency.as_str().to_string(),
            c.state.as_str().to_string(),
            c.criteria.join(", "),
        ]);
    }
    let ready = rows.iter().filter(|r| r.result.is_ready()).count();
    let summary = format!("{} ({ready} ready)", plural(rows.len(), "control"));
    let mut out = format!("{t}\n{}\n", style.dim(&summary));
    let not_counted: Vec<&Distrusted> = rows.iter().flat_map(|r| &r.not_counted).collect();
    if !not_counted.is_empty() {
        out.push_str(&format!(
            "\nEvidence that does not count ({}):\n",
            not_counted.len()
        ));
        for d in not_counted {
            out.push_str(&format!("  {}: {}\n", d.id, d.reason));
        }
    }
    out
}
