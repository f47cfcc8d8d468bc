//! `soc2 check` output: for people, as stable JSON, and as GitHub Actions annotations.

use super::{Style, diagnostics, plural};
use crate::findings::{Code, Finding, Severity};
use crate::gate::Verdict;

/// What people read: the gate and the counts.
impl Verdict {
    fn gate_line(&self) -> String {
        let g = &self.readiness;
        match g.min {
            Some(min) if !g.passed => {
                format!("readiness {:.1}% is below the gate of {min}%", g.overall)
            }
            Some(0) => format!(
                "readiness {:.1}% meets the gate of 0%, which nothing fails: raise `gate.min_readiness` in soc2.yaml (or pass --min-readiness) to fail below a readiness",
                g.overall
            ),
            Some(min) => format!("readiness {:.1}% meets the gate of {min}%", g.overall),
            None => format!(
                "readiness {:.1}% (no gate set: set `gate.min_readiness` in soc2.yaml, or pass --min-readiness, to fail below a readiness)",
                g.overall
            ),
        }
    }

    fn summary_line(&self) -> String {
        format!(
            "{}, {}; {}",
            plural(self.summary.errors, "error"),
            plural(self.summary.warnings, "warning"),
            self.gate_line()
        )
    }
}

pub fn render_human(verdict: &Verdict, style: Style) -> String {
    let mut out = diagnostics::render(&verdict.findings, style);
    let outcome = if verdict.passed {
        style.green("check passed")
    } else {
        style.red("check failed")
    };
    out.push_str(&format!("{outcome}: {}\n", verdict.summary_line()));
    out
}

/// GitHub Actions workflow commands: one annotation per finding, then the gate.
pub fn render_github(verdict: &Verdict) -> String {
    let mut out = String::new();
    for finding in &verdict.findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(file) = &finding.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(position) = finding.position {
            properties.push(format!("line={}", position.line));
            properties.push(format!("col={}", position.column));
        }
        properties.push(format!("title={}", escape_property(finding.code.as_str())));
        let mut message = finding.message.clone();
        if let Some(hint) = &finding.hint {
            message.push_str(&format!("\nhint: {hint}"));
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    if !verdict.readiness.passed {
        out.push_str(&format!(
            "::error title=soc2 readiness gate::{}\n",
            escape_data(&verdict.gate_line())
        ));
    }
    let outcome = if verdict.passed {
        "check passed"
    } else {
        "check failed"
    };
    out.push_str(&format!("{outcome}: {}\n", verdict.summary_line()));
    out
}

/// SARIF 2.1.0, for code-scanning upload (GitHub's `upload-sarif`, and other tools that
/// read it): one rule per finding code, one result per finding, paths relative to the
/// repository's top. `version` is soc2's.
pub fn render_sarif(findings: &[Finding], version: &str) -> String {
    let rules: Vec<serde_json::Value> = Code::ALL
        .iter()
        .map(|code| {
            serde_json::json!({
                "id": code.as_str(),
                "shortDescription": {"text": code.summary()},
                "fullDescription": {"text": code.explanation()},
                "help": {"text": format!("soc2 check --explain {}", code.as_str())},
                "defaultConfiguration": {"level": sarif_level(code.default_severity())},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|finding| {
            let mut text = finding.message.clone();
            if let Some(hint) = &finding.hint {
                text.push_str(&format!(" (hint: {hint})"));
            }
            let index = Code::ALL.iter().position(|c| *c == finding.code);
            // Code scanning places every result in a file: one about the store as a
            // whole belongs to soc2.yaml.
            let file = finding
                .file
                .as_deref()
                .unwrap_or(crate::model::paths::PROGRAM_FILE);
            let mut physical = serde_json::json!({
                "artifactLocation": {"uri": file, "uriBaseId": "%SRCROOT%"},
            });
            if let Some(position) = finding.position {
                physical["region"] = serde_json::json!({
                    "startLine": position.line,
                    "startColumn": position.column,
                });
            }
            serde_json::json!({
                "ruleId": finding.code.as_str(),
                "ruleIndex": index,
                "level": sarif_level(finding.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": physical}],
            })
        })
        .collect();
    let sarif = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "soc2",
                "version": version,
                "rules": rules,
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    });
    let mut text = serde_json::to_string_pretty(&sarif).expect("SARIF serialises");
    text.push('\n');
    text
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// At most this many findings of each severity are listed in the job summary.
const SUMMARY_LISTED: usize = 30;

/// The Markdown job summary `--format github` appends to `$GITHUB_STEP_SUMMARY`: the
/// verdict, the readiness against the gate, and the errors and warnings.
pub fn render_summary(verdict: &Verdict) -> String {
    let outcome = if verdict.passed { "passed" } else { "failed" };
    let mut out = format!(
        "\n## soc2 check {outcome}\n\n{}.\n\n| Errors | Warnings | Readiness | Gate |\n|--:|--:|--:|--:|\n| {} | {} | {:.1}% | {} |\n",
        verdict.summary_line(),
        verdict.summary.errors,
        verdict.summary.warnings,
        verdict.readiness.overall,
        verdict
            .readiness
            .min
            .map_or("none".to_string(), |m| format!("{m}%")),
    );
    for (severity, heading) in [(Severity::Error, "Errors"), (Severity::Warning, "Warnings")] {
        let listed: Vec<&Finding> = verdict
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .collect();
        if listed.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {heading} ({})\n\n", listed.len()));
        for finding in listed.iter().take(SUMMARY_LISTED) {
            let place = finding
                .location()
                .map(|l| format!(" `{l}`"))
                .unwrap_or_default();
            out.push_str(&format!(
                "- **{}**{place}: {}\n",
                finding.code.as_str(),
                finding.message.replace('\n', " ")
            ));
        }
        if listed.len() > SUMMARY_LISTED {
            out.push_str(&format!(
                "- … and {} more (`soc2 check` lists every one)\n",
                listed.len() - SUMMARY_LISTED
            ));
        }
    }
    out
}

/// Escapes a workflow command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn explain(code: Code) -> String {
    let severity = match code.default_severity() {
        Severity::Error => "error: always fails the check".to_string(),
        Severity::Info => "info: never fails the check".to_string(),
        Severity::Warning => format!(
            "warning: fails the check when `gate.fail_on` or --deny names `{}`",
            code.name()
        ),
    };
    format!(
        "{code}: {}\n{severity}\n\n{}\n",
        code.summary(),
        wrap(code.explanation(), 80)
    )
}

/// Wraps text at word boundaries.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a,b:c"), "a%2Cb%3Ac");
    }

    #[test]
    fn explanations_wrap_at_word_boundaries() {
        let text = wrap("one two three four five six", 9);
        assert_eq!(text, "one two\nthree\nfour five\nsix");
    }

    #[test]
    fn every_code_explains_itself() {
        for code in Code::ALL {
            let text = explain(*code);
            assert!(text.starts_with(code.as_str()), "{text}");
            assert!(
                code.explanation().len() > 80,
                "{code} needs a real explanation"
            );
        }
    }
}
