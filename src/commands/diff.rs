use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use clap::Args;
use serde::Serialize;

use super::{Context, Exit, ReportFormat, print};
use crate::catalog::Category;
use crate::readiness::{self, Assessment, ControlState, CriterionState, Score};
use crate::report::{self, Style, align_right, table};
use crate::store::{self, WorkTree};

/// Show what a change does to readiness: BASE against the working tree.
///
/// Compares overall and per-category readiness, the criteria and controls whose state
/// changed, and the evidence added. BASE defaults to the merge base with the default
/// branch (main), or HEAD's parent when on it. Both sides are judged on the same day.
/// `--format markdown` is ready to paste as a pull-request comment.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The revision to compare with
    pub base: Option<String>,

    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Serialize)]
struct Side {
    name: String,
    overall: Score,
}

#[derive(Debug, Serialize)]
struct CategoryChange {
    category: Category,
    before: Option<f64>,
    after: Option<f64>,
}

#[derive(Debug, Serialize)]
struct StateChange {
    id: String,
    before: Option<String>,
    after: Option<String>,
    /// Why the control is not ready now, for controls.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Debug, Serialize)]
struct Diff {
    base: Side,
    target: Side,
    categories: Vec<CategoryChange>,
    criteria: Vec<StateChange>,
    controls: Vec<StateChange>,
    new_evidence: Vec<String>,
    removed_evidence: Vec<String>,
}

pub fn run(context: &Context, args: DiffArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let base_rev = match args.base {
        Some(base) => base,
        None => repo.default_base()?,
    };
    let base_id = repo.resolve(&base_rev)?;
    let before = store::load(&repo.tree_source(&base_id)?)?;
    let (after, target_name) = match &context.global.rev {
        Some(rev) => (
            store::load(&repo.tree_source(rev)?)?,
            format!("revision {rev}"),
        ),
        None => (
            store::load(&WorkTree::new(repo.workdir()?))?,
            "working tree".to_string(),
        ),
    };
    for (name, loaded) in [(&base_rev, &before), (&target_name, &after)] {
        let errors = loaded.errors().count();
        if errors > 0 {
            eprintln!(
                "warning: {name} has {}; readiness counts only what loaded (`soc2 check` lists them)",
                report::plural(errors, "load error")
            );
        }
    }
    let a = readiness::assess(&before.store, context.today);
    let b = readiness::assess(&after.store, context.today);
    let base_name = if base_rev.len() >= 40 {
        base_id[..12].to_string()
    } else {
        format!("{base_rev} ({})", &base_id[..12])
    };
    let evidence = |s: &crate::model::Store| -> BTreeSet<String> {
        s.evidence
            .iter()
            .map(|e| crate::model::paths::evidence_id(&e.path))
            .collect()
    };
    let (old_evidence, new_evidence) = (evidence(&before.store), evidence(&after.store));
    let diff = Diff {
        base: Side {
            name: base_name,
            overall: a.overall,
        },
        target: Side {
            name: target_name,
            overall: b.overall,
        },
        categories: category_changes(&a, &b),
        criteria: changes(
            a.criteria
                .iter()
                .map(|c| (c.id.to_string(), criterion_state(c.state))),
            b.criteria
                .iter()
                .map(|c| (c.id.to_string(), criterion_state(c.state))),
            |_| None,
        ),
        controls: changes(
            a.controls
                .iter()
                .map(|c| (c.id.clone(), c.state.as_str().to_string())),
            b.controls
                .iter()
                .map(|c| (c.id.clone(), c.state.as_str().to_string())),
            |id| {
                b.control(id)
                    .filter(|c| c.state != ControlState::Ready)
                    .and_then(|c| c.primary_reason().map(|r| r.detail.clone()))
            },
        ),
        new_evidence: new_evidence.difference(&old_evidence).cloned().collect(),
        removed_evidence: old_evidence.difference(&new_evidence).cloned().collect(),
    };
    let text = match args.format {
        ReportFormat::Json => report::json(&diff),
        ReportFormat::Table => render_table(&diff, Style::for_stdout()),
        ReportFormat::Markdown => render_markdown(&diff),
    };
    print(&text)?;
    Ok(Exit::Success)
}

fn criterion_state(state: CriterionState) -> String {
    state.as_str().to_string()
}

fn category_changes(a: &Assessment, b: &Assessment) -> Vec<CategoryChange> {
    let mut map: BTreeMap<Category, (Option<f64>, Option<f64>)> = BTreeMap::new();
    for c in &a.categories {
        map.entry(c.category).or_default().0 = Some(c.score.readiness);
    }
    for c in &b.categories {
        map.entry(c.category).or_default().1 = Some(c.score.readiness);
    }
    map.into_iter()
        .map(|(category, (before, after))| CategoryChange {
            category,
            before,
            after,
        })
        .collect()
}

/// Items whose state differs between the two sides, in ID order.
fn changes(
    before: impl Iterator<Item = (String, String)>,
    after: impl Iterator<Item = (String, String)>,
    reason: impl Fn(&str) -> Option<String>,
) -> Vec<StateChange> {
    let mut map: BTreeMap<String, (Option<String>, Option<String>)> = BTreeMap::new();
    for (id, state) in before {
        map.entry(id).or_default().0 = Some(state);
    }
    for (id, state) in after {
        map.entry(id).or_default().1 = Some(state);
    }
    map.into_iter()
        .filter(|(_, (before, after))| before != after)
        .map(|(id, (before, after))| StateChange {
            reason: reason(&id),
            id,
            before,
            after,
        })
        .collect()
}

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

fn render_table(diff: &Diff, style: Style) -> String {
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
    if diff.criteria.is_empty()
        && diff.controls.is_empty()
        && diff.new_evidence.is_empty()
        && diff.removed_evidence.is_empty()
    {
        out.push_str("\nNo change in readiness.\n");
    }
    out
}

fn render_markdown(diff: &Diff) -> String {
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
