use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::model::paths::{EVIDENCE_DIR, evidence_id};
use soc2::model::{
    CommandRun, Covers, Evidence, EvidenceFile, EvidenceKind, EvidenceResult, Sha256Hex, Timestamp,
    shell_words,
};
use soc2::schema::Kind;
use soc2::store::records::{self, Names};
use soc2::store::{PendingWrite, input};

use super::super::args::{parse_covers, parse_id};
use super::super::output::warn;
use super::super::screen::{Screen, SecretArgs};
use super::super::{Context, Exit, print};
use super::open_for_evidence;

/// Run a command and record its output as evidence, with the command line, exit code
/// and time.
///
/// The command runs directly (not through a shell) in the current directory. Its
/// standard output and error are stored as files beside the record. A command that
/// fails is recorded too: its failure is the evidence.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The control the evidence is for
    #[arg(value_parser = parse_id)]
    pub control: String,

    /// What the output shows
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,

    /// The period the output demonstrates (default: today)
    #[arg(long, value_parser = parse_covers, value_name = "FROM..TO")]
    pub covers: Option<Covers>,

    /// The exit code that means the control operated (default 0); any other code is
    /// recorded as a deviation
    #[arg(
        long,
        value_name = "CODE",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub expect_exit: i32,

    #[command(flatten)]
    pub secrets: SecretArgs,

    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(context: &Context, args: RunArgs) -> Result<Exit> {
    let (repo, root) = open_for_evidence(context, &args.control, args.covers)?;
    let collected_at = context.today;
    // Fail on a missing identity or a locked index before running anything.
    let mut change = Change::new("evidence-run", &args.control);
    let identity = change::preflight(&repo, &change)?;

    let program = &args.command[0];
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    let output = std::process::Command::new(program)
        .args(&args.command[1..])
        .output()
        .map_err(|err| {
            anyhow::anyhow!(Hinted::new(
                format!("could not run `{program}`: {err}"),
                "check the command name and that it is on PATH; nothing was recorded",
            ))
        })?;
    let duration_ms = clock.elapsed().as_millis() as u64;
    let ended_at = chrono::Utc::now();
    let exit = output.status.code().unwrap_or(-1);

    let folder = format!("{EVIDENCE_DIR}/{}", args.control);
    let mut names = Names::new(&root, &folder)?;
    let program_name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = names.record(&format!(
        "{collected_at}-{}",
        records::slug(args.message.as_deref().unwrap_or(&program_name))
    ));
    let mut files = Vec::new();
    let mut screen = Screen::default();
    for (stream, bytes) in [("stdout", output.stdout), ("stderr", output.stderr)] {
        let name = names.attachment(&format!("{stem}.{stream}.txt"));
        let path = format!("{folder}/{name}");
        let bytes = screen.file(&args.secrets, &path, bytes);
        files.push(EvidenceFile {
            path: Some(name.clone()),
            link: None,
            sha256: Sha256Hex::of(&bytes),
            size: None,
        });
        change.writes.push(PendingWrite::create(path, bytes));
    }
    let evidence = Evidence {
        control: args.control.clone(),
        collected_at,
        collected_by: Some(identity.author.email.clone()),
        covers: args.covers,
        kind: EvidenceKind::CommandOutput,
        // A failed command is recorded as what it is: a deviation.
        result: match (exit == args.expect_exit, exit == 0) {
            (true, true) => None,
            (true, false) => Some(EvidenceResult::Operated),
            (false, _) => Some(EvidenceResult::Deviation),
        },
        reason: (exit != args.expect_exit).then(|| {
            format!(
                "the command exited with {exit}; {} means the control operated",
                args.expect_exit
            )
        }),
        description: args.message.clone(),
        events: Vec::new(),
        files,
        command: Some(Box::new(CommandRun {
            run: shell_words(&args.command),
            args: args.command.clone(),
            exit,
            started_at: Some(Timestamp(
                started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )),
            ended_at: Some(Timestamp(
                ended_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )),
            duration_ms: Some(duration_ms),
            collector: None,
            tool: Some(tool_version()),
            host: Some(input::host_name()),
            timed_out: false,
        })),
        secrets: screen.note(),
    };
    let record_path = format!("{folder}/{stem}.yaml");
    change.details.push(format!(
        "Record the output of `{}` (exit {exit}) as evidence for {}",
        shell_words(&args.command),
        args.control
    ));
    let record_text = records::new_file(&root, Kind::Evidence, &record_path, &evidence);
    screen.record(&args.secrets, &record_path, &record_text);
    screen.refuse()?;
    if evidence
        .secrets
        .as_ref()
        .is_some_and(|n| !n.redacted.is_empty())
    {
        warn("credentials were redacted from the output before it was recorded");
    }
    change
        .writes
        .insert(0, PendingWrite::create(&record_path, record_text));
    let commit = change::apply_as(&repo, &change, &identity)?;
    if exit != args.expect_exit {
        warn(&format!(
            "the command exited with {exit} (expected {}): recorded as a deviation, which does not count as the control operating",
            args.expect_exit
        ));
    }
    print(&format!(
        "Recorded {} (exit {exit}) for {} in commit {}\n",
        evidence_id(&record_path),
        args.control,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

/// `soc2 0.1.0`: the tool that ran a command, for its record.
pub fn tool_version() -> String {
    format!("soc2 {}", env!("CARGO_PKG_VERSION"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_are_quoted_like_a_shell() {
        let words: Vec<String> = [
            "aws",
            "iam",
            "get-account-summary",
            "--query",
            "Summary Map",
            "it's",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            shell_words(&words),
            "aws iam get-account-summary --query 'Summary Map' 'it'\\''s'"
        );
    }
}
