//! Signing off a milestone (`soc2 approve milestone`) or a step only people can judge
//! (`soc2 program sign-off`): who, when, and the digest of what it covers, written to
//! soc2.yaml's `signoffs` in one commit; refused to the person who made the last
//! change to what it covers.

use anyhow::{Result, bail};
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::duties::same_person;
use soc2::git::{ACTION_TRAILER, Repo};
use soc2::history::{self, Depth};
use soc2::model::paths::{CONTROLS_DIR, PROGRAM_FILE, join_inside};
use soc2::model::{EntryKind, MILESTONES, PROGRAM_FIELDS, Program, STEPS, SignOff, Step, StepKind};
use soc2::program::gather;
use soc2::program::signoff;
use soc2::report::plural;
use soc2::store::{self, PendingWrite, Source, WorkTree, edit, records};
use soc2::suggest;

use super::context::valid;
use super::{Context, Exit, print};

/// What is being signed off, and with which document.
pub struct Request<'a> {
    pub name: &'a str,
    pub document: Option<&'a str>,
    pub evidence: Option<&'a str>,
    pub message: Option<&'a str>,
}

/// The milestone `text` names, or an error listing the three.
pub fn milestone(text: Option<&str>) -> Result<&'static str> {
    let listed = MILESTONES.join(", ");
    let Some(text) = text else {
        bail!(Hinted::new(
            format!("name the milestone to approve: {listed}"),
            "for example `soc2 approve milestone control-implementation`",
        ));
    };
    match MILESTONES.iter().find(|m| **m == text.trim()) {
        Some(name) => Ok(name),
        None => bail!(Hinted::new(
            format!(
                "{}; the milestones are {listed}",
                suggest::unknown("milestone", text, MILESTONES)
            ),
            "`soc2 program` shows the steps; the milestones are steps 10, 14 and 18",
        )),
    }
}

/// The step `text` names, when people sign it off.
pub fn signed_step(text: &str) -> Result<&'static Step> {
    let Some(step) = Step::find(text) else {
        bail!(Hinted::new(
            suggest::unknown("program step", text, STEPS.iter().map(|s| s.slug)),
            "`soc2 program` lists the steps by number and name",
        ));
    };
    match step.kind {
        StepKind::SignOff => Ok(step),
        StepKind::Milestone => bail!(Hinted::new(
            format!("step {} is a milestone", step.label()),
            format!("approve it with `soc2 approve milestone {}`", step.slug),
        )),
        StepKind::Derived => bail!(Hinted::new(
            format!(
                "step {} is derived from the store, never signed off by hand",
                step.label()
            ),
            "`soc2 program` says what it waits for; only steps 17 (engage-auditor) and 20 (final-report) are signed off",
        )),
    }
}

/// Whether the sign-off names a document or an evidence record.
fn names_a_document(name: &str) -> bool {
    name == "auditor-engagement" || Step::find(name).is_some_and(|s| s.kind == StepKind::SignOff)
}

pub fn run(context: &Context, request: Request) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let name = request.name;

    let mut change = Change::new(
        if MILESTONES.contains(&name) {
            "approve-milestone"
        } else {
            "program-sign-off"
        },
        name,
    );
    change
        .writes
        .push(PendingWrite::replace(PROGRAM_FILE, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let signer = identity.author.email.clone();

    let source = WorkTree::new(&root);
    let store = valid(store::load(&source)?)?;
    let (document, evidence) = named_document(&repo, &source, &request)?;
    refuse_uncommitted(&repo, &source, name)?;

    let covered = gather::covered(
        name,
        document.as_deref(),
        evidence.as_deref(),
        &store,
        &source,
    )?;
    if covered.is_empty() {
        bail!(Hinted::new(
            format!("there is nothing for {name} to cover yet"),
            match name {
                "internal-audit-results" =>
                    "record internal tests (tests/<CONTROL-ID>/) and findings (findings/) first",
                _ => "add the controls in scope first",
            },
        ));
    }
    let digest = signoff::digest_of(&covered);
    if let Some((author, commit, what)) = last_change(&repo, &source, name, &covered)?
        && same_person(&author, &signer)
    {
        bail!(Hinted::new(
            format!(
                "you ({signer}) made the last change to what {name} covers ({what}, commit {commit}), so you cannot sign it off"
            ),
            format!("segregation of duties: ask someone else to sign off {name}"),
        ));
    }

    let record = records::read::<Program>(&root, PROGRAM_FILE, "program")?;
    if let Some(given) = record.value.signoffs.get(name)
        && given.digest == digest
        && given.document == document
        && given.evidence == evidence
    {
        print(&format!(
            "{name} is already signed off as it is (by {} on {}); nothing to commit\n",
            given.by, given.at
        ))?;
        return Ok(Exit::Success);
    }
    let mut program = (*record.value).clone();
    program.signoffs.insert(
        name.to_string(),
        SignOff {
            by: signer.clone(),
            at: context.today,
            digest: digest.clone(),
            document: document.clone(),
            evidence: evidence.clone(),
        },
    );
    let text = edit::rewrite(&record.text, &program, PROGRAM_FIELDS)
        .map_err(|reason| edit::refused(PROGRAM_FILE, &reason))?;
    let what = match name {
        "control-implementation" => plural(covered.len(), "in-scope control"),
        "internal-audit-results" => plural(covered.len(), "test and finding file"),
        _ => document.clone().or(evidence.clone()).unwrap_or_default(),
    };
    change.writes = vec![PendingWrite::replace(PROGRAM_FILE, text)];
    change.details.push(format!(
        "Sign off {name}: {what} as they are now (sha256 {})",
        digest.short()
    ));
    if let Some(message) = request.message {
        change.details.push(message.to_string());
    }
    let commit = change::apply_as(&repo, &change, &identity)?;
    let mut out = format!(
        "Signed off {name} as {signer} in commit {}: {what} (sha256 {})\n",
        &commit[..12],
        digest.short()
    );
    if name == "control-implementation" {
        let assessment = soc2::readiness::assess(&store, context.today, &Default::default());
        let waiting: Vec<&str> = assessment
            .controls
            .iter()
            .filter(|c| c.in_scope)
            .filter(|c| {
                matches!(
                    c.status,
                    soc2::model::ControlStatus::Planned | soc2::model::ControlStatus::Designed
                )
            })
            .map(|c| c.id.as_str())
            .collect();
        if !waiting.is_empty() {
            out.push_str(&format!(
                "note: {} in scope {} not implemented yet: {}\n",
                plural(waiting.len(), "control"),
                if waiting.len() == 1 { "is" } else { "are" },
                waiting.join(", ")
            ));
        }
    }
    print(&out)?;
    Ok(Exit::Success)
}

/// The document or evidence record a sign-off names: required for the auditor's
/// engagement and the steps people sign off, refused for the others.
fn named_document(
    repo: &Repo,
    source: &WorkTree,
    request: &Request,
) -> Result<(Option<String>, Option<String>)> {
    let name = request.name;
    if !names_a_document(name) {
        if request.document.is_some() || request.evidence.is_some() {
            bail!(Hinted::new(
                format!("{name} covers the store itself, not a document"),
                "drop --document and --evidence",
            ));
        }
        return Ok((None, None));
    }
    match (request.document, request.evidence) {
        (Some(document), None) => {
            let path = join_inside("", document.trim_start_matches("./")).ok_or_else(|| {
                Hinted::new(
                    format!("`{document}` is not a path inside the repository"),
                    "name the document by its path from the repository's top, like docs/engagement-letter.pdf",
                )
            })?;
            if source.kind(&path)? != Some(EntryKind::File) {
                bail!(Hinted::new(
                    format!("there is no file {path} in the repository"),
                    "commit the document first, and name it by its path from the repository's top",
                ));
            }
            if !repo.is_unchanged(&path)? {
                bail!(Hinted::new(
                    format!("{path} is not committed as it is"),
                    "commit the document first: a sign-off covers committed content",
                ));
            }
            Ok((Some(path), None))
        }
        (None, Some(id)) => {
            let Some(path) = gather::evidence_path(source, id)? else {
                bail!(Hinted::new(
                    format!("there is no evidence record {id}"),
                    "`soc2 evidence list` lists the records (CONTROL/RECORD)",
                ));
            };
            if !repo.is_unchanged(&path)? {
                bail!(Hinted::new(
                    format!("{path} is not committed as it is"),
                    "commit the evidence first: a sign-off covers committed content",
                ));
            }
            Ok((None, Some(id.to_string())))
        }
        _ => bail!(Hinted::new(
            format!("{name} is signed off with the document that shows it"),
            "pass --document PATH (a committed file) or --evidence CONTROL/RECORD",
        )),
    }
}

/// A sign-off covers committed content: refuse uncommitted changes to it.
fn refuse_uncommitted(repo: &Repo, source: &dyn Source, name: &str) -> Result<()> {
    let roots: Vec<String> = match name {
        "control-implementation" => vec![CONTROLS_DIR.to_string()],
        "internal-audit-results" => gather::internal_audit_roots(source)?,
        _ => Vec::new(),
    };
    for root in &roots {
        if repo.has_changes_under(&[root.as_str()])? {
            bail!(Hinted::new(
                format!("what {name} covers has uncommitted changes ({root}/)"),
                "commit them first: a sign-off covers committed content",
            ));
        }
    }
    Ok(())
}

/// Who made the last change to what the sign-off covers: (email, commit, what).
fn last_change(
    repo: &Repo,
    source: &dyn Source,
    name: &str,
    covered: &signoff::Covered,
) -> Result<Option<(String, String, String)>> {
    if name == "control-implementation" {
        let history = history::read(repo, "HEAD", Depth::Design)?;
        let Some(index) = signoff::last_control_change(&history, covered) else {
            return Ok(None);
        };
        let commit = &history.commits[index];
        let changed: Vec<&str> = covered
            .keys()
            .filter(|id| {
                history
                    .controls
                    .get(*id)
                    .is_some_and(|versions| versions.iter().any(|v| v.commit == index))
            })
            .map(String::as_str)
            .collect();
        return Ok(Some((
            commit.author_email.clone(),
            commit.id[..12].to_string(),
            changed.join(", "),
        )));
    }
    let roots: Vec<String> = match name {
        "internal-audit-results" => gather::internal_audit_roots(source)?,
        _ => covered.keys().cloned().collect(),
    };
    let touched = repo.touched(&roots)?;
    let Some(last) = touched
        .iter()
        .find(|t| t.commit.trailer(ACTION_TRAILER) != Some("init"))
    else {
        return Ok(None);
    };
    Ok(Some((
        last.commit.author_email.clone(),
        last.commit.short_id().to_string(),
        last.paths.join(", "),
    )))
}
