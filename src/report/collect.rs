//! `soc2 collect`: what ran, what was recorded, what failed.

use super::{Style, plural, table};
use crate::collect::{CollectReport, Decision, RunResult};

pub fn render(report: &CollectReport, style: Style) -> String {
    if report.collectors.is_empty() {
        return "No collectors: give a control a `collect:` list (see `soc2 schema control`).\n"
            .to_string();
    }
    let mut t = table(&["Control", "Collector", "Window", "Command", "Result"]);
    for c in &report.collectors {
        let result = match (&c.decision, &c.outcome) {
            (_, Some(outcome)) => {
                let what = match outcome.result {
                    RunResult::Operated => style.green("recorded"),
                    RunResult::Deviation => style.red("failed, recorded as a deviation"),
                    RunResult::Failed => style.red("failed, not recorded"),
                };
                match (&outcome.recorded, &outcome.reason) {
                    (Some(id), Some(reason)) => format!("{what}: {id}\n{reason}"),
                    (Some(id), None) => format!("{what}: {id}"),
                    (None, Some(reason)) => format!("{what}\n{reason}"),
                    (None, None) => what,
                }
            }
            (Decision::Due, None) => "due: would run".to_string(),
            (Decision::Forced, None) => "would run (--all)".to_string(),
            (Decision::Evidenced(id), None) => style.dim(&format!("not due: {id}")),
            (Decision::Inactive(status), None) => {
                style.dim(&format!("not run: the control is {status}"))
            }
        };
        t.add_row(vec![
            c.control.clone(),
            c.collector.clone(),
            format!("{}..{}", c.window.0, c.window.1),
            c.command.clone(),
            result,
        ]);
    }
    let mut out = format!("{t}\n");
    for c in &report.collectors {
        if let Some(tail) = c.outcome.as_ref().and_then(|o| o.stderr_tail.as_ref()) {
            out.push_str(&format!(
                "{} {} printed on stderr:\n",
                c.control, c.collector
            ));
            for line in tail.lines() {
                out.push_str(&format!("  | {line}\n"));
            }
        }
    }
    let ran = report
        .collectors
        .iter()
        .filter(|c| c.outcome.is_some())
        .count();
    let due = report
        .collectors
        .iter()
        .filter(|c| c.decision.runs())
        .count();
    let summary = if report.dry_run {
        format!(
            "dry run: {} would run; nothing was run or written",
            plural(due, "collector")
        )
    } else {
        let recorded = report
            .collectors
            .iter()
            .filter(|c| c.outcome.as_ref().is_some_and(|o| o.recorded.is_some()))
            .count();
        let mut line = format!(
            "ran {}, {}",
            plural(ran, "collector"),
            match report.failures() {
                0 => "all operated".to_string(),
                n => style.red(&format!("{n} failed")),
            }
        );
        match &report.commit {
            Some(commit) => line.push_str(&format!(
                "; recorded {} in commit {}",
                plural(recorded, "evidence record"),
                &commit[..12.min(commit.len())]
            )),
            None => line.push_str("; nothing recorded"),
        }
        line
    };
    out.push_str(&summary);
    out.push('\n');
    out
}
