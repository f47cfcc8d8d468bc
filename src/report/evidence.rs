//! `soc2 evidence list`: evidence records, newest first.

use super::{Style, plural, table};
use crate::links::EvidenceSummary;

pub fn render_table(rows: &[EvidenceSummary], style: Style) -> String {
    let mut t = table(&[
        "Evidence",
        "Collected",
        "Covers",
        "Kind",
        "Files",
        "Description",
    ]);
    for row in rows {
        let covered = row.record.covered();
        t.add_row(vec![
            row.id.clone(),
            row.record.collected_at.to_string(),
            format!("{}..{}", covered.from, covered.to),
            row.record.kind.as_str().to_string(),
            row.record.files.len().to_string(),
            match &row.not_counted {
                Some(reason) => format!("does not count: {reason}"),
                None => row.record.description.clone().unwrap_or_default(),
            },
        ]);
    }
    format!("{t}\n{}\n", style.dim(&plural(rows.len(), "record")))
}
