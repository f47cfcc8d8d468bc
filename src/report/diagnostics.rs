//! Findings for people: severity and code, the message, where (with the line itself and
//! a marker under the column), and the hint.

use super::Style;
use crate::findings::{Finding, Severity};
use rayon::prelude::*;

/// Every finding in order. A large store has tens of thousands: they are rendered a
/// chunk per thread and joined.
pub fn render(findings: &[Finding], style: Style) -> String {
    findings
        .par_chunks(1024)
        .map(|chunk| {
            chunk
                .iter()
                .map(|f| render_one(f, style))
                .collect::<String>()
        })
        .collect::<Vec<String>>()
        .concat()
}

fn render_one(finding: &Finding, style: Style) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Code;

    #[test]
    fn many_findings_render_in_their_order() {
        // More than one chunk, and a last chunk that is not full.
        let findings: Vec<Finding> = (0..2500)
            .map(|i| {
                Finding::new(Code::StaleEvidence, format!("finding {i}"))
                    .in_file(format!("evidence/EV-{i:05}.yaml"))
            })
            .collect();
        let text = render(&findings, Style::plain());
        let one_by_one: String = findings
            .iter()
            .map(|f| render_one(f, Style::plain()))
            .collect();
        assert_eq!(text, one_by_one);
        let shown: Vec<&str> = text.lines().filter(|l| l.contains(": finding ")).collect();
        assert_eq!(shown.len(), 2500);
        assert!(shown[1024].ends_with("finding 1024"), "{}", shown[1024]);
        assert!(shown[2499].ends_with("finding 2499"));
    }
}
