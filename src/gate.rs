//! The CI gate: which findings fail `soc2 check`, and whether readiness reaches the
//! minimum. One verdict, rendered by `report::check` in every format.

use std::borrow::Cow;

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

/// The outcome of a check, the shape of `--format json` (version 1): written from a
/// verdict without copying its findings (`Verdict::report`), read back owned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckReport<'a> {
    pub version: u32,
    pub passed: bool,
    pub readiness: GateResult,
    pub summary: Summary,
    pub findings: Vec<JsonFinding<'a>>,
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

/// A finding as the JSON report gives it: its code as text, its position as two fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JsonFinding<'a> {
    pub code: Cow<'a, str>,
    pub severity: Severity,
    pub file: Option<Cow<'a, str>>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: Cow<'a, str>,
    pub hint: Option<Cow<'a, str>>,
}

/// The findings as the gate sees them (allowed ones dropped, denied ones promoted to
/// errors, sorted by file) and the verdict.
pub struct Verdict {
    pub findings: Vec<Finding>,
    pub passed: bool,
    pub readiness: GateResult,
    pub summary: Summary,
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
    let gate_passed = min.is_none_or(|m| score.reaches(m));
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let errors = count(Severity::Error);
    Verdict {
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
        findings,
    }
}

impl Verdict {
    /// The JSON report, lending the findings' text: a large store's 70,000 findings
    /// are written, not copied first.
    pub fn report(&self) -> CheckReport<'_> {
        CheckReport {
            version: 1,
            passed: self.passed,
            readiness: self.readiness.clone(),
            summary: self.summary.clone(),
            findings: self
                .findings
                .iter()
                .map(|f| JsonFinding {
                    code: Cow::Borrowed(f.code.as_str()),
                    severity: f.severity,
                    file: f.file.as_deref().map(Cow::Borrowed),
                    line: f.position.map(|p| p.line),
                    column: f.position.map(|p| p.column),
                    message: Cow::Borrowed(&f.message),
                    hint: f.hint.as_deref().map(Cow::Borrowed),
                })
                .collect(),
        }
    }
}
