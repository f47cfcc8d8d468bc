//! `soc2 controls`: the controls with their readiness state.

use super::{Style, plural, table};
use crate::readiness::ControlResult;

pub fn render_table(controls: &[&ControlResult], style: Style) -> String {
    let mut t = table(&[
        "Control",
        "Title",
        "Owner",
        "Status",
        "Frequency",
        "State",
        "Criteria",
    ]);
    for c in controls {
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
    let ready = controls.iter().filter(|c| c.is_ready()).count();
    let summary = format!("{} ({ready} ready)", plural(controls.len(), "control"));
    format!("{t}\n{}\n", style.dim(&summary))
}
