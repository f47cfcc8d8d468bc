use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::git::Repo;
use soc2::model::paths::{EVIDENCE_DIR, evidence_id, is_yaml};
use soc2::model::{
    Covers, Date, Evidence, EvidenceFile, EvidenceKind, EvidenceResult, Sha256Hex, is_uri,
};
use soc2::report;
use soc2::schema::Kind;
use soc2::store::records::{self, Names};
use soc2::store::{PendingWrite, StagedFile, input};

use super::super::args::{parse_choice, parse_covers, parse_id};
use super::super::output::warn;
use super::super::screen::{Screen, SecretArgs};
use super::super::{Context, Exit, print};
use super::open_for_evidence;

/// Record files as evidence for a control, and commit them.
///
/// Each file is copied beside a new record in evidence/<CONTROL>/, and its sha256 is
/// recorded so that any later change shows. With --link, files already committed in
/// this repository are referenced where they are instead of copied; `--link URI
/// --sha256 HEX --size N` records a file kept outside the repository (object storage,
/// a document system) by its address and hash. Every file copied is scanned for
/// credentials first: a hit refuses the command unless --redact or --allow-secret.
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

    /// Reference committed files of this repository instead of copying them; with a
    /// URI (s3://..., https://..., file:///...), a file kept outside the repository,
    /// recorded by --sha256 and --size
    #[arg(long, value_name = "URI", num_args = 0..=1)]
    pub link: Option<Option<String>>,

    /// The sha256 of the linked file's content (with `--link URI`)
    #[arg(long, value_name = "HEX", value_parser = parse_sha256)]
    pub sha256: Option<Sha256Hex>,

    /// The linked file's size in bytes (with `--link URI`)
    #[arg(long, value_name = "N")]
    pub size: Option<u64>,

    #[command(flatten)]
    pub secrets: SecretArgs,

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

/// A file to record: its entry, and either where it is copied or where it already is.
struct Attachment {
    entry: EvidenceFile,
    write: Option<PendingWrite>,
    /// A file already in the control's evidence folder, recorded where it is.
    stage: Option<String>,
}

fn parse_sha256(text: &str) -> Result<Sha256Hex, String> {
    Sha256Hex::parse(&text.to_ascii_lowercase())
        .map_err(|_| format!("`{text}` is not a sha256: expected 64 hexadecimal characters"))
}

pub fn run(context: &Context, mut args: AddArgs) -> Result<Exit> {
    // `--link PATH` is the old `PATH --link`: a committed file of the repository.
    let uri = match args.link.take() {
        Some(Some(value)) if is_uri(&value) => Some(value),
        Some(Some(path)) => {
            args.files.insert(0, PathBuf::from(path));
            args.link = Some(None);
            None
        }
        other => {
            args.link = other;
            None
        }
    };
    if let Some(uri) = uri {
        return linked(context, args, uri);
    }
    if args.sha256.is_some() || args.size.is_some() {
        bail!(Hinted::new(
            "--sha256 and --size describe a file linked by a URI",
            "pass `--link URI` with them (s3://..., https://..., file:///...), or drop them: soc2 hashes the files it copies",
        ));
    }
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
    let mut screen = Screen::default();
    for file in &args.files {
        attachments.push(attachment(
            &repo,
            &root,
            &folder,
            file,
            args.link.is_some(),
            collected_at,
            &mut names,
            (&args.secrets, &mut screen),
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
        secrets: screen.note(),
    };
    let record_path = format!("{folder}/{record_stem}.yaml");
    change.details.push(format!(
        "Record {} ({}) as evidence for {}",
        evidence_id(&record_path),
        report::plural(attachments.len(), "file"),
        args.control
    ));
    let record_text = records::new_file(&root, Kind::Evidence, &record_path, &evidence);
    screen.record(&args.secrets, &record_path, &record_text);
    screen.refuse()?;
    if screen.note().is_some_and(|n| !n.redacted.is_empty()) {
        warn("credentials were redacted from the evidence before it was recorded");
    }
    change
        .writes
        .push(PendingWrite::create(&record_path, record_text));
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

/// Records a file kept outside the repository by its URI, hash and size.
fn linked(context: &Context, args: AddArgs, uri: String) -> Result<Exit> {
    let Some(sha256) = args.sha256.clone() else {
        bail!(Hinted::new(
            format!(
                "--link {uri} needs --sha256: a linked file is recorded by the hash of its content"
            ),
            "compute it where the file is (`sha256sum FILE`, or the object store's checksum) and pass `--sha256 HEX --size BYTES`",
        ));
    };
    if !args.files.is_empty() {
        bail!(Hinted::new(
            "--link URI records one file kept elsewhere; name no files with it",
            "record the files in the repository with a separate `soc2 evidence add`",
        ));
    }
    // A file:// link can be checked now: record only what is there.
    if let Some(path) = uri.strip_prefix("file://") {
        let (actual, size) = input::hash_file(Path::new(path))?;
        if actual != sha256 || args.size.is_some_and(|s| s != size) {
            bail!(Hinted::new(
                format!(
                    "{uri} has sha256 {} and {size} bytes, not the --sha256 {}{} given",
                    actual.short(),
                    sha256.short(),
                    args.size
                        .map(|s| format!(" and --size {s}"))
                        .unwrap_or_default()
                ),
                "pass the hash and size of the file as it is, or link the right file",
            ));
        }
    }
    let (repo, root) = open_for_evidence(context, &args.control, args.covers)?;
    let collected_at = context.today;
    let folder = format!("{EVIDENCE_DIR}/{}", args.control);
    let name = uri.rsplit('/').find(|s| !s.is_empty()).unwrap_or("link");
    let stem_hint = args.message.clone().unwrap_or_else(|| {
        Path::new(name)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let mut names = Names::new(&root, &folder)?;
    let record_stem = names.record(&format!("{collected_at}-{}", records::slug(&stem_hint)));
    let identity = repo.identity()?;
    let evidence = Evidence {
        control: args.control.clone(),
        collected_at,
        collected_by: Some(identity.author.email.clone()),
        covers: args.covers,
        kind: args
            .kind
            .unwrap_or_else(|| kind_from_extension(Path::new(name))),
        result: args.result,
        reason: args.reason.clone(),
        description: args.message.clone(),
        files: vec![EvidenceFile {
            path: None,
            link: Some(uri.clone()),
            sha256,
            size: args.size,
        }],
        command: None,
        events: args.events.iter().map(|e| e.trim().to_string()).collect(),
        secrets: None,
    };
    let record_path = format!("{folder}/{record_stem}.yaml");
    let record_text = records::new_file(&root, Kind::Evidence, &record_path, &evidence);
    let mut screen = Screen::default();
    screen.record(&args.secrets, &record_path, &record_text);
    screen.refuse()?;
    let mut change = Change::new("evidence-add", &args.control);
    change.details.push(format!(
        "Record {} (linked: {uri}) as evidence for {}",
        evidence_id(&record_path),
        args.control
    ));
    change
        .writes
        .push(PendingWrite::create(&record_path, record_text));
    let commit = change::apply(&repo, &change)?;
    print(&format!(
        "Recorded {} ({uri}, by its sha256) for {} in commit {}\n",
        evidence_id(&record_path),
        args.control,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

/// Checks one file given on the command line and decides how it is recorded.
#[allow(clippy::too_many_arguments)]
fn attachment(
    repo: &Repo,
    root: &Path,
    folder: &str,
    file: &Path,
    link: bool,
    collected_at: Date,
    names: &mut Names,
    (secrets, screen): (&SecretArgs, &mut Screen),
) -> Result<Attachment> {
    let shown = file.display();
    // Files are read in pieces, however large: hashed, screened and copied as they go.
    let mut source = input::open(file)?;
    let inside = source
        .absolute
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
        let read = source.finish()?;
        warn_if_empty(file, read.size);
        if !repo.is_tracked_and_unchanged(&relative)? {
            bail!(Hinted::new(
                format!("{relative} is not committed as it is"),
                "commit the file first, so that the linked content is in history",
            ));
        }
        let entry = EvidenceFile {
            path: None,
            link: Some(relative),
            sha256: read.content_sha256(),
            size: read.pointer.map(|p| p.size),
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
        let redacted = screen.stream(secrets, &path, &mut source, std::io::sink())?;
        let read = source.finish()?;
        warn_if_empty(file, read.size);
        if redacted {
            bail!(Hinted::new(
                format!(
                    "{path} holds credentials, and it is recorded where it is, so soc2 cannot redact it"
                ),
                "edit them out of the file first, or move it out of the evidence folder and add it from there with --redact",
            ));
        }
        let lfs = match &read.pointer {
            Some(pointer) => Some(pointer.size),
            None => repo.is_lfs_path(&path)?.then_some(read.size),
        };
        let entry = EvidenceFile {
            path: Some(relative.to_string()),
            link: None,
            sha256: read.content_sha256(),
            size: lfs,
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
    let path = format!("{folder}/{name}");
    // Copied beside its place in the store as it is screened; placed by the commit.
    let mut staged = StagedFile::create(root, &path)?;
    let redacted = screen.stream(secrets, &path, &mut source, &mut staged)?;
    let read = source.finish()?;
    warn_if_empty(file, read.size);
    let (staged, written_sha256, written_size) = staged.finish()?;
    let sha256 = if redacted {
        written_sha256
    } else {
        read.content_sha256()
    };
    // A file Git LFS will keep is recorded with its size, as its pointer is.
    let size = match &read.pointer {
        Some(pointer) => Some(pointer.size),
        None => repo.is_lfs_path(&path)?.then_some(written_size),
    };
    let entry = EvidenceFile {
        path: Some(name),
        link: None,
        sha256,
        size,
    };
    Ok(Attachment {
        entry,
        write: Some(PendingWrite::staged(path, staged)),
        stage: None,
    })
}

fn warn_if_empty(file: &Path, size: u64) {
    if size == 0 {
        warn(&format!(
            "{} is empty (0 bytes); recording it anyway",
            file.display()
        ));
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
