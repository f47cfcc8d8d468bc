//! `soc2 show`: one record and what links to it, for people.

use super::{Style, table};
use crate::internal_audit::{FindingSummary, TestSummary};
use crate::links::{ApprovedVersion, CriterionInfo, EvidenceSummary, FileCheck, Linked, Shown};
use crate::model::{Control, Evidence, Policy, Risk, SystemDescription, Vendor};
use crate::readiness::risks::RiskResult;
use crate::readiness::vendors::VendorResult;
use crate::readiness::{
    self, Assessment, ControlResult, CriterionResult, PolicyResult, Received, WindowResult,
};
use crate::system::{Problem, SectionProblem};

/// `AC-01/2026-10-03-mfa (collected 2026-10-03, received 2026-10-05)`.
fn evidence_line(id: &str, evidence: &[EvidenceSummary]) -> String {
    match evidence.iter().find(|e| e.id == id) {
        Some(e) => format!(
            "{id} (collected {}, {})",
            e.record.collected_at,
            received_text(e.received)
        ),
        None => id.to_string(),
    }
}

fn received_text(received: Received) -> String {
    match received {
        Received::Commit { date } => format!("received {date}"),
        Received::BeforeHistory { by } => format!("received before history (by {by})"),
        Received::Uncommitted => "not committed".to_string(),
        Received::Unknown => "received on an unknown day".to_string(),
    }
}

/// Where a window's design was read from, for people.
fn design_source(from: &str) -> String {
    match from {
        "judged" => "the store now".to_string(),
        "before-history" => "before history".to_string(),
        commit => commit.to_string(),
    }
}

fn line(label: &str, value: impl std::fmt::Display) -> String {
    format!("{:<12} {value}\n", format!("{label}:"))
}

pub fn render(shown: &Shown, assessment: &Assessment, style: Style) -> String {
    match shown {
        Shown::Control {
            result,
            window_results: windows,
            record,
            linked_criteria: criteria,
            policies,
            evidence: records,
            tests,
            findings,
        } => control(
            &ControlPage {
                result,
                windows,
                record,
                criteria,
                policies,
                evidence: records,
                tests,
                findings,
            },
            assessment,
            style,
        ),
        Shown::Policy {
            result,
            record,
            controls,
            versions,
        } => policy(result, record, controls, versions, style),
        Shown::Vendor { result, record } => vendor(result, record, style),
        Shown::System {
            record,
            approval,
            problems,
            text,
        } => system(record.as_ref(), *approval, problems, text.as_deref(), style),
        Shown::Criterion {
            criterion: info,
            result,
            controls,
        } => criterion(info, result, controls, style),
        Shown::Risk { result, record } => risk(result, record, style),
        Shown::Evidence {
            id,
            record,
            checked,
            not_counted,
        } => evidence(id, record, checked, not_counted.as_deref(), style),
    }
}

/// What `soc2 show` says about a control.
struct ControlPage<'a> {
    result: &'a ControlResult,
    windows: &'a [WindowResult],
    record: &'a Control,
    criteria: &'a [Linked],
    policies: &'a [PolicyResult],
    evidence: &'a [EvidenceSummary],
    tests: &'a [TestSummary],
    findings: &'a [FindingSummary],
}

fn control(page: &ControlPage, assessment: &Assessment, style: Style) -> String {
    let ControlPage {
        result,
        windows,
        record,
        criteria,
        policies,
        evidence,
        tests,
        findings,
    } = *page;
    let mut out = format!("{} {}\n\n", style.bold(&result.id), record.title);
    out.push_str(&line("state", result.state.as_str()));
    out.push_str(&line("status", record.status.as_str()));
    out.push_str(&line("owner", record.owner.as_deref().unwrap_or("-")));
    out.push_str(&line("frequency", record.frequency.as_str()));
    if let Some(since) = result.status_since {
        out.push_str(&line(
            "since",
            format!("{} since {since}", record.status.as_str()),
        ));
    }
    if let Some(reason) = &record.reason {
        out.push_str(&line("reason", reason));
    }
    let approval = match &record.approval {
        Some(a) => format!(
            "by {} on {} ({})",
            a.by,
            a.at,
            match result.approval {
                readiness::ApprovalState::Approved => "matches the content",
                _ => "the content changed since",
            }
        ),
        None => "none".to_string(),
    };
    out.push_str(&line("approval", approval));
    for exception in &record.exceptions {
        out.push_str(&line(
            "exception",
            format!(
                "until {} by {}: {}",
                exception.expires, exception.approved_by, exception.reason
            ),
        ));
    }
    if !result.reasons.is_empty() {
        out.push_str("\nNot ready because:\n");
        for reason in &result.reasons {
            out.push_str(&format!(
                "  - {}: {}\n",
                reason.state.as_str(),
                reason.detail
            ));
        }
    }
    if !criteria.is_empty() {
        out.push_str("\nCriteria:\n");
        for c in criteria {
            out.push_str(&format!("  {:<6} {:<12} {}\n", c.id, c.state, c.title));
        }
    }
    if !policies.is_empty() {
        out.push_str("\nPolicies:\n");
        for p in policies {
            let due = p
                .review_due
                .map(|d| {
                    format!(
                        ", review due {d}{}",
                        if p.overdue { " (overdue)" } else { "" }
                    )
                })
                .unwrap_or_default();
            out.push_str(&format!(
                "  {} {} ({}{due})\n",
                p.id,
                p.title,
                p.approval.describe()
            ));
        }
    }
    if !windows.is_empty() {
        if let readiness::EvidenceRule::Windows { start, end } = assessment.evidence_rule {
            out.push_str(&format!("\nObservation windows ({start} to {end}):\n"));
        }
        let mut t = table(&[
            "Window",
            "From",
            "To",
            "Due",
            "State",
            "Evidence",
            "Design from",
        ]);
        for w in windows.iter() {
            let state = if w.late {
                format!("{} (late)", w.state.as_str())
            } else {
                w.state.as_str().to_string()
            };
            let mut cell: Vec<String> = w
                .evidence
                .iter()
                .chain(&w.deviations)
                .map(|id| evidence_line(id, evidence))
                .collect();
            if let Some(detail) = &w.detail {
                cell.push(detail.clone());
            }
            t.add_row(vec![
                w.window.label.clone(),
                w.window.start.to_string(),
                w.window.end.to_string(),
                w.due_on.to_string(),
                state,
                cell.join("\n"),
                design_source(&w.design_from),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    out.push_str(&format!("\nEvidence ({}):\n", evidence.len()));
    for e in evidence {
        let covers = e.record.covered();
        out.push_str(&format!(
            "  {}  {}, collected {}, {}, covers {}..{}, {}{}\n",
            e.id,
            e.record.result().as_str(),
            e.record.collected_at,
            received_text(e.received),
            covers.from,
            covers.to,
            e.record.kind.as_str(),
            e.record
                .description
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ));
        if let Some(reason) = &e.not_counted {
            out.push_str(&format!(
                "      {} {reason}\n",
                style.red("does not count:")
            ));
        }
    }
    out.push_str(&super::internal_audit::control_section(tests, findings));
    if let Some(description) = &record.description {
        out.push_str(&format!("\n{description}\n"));
    }
    if let Some(procedure) = &record.test_procedure {
        out.push_str(&format!("\nTest procedure:\n{procedure}\n"));
    }
    out
}

fn policy(
    result: &PolicyResult,
    record: &Policy,
    controls: &[Linked],
    versions: &[ApprovedVersion],
    style: Style,
) -> String {
    let mut out = format!("{} {}\n\n", style.bold(&result.id), record.title);
    out.push_str(&line("owner", record.owner.as_deref().unwrap_or("-")));
    out.push_str(&line("version", record.version));
    out.push_str(&line("document", record.document.as_deref().unwrap_or("-")));
    let approval = match (&record.approval, result.approval) {
        (Some(a), readiness::ApprovalState::Approved) => format!("by {} on {}", a.by, a.at),
        (Some(a), _) => format!("by {} on {}, but the content changed since", a.by, a.at),
        (None, _) => "none".to_string(),
    };
    out.push_str(&line("approval", approval));
    out.push_str(&line(
        "reviewed",
        result
            .last_review
            .map_or("never".to_string(), |d| d.to_string()),
    ));
    let due = result.review_due.map_or("-".to_string(), |d| {
        format!("{d}{}", if result.overdue { " (overdue)" } else { "" })
    });
    out.push_str(&line("review due", due));
    out.push_str(&format!("\nControls ({}):\n", controls.len()));
    for c in controls {
        out.push_str(&format!("  {:<8} {:<18} {}\n", c.id, c.state, c.title));
    }
    out.push_str(&format!("\nApproved versions ({}):\n", versions.len()));
    if versions.is_empty() {
        out.push_str("  none in git history\n");
    }
    for v in versions {
        out.push_str(&format!(
            "  version {:<3} approved by {} on {}, commit {}\n",
            v.version,
            v.by,
            v.at,
            &v.commit[..v.commit.len().min(12)]
        ));
        out.push_str(&format!(
            "              named by {}\n",
            if v.controls.is_empty() {
                "no control".to_string()
            } else {
                v.controls.join(", ")
            }
        ));
    }
    out
}

fn vendor(result: &VendorResult, record: &Vendor, style: Style) -> String {
    let mut out = format!("{} {}\n\n", style.bold(&result.id), record.name);
    out.push_str(&line("criticality", result.criticality.as_str()));
    out.push_str(&line("owner", record.owner.as_deref().unwrap_or("-")));
    if !record.services.is_empty() {
        out.push_str(&line("services", record.services.join(", ")));
    }
    if !record.data.is_empty() {
        out.push_str(&line("data", record.data.join(", ")));
    }
    out.push_str(&line(
        "method",
        record
            .method
            .map_or("not a subservice organisation", |m| m.as_str()),
    ));
    let reviewed = result
        .last_review
        .map_or("never".to_string(), |d| d.to_string());
    out.push_str(&line("reviewed", reviewed));
    let due = result.review_due.map_or("-".to_string(), |d| {
        format!("{d}{}", if result.overdue { " (overdue)" } else { "" })
    });
    out.push_str(&line("review due", due));
    if let Some(report) = &record.soc_report {
        out.push_str(&line(
            "SOC report",
            format!(
                "{} for {}..{}, received {}; {}{}",
                report.kind.as_str(),
                report.period.start,
                report.period.end,
                report.received_on,
                result.report.as_str(),
                result
                    .report_current_until
                    .map(|d| format!(" until {d}"))
                    .unwrap_or_default()
            ),
        ));
        let reviewed = match (&report.reviewed_by, report.reviewed_on) {
            (Some(by), Some(on)) => format!("by {by} on {on}"),
            _ => "not reviewed".to_string(),
        };
        out.push_str(&line("  review", reviewed));
        if let Some(bridge) = &report.bridge_letter {
            out.push_str(&line(
                "  bridge",
                format!("letter through {}", bridge.through),
            ));
        }
    } else if record.is_subservice() {
        out.push_str(&line("SOC report", "none on record"));
    }
    if let Some(carve_out) = &result.carve_out {
        out.push_str(&line(
            "carve-out",
            match &carve_out.reason {
                None => format!(
                    "holds (monitored by {})",
                    result.monitoring_control.as_deref().unwrap_or("-")
                ),
                Some(reason) => format!("does not hold: {reason}"),
            },
        ));
    }
    if !record.csoc.is_empty() {
        out.push_str("\nCriteria its controls carry:\n");
        for csoc in &record.csoc {
            out.push_str(&format!("  {:<6} {}\n", csoc.criterion, csoc.description));
        }
    }
    if !result.cuec.is_empty() {
        out.push_str("\nWhat it expects of us:\n");
        for cuec in &result.cuec {
            out.push_str(&format!(
                "  {:<8} {:<18} {}\n",
                cuec.control,
                cuec.state.map_or("unknown", |s| s.as_str()),
                cuec.description
            ));
        }
    }
    if let Some(description) = &record.description {
        out.push_str(&format!("\n{description}\n"));
    }
    out
}

fn system(
    record: Option<&SystemDescription>,
    approval: readiness::ApprovalState,
    problems: &[SectionProblem],
    text: Option<&str>,
    style: Style,
) -> String {
    let mut out = format!("{}\n\n", style.bold("System description"));
    let Some(text) = text else {
        out.push_str("There is no system description (system/description.md): a new `soc2 init` in an empty folder shows the template.\n");
        return out;
    };
    if let Some(record) = record {
        out.push_str(&line("owner", record.owner.as_deref().unwrap_or("-")));
        out.push_str(&line("version", record.version));
        let approved = match (&record.approval, approval) {
            (Some(a), readiness::ApprovalState::Approved) => format!("by {} on {}", a.by, a.at),
            (Some(a), _) => format!("by {} on {}, but the text changed since", a.by, a.at),
            (None, _) => "none".to_string(),
        };
        out.push_str(&line("approval", approved));
        let due = record
            .review_due()
            .map_or("-".to_string(), |d| d.to_string());
        out.push_str(&line("review due", due));
    }
    if problems.is_empty() {
        out.push_str(&line("sections", "every section is there and written"));
    } else {
        for p in problems {
            let what = match p.problem {
                Problem::Missing => "missing",
                Problem::Empty => "empty",
            };
            out.push_str(&line("section", format!("{} ({what})", p.heading)));
        }
    }
    out.push_str(&format!("\n{text}"));
    out
}

fn criterion(
    criterion: &CriterionInfo,
    result: &Option<CriterionResult>,
    controls: &[Linked],
    style: Style,
) -> String {
    let mut out = format!("{} {}\n\n", style.bold(&criterion.id), criterion.title);
    out.push_str(&line("category", criterion.category));
    out.push_str(&line(
        "series",
        format!("{} {}", criterion.series, criterion.series_name),
    ));
    if let Some(p) = criterion.coso_principle {
        out.push_str(&line("COSO", format!("principle {p}")));
    }
    let state = match result {
        Some(r) => match &r.exclusion {
            Some(reason) => format!("excluded: {reason}"),
            None => r.state.as_str().to_string(),
        },
        None => "out of scope".to_string(),
    };
    out.push_str(&line("state", state));
    for carve_out in result.iter().flat_map(|r| &r.carved_out) {
        out.push_str(&line(
            "carved out",
            match &carve_out.reason {
                None => format!("to {}, whose SOC report holds", carve_out.vendor),
                Some(reason) => format!("to {}, which does not hold: {reason}", carve_out.vendor),
            },
        ));
    }
    out.push_str(&format!("\nControls ({}):\n", controls.len()));
    for c in controls {
        out.push_str(&format!("  {:<8} {:<18} {}\n", c.id, c.state, c.title));
    }
    out
}

fn risk(result: &RiskResult, record: &Risk, style: Style) -> String {
    let mut out = format!("{} {}\n\n", style.bold(&result.id), record.title);
    out.push_str(&line(
        "score",
        format!(
            "{} (likelihood {} x impact {})",
            result.score, result.likelihood, result.impact
        ),
    ));
    out.push_str(&line("treatment", result.treatment.as_str()));
    out.push_str(&line("status", result.status.as_str()));
    out.push_str(&line("owner", record.owner.as_deref().unwrap_or("-")));
    out.push_str("\nMitigating controls:\n");
    for c in &result.controls {
        out.push_str(&format!(
            "  {:<8} {}\n",
            c.id,
            c.state.map_or("unknown", |s| s.as_str())
        ));
    }
    if let Some(description) = &record.description {
        out.push_str(&format!("\n{description}\n"));
    }
    out
}

fn evidence(
    id: &str,
    record: &Evidence,
    checked: &[FileCheck],
    not_counted: Option<&str>,
    style: Style,
) -> String {
    let covers = record.covered();
    let mut out = format!("{}\n\n", style.bold(id));
    if let Some(reason) = not_counted {
        out.push_str(&format!(
            "{} {reason}\n\n",
            style.red("This record does not count as evidence:")
        ));
    }
    out.push_str(&line("control", &record.control));
    out.push_str(&line(
        "collected",
        format!(
            "{} by {}",
            record.collected_at,
            record.collected_by.as_deref().unwrap_or("-")
        ),
    ));
    out.push_str(&line("covers", format!("{}..{}", covers.from, covers.to)));
    out.push_str(&line("kind", record.kind.as_str()));
    if let Some(description) = &record.description {
        out.push_str(&line("description", description));
    }
    if let Some(command) = &record.command {
        out.push_str(&line(
            "command",
            format!("{} (exit {})", command.run, command.exit),
        ));
    }
    out.push_str("\nFiles:\n");
    for file in checked {
        out.push_str(&format!("  {:<8} {}\n", file.status.as_str(), file.path));
    }
    out
}
