//! The auditor's request list (PBC, "provided by client"): what the auditor asked for,
//! which criteria and controls it concerns, when it is due, and the evidence records
//! provided for it. Pure: records and a date in, data out; the commands write the
//! records through `change`.
//!
//! A request is `open` when asked, `provided` once evidence is recorded for it, then
//! `accepted` or `rejected` by the auditor; a rejected request needs more, and is
//! provided again. Open and rejected requests past their due date are late work in
//! `soc2 due`.

pub mod import;

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};

use crate::Hinted;
use crate::model::{Comment, Date, Request, RequestStatus, Store, owner_is_set};
use crate::readiness::due::{DueItem, DueKind};

/// One request as `soc2 requests` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: String,
    pub request: String,
    pub criteria: Vec<String>,
    pub controls: Vec<String>,
    pub asked_by: Option<String>,
    pub asked_on: Date,
    pub due: Option<Date>,
    pub status: RequestStatus,
    /// Outstanding (open or rejected) past its due date.
    pub overdue: bool,
    /// The owner of the first control it concerns that has one: who answers it.
    pub owner: Option<String>,
    pub evidence: Vec<String>,
    pub provided_on: Option<Date>,
    pub closed_on: Option<Date>,
    pub comments: Vec<Comment>,
}

/// Who answers a request: the owner of the first control it names that has one.
pub fn owner(store: &Store, request: &Request) -> Option<String> {
    request
        .controls
        .iter()
        .filter_map(|id| store.control(id))
        .filter_map(|c| c.value.owner.clone())
        .find(|o| owner_is_set(Some(o)))
}

/// Whether a request is waiting on the team past its due date.
pub fn is_overdue(request: &Request, today: Date) -> bool {
    request.status.is_outstanding() && request.due.is_some_and(|due| due < today)
}

/// Every request of the store, in ID order, as of `today`.
pub fn views(store: &Store, today: Date) -> Vec<RequestView> {
    store
        .requests
        .iter()
        .map(|record| {
            let r = &record.value;
            RequestView {
                id: r.id.clone(),
                request: r.request.clone(),
                criteria: r.criteria.clone(),
                controls: r.controls.clone(),
                asked_by: r.asked_by.clone(),
                asked_on: r.asked_on,
                due: r.due,
                status: r.status,
                overdue: is_overdue(r, today),
                owner: owner(store, r),
                evidence: r.evidence.clone(),
                provided_on: r.provided_on,
                closed_on: r.closed_on,
                comments: r.comments.clone(),
            }
        })
        .collect()
}

/// Outstanding requests due by `until` (the overdue ones whatever `until`), as rows
/// of `soc2 due`.
pub fn due(store: &Store, today: Date, until: Date) -> Vec<DueItem> {
    store
        .requests
        .iter()
        .map(|record| &record.value)
        .filter(|r| r.status.is_outstanding())
        .filter_map(|r| {
            let date = r.due.filter(|due| *due <= until)?;
            let what = match r.status {
                RequestStatus::Rejected => format!(
                    "auditor request (rejected, provide more): {}",
                    short(&r.request)
                ),
                _ => format!("auditor request: {}", short(&r.request)),
            };
            Some(DueItem {
                date,
                overdue: date < today,
                kind: DueKind::Request,
                id: r.id.clone(),
                owner: owner(store, r),
                what,
            })
        })
        .collect()
}

/// The first line of a text, cut to about 60 characters at a word.
pub fn short(text: &str) -> String {
    const MAX: usize = 60;
    let line = text.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= MAX && !text.trim().contains('\n') {
        return line.to_string();
    }
    let cut: String = line.chars().take(MAX).collect();
    let cut = match cut.rfind(' ') {
        Some(space) if space > MAX / 2 => cut[..space].to_string(),
        _ => cut,
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':', '.']))
}

fn comment(by: &str, on: Date, text: &str) -> Comment {
    Comment {
        by: by.to_string(),
        on,
        text: text.trim().to_string(),
    }
}

/// The request with `evidence` (record IDs, already known to exist) provided on `on`.
pub fn provide(
    request: &Request,
    evidence: &[String],
    on: Date,
    by: &str,
    note: Option<&str>,
) -> Result<Request> {
    if request.status == RequestStatus::Accepted {
        bail!(Hinted::new(
            format!(
                "request {} was accepted{}; nothing more is needed",
                request.id,
                on_day(request.closed_on)
            ),
            "an auditor who asks for more sends a new request",
        ));
    }
    let mut new = request.clone();
    for id in evidence {
        if !new.evidence.contains(id) {
            new.evidence.push(id.clone());
        }
    }
    new.status = RequestStatus::Provided;
    new.provided_on = Some(on);
    new.closed_on = None;
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        new.comments.push(comment(by, on, note));
    }
    Ok(new)
}

/// The request accepted by the auditor on `on`.
pub fn accept(request: &Request, on: Date, by: &str, note: Option<&str>) -> Result<Request> {
    awaiting_answer(request, "accept")?;
    let mut new = request.clone();
    new.status = RequestStatus::Accepted;
    new.closed_on = Some(on);
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        new.comments.push(comment(by, on, note));
    }
    Ok(new)
}

/// The request rejected by the auditor on `on`, for `reason`.
pub fn reject(request: &Request, on: Date, by: &str, reason: &str) -> Result<Request> {
    awaiting_answer(request, "reject")?;
    if reason.trim().is_empty() {
        bail!(Hinted::new(
            "a rejection needs a reason",
            "say what the auditor found missing: --reason \"...\"",
        ));
    }
    let mut new = request.clone();
    new.status = RequestStatus::Rejected;
    new.closed_on = Some(on);
    new.comments
        .push(comment(by, on, &format!("Rejected: {}", reason.trim())));
    Ok(new)
}

/// Only what was provided can be accepted or rejected.
fn awaiting_answer(request: &Request, verb: &str) -> Result<()> {
    match request.status {
        RequestStatus::Provided => Ok(()),
        RequestStatus::Open => bail!(Hinted::new(
            format!(
                "request {} is open: nothing was provided to {verb}",
                request.id
            ),
            format!(
                "record what was provided first: `soc2 request provide {} EVIDENCE...`",
                request.id
            ),
        )),
        RequestStatus::Rejected => bail!(Hinted::new(
            format!(
                "request {} was rejected{}, and nothing was provided since",
                request.id,
                on_day(request.closed_on)
            ),
            format!(
                "record what is provided now: `soc2 request provide {} EVIDENCE...`",
                request.id
            ),
        )),
        RequestStatus::Accepted => bail!(Hinted::new(
            format!(
                "request {} was accepted{}",
                request.id,
                on_day(request.closed_on)
            ),
            "a closed request stays as it was; an auditor who asks for more sends a new request",
        )),
    }
}

fn on_day(day: Option<Date>) -> String {
    day.map(|d| format!(" on {d}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            id: "REQ-01".into(),
            request: "MFA settings".into(),
            criteria: vec![],
            controls: vec!["AC-01".into()],
            asked_by: None,
            asked_on: Date::from_ymd(2026, 11, 2),
            due: Some(Date::from_ymd(2026, 11, 16)),
            status: RequestStatus::Open,
            evidence: vec![],
            provided_on: None,
            closed_on: None,
            comments: vec![],
        }
    }

    #[test]
    fn a_request_goes_from_open_to_provided_to_accepted_or_rejected() {
        let day = Date::from_ymd(2026, 11, 10);
        let open = request();
        assert!(accept(&open, day, "a", None).is_err());
        assert!(reject(&open, day, "a", "x").is_err());
        let provided = provide(&open, &["AC-01/x".into()], day, "a", None).unwrap();
        assert_eq!(provided.status, RequestStatus::Provided);
        assert_eq!(provided.provided_on, Some(day));
        assert!(reject(&provided, day, "a", " ").is_err());
        let rejected = reject(&provided, day, "b", "Covers only Q3").unwrap();
        assert_eq!(rejected.comments[0].text, "Rejected: Covers only Q3");
        assert!(is_overdue(&rejected, Date::from_ymd(2026, 11, 17)));
        assert!(accept(&rejected, day, "a", None).is_err());
        let again = provide(
            &rejected,
            &["AC-01/x".into(), "AC-01/y".into()],
            day,
            "a",
            None,
        )
        .unwrap();
        assert_eq!(again.evidence, ["AC-01/x", "AC-01/y"]);
        assert_eq!(again.closed_on, None);
        let accepted = accept(&again, day, "b", Some("Thanks")).unwrap();
        assert_eq!(accepted.status, RequestStatus::Accepted);
        assert!(!is_overdue(&accepted, Date::from_ymd(2026, 12, 1)));
        assert!(provide(&accepted, &[], day, "a", None).is_err());
    }

    #[test]
    fn short_texts_stop_at_a_word() {
        assert_eq!(short("MFA settings"), "MFA settings");
        assert_eq!(short("First line\nsecond"), "First line…");
        let long =
            "Provide the population of all production access changes, with tickets and approvals";
        assert_eq!(
            short(long),
            "Provide the population of all production access changes,…".replace(",…", "…")
        );
    }
}
