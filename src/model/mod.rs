//! The serde types of the store's files. They deserialize strictly (unknown fields are
//! errors) and serialize in the canonical key order the tool writes.

mod control;
pub mod digest;
mod evidence;
mod policy;
mod program;
mod risk;
mod values;

pub use control::{Approval, Control, ControlStatus, Exception, Frequency};
pub use evidence::{CommandRun, Covers, Evidence, EvidenceFile, EvidenceKind};
pub use policy::Policy;
pub use program::{Audit, AuditType, Exclusion, Gate, Period, Program, Scope};
pub use risk::{Risk, Treatment};
pub use values::{Date, Interval, IntervalUnit, Sha256Hex, Timestamp, is_valid_id};

/// The placeholder `soc2 init` writes where a person must name an owner.
pub const OWNER_PLACEHOLDER: &str = "TODO";

/// True when an owner field names somebody (not empty, not the placeholder).
pub fn owner_is_set(owner: Option<&str>) -> bool {
    owner.is_some_and(|o| !o.trim().is_empty() && !o.trim().eq_ignore_ascii_case(OWNER_PLACEHOLDER))
}
