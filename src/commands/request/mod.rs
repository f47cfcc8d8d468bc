//! `soc2 request import|provide|accept|reject`: the auditor's request list, one commit
//! each.

mod accept;
mod import;
mod provide;
mod reject;

use std::path::Path;

use anyhow::Result;
use clap::{Args, Subcommand};
use soc2::change::{self, Change};
use soc2::git::Repo;
use soc2::model::paths::REQUESTS_DIR;
use soc2::model::{REQUEST_FIELDS, Record, Request};
use soc2::store::{PendingWrite, edit, records};

use super::{Context, Exit, print};

/// Import the auditor's request list, and record what was provided and what the auditor
/// answered; each is one commit.
#[derive(Debug, Args)]
pub struct RequestArgs {
    #[command(subcommand)]
    pub command: RequestCommand,
}

#[derive(Debug, Subcommand)]
pub enum RequestCommand {
    Import(import::ImportArgs),
    Provide(provide::ProvideArgs),
    Accept(accept::AcceptArgs),
    Reject(reject::RejectArgs),
}

pub fn run(context: &Context, args: RequestArgs) -> Result<Exit> {
    context.refuse_rev("request")?;
    match args.command {
        RequestCommand::Import(args) => import::run(context, args),
        RequestCommand::Provide(args) => provide::run(context, args),
        RequestCommand::Accept(args) => accept::run(context, args),
        RequestCommand::Reject(args) => reject::run(context, args),
    }
}

/// The request record `id` of the store at `root`.
fn read(root: &Path, id: &str) -> Result<Record<Request>> {
    let path = records::existing(root, REQUESTS_DIR, id, "request")?;
    records::read::<Request>(root, &path, "request")
}

/// Rewrites the request's file with `new` (keeping its comments) and commits it.
fn commit(
    repo: &Repo,
    record: &Record<Request>,
    new: &Request,
    action: &'static str,
    detail: String,
) -> Result<Exit> {
    let text = edit::rewrite(&record.text, new, REQUEST_FIELDS)
        .map_err(|reason| edit::refused(&record.path, &reason))?;
    let mut change = Change::new(action, &new.id);
    change.details.push(detail.clone());
    change
        .writes
        .push(PendingWrite::replace(&record.path, text));
    let commit = change::apply(repo, &change)?;
    print(&format!("{detail} in commit {}\n", &commit[..12]))?;
    Ok(Exit::Success)
}
