//! Which evidence proves a control operated, and in which windows. A record proves
//! operation when its result is `operated` and it carries something (a command run, a
//! file that is not empty, an attestation with who collected it), or when its result is
//! `no-occurrence`; a `deviation` never does. A point-in-time record (a screenshot, or a
//! kind the control marks) shows the day it was taken, so it counts only for the window
//! holding its `collected_at`. Evidence counts from the day it was received, by its
//! commit; records the judged store holds that history does not are received on the
//! judging day, and records already in the first commit of a history that starts late
//! were received on an unknown day before it, which is never late.

use serde::{Deserialize, Serialize};

use crate::model::paths::evidence_id_in;
use crate::model::{
    Control, Covers, Date, Evidence, EvidenceKind, EvidenceResult, History, Period, Record,
};

/// One evidence record as the judgement sees it.
#[derive(Clone, Debug)]
pub(crate) struct Counted<'a> {
    pub id: &'a str,
    pub result: EvidenceResult,
    /// Proves operation (or that there was nothing to operate on).
    pub proves: bool,
    /// The days it speaks for: `covers`, or only `collected_at` for point-in-time kinds.
    pub span: Covers,
    /// When it was received; `None` when it predates the history (unknown, never late).
    pub received: Option<Date>,
}

/// When a record was received.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum Received {
    /// By the commit that first held it.
    Commit { date: Date },
    /// Before history starts: on an unknown day, no later than `by`.
    BeforeHistory { by: Date },
    /// Not committed: received on the judging day.
    Uncommitted,
    /// The store is not in git.
    Unknown,
}

/// When the record at `path` was received.
pub(crate) fn received(history: &History, path: &str) -> Received {
    if history.commits.is_empty() {
        return Received::Unknown;
    }
    match history.received_in(path) {
        Some(0) => Received::BeforeHistory {
            by: history.commits[0].date,
        },
        Some(commit) => Received::Commit {
            date: history.commits[commit].date,
        },
        None => Received::Uncommitted,
    }
}

/// Whether `kind` shows a state on one day for this control.
pub(crate) fn is_point_in_time(control: &Control, kind: EvidenceKind) -> bool {
    kind == EvidenceKind::Screenshot || control.point_in_time.contains(&kind)
}

/// The control's evidence that existed on `day`: collected and received by then.
pub(crate) fn counted<'a>(
    control: &Control,
    records: &[&'a Record<Evidence>],
    history: &History,
    day: Date,
) -> Vec<Counted<'a>> {
    records
        .iter()
        .filter(|r| r.value.collected_at <= day)
        .filter_map(|r| {
            let received = match received(history, &r.path) {
                Received::Commit { date } if date > day => return None,
                Received::Commit { date } => Some(date),
                Received::BeforeHistory { .. } => None,
                // Uncommitted records are the judging day's; without git, collected_at
                // is all there is.
                Received::Uncommitted => Some(day),
                Received::Unknown => None,
            };
            let evidence = &r.value;
            let result = evidence.result();
            let span = if is_point_in_time(control, evidence.kind) {
                Covers {
                    from: evidence.collected_at,
                    to: evidence.collected_at,
                }
            } else {
                evidence.covered()
            };
            Some(Counted {
                id: evidence_id_in(&r.path),
                result,
                proves: match result {
                    EvidenceResult::Operated => evidence.has_content(),
                    EvidenceResult::NoOccurrence => true,
                    EvidenceResult::Deviation => false,
                },
                span,
                received,
            })
        })
        .collect()
}

/// The evidence that speaks for the days `from..=to` of the period.
pub(crate) fn overlapping<'a, 'c>(
    counted: &'c [Counted<'a>],
    period: Period,
    from: Date,
    to: Date,
) -> impl Iterator<Item = &'c Counted<'a>> {
    counted
        .iter()
        .filter(move |c| c.span.overlaps(from, to) && c.span.overlaps(period.start, period.end))
}
