use anyhow::{Context as _, Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::duties::{self, Approvable};
use soc2::model::paths::{
    CONTROLS_DIR, POLICIES_DIR, PROGRAM_FILE, SYSTEM_DOCUMENT, SYSTEM_FILE, join_inside,
};
use soc2::model::{
    Approval, ApprovalState, CONTROL_FIELDS, Control, POLICY_FIELDS, PROGRAM_FIELDS, Policy,
    Program, Record, SYSTEM_FIELDS, SystemDescription, digest,
};
use soc2::store::{PendingWrite, edit, records};
use soc2::suggest;

use super::args::parse_id;
use super::{Context, Exit, print, signoff};

/// A control or policy ID, or `scope`, `system` or `milestone`.
fn parse_approvable(text: &str) -> Result<String, String> {
    match text {
        "scope" | "system" | "milestone" => Ok(text.to_string()),
        _ => parse_id(text),
    }
}

/// Approve a control, a policy, the scope, the system description or a milestone.
///
/// Records the approver (your git identity), today's date and the sha256 digest of the
/// approved content; any later change to that content voids the approval. You cannot
/// approve content you changed last: someone else must (segregation of duties).
/// `soc2 approve scope` approves soc2.yaml's scope: services, categories, excluded
/// criteria with their reasons, and the audit's type and periods. Exclusions count
/// only while it holds. `soc2 approve system` approves the system description.
/// Approving a policy or the system description whose approved content changed counts
/// up its `version`.
///
/// `soc2 approve milestone NAME` signs off one of the program's three milestones:
/// control-implementation (the digest of every in-scope control), internal-audit-results
/// (the files under tests/<ID>/ and findings/) or auditor-engagement (a document or
/// evidence record, with --document or --evidence).
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The control or policy ID, or `scope`, `system` or `milestone`
    #[arg(value_parser = parse_approvable)]
    pub id: String,

    /// With `milestone`: control-implementation, internal-audit-results or auditor-engagement
    #[arg(value_name = "MILESTONE")]
    pub milestone: Option<String>,

    /// With `milestone auditor-engagement`: the engagement document, a committed file of the repository
    #[arg(long, value_name = "PATH", conflicts_with = "evidence")]
    pub document: Option<String>,

    /// With `milestone auditor-engagement`: the evidence record that holds the engagement (CONTROL/RECORD)
    #[arg(long, value_name = "ID")]
    pub evidence: Option<String>,

    /// A note for the commit message
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn run(context: &Context, args: ApproveArgs) -> Result<Exit> {
    context.refuse_rev("approve")?;
    if args.id == "milestone" {
        let name = signoff::milestone(args.milestone.as_deref())?;
        return signoff::run(
            context,
            signoff::Request {
                name,
                document: args.document.as_deref(),
                evidence: args.evidence.as_deref(),
                message: args.message.as_deref(),
            },
        );
    }
    if let Some(extra) = &args.milestone {
        bail!(Hinted::new(
            format!("unexpected `{extra}` after `{}`", args.id),
            "approve one record at a time; `soc2 approve milestone NAME` signs off a milestone",
        ));
    }
    if args.document.is_some() || args.evidence.is_some() {
        bail!(Hinted::new(
            "--document and --evidence go with `soc2 approve milestone auditor-engagement`",
            "drop them to approve a record as it is",
        ));
    }
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let (path, kind) = match args.id.as_str() {
        "scope" => (PROGRAM_FILE.to_string(), "scope"),
        "system" => {
            if records::existing_files(&root, [SYSTEM_FILE].into_iter()).is_empty() {
                bail!(Hinted::new(
                    format!("there is no system description ({SYSTEM_FILE})"),
                    "write system/description.md and system/description.yaml (a new `soc2 init` in an empty folder writes both)",
                ));
            }
            (SYSTEM_FILE.to_string(), "system")
        }
        _ => find_record(&root, &args.id)?,
    };

    // Segregation of duties reads who last changed the content: a shallow clone would
    // credit it all to whoever made the boundary commit, the approver included.
    if repo.is_shallow() {
        bail!(Hinted::new(
            format!(
                "this is a shallow clone, so git history cannot show who last changed {}: approving here could let a person approve their own change",
                args.id
            ),
            "fetch the whole history first (`git fetch --unshallow`), then approve",
        ));
    }
    // Approving needs a committed file: the history must show who wrote this content.
    let mut change = Change::new("approve", &args.id);
    change.writes.push(PendingWrite::replace(&path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let approver = identity.author.email.clone();

    let (current, previous, target) = match kind {
        "control" => {
            let record = records::read::<Control>(&root, &path, "control")?;
            let current = digest::control(&record.value);
            let previous = record.value.approval.clone();
            (current, previous, Target::Control(record))
        }
        "scope" => {
            let record = records::read::<Program>(&root, &path, "program")?;
            let current = digest::scope(&record.value);
            let previous = record.value.scope_approval.clone();
            (current, previous, Target::Scope(record))
        }
        "system" => {
            let record = records::read::<SystemDescription>(&root, &path, "system description")?;
            let text =
                String::from_utf8(records::read_bytes(&root, SYSTEM_DOCUMENT)?).map_err(|_| {
                    Hinted::new(
                        format!("{SYSTEM_DOCUMENT} is not UTF-8 text"),
                        "save the description as UTF-8",
                    )
                })?;
            if !repo.is_unchanged(SYSTEM_DOCUMENT)? {
                bail!(Hinted::new(
                    format!("{SYSTEM_DOCUMENT} has uncommitted changes"),
                    "commit the description first: an approval covers committed content",
                ));
            }
            let current = digest::system(&record.value, Some(&text));
            let previous = record.value.approval.clone();
            (current, previous, Target::System(record))
        }
        _ => {
            let record = records::read::<Policy>(&root, &path, "policy")?;
            let document = match &record.value.document {
                Some(name) => {
                    let doc_path = join_inside(POLICIES_DIR, name)
                        .with_context(|| format!("{path}: `document` leaves policies/"))?;
                    let bytes = records::read_bytes(&root, &doc_path)?;
                    if !repo.is_unchanged(&doc_path)? {
                        bail!(Hinted::new(
                            format!("{doc_path} has uncommitted changes"),
                            "commit the document first: an approval covers committed content",
                        ));
                    }
                    Some(bytes)
                }
                None => None,
            };
            let current = digest::policy(&record.value, document.as_deref());
            let previous = record.value.approval.clone();
            (current, previous, Target::Policy(record))
        }
    };
    let traced = match &target {
        Target::Control(_) => Approvable::Control { path: &path },
        Target::Scope(_) => Approvable::Scope { path: &path },
        Target::System(_) => Approvable::System,
        Target::Policy(record) => Approvable::Policy {
            path: &path,
            document: record.value.document.as_deref(),
        },
    };
    let author = duties::content_author(&repo, &traced, &current.current)?;
    let by_author = |email: &str| {
        author
            .as_ref()
            .is_some_and(|a| duties::same_person(&a.author_email, email))
    };
    if by_author(&approver) {
        let commit = author.as_ref().map_or("", |a| a.short_id());
        bail!(Hinted::new(
            format!(
                "you ({approver}) last changed {} in commit {commit}, so you cannot approve it",
                args.id
            ),
            "segregation of duties: ask someone else to run `soc2 approve` for it",
        ));
    }
    // A valid approval stands (one under soc2 0.1's digest rule is renewed); one given
    // by the content's own author is replaced.
    if let Some(approval) = previous.as_ref().filter(|a| {
        ApprovalState::of(Some(a), &current) == ApprovalState::Approved
            && !current.is_legacy(&a.digest)
            && !by_author(&a.by)
    }) {
        print(&format!(
            "{} is already approved as it is (by {} on {}); nothing to commit\n",
            args.id, approval.by, approval.at
        ))?;
        return Ok(Exit::Success);
    }

    let approval = Approval {
        by: approver.clone(),
        at: context.today,
        digest: current.current.clone(),
    };
    let original = target.text().to_string();
    // Approving content that changed since its last approval is a new version.
    let new_version = previous
        .as_ref()
        .is_some_and(|p| ApprovalState::of(Some(p), &current) == ApprovalState::Changed);
    let target = if new_version {
        target.next_version()
    } else {
        target
    };
    let version = target.version();
    let new_text = target
        .with_approval(approval)
        .map_err(|reason| edit::refused(&path, &reason))?;
    change.writes = vec![PendingWrite::replace(&path, new_text).over(original)];
    change.details.push(match kind {
        "scope" => format!(
            "Approve the scope as it is now (sha256 {})",
            current.current.short()
        ),
        "system" => format!(
            "Approve the system description as it is now, version {} (sha256 {})",
            version.unwrap_or(1),
            current.current.short()
        ),
        _ => format!(
            "Approve {kind} {} as it is now (sha256 {})",
            args.id,
            current.current.short()
        ),
    });
    if let Some(message) = args.message {
        change.details.push(message);
    }
    if new_version && let Some(version) = version {
        change
            .details
            .push(format!("The approved content changed: version {version}"));
    }
    let commit = change::apply_as(&repo, &change, &identity)?;
    let version_note = match version {
        Some(version) if new_version => format!(" (version {version})"),
        _ => String::new(),
    };
    print(&format!(
        "Approved {}{version_note} as {approver} in commit {}\n",
        args.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

/// The control or policy `id` names, and which it is.
fn find_record(root: &std::path::Path, id: &str) -> Result<(String, &'static str)> {
    let control = records::find(root, CONTROLS_DIR, id);
    let policy = records::find(root, POLICIES_DIR, id);
    match (control, policy) {
        (Some(path), None) => Ok((path, "control")),
        (None, Some(path)) => Ok((path, "policy")),
        (Some(c), Some(p)) => bail!(Hinted::new(
            format!("`{id}` names both {c} and {p}"),
            "give one of them another ID",
        )),
        (None, None) => {
            let mut ids = records::ids_in(root, CONTROLS_DIR)?;
            ids.extend(records::ids_in(root, POLICIES_DIR)?);
            ids.extend(["scope", "system", "milestone"].map(String::from));
            bail!(Hinted::new(
                suggest::unknown("control or policy", id, ids.iter().map(String::as_str)),
                "`soc2 controls` and `soc2 policies` list the IDs; `scope` approves soc2.yaml's scope, `system` the system description, `milestone NAME` a milestone",
            ));
        }
    }
}

enum Target {
    Control(Record<Control>),
    Policy(Record<Policy>),
    Scope(Record<Program>),
    System(Record<SystemDescription>),
}

impl Target {
    /// The file's text as it was read.
    fn text(&self) -> &str {
        match self {
            Target::Control(record) => &record.text,
            Target::Policy(record) => &record.text,
            Target::Scope(record) => &record.text,
            Target::System(record) => &record.text,
        }
    }

    /// One version more, for the records that keep one.
    fn next_version(self) -> Target {
        match self {
            Target::Policy(mut record) => {
                record.value_mut().version += 1;
                Target::Policy(record)
            }
            Target::System(mut record) => {
                record.value_mut().version += 1;
                Target::System(record)
            }
            other => other,
        }
    }

    fn version(&self) -> Option<u32> {
        match self {
            Target::Policy(record) => Some(record.value.version),
            Target::System(record) => Some(record.value.version),
            _ => None,
        }
    }

    /// The file's text with the new approval, comments kept.
    fn with_approval(self, approval: Approval) -> Result<String, String> {
        match self {
            Target::Control(record) => {
                let mut control = std::sync::Arc::unwrap_or_clone(record.value);
                control.approval = Some(approval);
                edit::rewrite(&record.text, &control, CONTROL_FIELDS)
            }
            Target::Policy(record) => {
                let mut policy = std::sync::Arc::unwrap_or_clone(record.value);
                policy.approval = Some(approval);
                edit::rewrite(&record.text, &policy, POLICY_FIELDS)
            }
            Target::Scope(record) => {
                let mut program = std::sync::Arc::unwrap_or_clone(record.value);
                program.scope_approval = Some(approval);
                edit::rewrite(&record.text, &program, PROGRAM_FIELDS)
            }
            Target::System(record) => {
                let mut description = std::sync::Arc::unwrap_or_clone(record.value);
                description.approval = Some(approval);
                edit::rewrite(&record.text, &description, SYSTEM_FIELDS)
            }
        }
    }
}
