//! `soc2 risks`: the risk register by score, with its mitigating controls.

use super::{Style, align_right, plural, table};
use crate::readiness::risks::{RiskResult, RiskStatus};

pub fn render_table(risks: &[RiskResult], style: Style) -> String {
    let mut t = table(&[
        "Risk",
        "Title",
        "L",
        "I",
        "Score",
        "Treatment",
        "Status",
        "Owner",
        "Controls",
    ]);
    for r in risks {
        let controls: Vec<String> = r
            .controls
            .iter()
            .map(|c| format!("{} {}", c.id, c.state.map_or("(unknown)", |s| s.as_str())))
            .collect();
        t.add_row(vec![
            r.id.clone(),
            r.title.clone(),
            r.likelihood.to_string(),
            r.impact.to_string(),
            r.score.to_string(),
            r.treatment.as_str().to_string(),
            r.status.as_str().to_string(),
            r.owner.clone().unwrap_or_default(),
            controls.join(", "),
        ]);
    }
    align_right(&mut t, &[2, 3, 4]);
    let open = risks
        .iter()
        .filter(|r| r.status == RiskStatus::Open)
        .count();
    let summary = format!("{}, {open} open", plural(risks.len(), "risk"));
    format!("{t}\n{}\n", style.dim(&summary))
}
