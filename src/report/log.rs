//! `soc2 log`: the audit trail as a table.

use super::{Style, plural, table};
use crate::trail::Entry;

/// At most this many objects are named in a row; JSON has them all.
const OBJECTS_SHOWN: usize = 3;

/// `AC-01, AC-02, AC-03 and 47 more`.
fn objects_text(objects: &[String]) -> String {
    if objects.len() <= OBJECTS_SHOWN + 1 {
        return objects.join(", ");
    }
    format!(
        "{} and {} more",
        objects[..OBJECTS_SHOWN].join(", "),
        objects.len() - OBJECTS_SHOWN
    )
}

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
            objects_text(&e.objects),
            e.commit[..12].to_string(),
            e.summary.clone(),
        ]);
    }
    format!("{t}\n{}\n", style.dim(&plural(entries.len(), "change")))
}
