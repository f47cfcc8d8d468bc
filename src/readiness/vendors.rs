//! Vendors and subservice organisations: whether a carve-out subservice organisation
//! still carries the criteria its controls cover for us, and when each vendor is due
//! for review.
//!
//! The carve-out rule: a criterion carried by a carve-out subservice organisation is
//! met only when that organisation's SOC report is current (its period ends within 12
//! months of the day judged, or a bridge letter runs to that day), it has been
//! reviewed, and our monitoring control (the vendor review control) is ready.

use serde::{Deserialize, Serialize};

use super::{ControlResult, ControlState};
use crate::model::{Criticality, Date, Method, SocReport, Vendor};

/// How long a SOC report's period counts as current after it ends.
pub const REPORT_CURRENT_MONTHS: u32 = 12;

/// Whether a SOC report covers the day judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReportState {
    /// No report on record.
    None,
    /// Current and reviewed.
    Current,
    /// Current, but nobody has recorded a review.
    Unreviewed,
    /// Its period ended more than 12 months ago, and no bridge letter covers the gap.
    Stale,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::None => "none",
            ReportState::Current => "current",
            ReportState::Unreviewed => "unreviewed",
            ReportState::Stale => "stale",
        }
    }
}

/// A carve-out subservice organisation carrying a criterion, and whether it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarveOut {
    pub vendor: String,
    pub holds: bool,
    /// Why it does not hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A vendor as judged on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VendorResult {
    pub id: String,
    pub name: String,
    pub owner: Option<String>,
    pub criticality: Criticality,
    pub services: Vec<String>,
    pub method: Option<Method>,
    /// Criteria its controls carry.
    pub criteria: Vec<String>,
    pub report: ReportState,
    /// The last day the report (or its bridge letter) counts as current.
    pub report_current_until: Option<Date>,
    pub monitoring_control: Option<String>,
    /// For a carve-out: whether it carries its criteria, and why not.
    pub carve_out: Option<CarveOut>,
    pub last_review: Option<Date>,
    pub review_due: Option<Date>,
    pub overdue: bool,
    /// Our controls that carry out what it expects of us, with their state.
    pub cuec: Vec<CuecResult>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CuecResult {
    pub description: String,
    pub control: String,
    /// `None` when the control is not in the store.
    pub state: Option<ControlState>,
}

/// The last day a report counts as current: 12 months after its period ends, or the
/// day its bridge letter runs to, whichever is later.
pub fn current_until(report: &SocReport) -> Date {
    let own = report.period.end.add_months(REPORT_CURRENT_MONTHS);
    match &report.bridge_letter {
        Some(bridge) => own.max(bridge.through),
        None => own,
    }
}

/// Whether a report is current and reviewed on `today`.
pub fn report_state(report: Option<&SocReport>, today: Date) -> ReportState {
    match report {
        None => ReportState::None,
        Some(r) if current_until(r) < today => ReportState::Stale,
        Some(r) if !r.is_reviewed() => ReportState::Unreviewed,
        Some(_) => ReportState::Current,
    }
}

/// Whether a carve-out subservice organisation carries its criteria on `today`, given
/// the state of its monitoring control (`None` when that control is not in the store).
pub fn carve_out(vendor: &Vendor, monitoring: Option<&ControlResult>, today: Date) -> CarveOut {
    let id = &vendor.id;
    let report = vendor.soc_report.as_ref();
    let reason = match (report_state(report, today), report) {
        (ReportState::None, _) | (_, None) => Some(format!(
            "{id} has no SOC report on record (`soc2 vendor review {id}`)"
        )),
        (ReportState::Stale, Some(r)) => Some(match &r.bridge_letter {
            Some(bridge) => format!(
                "{id}'s SOC report ended on {}, and its bridge letter runs only to {}",
                r.period.end, bridge.through
            ),
            None => format!(
                "{id}'s SOC report ended on {}, more than {REPORT_CURRENT_MONTHS} months before {today}, and no bridge letter covers the gap",
                r.period.end
            ),
        }),
        (ReportState::Unreviewed, Some(r)) => Some(format!(
            "{id}'s SOC report ({}..{}) has not been reviewed",
            r.period.start, r.period.end
        )),
        (ReportState::Current, _) => None,
    };
    let control = vendor.monitoring_control();
    let reason = reason.or_else(|| match monitoring {
        None => Some(format!(
            "the monitoring control {control} named for {id} is not in the store"
        )),
        Some(c) if !c.is_ready() => Some(format!(
            "the monitoring control {control} is not ready ({})",
            c.state.as_str()
        )),
        Some(_) => None,
    });
    CarveOut {
        vendor: id.clone(),
        holds: reason.is_none(),
        reason,
    }
}

/// Every vendor judged on `today`, with the assessed controls.
pub fn assess_vendors<'a>(
    vendors: impl Iterator<Item = &'a Vendor>,
    controls: &[ControlResult],
    today: Date,
) -> Vec<VendorResult> {
    let control = |id: &str| controls.iter().find(|c| c.id == id);
    vendors
        .map(|vendor| {
            let report = vendor.soc_report.as_ref();
            let review_due = vendor.review_due();
            VendorResult {
                id: vendor.id.clone(),
                name: vendor.name.clone(),
                owner: vendor.owner.clone(),
                criticality: vendor.criticality,
                services: vendor.services.clone(),
                method: vendor.method,
                criteria: vendor.csoc.iter().map(|c| c.criterion.clone()).collect(),
                report: report_state(report, today),
                report_current_until: report.map(current_until),
                monitoring_control: vendor
                    .is_carve_out()
                    .then(|| vendor.monitoring_control().to_string()),
                carve_out: vendor
                    .is_carve_out()
                    .then(|| carve_out(vendor, control(vendor.monitoring_control()), today)),
                last_review: vendor.last_review(),
                review_due,
                overdue: review_due.is_some_and(|d| d < today),
                cuec: vendor
                    .cuec
                    .iter()
                    .map(|c| CuecResult {
                        description: c.description.clone(),
                        control: c.control.clone(),
                        state: control(&c.control).map(|r| r.state),
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn vendor(yaml: &str) -> Vendor {
        crate::store::from_yaml(&format!(
            "id: CLOUD\nname: Cloud\ncriticality: critical\nmethod: carve-out\ncsoc: [{{criterion: CC6.4, description: Data centre access}}]\n{yaml}"
        ))
        .unwrap()
    }

    const REVIEWED: &str = "soc_report: {type: type2, period: {start: 2025-10-01, end: 2026-09-30}, received_on: 2026-10-20, reviewed_by: sam, reviewed_on: 2026-10-28}\n";

    fn monitoring(state: ControlState) -> ControlResult {
        ControlResult {
            id: "VM-02".into(),
            title: "Vendor review".into(),
            owner: Some("sam".into()),
            status: crate::model::ControlStatus::Implemented,
            frequency: crate::model::Frequency::Annual,
            criteria: vec!["CC9.2".into()],
            in_scope: true,
            state,
            reasons: Vec::new(),
            approval: super::super::ApprovalState::Approved,
            exception: None,
            expired_exception: None,
            evidence_count: 1,
            latest_evidence: None,
            evidence_due: None,
            status_since: None,
            windows: None,
            window_results: Vec::new(),
            next_windows: Vec::new(),
        }
    }

    #[test]
    fn a_current_reviewed_report_with_a_ready_monitoring_control_holds() {
        let ready = monitoring(ControlState::Ready);
        let judged = carve_out(&vendor(REVIEWED), Some(&ready), day("2026-11-23"));
        assert!(judged.holds, "{judged:?}");
        // Twelve months after the period ends, still current; the day after, not.
        assert!(carve_out(&vendor(REVIEWED), Some(&ready), day("2027-09-30")).holds);
        let late = carve_out(&vendor(REVIEWED), Some(&ready), day("2027-10-01"));
        assert!(!late.holds);
        assert!(late.reason.unwrap().contains("no bridge letter"));
    }

    #[test]
    fn a_bridge_letter_covers_the_gap_until_its_end() {
        let ready = monitoring(ControlState::Ready);
        let bridged = vendor(&REVIEWED.replace(
            "reviewed_on: 2026-10-28}",
            "reviewed_on: 2026-10-28, bridge_letter: {through: 2027-12-31}}",
        ));
        assert!(carve_out(&bridged, Some(&ready), day("2027-12-31")).holds);
        let after = carve_out(&bridged, Some(&ready), day("2028-01-01"));
        assert!(after.reason.unwrap().contains("runs only to 2027-12-31"));
    }

    #[test]
    fn no_report_an_unreviewed_one_or_a_monitoring_control_not_ready_do_not_hold() {
        let ready = monitoring(ControlState::Ready);
        let today = day("2026-11-23");
        let none = carve_out(&vendor(""), Some(&ready), today);
        assert!(none.reason.unwrap().contains("no SOC report"));
        let unreviewed = vendor(
            "soc_report: {type: type2, period: {start: 2025-10-01, end: 2026-09-30}, received_on: 2026-10-20}\n",
        );
        let judged = carve_out(&unreviewed, Some(&ready), today);
        assert!(judged.reason.unwrap().contains("has not been reviewed"));
        let missing = monitoring(ControlState::MissingEvidence);
        let judged = carve_out(&vendor(REVIEWED), Some(&missing), today);
        assert_eq!(
            judged.reason.as_deref(),
            Some("the monitoring control VM-02 is not ready (missing-evidence)")
        );
        let judged = carve_out(&vendor(REVIEWED), None, today);
        assert!(judged.reason.unwrap().contains("not in the store"));
    }
}
