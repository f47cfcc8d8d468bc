//! `soc2 verify` for people.

use super::{Style, diagnostics, plural};
use crate::audit::Verification;

pub fn render(result: &Verification, style: Style) -> String {
    let summary = format!(
        "checked {} in {} and {}: ",
        plural(result.files_checked, "evidence file"),
        plural(result.records, "record"),
        plural(result.approvals_checked, "approval")
    );
    let problems = result
        .findings
        .iter()
        .filter(|f| f.severity != crate::findings::Severity::Info)
        .count();
    let verdict = if problems == 0 {
        style.green("all match")
    } else {
        style.red(&plural(problems, "problem"))
    };
    format!(
        "{}{summary}{verdict}\n",
        diagnostics::render(&result.findings, style)
    )
}
