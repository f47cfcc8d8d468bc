//! `soc2 program`: the 20 steps with their state, owner, target and reason.

use super::{Style, table};
use crate::program::{ProgramView, StepResult, StepState};

fn title_line(view: &ProgramView) -> String {
    let mut line = format!(
        "{}: the SOC 2 program on {} ({} of {} steps done",
        view.organisation,
        view.today,
        view.done,
        view.steps.len()
    );
    if view.late > 0 {
        line.push_str(&format!(", {} late", view.late));
    }
    line.push(')');
    line
}

fn target_text(step: &StepResult) -> String {
    match (step.target, step.late) {
        (Some(t), true) => format!("{t} (late)"),
        (Some(t), false) => t.to_string(),
        (None, _) => "-".to_string(),
    }
}

fn shortened(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

fn state_text(step: &StepResult, style: Style) -> String {
    let text = step.state.as_str();
    match step.state {
        StepState::Done => style.green(text),
        StepState::Blocked => style.dim(text),
        _ if step.late => style.red(text),
        _ => text.to_string(),
    }
}

/// The first steps not done, with what to do next.
fn next_steps(view: &ProgramView, count: usize) -> Vec<&StepResult> {
    view.steps
        .iter()
        .filter(|s| s.state != StepState::Done && s.state != StepState::Blocked)
        .filter(|s| s.next.is_some())
        .take(count)
        .collect()
}

pub fn render_table(view: &ProgramView, style: Style) -> String {
    let mut out = format!("{}\n\n", style.bold(&title_line(view)));
    let mut t = table(&["#", "Step", "State", "Owner", "Target", "Reason"]);
    for step in &view.steps {
        t.add_row(vec![
            step.number.to_string(),
            step.title.clone(),
            state_text(step, style),
            step.owner.clone().unwrap_or_else(|| "-".to_string()),
            target_text(step),
            shortened(&step.reason, 80),
        ]);
    }
    super::align_right(&mut t, &[0]);
    out.push_str(&format!("{t}\n"));
    let next = next_steps(view, 3);
    if !next.is_empty() {
        out.push_str(&format!("\n{}\n", style.bold("Next:")));
        for step in next {
            out.push_str(&format!(
                "  {:>2}. {}\n",
                step.number,
                step.next.as_deref().unwrap_or_default()
            ));
        }
    }
    out
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render_markdown(view: &ProgramView) -> String {
    let mut out = format!("## {}\n\n", title_line(view));
    out.push_str("| # | Step | State | Owner | Target | Reason |\n|--:|---|---|---|---|---|\n");
    for step in &view.steps {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            step.number,
            md_cell(&step.title),
            step.state.as_str(),
            md_cell(step.owner.as_deref().unwrap_or("-")),
            target_text(step),
            md_cell(&step.reason)
        ));
    }
    let next = next_steps(view, 3);
    if !next.is_empty() {
        out.push_str("\n### Next\n\n");
        for step in next {
            out.push_str(&format!(
                "{}. {}\n",
                step.number,
                md_cell(step.next.as_deref().unwrap_or_default())
            ));
        }
    }
    out
}

/// What `soc2 init` prints: the program's first steps, with what to do for each.
pub fn render_first_steps(view: &ProgramView, count: usize) -> String {
    let mut out = String::new();
    for step in view.steps.iter().take(count) {
        let target = step
            .target
            .map(|t| format!(" (target {t})"))
            .unwrap_or_default();
        out.push_str(&format!("  {}. {}{target}\n", step.number, step.title));
        if let Some(next) = &step.next {
            out.push_str(&format!("       {next}\n"));
        }
    }
    out
}
