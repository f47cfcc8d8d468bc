use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use rayon::prelude::*;
use soc2::Hinted;
use soc2::audit;
use soc2::change::{self, Change};
use soc2::collect::{self, CollectReport, CollectorReport, Outcome, Planned, RunResult, Selection};
use soc2::model::paths::{EVIDENCE_DIR, evidence_id};
use soc2::model::{
    ByteSize, CommandRun, Evidence, EvidenceFile, EvidenceResult, OnFailure, Sha256Hex,
};
use soc2::process::{self, Ended, Finished, Limits};
use soc2::report::{self, Style};
use soc2::schema::Kind;
use soc2::store::records::{self, Names};
use soc2::store::{self, PendingWrite, WorkTree, input, integrity};

use super::args::parse_id;
use super::context::valid;
use super::evidence::tool_version;
use super::screen::{Screen, SecretArgs};
use super::{Context, Exit, print};

/// Run the controls' evidence collectors that are due, and record what they print in
/// one commit.
///
/// A collector (a control's `collect:` entry) is due when the window of its control's
/// frequency that holds today has no evidence from it. Collectors run in parallel,
/// each within its timeout, in the repository's top folder. Each success is recorded
/// as command-output evidence; a failure is reported with the end of its standard
/// error, and recorded as a deviation only with `on_failure: deviation`. Exits 1 when
/// any collector failed, so a scheduled job shows it.
#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Only these controls' collectors (named controls run even when not implemented)
    #[arg(value_parser = parse_id, value_name = "CONTROL")]
    pub controls: Vec<String>,

    /// Run the collectors whose current window has no evidence from them (the default)
    #[arg(long, conflicts_with = "all")]
    pub due: bool,

    /// Run every collector, due or not
    #[arg(long)]
    pub all: bool,

    /// Print what would run; run nothing and write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// How many collectors run at once
    #[arg(long, short = 'j', value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub jobs: u16,

    /// Refuse a collector's output past this size on standard output or error
    /// (default: `collect.max_output` in soc2.yaml, or 20MB)
    #[arg(long, value_name = "SIZE")]
    pub max_output: Option<ByteSize>,

    #[command(flatten)]
    pub secrets: SecretArgs,

    /// Output format
    #[arg(long, value_enum, default_value_t = CollectFormat::Table)]
    pub format: CollectFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CollectFormat {
    Table,
    Json,
}

/// A collector that ran (or could not start).
struct Ran {
    planned: Planned,
    argv: Vec<String>,
    finished: std::result::Result<Finished, String>,
}

pub fn run(context: &Context, args: CollectArgs) -> Result<Exit> {
    context.refuse_rev("collect")?;
    let repo = context.repo()?;
    let root = input::resolve_dir(repo.workdir()?)?;
    let source = WorkTree::new(&root);
    let mut loaded = store::load(&source)?;
    let checked = integrity::check(&loaded.store, &source)?;
    // Evidence that does not count does not stop a collector from being due.
    audit::set_aside(&mut loaded, checked, &source, Some(&repo))?;
    let store = valid(loaded)?;
    for id in &args.controls {
        if store.control(id).is_none() {
            bail!(Hinted::new(
                format!("there is no control {id}"),
                "`soc2 controls` lists them",
            ));
        }
    }
    let selection = Selection {
        controls: args.controls.clone(),
        all: args.all,
    };
    let plan = collect::plan(&store, context.today, &selection);
    if !args.controls.is_empty() && plan.is_empty() {
        bail!(Hinted::new(
            format!("{} has no collectors", args.controls.join(", ")),
            "give the control a `collect:` list of commands (see README, Collecting evidence automatically)",
        ));
    }
    let mut report = CollectReport {
        dry_run: args.dry_run,
        commit: None,
        collectors: plan.iter().map(report_of).collect(),
    };
    if args.dry_run || !plan.iter().any(|p| p.decision.runs()) {
        return finish(&args, &report);
    }
    // Fail on a missing identity, a detached HEAD or a locked index before running
    // anything.
    let mut change = Change::new("collect", "evidence");
    let identity = change::preflight(&repo, &change)?;

    let max_output = args
        .max_output
        .unwrap_or_else(|| store.program().collect.max_output());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(usize::from(args.jobs))
        .build()?;
    let to_run: Vec<Planned> = plan.into_iter().filter(|p| p.decision.runs()).collect();
    let ran: Vec<Ran> = pool.install(|| {
        to_run
            .into_par_iter()
            .map(|planned| {
                let argv = planned.collector.argv();
                let limits = Limits {
                    timeout: Duration::from_secs(planned.collector.timeout().0),
                    max_output: max_output.0,
                };
                let finished = process::run(&argv, &root, limits).map_err(|err| format!("{err:#}"));
                Ran {
                    planned,
                    argv,
                    finished,
                }
            })
            .collect()
    });

    let host = input::host_name();
    let mut names: BTreeMap<String, Names> = BTreeMap::new();
    let mut screen = Screen::default();
    let mut controls: Vec<String> = Vec::new();
    for ran in ran {
        let (outcome, record) = judge(&ran, max_output);
        let index = report
            .collectors
            .iter()
            .position(|c| {
                c.control == ran.planned.control && c.collector == ran.planned.collector.name
            })
            .expect("every planned collector is in the report");
        let mut outcome = outcome;
        if let (Some(result), Ok(finished)) = (record, &ran.finished) {
            let folder = format!("{EVIDENCE_DIR}/{}", ran.planned.control);
            if !names.contains_key(&folder) {
                names.insert(folder.clone(), Names::new(&root, &folder)?);
            }
            let folder_names = names.get_mut(&folder).expect("just inserted");
            let stem =
                folder_names.record(&format!("{}-{}", context.today, ran.planned.collector.name));
            let mut files = Vec::new();
            let mut own = Screen::default();
            for (stream, bytes) in [("stdout", &finished.stdout), ("stderr", &finished.stderr)] {
                if stream == "stderr" && bytes.is_empty() {
                    continue;
                }
                let name = folder_names.attachment(&format!("{stem}.{stream}.txt"));
                let path = format!("{folder}/{name}");
                let bytes = own.file(&args.secrets, &path, bytes.clone());
                files.push(EvidenceFile {
                    path: Some(name),
                    link: None,
                    sha256: Sha256Hex::of(&bytes),
                    size: None,
                });
                change.writes.push(PendingWrite::create(path, bytes));
            }
            let collector = &ran.planned.collector;
            let evidence = Evidence {
                control: ran.planned.control.clone(),
                collected_at: context.today,
                collected_by: Some(identity.author.email.clone()),
                covers: None,
                kind: collector.kind(),
                result: match (result, finished.exit_code()) {
                    (EvidenceResult::Operated, 0) => None,
                    (result, _) => Some(result),
                },
                reason: outcome.reason.clone(),
                description: collector.description.clone(),
                files,
                command: Some(Box::new(CommandRun {
                    run: collector.display(),
                    args: ran.argv.clone(),
                    exit: finished.exit_code(),
                    started_at: Some(finished.started_at.clone()),
                    ended_at: Some(finished.ended_at.clone()),
                    duration_ms: Some(finished.duration_ms),
                    collector: Some(collector.name.clone()),
                    tool: Some(tool_version()),
                    host: Some(host.clone()),
                    timed_out: finished.ended == Ended::TimedOut,
                })),
                events: Vec::new(),
                secrets: own.note(),
            };
            let record_path = format!("{folder}/{stem}.yaml");
            let text = records::new_file(&root, Kind::Evidence, &record_path, &evidence);
            own.record(&args.secrets, &record_path, &text);
            screen.absorb(own);
            change.writes.push(PendingWrite::create(&record_path, text));
            change
                .trailers
                .push(("Soc2-Evidence", evidence_id(&record_path)));
            outcome.recorded = Some(evidence_id(&record_path));
            if !controls.contains(&ran.planned.control) {
                controls.push(ran.planned.control.clone());
            }
        }
        report.collectors[index].outcome = Some(outcome);
    }

    screen.refuse()?;

    if !change.writes.is_empty() {
        controls.sort();
        change.object = controls.join(", ");
        let failures = report.failures();
        change.details.push(format!(
            "Record the output of {} as evidence{}",
            report::plural(change.trailers.len(), "collector"),
            match failures {
                0 => String::new(),
                n => format!(" ({n} failed)"),
            }
        ));
        change.writes.sort_by(|a, b| a.path.cmp(&b.path));
        report.commit = Some(change::apply_as(&repo, &change, &identity)?);
    }
    finish(&args, &report)
}

fn report_of(planned: &Planned) -> CollectorReport {
    CollectorReport {
        control: planned.control.clone(),
        collector: planned.collector.name.clone(),
        command: planned.collector.display(),
        window: planned.window,
        decision: planned.decision.clone(),
        outcome: None,
    }
}

/// How a run went, and what it records: operation, a deviation, or nothing.
fn judge(ran: &Ran, max_output: ByteSize) -> (Outcome, Option<EvidenceResult>) {
    let collector = &ran.planned.collector;
    let deviation = collector.on_failure() == OnFailure::Deviation;
    let failed = |reason: String, finished: Option<&Finished>, record: bool| {
        let tail = finished
            .map(|f| process::tail(&f.stderr, 5))
            .filter(|t| !t.is_empty());
        (
            Outcome {
                result: if record {
                    RunResult::Deviation
                } else {
                    RunResult::Failed
                },
                recorded: None,
                exit: finished.and_then(|f| match f.ended {
                    Ended::Exited(code) => Some(code),
                    _ => None,
                }),
                duration_ms: finished.map(|f| f.duration_ms),
                reason: Some(reason),
                stderr_tail: tail,
            },
            record.then_some(EvidenceResult::Deviation),
        )
    };
    let finished = match &ran.finished {
        Ok(finished) => finished,
        Err(reason) => return failed(format!("{reason}; nothing was recorded"), None, false),
    };
    match finished.ended {
        Ended::Exited(code) if code == collector.expect_exit() => (
            Outcome {
                result: RunResult::Operated,
                recorded: None,
                exit: Some(code),
                duration_ms: Some(finished.duration_ms),
                reason: None,
                stderr_tail: None,
            },
            Some(EvidenceResult::Operated),
        ),
        Ended::TooMuchOutput => failed(
            format!(
                "it printed more than {max_output} (`collect.max_output` in soc2.yaml, or --max-output), so nothing was recorded"
            ),
            Some(finished),
            false,
        ),
        Ended::TimedOut => failed(
            format!(
                "it did not finish within its timeout of {}",
                collector.timeout()
            ),
            Some(finished),
            deviation,
        ),
        Ended::Signalled => failed(
            "it was killed by a signal".to_string(),
            Some(finished),
            deviation,
        ),
        Ended::Exited(code) => failed(
            format!(
                "it exited with {code}; {} means the control operated",
                collector.expect_exit()
            ),
            Some(finished),
            deviation,
        ),
    }
}

fn finish(args: &CollectArgs, report: &CollectReport) -> Result<Exit> {
    let text = match args.format {
        CollectFormat::Json => report::json(report),
        CollectFormat::Table => report::collect::render(report, Style::for_stdout()),
    };
    print(&text)?;
    Ok(if report.failures() > 0 {
        Exit::Failure
    } else {
        Exit::Success
    })
}
