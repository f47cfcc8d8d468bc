use anyhow::{Context as _, Result};
use clap::{Args, ValueEnum};
use soc2::Hinted;
use soc2::findings::{Code, Finding};
use soc2::gate::{self, Overrides};
use soc2::model::Gate;
use soc2::readiness;
use soc2::readiness::Score;
use soc2::report::{self, Style, check};
use soc2::store;

use super::args::parse_code;
use super::output::print_json_ending_in;
use super::{Context, Exit, print};

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

    /// human (coloured on a terminal unless NO_COLOR is set), json, github (Actions
    /// annotations, and a Markdown job summary appended to $GITHUB_STEP_SUMMARY when it is
    /// set), or sarif (SARIF 2.1.0, for code-scanning upload)
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
    Sarif,
}

pub fn run(context: &Context, args: CheckArgs) -> Result<Exit> {
    if let Some(code) = args.explain {
        print(&check::explain(code))?;
        return Ok(Exit::Success);
    }
    let overrides = Overrides {
        min_readiness: args.min_readiness,
        deny: args.deny,
        allow: args.allow,
    };
    overrides.validate()?;

    let (mut audited, today) = match context.load_audited(false) {
        Ok(loaded) => loaded,
        // Tools reading JSON or annotations still get a report saying why.
        Err(err) if args.format != CheckFormat::Human => {
            let mut finding = Finding::new(Code::Load, format!("{err:#}"));
            if let Some(hinted) = err.chain().find_map(|e| e.downcast_ref::<Hinted>()) {
                finding = finding.with_hint(hinted.hint.clone());
            }
            let verdict = gate::judge(
                vec![finding],
                &Gate::default(),
                &Score::default(),
                &Overrides::default(),
            );
            print(&match args.format {
                CheckFormat::Github => check::render_github(&verdict),
                CheckFormat::Sarif => {
                    check::render_sarif(&verdict.findings, env!("CARGO_PKG_VERSION"))
                }
                _ => report::json(&verdict.report()),
            })?;
            return Err(err);
        }
        Err(err) => return Err(err),
    };
    let assessment = readiness::assess(&audited.loaded.store, today, &audited.history);
    let gate = audited.loaded.store.program().gate.clone();
    let findings = audited.check_findings(&assessment);
    let verdict = gate::judge(findings, &gate, &assessment.overall, &overrides);
    let exit = exit(&verdict);
    let text = match args.format {
        CheckFormat::Human => check::render_human(&verdict, Style::for_stdout()),
        CheckFormat::Json => {
            let mut report = verdict.report();
            let findings = std::mem::take(&mut report.findings);
            print_json_ending_in(&report, &findings)?;
            super::leave((audited, assessment, verdict));
            return Ok(exit);
        }
        CheckFormat::Github => {
            if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty())
            {
                store::append_outside(
                    std::path::Path::new(&summary),
                    &check::render_summary(&verdict),
                )
                .context("writing the job summary ($GITHUB_STEP_SUMMARY)")?;
            }
            check::render_github(&verdict)
        }
        CheckFormat::Sarif => check::render_sarif(&verdict.findings, env!("CARGO_PKG_VERSION")),
    };
    print(&text)?;
    super::leave((audited, assessment, verdict));
    Ok(exit)
}

/// 0 when the gate passed, 1 when it failed.
fn exit(verdict: &gate::Verdict) -> Exit {
    if verdict.passed {
        Exit::Success
    } else {
        Exit::Failure
    }
}
