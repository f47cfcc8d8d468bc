//! Findings for people: severity and code, the message, where (with the line itself and
//! a marker under the column), and the hint.

use super::Style;
use crate::findings::{Finding, Severity};

pub fn render(findings: &[Finding], style: Style) -> String {
    findings.iter().map(|f| render_one(f, style)).collect()
}

pub fn render_one(finding: &Finding, style: Style) -> String {
    let label = format!("{}[{}]", finding.severity.as_str(), finding.code);
    let label = match finding.severity {
        Severity::Error => style.red(&label),
        Severity::Warning => style.yellow(&label),
        Severity::Info => style.cyan(&label),
    };
    let mut out = format!("{label}: {}\n", style.bold(&finding.message));
    if let Some(location) = finding.location() {
        out.push_str(&format!("  {} {location}\n", style.cyan("-->")));
    }
    if let (Some(position), Some(line)) = (finding.position, &finding.source_line) {
        let number = position.line.to_string();
        let gutter = " ".repeat(number.len());
        let shown: String = line
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        let marker_width = token_width(&shown, position.column);
        out.push_str(&format!("  {gutter} {}\n", style.cyan("|")));
        out.push_str(&format!(
            "  {} {} {shown}\n",
            style.cyan(&number),
            style.cyan("|")
        ));
        out.push_str(&format!(
            "  {gutter} {} {}{}\n",
            style.cyan("|"),
            " ".repeat(position.column.saturating_sub(1)),
            style.red(&"^".repeat(marker_width))
        ));
    }
    if let Some(hint) = &finding.hint {
        out.push_str(&format!("  {} {hint}\n", style.cyan("= hint:")));
    }
    out.push('\n');
    out
}

/// How many characters to underline: the token starting at `column`.
fn token_width(line: &str, column: usize) -> usize {
    line.chars()
        .skip(column.saturating_sub(1))
        .take_while(|c| !matches!(c, ' ' | ',' | ']' | '}' | '#'))
        .count()
        .max(1)
}
