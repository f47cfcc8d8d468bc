use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::git::Repo;
use soc2::model::paths::{EVIDENCE_DIR, evidence_id, is_yaml};
use soc2::model::{Covers, Date, Evidence, EvidenceFile, EvidenceKind, EvidenceResult};
use soc2::report;
use soc2::schema::Kind;
use soc2::store::records::{self, Names};
use soc2::store::{PendingWrite, input};

use super::super::args::{parse_choice, parse_covers, parse_id};
use super::super::output::warn;
use super::super::{Context, Exit, print};
use super::open_for_evidence;

/// Record files as evidence for a control, and commit them.
///
/// Each file is copied beside a new record in evidence/<CONTROL>/, and its sha256 is
/// recorded so that any later change shows. With --link, files already committed in
/// this repository are referenced where they are instead of copied.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The control the evidence is for
    #[arg(value_parser = parse_id)]
    pub control: String,

    /// The evidence files (none for an attestation or `--result no-occurrence`)
    #[arg(value_name = "FILE")]
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

    /// What the evidence shows: operated (default), deviation (the control failed or
    /// was found not to operate), or no-occurrence (nothing happened that it acts on)
    #[arg(long, value_parser = parse_choice::<EvidenceResult>)]
    pub result: Option<EvidenceResult>,

    /// Why: what did not happen (no-occurrence), or what went wrong (deviation)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// The events of the control's population files this record shows (their IDs,
    /// comma-separated or repeated), for per-event controls
    #[arg(long = "event", value_name = "ID", value_delimiter = ',')]
    pub events: Vec<String>,
}

/// A file to record: its bytes, and either where to copy it or where it already is.
struct Attachment {
    entry: EvidenceFile,
    write: Option<PendingWrite>,
    /// A file already in the control's evidence folder, recorded where it is.
    stage: Option<String>,
}

pub fn run(context: &Context, args: AddArgs) -> Result<Exit> {
    let without_files = args.result == Some(EvidenceResult::NoOccurrence)
        || args.kind == Some(EvidenceKind::Attestation);
    if args.files.is_empty() && !without_files {
        bail!(Hinted::new(
            "name the evidence files",
            "only an attestation (`--kind attestation`) or `--result no-occurrence` is recorded without files",
        ));
    }
    if args.result.is_some_and(|r| r != EvidenceResult::Operated)
        && args.reason.as_deref().is_none_or(|r| r.trim().is_empty())
    {
        bail!(Hinted::new(
            "a deviation or a no-occurrence record needs a reason",
            "pass --reason saying what went wrong, or what did not happen in the period",
        ));
    }
    let (repo, root) = open_for_evidence(context, &args.control, args.covers)?;
    let collected_at = context.today;
    let folder = format!("{EVIDENCE_DIR}/{}", args.control);
    let stem_hint = args
        .message
        .clone()
        .unwrap_or_else(|| match args.files.first() {
            Some(file) => file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            None => args
                .result
                .map_or("attestation", |r| r.as_str())
                .to_string(),
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
    let kind = args.kind.unwrap_or_else(|| match args.files.first() {
        Some(file) => kind_from_extension(file),
        None => EvidenceKind::Attestation,
    });
    let mut change = Change::new("evidence-add", &args.control);
    let identity = repo.identity()?;
    let evidence = Evidence {
        control: args.control.clone(),
        collected_at,
        collected_by: Some(identity.author.email.clone()),
        covers: args.covers,
        kind,
        result: args.result,
        reason: args.reason.clone(),
        description: args.message.clone(),
        events: args.events.iter().map(|e| e.trim().to_string()).collect(),
        files: attachments.iter().map(|a| a.entry.clone()).collect(),
        command: None,
    };
    let record_path = format!("{folder}/{record_stem}.yaml");
    change.details.push(format!(
        "Record {} ({}) as evidence for {}",
        evidence_id(&record_path),
        report::plural(attachments.len(), "file"),
        args.control
    ));
    change.writes.push(PendingWrite::create(
        &record_path,
        records::new_file(&root, Kind::Evidence, &record_path, &evidence),
    ));
    for attachment in attachments {
        change.writes.extend(attachment.write);
        change.stage.extend(attachment.stage);
    }
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Recorded {} for {} in commit {}\n",
        evidence_id(&record_path),
        args.control,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
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
    let input::UserFile {
        bytes,
        sha256,
        absolute,
    } = input::read(file)?;
    if bytes.is_empty() {
        warn(&format!("{shown} is empty (0 bytes); recording it anyway"));
    }
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
        && (!is_yaml(relative) || names.is_free_record(relative))
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

#[cfg(test)]
mod tests {
    use super::*;

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
