use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Audited, Context, Exit, print};
use crate::findings::Finding;
use crate::report::{self, Style, diagnostics};
use crate::rules;

/// Recompute every evidence hash and approval digest and report what no longer matches.
///
/// Reports evidence files that are missing or changed since they were recorded, files
/// under evidence/ that no record lists, approvals whose record changed after approval,
/// and any file that does not load. Exits 1 on any finding.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[arg(long, value_enum, default_value_t = VerifyFormat::Human)]
    pub format: VerifyFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VerifyFormat {
    Human,
    Json,
}

#[derive(Debug, Serialize)]
struct VerifyReport<'a> {
    ok: bool,
    records: usize,
    files_checked: usize,
    approvals_checked: usize,
    findings: &'a [Finding],
}

pub fn run(context: &Context, args: VerifyArgs) -> Result<Exit> {
    let Audited {
        loaded,
        integrity,
        self_approvals,
    } = context.load_audited()?;
    let store = &loaded.store;
    let mut findings: Vec<Finding> = loaded.errors().cloned().collect();
    findings.extend(integrity.findings);
    findings.extend(rules::stale_approvals(store));
    findings.extend(self_approvals);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let approvals_checked = store
        .controls
        .iter()
        .filter(|c| c.value.approval.is_some())
        .count()
        + store
            .policies
            .iter()
            .filter(|p| p.value.approval.is_some())
            .count();
    let result = VerifyReport {
        ok: findings.is_empty(),
        records: store.evidence.len(),
        files_checked: integrity.files_checked,
        approvals_checked,
        findings: &findings,
    };
    let text = match args.format {
        VerifyFormat::Json => report::json(&result),
        VerifyFormat::Human => {
            let style = Style::for_stdout();
            let summary = format!(
                "checked {} in {} and {}: ",
                report::plural(result.files_checked, "evidence file"),
                report::plural(result.records, "record"),
                report::plural(result.approvals_checked, "approval")
            );
            if findings.is_empty() {
                format!("{summary}{}\n", style.green("all match"))
            } else {
                format!(
                    "{}{summary}{}\n",
                    diagnostics::render(&findings, style),
                    style.red(&report::plural(findings.len(), "problem"))
                )
            }
        }
    };
    print(&text)?;
    Ok(if findings.is_empty() {
        Exit::Success
    } else {
        Exit::Failure
    })
}
