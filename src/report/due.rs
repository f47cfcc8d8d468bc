//! `soc2 due`: the work overdue or due soon, as a table.

use super::{Style, plural, table};
use crate::model::Date;
use crate::readiness::due::DueItem;

pub fn render(items: &[DueItem], until: Date, style: Style) -> String {
    if items.is_empty() {
        return format!("Nothing overdue and nothing due by {until}.\n");
    }
    let mut t = table(&["Due", "State", "Kind", "ID", "Owner", "What"]);
    for item in items {
        t.add_row(vec![
            item.date.to_string(),
            if item.overdue { "overdue" } else { "due" }.to_string(),
            item.kind.as_str().to_string(),
            item.id.clone(),
            item.owner.clone().unwrap_or_else(|| "-".to_string()),
            item.what.clone(),
        ]);
    }
    let overdue = items.iter().filter(|i| i.overdue).count();
    let summary = format!(
        "{} due by {until}, {overdue} overdue",
        plural(items.len(), "item")
    );
    format!("{t}\n{}\n", style.dim(&summary))
}
