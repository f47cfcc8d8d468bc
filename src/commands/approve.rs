use anyhow::{Context as _, Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::duties::{self, Approvable};
use soc2::model::paths::{CONTROLS_DIR, POLICIES_DIR, join_inside};
use soc2::model::{
    Approval, ApprovalState, CONTROL_FIELDS, Control, POLICY_FIELDS, Policy, Record, digest,
};
use soc2::store::{PendingWrite, edit, records};
use soc2::suggest;

use super::{Context, Exit, print};

/// Approve a control or policy as it is now.
///
/// Records the approver (your git identity), today's date and the sha256 digest of the
/// approved content; any later change to that content voids the approval. You cannot
/// approve content you changed last: someone else must (segregation of duties).
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The control or policy ID
    pub id: String,

    /// A note for the commit message
    #[arg(short = 'm', long = "message", value_name = "TEXT")]
    pub message: Option<String>,
}

pub fn run(context: &Context, args: ApproveArgs) -> Result<Exit> {
    context.refuse_rev("approve")?;
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let control = records::find(&root, CONTROLS_DIR, &args.id);
    let policy = records::find(&root, POLICIES_DIR, &args.id);
    let (path, kind) = match (control, policy) {
        (Some(path), None) => (path, "control"),
        (None, Some(path)) => (path, "policy"),
        (Some(c), Some(p)) => bail!(Hinted::new(
            format!("`{}` names both {c} and {p}", args.id),
            "give one of them another ID",
        )),
        (None, None) => {
            let mut ids = records::ids_in(&root, CONTROLS_DIR)?;
            ids.extend(records::ids_in(&root, POLICIES_DIR)?);
            bail!(Hinted::new(
                suggest::unknown(
                    "control or policy",
                    &args.id,
                    ids.iter().map(String::as_str)
                ),
                "`soc2 controls` and `soc2 policies` list the IDs",
            ));
        }
    };

    // Approving needs a committed file: the history must show who wrote this content.
    let mut change = Change::new("approve", &args.id);
    change.writes.push(PendingWrite::replace(&path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let approver = identity.author.email.clone();

    let (current, previous, target) = if kind == "control" {
        let record = records::read::<Control>(&root, &path, "control")?;
        let current = digest::control(&record.value);
        let previous = record.value.approval.clone();
        (current, previous, Target::Control(record))
    } else {
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
    };
    let traced = match &target {
        Target::Control(_) => Approvable::Control { path: &path },
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
    let new_text = target
        .with_approval(approval)
        .map_err(|reason| edit::refused(&path, &reason))?;
    change.writes = vec![PendingWrite::replace(&path, new_text)];
    change.details.push(format!(
        "Approve {kind} {} as it is now (sha256 {})",
        args.id,
        current.current.short()
    ));
    if let Some(message) = args.message {
        change.details.push(message);
    }
    let commit = change::apply_as(&repo, &change, &identity)?;
    print(&format!(
        "Approved {} as {approver} in commit {}\n",
        args.id,
        &commit[..12]
    ))?;
    Ok(Exit::Success)
}

enum Target {
    Control(Record<Control>),
    Policy(Record<Policy>),
}

impl Target {
    /// The file's text with the new approval, comments kept.
    fn with_approval(self, approval: Approval) -> Result<String, String> {
        match self {
            Target::Control(record) => {
                let mut control = record.value;
                control.approval = Some(approval);
                edit::rewrite(&record.text, &control, CONTROL_FIELDS)
            }
            Target::Policy(record) => {
                let mut policy = record.value;
                policy.approval = Some(approval);
                edit::rewrite(&record.text, &policy, POLICY_FIELDS)
            }
        }
    }
}
