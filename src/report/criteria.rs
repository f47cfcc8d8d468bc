//! `soc2 criteria`: the built-in catalogue.

use super::{Style, table};
use crate::catalog::Criterion;

pub fn render_table(criteria: &[&Criterion], style: Style) -> String {
    let mut out = String::new();
    let mut t = table(&["ID", "Category", "Series", "COSO", "Title"]);
    for c in criteria {
        t.add_row(vec![
            c.id.to_string(),
            c.category.to_string(),
            format!("{} {}", c.series, c.series_name),
            c.coso_principle.map(|p| p.to_string()).unwrap_or_default(),
            c.title.to_string(),
        ]);
    }
    out.push_str(&format!("{t}\n"));
    out.push_str(&style.dim(&format!(
        "{} criteria. Titles are short summaries; the AICPA's text defines each criterion.\n",
        criteria.len()
    )));
    out
}
