use std::path::Path;

use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::git::Repo;
use soc2::model::paths::{CONTROLS_DIR, EVIDENCE_DIR, evidence_id};
use soc2::requests;
use soc2::store::records;
use soc2::suggest;

use super::super::{Context, Exit};

/// Record the evidence provided for a request: the request becomes `provided`.
///
/// EVIDENCE are evidence records by ID (`AC-01/2026-10-03-mfa-report`, as `soc2
/// evidence list` shows them), each already committed with `soc2 evidence add`.
#[derive(Debug, Args)]
pub struct ProvideArgs {
    /// The request, by ID
    pub id: String,

    /// The evidence records provided, by ID (CONTROL/RECORD)
    #[arg(required = true, value_name = "EVIDENCE")]
    pub evidence: Vec<String>,

    /// A note for the auditor, kept with the request
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn run(context: &Context, args: ProvideArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let record = super::read(&root, &args.id)?;
    let evidence = args
        .evidence
        .iter()
        .map(|id| existing_evidence(&repo, &root, id))
        .collect::<Result<Vec<String>>>()?;
    let by = repo.identity()?.author.email;
    let new = requests::provide(
        &record.value,
        &evidence,
        context.today,
        &by,
        args.message.as_deref(),
    )?;
    let detail = format!("Provided {} for request {}", evidence.join(", "), new.id);
    super::commit(&repo, &record, &new, "request-provide", detail)
}

/// The ID of an evidence record that exists (`AC-01/x`, or its path).
fn existing_evidence(repo: &Repo, root: &Path, given: &str) -> Result<String> {
    let id = evidence_id(given.trim_start_matches("./"));
    let Some((control, stem)) = id.split_once('/') else {
        bail!(Hinted::new(
            format!("`{given}` is not an evidence record ID"),
            "name a record as CONTROL/RECORD, like AC-01/2026-10-03-mfa-report (`soc2 evidence list`)",
        ));
    };
    if records::find(root, CONTROLS_DIR, control).is_none() {
        records::existing(root, CONTROLS_DIR, control, "control")?;
    }
    if let Some(path) = records::find_in_control(root, EVIDENCE_DIR, &id) {
        if !repo.is_tracked_and_unchanged(&path)? {
            bail!(Hinted::new(
                format!("evidence record {control}/{stem} is not committed as it is ({path})"),
                "commit it first (`soc2 evidence add` commits what it records): the request names evidence the history holds",
            ));
        }
        return Ok(format!("{control}/{stem}"));
    }
    let known: Vec<String> = records::ids_in(root, &format!("{EVIDENCE_DIR}/{control}"))?
        .into_iter()
        .map(|s| format!("{control}/{s}"))
        .collect();
    bail!(Hinted::new(
        suggest::unknown("evidence record", &id, known.iter().map(String::as_str)),
        format!(
            "record it first with `soc2 evidence add {control} FILE...`; `soc2 evidence list {control}` lists its records"
        ),
    ))
}
