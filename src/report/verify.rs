//! `soc2 verify` for people.

use super::{Style, diagnostics, plural};
use crate::audit::Verification;
use crate::export::verify::{AgainstRepository, PackageVerification};

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

/// `soc2 verify --package` for people.
pub fn render_package(result: &PackageVerification, style: Style) -> String {
    let mut out = String::new();
    for problem in &result.problems {
        out.push_str(&format!("{} {}\n", style.red("problem:"), problem.message));
    }
    let made = match (&result.commit, &result.generated_for) {
        (Some(commit), Some(day)) => format!(
            " (commit {}, judged on {day})",
            &commit[..12.min(commit.len())]
        ),
        _ => String::new(),
    };
    out.push_str(&format!(
        "{}{made}: {} checked against SHA256SUMS\n",
        result.package,
        plural(result.files, "file")
    ));
    out.push_str(&match &result.repository {
        AgainstRepository::NotCompared { why } => {
            format!("not compared with the repository: {why}\n")
        }
        AgainstRepository::CommitMissing { commit } => {
            format!("commit {commit} is not in this repository\n")
        }
        AgainstRepository::Compared {
            commit,
            store_files,
            generated_files,
            generated_skipped,
        } => {
            let mut line = format!(
                "compared with commit {}: {} of the store, {} made again",
                &commit[..12.min(commit.len())],
                plural(*store_files, "file"),
                plural(*generated_files, "file")
            );
            if let Some(why) = generated_skipped {
                line.push_str(&format!(" (generated files not compared: {why})"));
            }
            line.push('\n');
            line
        }
    });
    let verdict = if result.ok {
        style.green("the package is intact")
    } else {
        style.red(&plural(result.problems.len(), "problem"))
    };
    out.push_str(&format!("{verdict}\n"));
    out
}
