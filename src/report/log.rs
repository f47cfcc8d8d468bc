//! `soc2 log`: the audit trail as a table.

use super::{Style, plural, table};
use crate::trail::Entry;

pub fn render(entries: &[Entry], style: Style) -> String {
    if entries.is_empty() {
        return "No changes to the store in this history.\n".to_string();
    }
    let mut t = table(&["Date", "Author", "Action", "Object", "Commit", "Summary"]);
    for e in entries {
        t.add_row(vec![
            e.date.to_string(),
            e.author.email.clone(),
            e.action.clone(),
            e.objects.join(", "),
            e.commit[..12].to_string(),
            e.summary.clone(),
        ]);
    }
    format!("{t}\n{}\n", style.dim(&plural(entries.len(), "change")))
}
