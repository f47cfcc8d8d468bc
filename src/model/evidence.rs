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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandRun>,
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
/// `link` names a file kept elsewhere in the repository (relative to its root).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub sha256: Sha256Hex,
}

/// What `soc2 evidence run` executed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandRun {
    pub run: String,
    pub exit: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}
