//! `soc2 policies`: approval, last review and next review of each policy.

use super::{Style, plural, table};
use crate::readiness::PolicyResult;

pub fn render_table(policies: &[PolicyResult], style: Style) -> String {
    let mut t = table(&[
        "Policy",
        "Title",
        "Owner",
        "Version",
        "Approval",
        "Last review",
        "Review due",
    ]);
    for p in policies {
        let due = match p.review_due {
            Some(due) if p.overdue => format!("{due} (overdue)"),
            Some(due) => due.to_string(),
            None => "-".to_string(),
        };
        t.add_row(vec![
            p.id.clone(),
            p.title.clone(),
            p.owner.clone().unwrap_or_default(),
            p.version.to_string(),
            p.approval.describe().to_string(),
            p.last_review.map_or("-".to_string(), |d| d.to_string()),
            due,
        ]);
    }
    format!("{t}\n{}\n", style.dim(&plural(policies.len(), "policy")))
}
