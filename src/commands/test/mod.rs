//! `soc2 test CONTROL` draws a sample; `soc2 test record` and `soc2 test conclude`
//! complete it. One commit each.

mod conclude;
mod draw;
mod record;

use std::path::Path;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use soc2::Hinted;
use soc2::model::paths::TESTS_DIR;
use soc2::store::records;

use super::{Context, Exit};

/// Test a control: draw a reproducible sample, record each item, conclude
///
/// Two forms (subcommands are lower case, control IDs upper case):
///
///   soc2 test CONTROL [--window LABEL | --period [FROM..TO]]
///       Draw a sample from the control's population (`soc2 population`) and commit it as
///       tests/<CONTROL>/<DATE>-<SLUG>.yaml, one entry per sampled item.
///   soc2 test record TEST --item N (--pass | --exception TEXT)
///   soc2 test conclude TEST
///       Record each item's result, then conclude: effective when every item passed,
///       deficient when any is an exception (the same commit files a finding).
///
/// TEST is the ID `soc2 test` prints, CONTROL/DATE-SLUG (like CM-03/2026-11-20-period).
/// The sample size follows the control's frequency: annual 1, semiannual 1, quarterly 2,
/// monthly 2, weekly 5, daily 25, continuous 2, per-event 10% of the population (at least
/// 3, at most 25); `testing.sample_sizes` in soc2.yaml changes them. A population smaller
/// than that is tested whole. The sample is a function of the population, as committed
/// at HEAD, and a seed (HEAD's commit id unless --seed), both recorded in the test, so
/// anyone can recompute it. You test as your git identity, and may be neither the
/// control's owner nor the author of evidence in the sample.
#[derive(Debug, Args)]
#[command(
    verbatim_doc_comment,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct TestArgs {
    #[command(subcommand)]
    pub command: Option<TestCommand>,

    #[command(flatten)]
    pub draw: draw::DrawArgs,
}

#[derive(Debug, Subcommand)]
pub enum TestCommand {
    Record(record::RecordArgs),
    Conclude(conclude::ConcludeArgs),
}

pub fn run(context: &Context, args: TestArgs) -> Result<Exit> {
    context.refuse_rev("test")?;
    match args.command {
        Some(TestCommand::Record(args)) => record::run(context, args),
        Some(TestCommand::Conclude(args)) => conclude::run(context, args),
        None => draw::run(context, args.draw),
    }
}

/// The path of the test `id` (`CM-03/2026-11-20-period`, or its file's path) and its
/// ID, or an error that lists the control's tests.
pub(crate) fn find_test(root: &Path, id: &str) -> Result<(String, String)> {
    let trimmed = id
        .trim()
        .trim_start_matches("./")
        .trim_start_matches("tests/");
    let trimmed = trimmed
        .strip_suffix(".yaml")
        .or_else(|| trimmed.strip_suffix(".yml"))
        .unwrap_or(trimmed);
    let Some((control, stem)) = trimmed
        .split_once('/')
        .filter(|(control, _)| soc2::model::is_valid_id(control))
    else {
        bail!(Hinted::new(
            format!("`{id}` is not a test ID"),
            "a test's ID is CONTROL/DATE-SLUG, as `soc2 test` printed it; `soc2 show CONTROL` lists a control's tests",
        ));
    };
    let folder = format!("{TESTS_DIR}/{control}");
    if let Some(path) = records::find_in_control(root, TESTS_DIR, trimmed) {
        return Ok((path, format!("{control}/{stem}")));
    }
    let known: Vec<String> = records::ids_in(root, &folder)?
        .into_iter()
        .map(|s| format!("{control}/{s}"))
        .collect();
    bail!(Hinted::new(
        soc2::suggest::unknown("test", trimmed, known.iter().map(String::as_str)),
        format!("`soc2 show {control}` lists the tests of {control}"),
    ))
}
