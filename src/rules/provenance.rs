//! What git says about when things happened: records dated before git received them,
//! evidence that arrived after its window was due, exceptions approved by the people
//! they excuse or running too long, and windows older than the history itself.
//! Records already in the first commit of a history predate git: their real dates are
//! the team's word, which W-NO-HISTORY says once.

use std::collections::HashMap;

use crate::duties::same_person;
use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::paths::evidence_id;
use crate::model::{Approval, Date, Evidence, Exception, History, Record, Stood, Store, Version};
use crate::readiness::evidence::{Received, received};
use crate::readiness::{Assessment, ControlResult, WindowResult};
use rayon::prelude::*;

/// A day more than this many days before the commit that added it is backdated.
const BACKDATING_DAYS: i64 = 1;

/// The first window each evidence record of one control counts in, by the record's
/// id. A fast hash: the ids are the store's own.
type FirstWindows<'a> = HashMap<&'a str, &'a WindowResult, foldhash::fast::FixedState>;

/// Each in-scope control's `FirstWindows`, by control ID. A record is counted only in
/// its own control's windows, so each control has a small table of its own, which
/// stays in the processor's cache while that control's records (one run in the store's
/// order) are judged; one table of a large store's 100,000 records waited on memory at
/// each lookup, and was built on one core.
type InScope<'a> = HashMap<&'a str, FirstWindows<'a>, foldhash::fast::FixedState>;

/// The findings in `parts`, in order: W-NO-HISTORY, each evidence record's, then
/// approvals' and exceptions'. A record's findings stay its own list: the 70,000 of a
/// large store are moved once, when `check` joins every list.
pub(super) fn findings(
    store: &Store,
    assessment: &Assessment,
    history: &History,
    parts: &mut Vec<Vec<Finding>>,
) {
    let today = assessment.today;
    if let (Some(program), Some(starts)) = (&store.program, history.starts())
        && assessment.history.windows_before_history > 0
    {
        parts.push(vec![
            Finding::new(
                Code::NoHistory,
                format!(
                    "git history starts on {starts}, after windows of the period ended: they are judged on the store as its first commit holds it"
                ),
            )
            .in_file(&program.path)
            .with_hint("nothing to fix in the files: tell the auditor which windows predate the history, and keep every later change in git"),
        ]);
    }
    // A shallow clone's first commit is not the store's: what follows needs history
    // (the audit's I-RULE-SKIPPED says so).
    if history.shallow || history.commits.is_empty() {
        return;
    }
    let in_scope: InScope = assessment
        .controls
        .par_iter()
        .filter(|c| c.in_scope)
        .map(|c| (c.id.as_str(), first_windows(c)))
        .collect();
    // A finding per late or backdated record of 100,000 reads each record's text for
    // a position: the records are judged side by side, in their order.
    parts.par_extend(
        store
            .evidence
            .par_iter()
            .map(|record| evidence_findings(record, &in_scope, history, today)),
    );
    let mut out = approvals(store, history, today);
    for record in &store.controls {
        let versions = history
            .controls
            .get(&record.value.id)
            .map_or(&[][..], Vec::as_slice);
        for (i, exception) in record.value.exceptions.iter().enumerate() {
            let added = added_on(history, versions, today, |c| {
                c.exceptions.contains(exception)
            });
            exception_findings(record, i, exception, added, today, &mut out);
        }
    }
    parts.push(out);
}

/// W-BACKDATED and W-LATE-EVIDENCE for one evidence record of an in-scope control.
fn evidence_findings(
    record: &Record<Evidence>,
    in_scope: &InScope,
    history: &History,
    today: Date,
) -> Vec<Finding> {
    let Some(first_windows) = in_scope.get(record.value.control.as_str()) else {
        return Vec::new();
    };
    let arrived = match received(history, &record.path) {
        Received::Commit { date } => date,
        Received::Uncommitted => today,
        Received::BeforeHistory { .. } | Received::Unknown => return Vec::new(),
    };
    let evidence = &record.value;
    let id = evidence_id(&record.path);
    let backdated = (evidence.collected_at.days_until(arrived) > BACKDATING_DAYS).then(|| {
        Finding::new(
            Code::Backdated,
            format!(
                "{id} says it was collected on {}, but git received it on {arrived}",
                evidence.collected_at
            ),
        )
        .with_hint(
            "record evidence on the day it is collected (without `--today`), and commit it then",
        )
    });
    let late = first_windows
        .get(id.as_str())
        .map(|w| w.due_on)
        .filter(|&due| arrived > due)
        .map(|due| {
            Finding::new(
                Code::LateEvidence,
                format!("{id} arrived on {arrived}, after its first window was due ({due})"),
            )
            .with_hint("it still counts; collect evidence within the grace after each window (`soc2 due` lists what is coming)")
        });
    // Exactly as long as it needs: 70,000 of these lists wait to be joined.
    placed(record, "collected_at", backdated.into_iter().chain(late))
}

/// Approvals dated more than a day before the commit that wrote them (W-BACKDATED):
/// what `verify` checks of history too, so it needs no readiness.
pub(super) fn approvals(store: &Store, history: &History, today: Date) -> Vec<Finding> {
    let mut out = Vec::new();
    if history.shallow || history.commits.is_empty() {
        return out;
    }
    for record in &store.controls {
        let versions = history
            .controls
            .get(&record.value.id)
            .map_or(&[][..], Vec::as_slice);
        if let Some(approval) = &record.value.approval {
            let added = added_on(history, versions, today, |c| {
                same_approval(c.approval.as_ref(), approval)
            });
            backdated_approval(record, approval, added, &mut out);
        }
    }
    for record in &store.policies {
        let versions = history
            .policies
            .get(&record.value.id)
            .map_or(&[][..], Vec::as_slice);
        if let Some(approval) = &record.value.approval {
            let added = added_on(history, versions, today, |p| {
                same_approval(p.policy.approval.as_ref(), approval)
            });
            backdated_approval(record, approval, added, &mut out);
        }
    }
    if let Some(program) = &store.program
        && let Some(approval) = &program.value.scope_approval
    {
        let added = added_on(history, &history.programs, today, |p| {
            same_approval(p.scope_approval.as_ref(), approval)
        });
        if let Some((date, _)) = added
            && approval.at.days_until(date) > BACKDATING_DAYS
        {
            out.extend(placed(
                program,
                "scope_approval.at",
                [Finding::new(
                    Code::Backdated,
                    format!(
                        "the scope approval says {}, but git received it on {date}",
                        approval.at
                    ),
                )
                .with_hint("approve on the day of the approval: `soc2 approve scope`")],
            ));
        }
    }
    out
}

/// The same approval: by the same person on the same day (its digest may have been
/// renewed since).
fn same_approval(a: Option<&Approval>, b: &Approval) -> bool {
    a.is_some_and(|a| a.by == b.by && a.at == b.at)
}

/// The first window each evidence record of `control` is counted for, by evidence ID.
fn first_windows(control: &ControlResult) -> FirstWindows<'_> {
    let windows = &control.window_results;
    let mut first = FirstWindows::with_capacity_and_hasher(
        windows.iter().map(|w| w.evidence.len()).sum(),
        Default::default(),
    );
    for window in windows {
        for id in &window.evidence {
            first.entry(id.as_str()).or_insert(window);
        }
    }
    first
}

/// When (and by whom) the current run of versions satisfying `holds` began: the commit
/// that added what `holds` looks for. `None` when it predates history (it was in the
/// first commit); the judging day, with no author, when it is not committed yet.
fn added_on<'h, T>(
    history: &'h History,
    versions: &[Version<T>],
    today: Date,
    holds: impl Fn(&T) -> bool,
) -> Option<(Date, Option<&'h str>)> {
    let present = |v: &Version<T>| match &v.value {
        Stood::Present(value) => holds(value),
        _ => false,
    };
    let Some(last) = versions.last() else {
        return Some((today, None));
    };
    if !present(last) {
        return Some((today, None));
    }
    let mut first = last.commit;
    for version in versions.iter().rev() {
        if !present(version) {
            break;
        }
        first = version.commit;
    }
    if first == 0 {
        return None;
    }
    let commit = &history.commits[first];
    Some((commit.date, Some(commit.author_email.as_str())))
}

fn backdated_approval<T>(
    record: &Record<T>,
    approval: &Approval,
    added: Option<(Date, Option<&str>)>,
    out: &mut Vec<Finding>,
) {
    if let Some((date, _)) = added
        && approval.at.days_until(date) > BACKDATING_DAYS
    {
        out.extend(placed(
            record,
            "approval.at",
            [Finding::new(
                Code::Backdated,
                format!(
                    "{}'s approval says {} approved it on {}, but git received it on {date}",
                    record.stem(),
                    approval.by,
                    approval.at
                ),
            )
            .with_hint(format!(
                "approve on the day of the approval: `soc2 approve {}`",
                record.stem()
            ))],
        ));
    }
}

fn exception_findings(
    record: &Record<crate::model::Control>,
    index: usize,
    exception: &Exception,
    added: Option<(Date, Option<&str>)>,
    today: Date,
    out: &mut Vec<Finding>,
) {
    let field = format!("exceptions[{index}].approved_by");
    let control = &record.value;
    let owner_approved = control
        .owner
        .as_deref()
        .is_some_and(|owner| same_person(owner, &exception.approved_by));
    let author_approved = added
        .and_then(|(_, author)| author)
        .is_some_and(|author| same_person(author, &exception.approved_by));
    if owner_approved || author_approved {
        let who = if owner_approved {
            "the control's owner"
        } else {
            "the person who added it"
        };
        let finding = Finding::new(
            Code::SelfException,
            format!(
                "the exception on {} until {} was approved by {} ({who})",
                control.id, exception.expires, exception.approved_by
            ),
        )
        .with_hint("have someone with the authority, other than the owner, record it with `soc2 control except`");
        out.extend(placed(record, &field, [finding]));
    }
    let from = added.map_or(today, |(date, _)| date);
    if exception.expires > from.add_months(12) {
        let finding = Finding::new(
            Code::LongException,
            format!(
                "the exception on {} runs until {}, more than 12 months after it was added on {from}",
                control.id, exception.expires
            ),
        )
        .with_hint("fix the gap, or set an end date within a year and renew it if it is still needed");
        let expires = format!("exceptions[{index}].expires");
        out.extend(placed(record, &expires, [finding]));
    }
}

/// `findings`, placed at a record's field (or its id when the field is absent). The
/// text is read once for all of them and not kept: on a large store 70,000 records
/// are late or backdated, and each finding keeps only its position and line.
fn placed<T>(
    record: &Record<T>,
    field: &str,
    findings: impl IntoIterator<Item = Finding>,
) -> Vec<Finding> {
    let mut findings = findings.into_iter().peekable();
    if findings.peek().is_none() {
        return Vec::new();
    }
    record.text.with(|text| {
        let position = locate::value(text, field).or_else(|| locate::field(text, "id"));
        findings
            .map(|f| f.in_file(&record.path).at(position).with_source(text))
            .collect()
    })
}
