use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};

use super::change::{self, Change};
use super::{Context, Exit, ListFormat, print, records};
use crate::Hinted;
use crate::cli::parse_choice;
use crate::git::Repo;
use crate::model::paths::{CONTROLS_DIR, EVIDENCE_DIR};
use crate::model::{
    CommandRun, Covers, Date, Evidence, EvidenceFile, EvidenceKind, Sha256Hex, Timestamp,
};
use crate::report::{self, Style, table};
use crate::schema::Kind;
use crate::store::PendingWrite;

/// Add evidence that a control operated, or list it.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    #[command(subcommand)]
    pub command: EvidenceCommand,
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    Add(AddArgs),
    Run(RunArgs),
    List(ListArgs),
}

/// Record files as evidence for a control, and commit them.
///
/// Each file is copied beside a new record in evidence/<CONTROL>/, and its sha256 is
/// recorded so that any later change shows. With --link, files already committed in
/// this repository are referenced where they are instead of copied.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The control the evidence is for
    pub control: String,

    /// The evidence files
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// The period the evidence demonstrates: FROM..TO, or one day (default: today)
    #[arg(long, value_parser = parse_covers, value_name = "FROM..TO")]
    pub covers: Option<Covers>,

    /// document, screenshot, export, log, attestation or command-output (default: from
    /// the first file's extension)
    #[arg(long, value_parser = parse_choice::<EvidenceKind>)]
    pub kind: Option<EvidenceKind>,

    /// What the evidence shows
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,

    /// Reference committed files of this repository instead of copying them
    #[arg(long)]
    pub link: bool,
}

/// Run a command and record its output as evidence, with the command line, exit code
/// and time.
///
/// The command runs directly (not through a shell) in the current directory. Its
/// standard output and error are stored as files beside the record. A command that
/// fails is recorded too: its failure is the evidence.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The control the evidence is for
    pub control: String,

    /// What the output shows
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,

    /// The period the output demonstrates (default: today)
    #[arg(long, value_parser = parse_covers, value_name = "FROM..TO")]
    pub covers: Option<Covers>,

    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// List evidence records, newest first.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this control's evidence
    pub control: Option<String>,

    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

/// `FROM..TO` or a single day.
pub fn parse_covers(text: &str) -> Result<Covers, String> {
    let (from, to) = match text.split_once("..") {
        Some((from, to)) => (Date::parse(from.trim())?, Date::parse(to.trim())?),
        None => {
            let day = Date::parse(text.trim())?;
            (day, day)
        }
    };
    if to < from {
        return Err(format!("the range ends ({to}) before it starts ({from})"));
    }
    Ok(Covers { from, to })
}

pub fn run(context: &Context, args: EvidenceArgs) -> Result<Exit> {
    match args.command {
        EvidenceCommand::Add(args) => {
            context.refuse_rev("evidence add")?;
            add(context, args)
        }
        EvidenceCommand::Run(args) => {
            context.refuse_rev("evidence run")?;
            run_command(context, args)
        }
        EvidenceCommand::List(args) => list(context, args),
    }
}

/// A file to record: its bytes, and either where to copy it or where it already is.
struct Attachment {
    entry: EvidenceFile,
    write: Option<PendingWrite>,
    /// A file already in the control's evidence folder, recorded where it is.
    stage: Option<String>,
}

fn add(context: &Context, args: AddArgs) -> Result<Exit> {
    let (repo, root) = open_for_evidence(context, &args.control, args.covers)?;
    let collected_at = context.today;
    let folder = format!("{EVIDENCE_DIR}/{}", args.control);
    let stem_hint = args.message.clone().unwrap_or_else(|| {
        args.files[0]
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut names = Names::new(&root, &folder)?;
    let record_stem = names.record(&format!("{collected_at}-{}", records::slug(&stem_hint)));

    let mut attachments = Vec::new();
    for file in &args.files {
        attachments.push(attachment(
            &repo,
            &root,
            &folder,
            file,
            args.link,
            collected_at,
            &mut names,
        )?);
    }
    let kind = args
        .kind
        .unwrap_or_else(|| kind_from_extension(&args.files[0]));
    let mut change = Change::new("evidence-add", &args.control);
    let identity = repo.identity()?;
    let evidence = Evidence {
        control: args.control.clone(),
        collected_at,
        collected_by: Some(identity.author.email.clone()),
        covers: args.covers,
        kind,
        description: args.message.clone(),
        files: attachments.iter().map(|a| a.entry.clone()).collect(),
        command: None,
    };
    let record_path = format!("{folder}/{record_stem}.yaml");
    change.details.push(format!(
        "Record {} ({}) as evidence for {}",
        crate::model::paths::evidence_id(&record_path),
        report::plural(attachments.len(), "file"),
        args.control
    ));
    change.writes.push(PendingWrite::create(
        &record_path,
        Kind::Evidence.new_file(&root, &record_path, &evidence),
    ));
    for attachment in attachments {
        change.writes.extend(attachment.write);
        change.stage.extend(attachment.stage);
    }
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Recorded {} for {} in commit {}\n",
        crate::model::paths::evidence_id(&record_path),
        args.control,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

/// The repository and its folder, once the control exists and `--covers` ends by
/// today, the day the evidence is collected: checked before anything is copied or run.
fn open_for_evidence(
    context: &Context,
    control: &str,
    covers: Option<Covers>,
) -> Result<(Repo, PathBuf)> {
    let repo = context.repo()?;
    let root = repo
        .workdir()?
        .canonicalize()
        .context("resolving the repository's folder")?;
    records::existing(&root, CONTROLS_DIR, control, "control")?;
    check_covers(covers, context.today)?;
    Ok((repo, root))
}

fn check_covers(covers: Option<Covers>, collected_at: Date) -> Result<()> {
    if let Some(covers) = covers
        && covers.to > collected_at
    {
        bail!(Hinted::new(
            format!(
                "--covers runs to {}, after today ({collected_at})",
                covers.to
            ),
            "evidence can only show what has already happened",
        ));
    }
    Ok(())
}

/// Checks one file given on the command line and decides how it is recorded.
fn attachment(
    repo: &Repo,
    root: &Path,
    folder: &str,
    file: &Path,
    link: bool,
    collected_at: Date,
    names: &mut Names,
) -> Result<Attachment> {
    let shown = file.display();
    let meta = std::fs::symlink_metadata(file).with_context(|| format!("reading {shown}"))?;
    if meta.file_type().is_symlink() {
        bail!(Hinted::new(
            format!("{shown} is a symbolic link"),
            "pass the file it points to: evidence records content, and a link can change under it",
        ));
    }
    if meta.is_dir() {
        bail!(Hinted::new(
            format!("{shown} is a directory"),
            "pass the files inside it"
        ));
    }
    if !meta.is_file() {
        bail!("{shown} is not a regular file");
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {shown}"))?;
    if bytes.is_empty() {
        eprintln!("warning: {shown} is empty (0 bytes); recording it anyway");
    }
    let sha256 = Sha256Hex::of(&bytes);
    let absolute = file
        .canonicalize()
        .with_context(|| format!("resolving {shown}"))?;
    let inside = absolute
        .strip_prefix(root)
        .ok()
        .map(|p| p.to_string_lossy().replace('\\', "/"));

    if link {
        let Some(relative) = inside.filter(|r| !r.starts_with(".git/")) else {
            bail!(Hinted::new(
                format!("{shown} is outside this repository, so it cannot be linked"),
                "drop --link to copy it into the store instead",
            ));
        };
        if !repo.is_tracked_and_unchanged(&relative)? {
            bail!(Hinted::new(
                format!("{relative} is not committed as it is"),
                "commit the file first, so that the linked content is in history",
            ));
        }
        let entry = EvidenceFile {
            path: None,
            link: Some(relative),
            sha256,
        };
        return Ok(Attachment {
            entry,
            write: None,
            stage: None,
        });
    }

    // A file already waiting in the control's folder is recorded in place.
    if let Some(relative) = inside
        .as_deref()
        .and_then(|r| r.strip_prefix(&format!("{folder}/")))
        && (!crate::model::paths::is_yaml(relative) || names.is_free_record(relative))
    {
        let path = format!("{folder}/{relative}");
        let entry = EvidenceFile {
            path: Some(relative.to_string()),
            link: None,
            sha256,
        };
        return Ok(Attachment {
            entry,
            write: None,
            stage: Some(path),
        });
    }
    let original = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = names.attachment(&format!("{collected_at}-{}", safe_file_name(&original)));
    let entry = EvidenceFile {
        path: Some(name.clone()),
        link: None,
        sha256,
    };
    Ok(Attachment {
        entry,
        write: Some(PendingWrite::create(format!("{folder}/{name}"), bytes)),
        stage: None,
    })
}

/// File names taken in the control's folder, so new ones never collide.
struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    fn new(root: &Path, folder: &str) -> Result<Names> {
        let mut taken = BTreeSet::new();
        match std::fs::read_dir(root.join(folder)) {
            Ok(entries) => {
                for entry in entries {
                    taken.insert(entry?.file_name().to_string_lossy().into_owned());
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).with_context(|| format!("listing {folder}/")),
        }
        Ok(Names { taken })
    }

    /// A free `<stem>.yaml`, numbering the stem when taken; returns the stem.
    fn record(&mut self, stem: &str) -> String {
        let stem = (1..)
            .map(|n| {
                if n == 1 {
                    stem.to_string()
                } else {
                    format!("{stem}-{n}")
                }
            })
            .find(|s| {
                !self.taken.contains(&format!("{s}.yaml"))
                    && !self.taken.contains(&format!("{s}.yml"))
            })
            .expect("an unused name exists");
        self.taken.insert(format!("{stem}.yaml"));
        stem
    }

    /// A free file name, numbering it before its extension when taken.
    fn attachment(&mut self, name: &str) -> String {
        let (base, ext) = match name.rsplit_once('.') {
            Some((base, ext)) if !base.is_empty() => (base, format!(".{ext}")),
            _ => (name, String::new()),
        };
        let name = (1..)
            .map(|n| {
                if n == 1 {
                    format!("{base}{ext}")
                } else {
                    format!("{base}-{n}{ext}")
                }
            })
            .find(|n| !self.taken.contains(n))
            .expect("an unused name exists");
        self.taken.insert(name.clone());
        name
    }

    /// A YAML file in the folder may be recorded in place only when it is not a record.
    fn is_free_record(&self, name: &str) -> bool {
        !name.starts_with(|c: char| c.is_ascii_digit())
    }
}

/// Letters, digits, `.`, `_` and single dashes: `MFA report (Q3).csv` -> `MFA-report-Q3.csv`.
fn safe_file_name(name: &str) -> String {
    let mut safe = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            safe.push(c);
        } else if c == '.' {
            if safe.ends_with('-') {
                safe.pop();
            }
            safe.push('.');
        } else if !safe.is_empty() && !safe.ends_with(['-', '.']) {
            safe.push('-');
        }
    }
    let safe = safe.trim_end_matches('-').to_string();
    if safe.is_empty() || safe.starts_with('.') {
        format!("file{safe}")
    } else {
        safe
    }
}

fn kind_from_extension(file: &Path) -> EvidenceKind {
    let ext = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" => EvidenceKind::Screenshot,
        "csv" | "tsv" | "json" | "xlsx" | "xls" | "xml" | "ndjson" => EvidenceKind::Export,
        "log" | "txt" | "out" => EvidenceKind::Log,
        _ => EvidenceKind::Document,
    }
}

fn run_command(context: &Context, args: RunArgs) -> Result<Exit> {
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
    for (stream, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let name = names.attachment(&format!("{stem}.{stream}.txt"));
        files.push(EvidenceFile {
            path: Some(name.clone()),
            link: None,
            sha256: Sha256Hex::of(bytes),
        });
        change.writes.push(PendingWrite::create(
            format!("{folder}/{name}"),
            bytes.clone(),
        ));
    }
    let evidence = Evidence {
        control: args.control.clone(),
        collected_at,
        collected_by: Some(identity.author.email.clone()),
        covers: args.covers,
        kind: EvidenceKind::CommandOutput,
        description: args.message.clone(),
        files,
        command: Some(CommandRun {
            run: shell_words(&args.command),
            exit,
            started_at: Some(Timestamp(
                started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            )),
            duration_ms: Some(duration_ms),
        }),
    };
    let record_path = format!("{folder}/{stem}.yaml");
    change.details.push(format!(
        "Record the output of `{}` (exit {exit}) as evidence for {}",
        shell_words(&args.command),
        args.control
    ));
    change.writes.insert(
        0,
        PendingWrite::create(
            &record_path,
            Kind::Evidence.new_file(&root, &record_path, &evidence),
        ),
    );
    let commit = change::apply_as(&repo, &change, &identity)?;
    if exit != 0 {
        eprintln!(
            "warning: the command exited with {exit}; its output is recorded as evidence anyway"
        );
    }
    print(&format!(
        "Recorded {} (exit {exit}) for {} in commit {}\n",
        crate::model::paths::evidence_id(&record_path),
        args.control,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

/// The command line as a person would type it: arguments quoted where a shell needs it.
fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn list(context: &Context, args: ListArgs) -> Result<Exit> {
    let store = context.load_valid()?;
    if let Some(control) = &args.control
        && store.control(control).is_none()
    {
        let ids: Vec<&str> = store.controls.iter().map(|c| c.value.id.as_str()).collect();
        bail!(crate::suggest::unknown("control", control, ids));
    }
    let mut rows: Vec<_> = store
        .evidence
        .iter()
        .filter(|e| args.control.as_ref().is_none_or(|c| &e.value.control == c))
        .collect();
    rows.sort_by(|a, b| {
        b.value
            .collected_at
            .cmp(&a.value.collected_at)
            .then(a.path.cmp(&b.path))
    });
    let text = match args.format {
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    let mut value = serde_json::to_value(&r.value).expect("evidence serializes");
                    value["id"] =
                        serde_json::Value::String(crate::model::paths::evidence_id(&r.path));
                    value
                })
                .collect();
            report::json(&items)
        }
        ListFormat::Table => {
            let mut t = table(&[
                "Evidence",
                "Collected",
                "Covers",
                "Kind",
                "Files",
                "Description",
            ]);
            for r in &rows {
                let covered = r.value.covered();
                t.add_row(vec![
                    crate::model::paths::evidence_id(&r.path),
                    r.value.collected_at.to_string(),
                    format!("{}..{}", covered.from, covered.to),
                    r.value.kind.as_str().to_string(),
                    r.value.files.len().to_string(),
                    r.value.description.clone().unwrap_or_default(),
                ]);
            }
            let style = Style::for_stdout();
            format!(
                "{t}\n{}\n",
                style.dim(&report::plural(rows.len(), "record"))
            )
        }
    };
    print(&text)?;
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_ranges() {
        let covers = parse_covers("2026-07-01..2026-09-30").unwrap();
        assert_eq!(
            (covers.from.to_string(), covers.to.to_string()),
            ("2026-07-01".into(), "2026-09-30".into())
        );
        assert_eq!(
            parse_covers("2026-07-01").unwrap().to,
            Date::from_ymd(2026, 7, 1)
        );
        assert_eq!(
            parse_covers("2026-09-30..2026-07-01").unwrap_err(),
            "the range ends (2026-07-01) before it starts (2026-09-30)"
        );
        assert!(parse_covers("2026-07-01..soon").is_err());
    }

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

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_file_name("MFA report (Q3).csv"), "MFA-report-Q3.csv");
        assert_eq!(safe_file_name("a - b.tar.gz"), "a-b.tar.gz");
        assert_eq!(safe_file_name(".hidden"), "file.hidden");
    }

    #[test]
    fn kinds_follow_extensions() {
        assert_eq!(
            kind_from_extension(Path::new("a.PNG")),
            EvidenceKind::Screenshot
        );
        assert_eq!(
            kind_from_extension(Path::new("a.csv")),
            EvidenceKind::Export
        );
        assert_eq!(kind_from_extension(Path::new("a.log")), EvidenceKind::Log);
        assert_eq!(
            kind_from_extension(Path::new("a.pdf")),
            EvidenceKind::Document
        );
    }
}
