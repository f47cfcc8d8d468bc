use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::internal_audit::lifecycle;
use soc2::model::paths::{CONTROLS_DIR, EVIDENCE_DIR, FINDINGS_DIR};
use soc2::model::{
    AuditFinding, Conclusion, Control, ControlTest, Date, Evidence, EvidenceResult, FindingSource,
    FindingStatus, Interval, Severity, owner_is_set,
};
use soc2::schema::Kind;
use soc2::store::{PendingWrite, records};

use super::super::args::{parse_choice, parse_date};
use super::super::test::find_test;
use super::super::{Context, Exit, print};

/// File a finding on a control (findings/F-NNN.yaml); one commit.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The control the deficiency is in (default: the control of --evidence or --test)
    #[arg(long)]
    pub control: Option<String>,

    /// What is wrong, in a line
    #[arg(long, value_name = "TEXT")]
    pub title: String,

    /// Where it came from: internal-test, auditor, self-identified (default) or incident
    #[arg(long, value_parser = parse_choice::<FindingSource>)]
    pub source: Option<FindingSource>,

    /// deficiency (default), significant-deficiency or material-weakness (see README, Severity)
    #[arg(long, value_parser = parse_choice::<Severity>)]
    pub severity: Option<Severity>,

    /// Who remediates it (default: the control's owner)
    #[arg(long)]
    pub owner: Option<String>,

    /// When it should be closed (default: in 30 days)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub due: Option<Date>,

    /// The deviation evidence record that shows it, as CONTROL/RECORD
    #[arg(long, value_name = "ID")]
    pub evidence: Option<String>,

    /// The deficient test that found it, as CONTROL/DATE-SLUG
    #[arg(long, value_name = "TEST")]
    pub test: Option<String>,

    /// What happened
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,

    /// Why it happened
    #[arg(long, value_name = "TEXT")]
    pub root_cause: Option<String>,

    /// What will be done about it
    #[arg(long, value_name = "TEXT")]
    pub plan: Option<String>,
}

pub fn run(context: &Context, args: AddArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    if args.title.trim().is_empty() {
        bail!(Hinted::new(
            "a finding needs a title",
            "say what is wrong, in a line"
        ));
    }
    let evidence = match &args.evidence {
        Some(id) => {
            let Some(path) = records::find_in_control(&root, EVIDENCE_DIR, id) else {
                bail!(Hinted::new(
                    format!("no evidence record `{id}`"),
                    "`soc2 evidence list CONTROL` lists a control's records as CONTROL/RECORD",
                ));
            };
            let record = records::read::<Evidence>(&root, &path, "evidence")?;
            if record.value.result() != EvidenceResult::Deviation {
                bail!(Hinted::new(
                    format!(
                        "{id} records `{}`, not a deviation",
                        record.value.result().as_str()
                    ),
                    "a finding from evidence names the record that shows the control failed (`--result deviation`)",
                ));
            }
            Some((id.clone(), record.value.control.clone()))
        }
        None => None,
    };
    let test = match &args.test {
        Some(id) => {
            let (path, id) = find_test(&root, id)?;
            let test = records::read::<ControlTest>(&root, &path, "test")?.value;
            let test = std::sync::Arc::unwrap_or_clone(test);
            if test.conclusion != Some(Conclusion::Deficient) {
                bail!(Hinted::new(
                    format!("{id} is not concluded deficient"),
                    "a finding from a test names a deficient one; `soc2 test conclude` files it",
                ));
            }
            Some((id, test.control))
        }
        None => None,
    };
    let control_id = match (&args.control, &evidence, &test) {
        (Some(control), _, _) => control.clone(),
        (None, Some((_, control)), _) | (None, None, Some((_, control))) => control.clone(),
        (None, None, None) => bail!(Hinted::new(
            "name the control the finding is on",
            "pass --control CONTROL (or --evidence / --test, whose control it takes)",
        )),
    };
    let control_path = records::existing(&root, CONTROLS_DIR, &control_id, "control")?;
    let control = records::read::<Control>(&root, &control_path, "control")?.value;
    for (what, other) in [
        ("evidence", evidence.as_ref().map(|e| &e.1)),
        ("test", test.as_ref().map(|t| &t.1)),
    ] {
        if let Some(other) = other.filter(|c| **c != control_id) {
            bail!(Hinted::new(
                format!("the {what} is of {other}, and the finding is on {control_id}"),
                "a finding, its evidence and its test are of one control",
            ));
        }
    }
    let source = args.source.unwrap_or(if test.is_some() {
        FindingSource::InternalTest
    } else {
        FindingSource::SelfIdentified
    });
    if source == FindingSource::InternalTest && test.is_none() {
        bail!(Hinted::new(
            "a finding from an internal test names the test",
            "pass --test CONTROL/DATE-SLUG; `soc2 test conclude` files the finding of a deficient test itself",
        ));
    }
    let owner = match (&args.owner, &control.owner) {
        (Some(owner), _) => owner.clone(),
        (None, Some(owner)) if owner_is_set(Some(owner)) => owner.clone(),
        _ => bail!(Hinted::new(
            format!("{control_id} has no owner to remediate the finding"),
            "pass --owner PERSON",
        )),
    };
    let mut change = Change::new("finding-add", "");
    let identity = change::preflight(&repo, &change)?;
    let id = lifecycle::next_id(
        records::ids_in(&root, FINDINGS_DIR)?
            .iter()
            .map(String::as_str),
    );
    let finding = AuditFinding {
        id: id.clone(),
        control: control_id.clone(),
        title: args.title.trim().to_string(),
        source,
        test: test.map(|t| t.0),
        evidence: evidence.map(|e| e.0),
        severity: args.severity.unwrap_or(Severity::Deficiency),
        owner,
        found_on: context.today,
        found_by: Some(identity.author.email.clone()),
        due: args
            .due
            .unwrap_or_else(|| Interval::days(30).after(context.today)),
        description: args.description,
        root_cause: args.root_cause,
        plan: args.plan,
        status: FindingStatus::Open,
        remediated_on: None,
        remediation: None,
        retest: None,
        closed_on: None,
        closed_by: None,
        notes: None,
    };
    if finding.due < context.today {
        bail!(Hinted::new(
            format!("the due date {} is in the past", finding.due),
            "give the owner a date from today on: --due YYYY-MM-DD",
        ));
    }
    let path = format!("{FINDINGS_DIR}/{id}.yaml");
    change.object = id.clone();
    change.details.push(format!(
        "File {id} ({}, {}) on {control_id}: {}",
        finding.severity.as_str(),
        finding.source.as_str(),
        finding.title
    ));
    change.writes.push(PendingWrite::create(
        &path,
        records::new_file(&root, Kind::Finding, &path, &finding),
    ));
    let commit = change::apply_as(&repo, &change, &identity)?;
    print(&format!(
        "Filed {id} ({}) on {control_id} for {} to close by {}, in commit {}\n",
        finding.severity.as_str(),
        finding.owner,
        finding.due,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}
