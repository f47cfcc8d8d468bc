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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<EvidenceFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<CommandRun>,
}

impl Evidence {
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
