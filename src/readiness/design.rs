//! A control's design on a day: was it implemented, owned and approved, were its
//! policies approved and within review, was an exception in force, as the store stood
//! then. The day's store is the one being judged for the judging day and later, and
//! otherwise the version history holds (the first commit's for days before history
//! starts).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::windows::{Window, windows};
use super::{ControlState, Reason};
use crate::model::{
    self, ApprovalState, Control, ControlStatus, Date, Exception, Frequency, History, Period,
    PolicyVersion, Stood, Store, WindowAlignment,
};

/// What judging a day needs to know: the store of the judging day, its history, and
/// the judging day itself.
pub(crate) struct Past<'a> {
    pub store: &'a Store,
    pub history: &'a History,
    pub today: Date,
    /// The judging day's controls by ID (each looked up once a window).
    controls: HashMap<&'a str, &'a Control>,
    /// The judging day's policies by ID, with their digests.
    pub policies: HashMap<&'a str, PolicyVersion>,
    /// Each control version's approval state, by the version's address: a version is
    /// judged for every window it stood in, and its digest is worth computing once.
    approvals: Mutex<HashMap<usize, ApprovalState>>,
    /// The windows of a period for a frequency: the same for every control of it.
    windows: Mutex<WindowsMemo>,
}

type WindowsMemo = HashMap<(Period, Frequency, WindowAlignment), Arc<[Window]>>;

/// A control's design on one day.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Design {
    /// The control's file did not exist then: the day is not the control's to answer for.
    Absent,
    /// Not applicable, with an approval that held then.
    NotApplicable,
    /// Implemented, owned and approved, its policies approved and within review.
    Holds,
    /// Why the design did not hold, in precedence order.
    Fails(Vec<Reason>),
}

/// Where a day's state came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// The store being judged (the working tree, `--rev` or `--as-of`).
    Judged,
    /// A commit of the history, by index.
    Commit(usize),
    /// The first commit, for a day before history starts.
    BeforeHistory,
}

/// What `memo` holds for `key`, made and kept the first time. Made outside the lock:
/// controls are judged on every core (two threads may both make it; either serves).
fn remembered<K: std::hash::Hash + Eq, V: Clone>(
    memo: &Mutex<HashMap<K, V>>,
    key: K,
    make: impl FnOnce() -> V,
) -> V {
    if let Some(known) = memo.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return known;
    }
    let value = make();
    if let Ok(mut memo) = memo.lock() {
        memo.insert(key, value.clone());
    }
    value
}

impl<'a> Past<'a> {
    pub(crate) fn new(store: &'a Store, history: &'a History, today: Date) -> Past<'a> {
        let policies = store
            .policies
            .iter()
            .map(|p| {
                let version = PolicyVersion {
                    digest: model::digest::policy_in(store, &p.value),
                    policy: (*p.value).clone(),
                };
                (p.value.id.as_str(), version)
            })
            .collect();
        let mut controls = HashMap::new();
        for record in &store.controls {
            // The first of two with one ID, as `Store::control` finds.
            controls
                .entry(record.value.id.as_str())
                .or_insert(&*record.value);
        }
        Past {
            store,
            history,
            today,
            controls,
            policies,
            approvals: Mutex::default(),
            windows: Mutex::default(),
        }
    }

    /// Which state a day is judged on.
    pub(crate) fn source(&self, day: Date) -> Source {
        if day >= self.today || self.history.commits.is_empty() {
            return Source::Judged;
        }
        match self.history.commit_at(day) {
            Some(commit) => Source::Commit(commit),
            None => Source::BeforeHistory,
        }
    }

    /// The control with `id` on `day`.
    pub(crate) fn control(&self, id: &str, day: Date) -> Stood<&'a Control> {
        let commit = match self.source(day) {
            Source::Judged => {
                return match self.controls.get(id) {
                    Some(control) => Stood::Present(control),
                    None if self.store.unreadable.iter().any(|p| {
                        model::paths::file_stem(p) == id && p.starts_with("controls/")
                    }) =>
                    {
                        Stood::Unreadable
                    }
                    None => Stood::Absent,
                };
            }
            Source::Commit(commit) => commit,
            Source::BeforeHistory => 0,
        };
        let versions = self.history.controls.get(id).map_or(&[][..], Vec::as_slice);
        match History::version_at(versions, commit).map(|v| &v.value) {
            Some(Stood::Present(control)) => Stood::Present(control),
            Some(Stood::Unreadable) => Stood::Unreadable,
            Some(Stood::Absent) | None => Stood::Absent,
        }
    }

    fn policy(&self, id: &str, day: Date) -> Stood<&PolicyVersion> {
        let commit = match self.source(day) {
            Source::Judged => {
                return match self.policies.get(id) {
                    Some(version) => Stood::Present(version),
                    None => Stood::Absent,
                };
            }
            Source::Commit(commit) => commit,
            Source::BeforeHistory => 0,
        };
        let versions = self.history.policies.get(id).map_or(&[][..], Vec::as_slice);
        match History::version_at(versions, commit).map(|v| &v.value) {
            Some(Stood::Present(policy)) => Stood::Present(policy),
            Some(Stood::Unreadable) => Stood::Unreadable,
            Some(Stood::Absent) | None => Stood::Absent,
        }
    }

    /// The exception in force on `day`, if any.
    pub(crate) fn exception(&self, id: &str, day: Date) -> Option<Exception> {
        let Stood::Present(control) = self.control(id, day) else {
            return None;
        };
        control
            .exceptions
            .iter()
            .filter(|e| e.expires >= day)
            .max_by_key(|e| e.expires)
            .cloned()
    }

    /// Whether `control`'s approval holds (`digest::control_approval`), worked out
    /// once for each control version.
    pub(crate) fn approval(&self, control: &'a Control) -> ApprovalState {
        let address = control as *const Control as usize;
        remembered(&self.approvals, address, || {
            model::digest::control_approval(control)
        })
    }

    /// `windows::windows`, cut once for all the controls that ask.
    pub(crate) fn windows(
        &self,
        period: Period,
        frequency: Frequency,
        alignment: WindowAlignment,
    ) -> Arc<[Window]> {
        remembered(&self.windows, (period, frequency, alignment), || {
            windows(period, frequency, alignment).into()
        })
    }

    /// The control's design on `day`.
    pub(crate) fn design(&self, id: &str, day: Date) -> Design {
        let control = match self.control(id, day) {
            Stood::Absent => return Design::Absent,
            Stood::Unreadable => {
                let when = if day < self.today {
                    format!(" on {day}")
                } else {
                    String::new()
                };
                return Design::Fails(vec![Reason {
                    state: ControlState::NotOperating,
                    detail: format!("controls/{id}.yaml did not load{when}"),
                }]);
            }
            Stood::Present(control) => control,
        };
        let past = day < self.today;
        // Reasons about the judging day say how things are; about a past day, how they
        // were then.
        let said = |now: String, then: String| {
            if past {
                format!("{then} on {day}")
            } else {
                now
            }
        };
        let mut reasons = Vec::new();
        let mut reason = |state, detail: String| reasons.push(Reason { state, detail });
        let approval = self.approval(control);
        match control.status {
            ControlStatus::NotApplicable if approval == ApprovalState::Approved => {
                return Design::NotApplicable;
            }
            ControlStatus::NotApplicable => reason(
                ControlState::Unapproved,
                said(
                    "marked not applicable, without an approval that holds".into(),
                    "was marked not applicable without an approval".into(),
                ),
            ),
            ControlStatus::Planned => reason(
                ControlState::Planned,
                said(
                    "planned: not designed or implemented yet".into(),
                    "was planned, not implemented,".into(),
                ),
            ),
            ControlStatus::Designed => reason(
                ControlState::Designed,
                said(
                    "designed but not implemented yet".into(),
                    "was designed, not implemented,".into(),
                ),
            ),
            ControlStatus::Implemented => {}
        }
        if control.status != ControlStatus::NotApplicable
            && !model::owner_is_set(control.owner.as_deref())
        {
            reason(
                ControlState::NoOwner,
                said(
                    "no owner: set `owner` to the person accountable".into(),
                    "had no owner".into(),
                ),
            );
        }
        if control.status != ControlStatus::NotApplicable {
            match (approval, &control.approval) {
                (ApprovalState::Approved, _) => {}
                (ApprovalState::Missing, _) | (_, None) => reason(
                    ControlState::Unapproved,
                    said("not approved".into(), "was not approved".into()),
                ),
                (ApprovalState::Changed, Some(a)) => reason(
                    ControlState::Unapproved,
                    said(
                        format!("changed since it was approved by {} on {}", a.by, a.at),
                        format!("had changed since its approval by {} on {}", a.by, a.at),
                    ),
                ),
            }
        }
        for policy_id in &control.policies {
            match self.policy(policy_id, day) {
                Stood::Absent => {}
                Stood::Unreadable => reason(
                    ControlState::Unapproved,
                    said(
                        format!("policy {policy_id} does not load"),
                        format!("policy {policy_id} did not load"),
                    ),
                ),
                Stood::Present(version) => {
                    let policy = &version.policy;
                    match ApprovalState::of(policy.approval.as_ref(), &version.digest) {
                        ApprovalState::Approved => {}
                        ApprovalState::Missing => reason(
                            ControlState::Unapproved,
                            said(
                                format!("policy {policy_id} is not approved"),
                                format!("policy {policy_id} was not approved"),
                            ),
                        ),
                        ApprovalState::Changed => reason(
                            ControlState::Unapproved,
                            said(
                                format!("policy {policy_id} changed since it was approved"),
                                format!("policy {policy_id} had changed since its approval"),
                            ),
                        ),
                    }
                    if let Some(due) = policy.review_due().filter(|due| *due < day) {
                        reason(
                            ControlState::PolicyOverdue,
                            format!("policy {policy_id} was due for review on {due}"),
                        );
                    }
                }
            }
        }
        // Stable: reasons of one state keep the order they were found in.
        reasons.sort_by_key(|r| r.state);
        if reasons.is_empty() {
            Design::Holds
        } else {
            Design::Fails(reasons)
        }
    }

    /// The day a control's current status began, as far as history tells: the first
    /// commit of the last run of versions with that status.
    pub(crate) fn status_since(&self, id: &str, status: ControlStatus) -> Option<Date> {
        let versions = self.history.controls.get(id)?;
        let mut since = None;
        for version in versions.iter().rev() {
            match version.value.present() {
                Some(control) if control.status == status => {
                    since = self.history.commits.get(version.commit).map(|c| c.date);
                }
                _ => break,
            }
        }
        since
    }
}
