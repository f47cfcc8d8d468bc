//! `soc2 verify` for people.

use super::{Style, diagnostics, plural};
use crate::audit::Verification;

pub fn render(result: &Verification, style: Style) -> String {
    let elsewhere = if result.elsewhere_checked > 0 {
        format!(" ({} kept elsewhere)", result.elsewhere_checked)
    } else {
        String::new()
    };
    let summary = format!(
        "checked {}{elsewhere} in {} and {}: ",
        plural(
            result.files_checked + result.elsewhere_checked,
            "evidence file"
        ),
        plural(result.records, "record"),
        plural(result.approvals_checked, "approval")
    );
    let mut unchecked = String::new();
    if !result.not_checked.is_empty() {
        unchecked.push_str(&format!(
            "Not checked ({}):\n",
            plural(result.not_checked.len(), "file")
        ));
        for file in &result.not_checked {
            unchecked.push_str(&format!("  {}: {}: {}\n", file.id, file.file, file.reason));
        }
    }
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
        "{}{unchecked}{summary}{verdict}\n",
        diagnostics::render(&result.findings, style)
    )
}
