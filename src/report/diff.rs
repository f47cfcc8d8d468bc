//! `soc2 diff`: a table for people and Markdown for a pull-request comment.

use super::{Style, align_right, table};
use crate::diff::{Diff, StateChange};

fn pct(value: Option<f64>) -> String {
    value.map_or("-".to_string(), |v| format!("{v:.1}%"))
}

fn delta(before: Option<f64>, after: Option<f64>) -> String {
    match (before, after) {
        (Some(b), Some(a)) if (a - b).abs() < 0.05 => "=".to_string(),
        (Some(b), Some(a)) => format!("{:+.1}", a - b),
        _ => String::new(),
    }
}

fn state(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(none)")
}

pub fn render_table(diff: &Diff, style: Style) -> String {
    let (b, a) = (diff.base.overall.readiness, diff.target.overall.readiness);
    let mut out = format!(
        "{}\n\n",
        style.bold(&format!(
            "Readiness {} -> {} ({}), {} against {}",
            pct(Some(b)),
            pct(Some(a)),
            delta(Some(b), Some(a)),
            diff.target.name,
            diff.base.name
        ))
    );
    let mut t = table(&["Category", "Before", "After", "Change"]);
    for c in &diff.categories {
        t.add_row(vec![
            c.category.to_string(),
            pct(c.before),
            pct(c.after),
            delta(c.before, c.after),
        ]);
    }
    align_right(&mut t, &[1, 2, 3]);
    out.push_str(&format!("{t}\n"));
    let section = |out: &mut String, title: &str, items: &[StateChange]| {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!(
            "\n{}\n",
            style.bold(&format!("{title} ({})", items.len()))
        ));
        for item in items {
            let reason = item
                .reason
                .as_ref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {:<8} {} -> {}{reason}\n",
                item.id,
                state(&item.before),
                state(&item.after)
            ));
        }
    };
    section(&mut out, "Criteria that changed", &diff.criteria);
    section(&mut out, "Controls that changed", &diff.controls);
    for (title, items) in [
        ("New evidence", &diff.new_evidence),
        ("Removed evidence", &diff.removed_evidence),
    ] {
        if !items.is_empty() {
            out.push_str(&format!(
                "\n{}\n",
                style.bold(&format!("{title} ({})", items.len()))
            ));
            for id in items {
                out.push_str(&format!("  {id}\n"));
            }
        }
    }
    if diff.is_empty() {
        out.push_str("\nNo change in readiness.\n");
    }
    out
}

pub fn render_markdown(diff: &Diff) -> String {
    let (b, a) = (diff.base.overall.readiness, diff.target.overall.readiness);
    let mut out = format!(
        "### SOC 2 readiness: {} → {} ({})\n\nComparing the {} with `{}`.\n\n| Category | Before | After | Change |\n|---|--:|--:|--:|\n",
        pct(Some(b)),
        pct(Some(a)),
        delta(Some(b), Some(a)),
        diff.target.name,
        diff.base.name
    );
    for c in &diff.categories {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            c.category,
            pct(c.before),
            pct(c.after),
            delta(c.before, c.after)
        ));
    }
    let section = |out: &mut String, title: &str, items: &[StateChange]| {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("\n**{title}**\n\n"));
        for item in items {
            let reason = item
                .reason
                .as_ref()
                .map(|r| format!(": {}", r.replace('|', "\\|")))
                .unwrap_or_default();
            out.push_str(&format!(
                "- `{}` {} → {}{reason}\n",
                item.id,
                state(&item.before),
                state(&item.after)
            ));
        }
    };
    section(&mut out, "Criteria that changed", &diff.criteria);
    section(&mut out, "Controls that changed", &diff.controls);
    if !diff.new_evidence.is_empty() {
        out.push_str("\n**New evidence**\n\n");
        for id in &diff.new_evidence {
            out.push_str(&format!("- `{id}`\n"));
        }
    }
    if !diff.removed_evidence.is_empty() {
        out.push_str("\n**Removed evidence**\n\n");
        for id in &diff.removed_evidence {
            out.push_str(&format!("- `{id}`\n"));
        }
    }
    out
}
