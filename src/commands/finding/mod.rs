//! `soc2 finding add|remediate|retest|close`: a finding's life, one commit each.

mod add;
mod transition;

use std::path::Path;

use anyhow::Result;
use clap::{Args, Subcommand};
use soc2::model::paths::FINDINGS_DIR;
use soc2::model::{AUDIT_FINDING_FIELDS, AuditFinding, Record};
use soc2::store::{edit, records};

use super::{Context, Exit};

/// File a finding, and take it through remediation, retest and closing; one commit each.
///
/// A finding's status goes open → remediated → retested → closed. A finding found by
/// testing (source internal-test or auditor) closes only after a passing retest: a new
/// test of the control, drawn after the remediation. Deficient tests file their finding
/// themselves (`soc2 test conclude`).
#[derive(Debug, Args)]
pub struct FindingArgs {
    #[command(subcommand)]
    pub command: FindingCommand,
}

#[derive(Debug, Subcommand)]
pub enum FindingCommand {
    Add(add::AddArgs),
    Remediate(transition::RemediateArgs),
    Retest(transition::RetestArgs),
    Close(transition::CloseArgs),
}

pub fn run(context: &Context, args: FindingArgs) -> Result<Exit> {
    context.refuse_rev("finding")?;
    match args.command {
        FindingCommand::Add(args) => add::run(context, args),
        FindingCommand::Remediate(args) => transition::remediate(context, args),
        FindingCommand::Retest(args) => transition::retest(context, args),
        FindingCommand::Close(args) => transition::close(context, args),
    }
}

/// The finding `id`, read from its file.
fn read(root: &Path, id: &str) -> Result<Record<AuditFinding>> {
    let path = records::existing(root, FINDINGS_DIR, id, "finding")?;
    let mut record = records::read::<AuditFinding>(root, &path, "finding")?;
    if record.value.id.is_empty() {
        record.value_mut().id = id.to_string();
    }
    Ok(record)
}

/// The finding's file with `updated` written into it, comments kept.
fn rewrite(record: &Record<AuditFinding>, updated: &AuditFinding) -> Result<String> {
    edit::rewrite(&record.text, updated, AUDIT_FINDING_FIELDS)
        .map_err(|reason| edit::refused(&record.path, &reason))
}
