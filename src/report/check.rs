//! `soc2 check` output: for people, as stable JSON, and as GitHub Actions annotations.

use serde::Serialize;

use super::{Style, diagnostics, plural};
use crate::findings::{Finding, Severity};
use crate::readiness::Score;

/// The outcome of a check, the shape of `--format json` (version 1).
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub version: u32,
    pub passed: bool,
    pub readiness: Gate,
    pub summary: Summary,
    pub findings: Vec<JsonFinding>,
}

#[derive(Debug, Serialize)]
pub struct Gate {
    /// Overall readiness, percent rounded down to one decimal.
    pub overall: f64,
    pub met: usize,
    pub total: usize,
    /// The gate (`gate.min_readiness` or `--min-readiness`), if any.
    pub min: Option<u32>,
    pub passed: bool,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonFinding {
    pub code: String,
    pub severity: Severity,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl CheckReport {
    pub fn new(findings: &[Finding], score: &Score, min: Option<u32>) -> CheckReport {
        let gate_passed = min.is_none_or(|m| score.reaches(m));
        let errors = findings.iter().filter(|f| f.is_error()).count();
        CheckReport {
            version: 1,
            passed: errors == 0 && gate_passed,
            readiness: Gate {
                overall: score.readiness,
                met: score.met,
                total: score.total,
                min,
                passed: gate_passed,
            },
            summary: Summary {
                errors,
                warnings: findings.len() - errors,
            },
            findings: findings
                .iter()
                .map(|f| JsonFinding {
                    code: f.code.to_string(),
                    severity: f.severity,
                    file: f.file.clone(),
                    line: f.position.map(|p| p.line),
                    column: f.position.map(|p| p.column),
                    message: f.message.clone(),
                    hint: f.hint.clone(),
                })
                .collect(),
        }
    }

    fn gate_line(&self) -> String {
        let g = &self.readiness;
        match g.min {
            Some(min) if !g.passed => {
                format!("readiness {:.1}% is below the gate of {min}%", g.overall)
            }
            Some(min) => format!("readiness {:.1}% meets the gate of {min}%", g.overall),
            None => format!("readiness {:.1}% (no gate set)", g.overall),
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

pub fn render_human(report: &CheckReport, findings: &[Finding], style: Style) -> String {
    let mut out = diagnostics::render(findings, style);
    let verdict = if report.passed {
        style.green("check passed")
    } else {
        style.red("check failed")
    };
    out.push_str(&format!("{verdict}: {}\n", report.summary_line()));
    out
}

/// GitHub Actions workflow commands: one annotation per finding, then the gate.
pub fn render_github(report: &CheckReport, findings: &[Finding]) -> String {
    let mut out = String::new();
    for finding in findings {
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
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
    if !report.readiness.passed {
        out.push_str(&format!(
            "::error title=soc2 readiness gate::{}\n",
            escape_data(&report.gate_line())
        ));
    }
    let verdict = if report.passed {
        "check passed"
    } else {
        "check failed"
    };
    out.push_str(&format!("{verdict}: {}\n", report.summary_line()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a,b:c"), "a%2Cb%3Ac");
    }
}
