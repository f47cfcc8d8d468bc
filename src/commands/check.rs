use anyhow::{Result, bail};
use clap::{Args, ValueEnum};

use super::{Context, Exit, print};
use crate::Hinted;
use crate::findings::{Code, Severity};
use crate::readiness;
use crate::report::Style;
use crate::report::check::{self, CheckReport};
use crate::rules;
use crate::suggest;

/// Validate everything and apply the readiness gate; for CI and pre-commit hooks.
///
/// Reports every problem in one run, sorted by file: errors (files that do not parse or
/// fit their schema, unknown or duplicate IDs, missing or changed evidence files) and
/// warnings (stale evidence, overdue reviews, missing approvals, expired exceptions,
/// uncovered criteria, missing owners). Warnings named in `gate.fail_on` or --deny count
/// as errors. Fails when any error remains or readiness is below the gate.
///
/// Exit codes: 0 passed, 1 failed, 2 could not run.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Fail below this overall readiness, in percent (overrides gate.min_readiness)
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u32).range(0..=100))]
    pub min_readiness: Option<u32>,

    /// Treat this warning as an error (repeatable; a code or its name, e.g. stale-evidence)
    #[arg(long, value_name = "CODE", value_parser = parse_code)]
    pub deny: Vec<Code>,

    /// Do not report this warning (repeatable)
    #[arg(long, value_name = "CODE", value_parser = parse_code)]
    pub allow: Vec<Code>,

    /// human (coloured on a terminal unless NO_COLOR is set), json, or github (Actions annotations)
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,

    /// Explain a finding code and exit
    #[arg(long, value_name = "CODE", value_parser = parse_code)]
    pub explain: Option<Code>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    Human,
    Json,
    Github,
}

pub fn parse_code(text: &str) -> Result<Code, String> {
    Code::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        format!(
            "{} (`soc2 check --explain CODE` explains each; the codes are listed in the README)",
            suggest::unknown("code", text, names)
        )
    })
}

pub fn run(context: &Context, args: CheckArgs) -> Result<Exit> {
    if let Some(code) = args.explain {
        print(&explain(code))?;
        return Ok(Exit::Success);
    }
    if let Some(code) = args
        .allow
        .iter()
        .find(|c| c.default_severity() == Severity::Error)
    {
        bail!(Hinted::new(
            format!("{code} is an error and cannot be allowed"),
            "only warnings (W-...) can be allowed; fix the problem instead",
        ));
    }
    if let Some(code) = args.deny.iter().find(|c| args.allow.contains(c)) {
        bail!("{code} is both denied and allowed; choose one");
    }

    let audited = context.load_audited()?;
    let store = &audited.loaded.store;
    let assessment = readiness::assess(store, context.today);
    let mut findings = audited.loaded.findings;
    findings.extend(audited.integrity.findings);
    findings.extend(rules::readiness(store, &assessment));
    findings.extend(audited.self_approvals);

    let gate = &store.program().gate;
    let promoted: Vec<Code> = gate
        .fail_on
        .iter()
        .map(|k| k.code())
        .chain(args.deny.iter().copied())
        .collect();
    findings.retain(|f| !args.allow.contains(&f.code));
    for finding in &mut findings {
        if promoted.contains(&finding.code) {
            finding.severity = Severity::Error;
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

    let min = args.min_readiness.or(gate.min_readiness);
    let report = CheckReport::new(&findings, &assessment.overall, min);
    let text = match args.format {
        CheckFormat::Human => check::render_human(&report, &findings, Style::for_stdout()),
        CheckFormat::Json => crate::report::json(&report),
        CheckFormat::Github => check::render_github(&report, &findings),
    };
    print(&text)?;
    Ok(if report.passed {
        Exit::Success
    } else {
        Exit::Failure
    })
}

fn explain(code: Code) -> String {
    let severity = match code.default_severity() {
        Severity::Error => "error: always fails the check".to_string(),
        Severity::Warning => format!(
            "warning: fails the check when `gate.fail_on` or --deny names `{}`",
            code.name()
        ),
    };
    format!(
        "{code}: {}\n{severity}\n\n{}\n",
        code.summary(),
        wrap(code.explanation(), 80)
    )
}

/// Wraps text at word boundaries.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_wrap_at_word_boundaries() {
        let text = wrap("one two three four five six", 9);
        assert_eq!(text, "one two\nthree\nfour five\nsix");
    }

    #[test]
    fn every_code_explains_itself() {
        for code in Code::ALL {
            let text = explain(*code);
            assert!(text.starts_with(code.as_str()), "{text}");
            assert!(
                code.explanation().len() > 80,
                "{code} needs a real explanation"
            );
        }
    }

    #[test]
    fn codes_parse_with_suggestions() {
        assert_eq!(parse_code("stale-evidence"), Ok(Code::StaleEvidence));
        assert!(
            parse_code("W-STALE-EVIDENSE")
                .unwrap_err()
                .contains("did you mean `W-STALE-EVIDENCE`?")
        );
    }
}
