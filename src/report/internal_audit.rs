//! The internal audit for people: populations, tests, findings and the results of a
//! period, as tables, CSV and Markdown.

use super::{Style, align_right, plural, table};
use crate::internal_audit::results::ControlTesting;
use crate::internal_audit::{AuditResults, FindingSummary, Population, TestSummary};
use crate::model::{Conclusion, ControlTest};

fn dash(text: Option<&str>) -> String {
    text.unwrap_or("-").to_string()
}

/// `soc2 population`: one row per occurrence, with its evidence.
pub fn population_table(population: &Population, style: Style) -> String {
    let mut out = format!(
        "{}\n",
        style.bold(&format!(
            "Population of {} from {} to {}: {} (from {})",
            population.control,
            population.span.from,
            population.span.to,
            plural(population.items.len(), "item"),
            match population.files.as_slice() {
                [] => "its evidence records".to_string(),
                files => files.join(", "),
            }
        ))
    );
    if !population.items.is_empty() {
        let mut t = table(&["#", "ID", "Date", "Description", "Evidence"]);
        for (n, item) in population.items.iter().enumerate() {
            let evidence = if item.evidence.is_empty() {
                style.yellow("no evidence")
            } else if item.deviation {
                format!("{} (deviation)", item.evidence.join(", "))
            } else if item.evidence == [item.id.clone()] {
                "the record itself".to_string()
            } else {
                item.evidence.join(", ")
            };
            t.add_row(vec![
                (n + 1).to_string(),
                item.id.clone(),
                match item.covers {
                    Some(c) if c.from != c.to => {
                        format!("{} (covers {}..{})", item.date, c.from, c.to)
                    }
                    _ => item.date.to_string(),
                },
                dash(item.description.as_deref()),
                evidence,
            ]);
        }
        align_right(&mut t, &[0]);
        out.push_str(&format!("{t}\n"));
    }
    for id in &population.no_occurrence {
        out.push_str(&format!("No occurrence: {id}\n"));
    }
    let unevidenced = population.unevidenced();
    if unevidenced > 0 {
        out.push_str(&style.yellow(&format!(
            "{} without evidence: record the evidence with `soc2 evidence add {} FILE --event ID`\n",
            plural(unevidenced, "item"),
            population.control
        )));
    }
    out.push_str(&style.dim(&format!("sha256 of the IDs: {}\n", population.digest)));
    out
}

/// `soc2 population --format csv`.
pub fn population_csv(population: &Population) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["id", "date", "covers", "description", "evidence", "result"]);
    for item in &population.items {
        let covers = item
            .covers
            .map(|c| format!("{}..{}", c.from, c.to))
            .unwrap_or_default();
        let result = if item.evidence.is_empty() {
            "no evidence"
        } else if item.deviation {
            "deviation"
        } else {
            "operated"
        };
        let _ = writer.write_record([
            item.id.as_str(),
            &item.date.to_string(),
            &covers,
            item.description.as_deref().unwrap_or(""),
            &item.evidence.join(" "),
            result,
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The sample of a test, one row per item.
pub fn sample_table(test: &ControlTest) -> String {
    let mut t = table(&["Item", "ID", "Date", "Evidence", "Result", "Note"]);
    for item in &test.sample {
        t.add_row(vec![
            item.item.to_string(),
            item.id.clone(),
            item.date.to_string(),
            if item.evidence.is_empty() {
                "none".to_string()
            } else {
                item.evidence.join("\n")
            },
            item.result.map_or("-", |r| r.as_str()).to_string(),
            dash(item.note.as_deref()),
        ]);
    }
    align_right(&mut t, &[0]);
    format!("{t}\n")
}

fn conclusion_text(conclusion: Option<Conclusion>) -> String {
    conclusion.map_or("in progress", |c| c.as_str()).to_string()
}

/// `soc2 findings`.
pub fn findings_table(findings: &[FindingSummary], style: Style) -> String {
    let mut t = table(&[
        "Finding", "Control", "Severity", "Status", "Owner", "Due", "Source", "Title",
    ]);
    for f in findings {
        t.add_row(vec![
            f.id.clone(),
            f.control.clone(),
            f.severity.as_str().to_string(),
            f.status.as_str().to_string(),
            f.owner.clone(),
            if f.overdue {
                format!("{} (overdue)", f.due)
            } else {
                f.due.to_string()
            },
            f.source.as_str().to_string(),
            f.title.clone(),
        ]);
    }
    let open = findings
        .iter()
        .filter(|f| f.status.as_str() != "closed")
        .count();
    let overdue = findings.iter().filter(|f| f.overdue).count();
    format!(
        "{t}\n{}\n",
        style.dim(&format!(
            "{}, {open} open, {overdue} overdue",
            plural(findings.len(), "finding")
        ))
    )
}

fn tests_table(tests: &[TestSummary]) -> comfy_table::Table {
    let mut t = table(&[
        "Test",
        "Tester",
        "Days",
        "Sample",
        "Passed",
        "Exceptions",
        "Conclusion",
    ]);
    for s in tests {
        t.add_row(vec![
            s.id.clone(),
            s.tester.clone(),
            match &s.window {
                Some(w) => format!("{w} ({}..{})", s.span.from, s.span.to),
                None => format!("{}..{}", s.span.from, s.span.to),
            },
            format!("{} of {}", s.sample, s.population),
            s.passed.to_string(),
            s.exceptions.to_string(),
            match s.finding.as_deref() {
                Some(f) => format!("{} ({f})", conclusion_text(s.conclusion)),
                None if s.unrecorded > 0 && s.conclusion.is_none() => {
                    format!("in progress ({} to record)", s.unrecorded)
                }
                None => conclusion_text(s.conclusion),
            },
        ]);
    }
    align_right(&mut t, &[4, 5]);
    t
}

/// The tests and findings of one control, for `soc2 show`.
pub fn control_section(tests: &[TestSummary], findings: &[FindingSummary]) -> String {
    let mut out = String::new();
    if tests.is_empty() {
        out.push_str("\nTests: none\n");
    } else {
        out.push_str(&format!(
            "\nTests ({}):\n{}\n",
            tests.len(),
            tests_table(tests)
        ));
    }
    if findings.is_empty() {
        out.push_str("Findings: none\n");
        return out;
    }
    out.push_str(&format!("\nFindings ({}):\n", findings.len()));
    for f in findings {
        out.push_str(&format!(
            "  {}  {}, {}, due {}{}: {}\n",
            f.id,
            f.severity.as_str(),
            f.status.as_str(),
            f.due,
            if f.overdue { " (overdue)" } else { "" },
            f.title
        ));
    }
    out
}

pub(crate) fn summary_line(results: &AuditResults) -> String {
    format!(
        "Tested: {} of {} key controls, {} effective, {} deficient; {} open, {} closed",
        results.tested,
        results.key_controls,
        results.effective,
        results.deficient,
        plural(results.open_findings.len(), "finding"),
        results.closed_findings.len()
    )
}

fn control_row(c: &ControlTesting) -> Vec<String> {
    vec![
        c.id.clone(),
        dash(c.owner.as_deref()),
        c.tests.to_string(),
        c.conclusion.map_or("untested", |k| k.as_str()).to_string(),
        c.open_findings.to_string(),
    ]
}

/// `soc2 audit-results`.
pub fn results_table(results: &AuditResults, style: Style) -> String {
    let mut out = format!(
        "{}\n{}\n",
        style.bold(&format!(
            "{}: internal audit results for {} to {}, on {}",
            results.organisation, results.period.from, results.period.to, results.today
        )),
        summary_line(results)
    );
    out.push_str("Key controls: every in-scope implemented control.\n\n");
    let mut t = table(&["Control", "Owner", "Tests", "Conclusion", "Open findings"]);
    for c in &results.controls {
        t.add_row(control_row(c));
    }
    align_right(&mut t, &[2, 4]);
    out.push_str(&format!("{t}\n"));
    if !results.tests.is_empty() {
        out.push_str(&format!(
            "\n{}\n{}\n",
            style.bold(&format!("Tests ({})", results.tests.len())),
            tests_table(&results.tests)
        ));
    }
    for (title, findings) in [
        ("Open findings", &results.open_findings),
        ("Closed findings", &results.closed_findings),
    ] {
        if !findings.is_empty() {
            out.push_str(&format!(
                "\n{}\n{}",
                style.bold(&format!("{title} ({})", findings.len())),
                findings_table(findings, style)
            ));
        }
    }
    out.push_str(&format!(
        "\nDigest of the tests and findings: {}\n",
        results.digest
    ));
    out
}

fn md(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `soc2 audit-results --format markdown`.
pub fn results_markdown(results: &AuditResults) -> String {
    let mut out = format!(
        "## {}: internal audit results for {} to {}\n\nOn {}. {}.\n\nKey controls: every in-scope implemented control.\n\n",
        results.organisation,
        results.period.from,
        results.period.to,
        results.today,
        summary_line(results)
    );
    out.push_str(
        "| Control | Owner | Tests | Conclusion | Open findings |\n|---|---|--:|---|--:|\n",
    );
    for c in &results.controls {
        let row = control_row(c);
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            row[0],
            md(&row[1]),
            row[2],
            row[3],
            row[4]
        ));
    }
    if !results.tests.is_empty() {
        out.push_str(&format!(
            "\n### Tests ({})\n\n| Test | Tester | Days | Sample | Passed | Exceptions | Conclusion |\n|---|---|---|--:|--:|--:|---|\n",
            results.tests.len()
        ));
        for s in &results.tests {
            out.push_str(&format!(
                "| `{}` | {} | {}..{} | {} of {} | {} | {} | {}{} |\n",
                s.id,
                md(&s.tester),
                s.span.from,
                s.span.to,
                s.sample,
                s.population,
                s.passed,
                s.exceptions,
                conclusion_text(s.conclusion),
                s.finding
                    .as_deref()
                    .map(|f| format!(" ({f})"))
                    .unwrap_or_default()
            ));
        }
    }
    for (title, findings) in [
        ("Open findings", &results.open_findings),
        ("Closed findings", &results.closed_findings),
    ] {
        if findings.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n### {title} ({})\n\n| Finding | Control | Severity | Status | Owner | Due | Title |\n|---|---|---|---|---|---|---|\n",
            findings.len()
        ));
        for f in findings.iter() {
            out.push_str(&format!(
                "| `{}` | `{}` | {} | {} | {} | {}{} | {} |\n",
                f.id,
                f.control,
                f.severity.as_str(),
                f.status.as_str(),
                md(&f.owner),
                f.due,
                if f.overdue { " (overdue)" } else { "" },
                md(&f.title)
            ));
        }
    }
    out.push_str(&format!(
        "\nDigest of the tests and findings: `{}`\n",
        results.digest
    ));
    out
}
