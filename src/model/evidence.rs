use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Date, Sha256Hex, Timestamp};

/// `evidence/<CONTROL>/<YYYY-MM-DD>-<slug>.yaml`: proof that a control operated.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub control: String,
    pub collected_at: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collected_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covers: Option<Covers>,
    pub kind: EvidenceKind,
    /// What the evidence shows happened (default `operated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<EvidenceResult>,
    /// Why: what did not happen (`no-occurrence`), or what went wrong (`deviation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The events of the control's population files (their `id`) this record shows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<EvidenceFile>,
    // Boxed, as `secrets`: most records have neither, and a large store holds a hundred
    // thousand records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Box<CommandRun>>,
    /// Credentials found in the files when they were recorded, and what was done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets: Option<Box<SecretsNote>>,
}

/// What secret scanning found when a record was made: the rules whose hits were
/// replaced with `[REDACTED:<rule>]` before hashing (`--redact`), and those recorded as
/// they are on purpose (`--allow-secret`), which `soc2 check` then leaves alone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretsNote {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

impl SecretsNote {
    pub fn is_empty(&self) -> bool {
        self.redacted.is_empty() && self.allowed.is_empty()
    }
}

/// What a piece of evidence shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceResult {
    /// The control ran as designed.
    Operated,
    /// The control ran and failed, or was found not to operate.
    Deviation,
    /// Nothing happened in the window that the control acts on (no hires, no incidents).
    NoOccurrence,
}

impl EvidenceResult {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceResult::Operated => "operated",
            EvidenceResult::Deviation => "deviation",
            EvidenceResult::NoOccurrence => "no-occurrence",
        }
    }
}

/// The sha256 of an empty file: evidence that proves nothing.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

impl Evidence {
    /// What the record shows: its `result`, or, when it names none, a deviation for a
    /// command that failed and operation otherwise.
    pub fn result(&self) -> EvidenceResult {
        match (self.result, &self.command) {
            (Some(result), _) => result,
            (None, Some(command)) if command.exit != 0 => EvidenceResult::Deviation,
            (None, _) => EvidenceResult::Operated,
        }
    }

    /// Whether the record carries anything that can prove operation: a command run, a
    /// file that is not empty, or an attestation signed by the person who collected it.
    pub fn has_content(&self) -> bool {
        self.command.is_some()
            || self.files.iter().any(|f| f.sha256.0 != EMPTY_SHA256)
            || (self.kind == EvidenceKind::Attestation
                && self
                    .collected_by
                    .as_ref()
                    .is_some_and(|by| !by.trim().is_empty()))
    }

    /// The period the evidence demonstrates; a single day when `covers` is absent.
    pub fn covered(&self) -> Covers {
        self.covers.unwrap_or(Covers {
            from: self.collected_at,
            to: self.collected_at,
        })
    }
}

/// Both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Covers {
    pub from: Date,
    pub to: Date,
}

impl Covers {
    pub fn overlaps(&self, from: Date, to: Date) -> bool {
        self.from <= to && from <= self.to
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    Document,
    Screenshot,
    Export,
    Log,
    Attestation,
    CommandOutput,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Document => "document",
            EvidenceKind::Screenshot => "screenshot",
            EvidenceKind::Export => "export",
            EvidenceKind::Log => "log",
            EvidenceKind::Attestation => "attestation",
            EvidenceKind::CommandOutput => "command-output",
        }
    }
}

/// An attached file: `path` is stored beside the record (relative to its folder);
/// `link` names a file kept elsewhere in the repository (relative to its root), or
/// outside it by a URI (`s3://bucket/key`, `https://...`, `file:///...`). A file
/// tracked by Git LFS is recorded by the sha256 of its content, which is its LFS oid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub sha256: Sha256Hex,
    /// The content's size in bytes (for linked and LFS files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

impl EvidenceFile {
    /// A link to a file outside the repository, by a URI.
    pub fn external_link(&self) -> Option<&str> {
        self.link.as_deref().filter(|l| is_uri(l))
    }
}

/// Whether `text` is a URI with a scheme (`s3://...`), rather than a path.
pub fn is_uri(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
        && !rest.is_empty()
}

/// A Git LFS pointer: the small text git holds in place of a large file's content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LfsPointer {
    /// The sha256 of the content.
    pub oid: Sha256Hex,
    pub size: u64,
}

impl LfsPointer {
    /// A pointer file is never larger than this (git-lfs spec v1).
    pub const MAX_SIZE: u64 = 1024;

    /// The pointer `bytes` hold, if they are one (git-lfs spec v1).
    pub fn parse(bytes: &[u8]) -> Option<LfsPointer> {
        if bytes.len() as u64 > Self::MAX_SIZE {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.lines();
        if lines.next()? != "version https://git-lfs.github.com/spec/v1" {
            return None;
        }
        let (mut oid, mut size) = (None, None);
        for line in lines {
            if let Some(hex) = line.strip_prefix("oid sha256:") {
                oid = Sha256Hex::parse(hex).ok();
            } else if let Some(n) = line.strip_prefix("size ") {
                size = n.parse().ok();
            }
        }
        Some(LfsPointer {
            oid: oid?,
            size: size?,
        })
    }

    /// The pointer of `content`, as git-lfs writes it.
    pub fn of(content: &[u8]) -> LfsPointer {
        LfsPointer {
            oid: Sha256Hex::of(content),
            size: content.len() as u64,
        }
    }

    pub fn text(&self) -> String {
        format!(
            "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n",
            self.oid, self.size
        )
    }
}

/// The sha256 evidence is recorded with: that of the bytes, or, for a Git LFS pointer,
/// of the content it stands for (its oid).
pub fn content_sha256(bytes: &[u8]) -> Sha256Hex {
    match LfsPointer::parse(bytes) {
        Some(pointer) => pointer.oid,
        None => Sha256Hex::of(bytes),
    }
}

/// What `soc2 evidence run` or `soc2 collect` executed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRun {
    /// The command line as a person would type it.
    pub run: String,
    /// The program and its arguments exactly as started.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    pub exit: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The collector of the control that ran it (`soc2 collect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collector: Option<String>,
    /// The soc2 that ran it, `soc2 0.1.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// The machine it ran on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Stopped after its timeout.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfs_pointers_name_their_content() {
        let pointer = LfsPointer::of(b"a large file");
        let text = pointer.text();
        assert_eq!(LfsPointer::parse(text.as_bytes()), Some(pointer.clone()));
        assert_eq!(
            content_sha256(text.as_bytes()),
            Sha256Hex::of(b"a large file")
        );
        assert_eq!(content_sha256(b"plain"), Sha256Hex::of(b"plain"));
        assert_eq!(
            LfsPointer::parse(b"version https://git-lfs.github.com/spec/v1\nsize 3\n"),
            None
        );
        assert_eq!(LfsPointer::parse(b"version 2\noid sha256:00\n"), None);
    }

    #[test]
    fn uris_have_a_scheme() {
        for uri in [
            "s3://bucket/key.pdf",
            "https://docs.example.com/x",
            "file:///tmp/a",
        ] {
            assert!(is_uri(uri), "{uri}");
        }
        for path in ["docs/runbook.md", "C:\\x", "://x", "s3://", "1a://x"] {
            assert!(!is_uri(path), "{path}");
        }
    }
}
