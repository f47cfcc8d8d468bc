use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::internal_audit::{lifecycle, testing};
use soc2::model::paths::{CONTROLS_DIR, FINDINGS_DIR};
use soc2::model::{
    AuditFinding, Conclusion, Control, ControlTest, Date, FindingSource, FindingStatus, Interval,
    Severity, TEST_FIELDS, owner_is_set,
};
use soc2::schema::Kind;
use soc2::store::{PendingWrite, edit, records};

use super::super::args::{parse_choice, parse_date};
use super::super::{Context, Exit, print};
use super::find_test;
use super::record::refuse_conflict;

/// Conclude a test once every item is recorded; one commit.
///
/// Effective when every sampled item passed. Deficient when any is an exception: the
/// same commit files a finding (findings/F-NNN.yaml, source internal-test) with the
/// exceptions, for the control's owner to remediate.
#[derive(Debug, Args)]
pub struct ConcludeArgs {
    /// The test, as CONTROL/DATE-SLUG
    pub test: String,

    /// For a deficient test: deficiency (default), significant-deficiency or
    /// material-weakness (see README, Severity)
    #[arg(long, value_parser = parse_choice::<Severity>)]
    pub severity: Option<Severity>,

    /// For a deficient test: who remediates (default: the control's owner)
    #[arg(long)]
    pub owner: Option<String>,

    /// For a deficient test: when the finding should be closed (default: in 30 days)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub due: Option<Date>,

    /// For a deficient test: the finding's title (default: from the exceptions)
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
}

pub fn run(context: &Context, args: ConcludeArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let (path, id) = find_test(&root, &args.test)?;
    let record = records::read::<ControlTest>(&root, &path, "test")?;
    let mut change = Change::new("test-conclude", &record.value.control);
    change.writes.push(PendingWrite::replace(&path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let by = identity.author.email.clone();
    let mut updated = testing::conclude(&record.value, &id, &by, context.today)?;
    refuse_conflict(context, &record.value, &by)?;
    let mut writes = Vec::new();
    let mut filed = None;
    if updated.conclusion == Some(Conclusion::Deficient) {
        let control_path = records::existing(&root, CONTROLS_DIR, &updated.control, "control")?;
        let control = records::read::<Control>(&root, &control_path, "control")?.value;
        let finding_id = lifecycle::next_id(
            records::ids_in(&root, FINDINGS_DIR)?
                .iter()
                .map(String::as_str),
        );
        let finding = finding_for(
            &updated,
            &id,
            &finding_id,
            &control,
            &args,
            &by,
            context.today,
        )?;
        let finding_path = format!("{FINDINGS_DIR}/{finding_id}.yaml");
        writes.push(PendingWrite::create(
            &finding_path,
            records::new_file(&root, Kind::Finding, &finding_path, &finding),
        ));
        updated.finding = Some(finding_id.clone());
        filed = Some(finding);
    } else if args.severity.is_some()
        || args.owner.is_some()
        || args.due.is_some()
        || args.title.is_some()
    {
        bail!(Hinted::new(
            "every item passed, so the test is effective and files no finding",
            "drop --severity, --owner, --due and --title",
        ));
    }
    let text = edit::rewrite(&record.text, &updated, TEST_FIELDS)
        .map_err(|reason| edit::refused(&path, &reason))?;
    writes.insert(0, PendingWrite::replace(&path, text));
    change.writes = writes;
    let conclusion = updated.conclusion.map_or("", |c| c.as_str());
    change.details.push(format!(
        "Conclude {id}: {conclusion} ({} of {} items passed)",
        updated.sample.len() - updated.exceptions().len(),
        updated.sample.len()
    ));
    if let Some(finding) = &filed {
        change.details.push(format!(
            "File {} ({}) on {}, owned by {}, due {}",
            finding.id,
            finding.severity.as_str(),
            finding.control,
            finding.owner,
            finding.due
        ));
    }
    let commit = change::apply_as(&repo, &change, &identity)?;
    let mut out = format!(
        "Concluded {id}: {conclusion}, in commit {}\n",
        &commit[..12]
    );
    if let Some(finding) = filed {
        out.push_str(&format!(
            "Filed {} ({}) for {} to remediate by {}: findings/{}.yaml\n",
            finding.id,
            finding.severity.as_str(),
            finding.owner,
            finding.due,
            finding.id
        ));
    }
    print(&out)?;
    Ok(Exit::Success)
}

fn finding_for(
    test: &ControlTest,
    test_id: &str,
    finding_id: &str,
    control: &Control,
    args: &ConcludeArgs,
    by: &str,
    today: Date,
) -> Result<AuditFinding> {
    let owner = match (&args.owner, &control.owner) {
        (Some(owner), _) => owner.clone(),
        (None, Some(owner)) if owner_is_set(Some(owner)) => owner.clone(),
        _ => bail!(Hinted::new(
            format!("{} has no owner to remediate the finding", control.id),
            "pass --owner PERSON",
        )),
    };
    let exceptions = test.exceptions();
    let description = exceptions
        .iter()
        .map(|i| {
            format!(
                "Item {} ({}): {}",
                i.item,
                i.id,
                i.note.as_deref().unwrap_or("exception")
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    Ok(AuditFinding {
        id: finding_id.to_string(),
        control: control.id.clone(),
        title: args.title.clone().unwrap_or_else(|| {
            format!(
                "{}: {} of {} sampled items were exceptions",
                control.title,
                exceptions.len(),
                test.sample.len()
            )
        }),
        source: FindingSource::InternalTest,
        test: Some(test_id.to_string()),
        evidence: None,
        severity: args.severity.unwrap_or(Severity::Deficiency),
        owner,
        found_on: today,
        found_by: Some(by.to_string()),
        due: args.due.unwrap_or_else(|| Interval::days(30).after(today)),
        description: Some(description),
        root_cause: None,
        plan: None,
        status: FindingStatus::Open,
        remediated_on: None,
        remediation: None,
        retest: None,
        closed_on: None,
        closed_by: None,
        notes: None,
    })
}
