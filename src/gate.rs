//! The CI gate: which findings fail `soc2 check`, and whether readiness reaches the
//! minimum. One verdict, rendered by `report::check` in every format.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::Hinted;
use crate::findings::{Code, Finding, Severity};
use crate::model::Gate;
use crate::readiness::Score;

/// What the command line adds to the store's `gate:`.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// Fail below this readiness instead of `gate.min_readiness`.
    pub min_readiness: Option<u32>,
    /// Warnings to treat as errors, besides `gate.fail_on`.
    pub deny: Vec<Code>,
    /// Warnings not to report.
    pub allow: Vec<Code>,
}

impl Overrides {
    /// Refuses allowing an error, and a code both denied and allowed.
    pub fn validate(&self) -> Result<()> {
        if let Some(code) = self
            .allow
            .iter()
            .find(|c| c.default_severity() == Severity::Error)
        {
            bail!(Hinted::new(
                format!("{code} is an error and cannot be allowed"),
                "only warnings (W-...) can be allowed; fix the problem instead",
            ));
        }
        if let Some(code) = self.deny.iter().find(|c| self.allow.contains(c)) {
            bail!("{code} is both denied and allowed; choose one");
        }
        Ok(())
    }
}

/// The outcome of a check, the shape of `--format json` (version 1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub version: u32,
    pub passed: bool,
    pub readiness: GateResult,
    pub summary: Summary,
    pub findings: Vec<JsonFinding>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GateResult {
    /// Overall readiness, percent rounded down to one decimal.
    pub overall: f64,
    pub met: usize,
    pub total: usize,
    /// The gate (`gate.min_readiness` or `--min-readiness`), if any.
    pub min: Option<u32>,
    pub passed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonFinding {
    pub code: String,
    pub severity: Severity,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

/// The findings as the gate sees them (allowed ones dropped, denied ones promoted to
/// errors, sorted by file) and the verdict.
pub struct Verdict {
    pub findings: Vec<Finding>,
    pub report: CheckReport,
}

/// Applies the gate of the store and the overrides to the findings and the score.
pub fn judge(
    mut findings: Vec<Finding>,
    gate: &Gate,
    score: &Score,
    overrides: &Overrides,
) -> Verdict {
    let promoted: Vec<Code> = gate
        .fail_on
        .iter()
        .map(|k| k.code())
        .chain(overrides.deny.iter().copied())
        .collect();
    findings.retain(|f| !overrides.allow.contains(&f.code));
    for finding in &mut findings {
        if promoted.contains(&finding.code) {
            finding.severity = Severity::Error;
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let min = overrides.min_readiness.or(gate.min_readiness);
    let report = CheckReport::new(&findings, score, min);
    Verdict { findings, report }
}

impl CheckReport {
    fn new(findings: &[Finding], score: &Score, min: Option<u32>) -> CheckReport {
        let gate_passed = min.is_none_or(|m| score.reaches(m));
        let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
        let errors = count(Severity::Error);
        CheckReport {
            version: 1,
            passed: errors == 0 && gate_passed,
            readiness: GateResult {
                overall: score.readiness,
                met: score.met,
                total: score.total,
                min,
                passed: gate_passed,
            },
            summary: Summary {
                errors,
                warnings: count(Severity::Warning),
            },
            findings: findings
                .iter()
                .map(|f| JsonFinding {
                    code: f.code.to_string(),
                    severity: f.severity,
                    file: f.file.clone(),
                    line: f.position.map(|p| p.line),
                    column: f.position.map(|p| p.column),
                    message: f.message.clone(),
                    hint: f.hint.clone(),
                })
                .collect(),
        }
    }
}
