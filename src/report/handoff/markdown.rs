//! The report as Markdown: the same sections and tables as the HTML page, without
//! charts (their numbers are in the tables).

use std::fmt::Write as _;

use super::*;

/// Text safe in a Markdown table cell: one line, pipes escaped, no raw HTML.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn table(out: &mut String, header: &[&str], rows: Vec<Vec<String>>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}|",
        header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
    );
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out.push('\n');
}

fn approval(approved: &Option<(String, Date)>) -> String {
    match approved {
        Some((by, at)) => format!("{by}, {at}"),
        None => "not approved".to_string(),
    }
}

/// The report as a Markdown document.
pub fn render(report: &Report) -> String {
    let h = &report.header;
    let mut out = format!("# {}: SOC 2 readiness report\n\n", cell(&h.organisation));
    let _ = writeln!(out, "- Audit: {}", period_text(h));
    if let Some(auditor) = &h.auditor {
        let _ = writeln!(out, "- Auditor: {}", cell(auditor));
    }
    if !h.services.is_empty() {
        let _ = writeln!(out, "- Services in scope: {}", cell(&h.services.join(", ")));
    }
    let categories: Vec<&str> = h.categories.iter().map(|c| c.as_str()).collect();
    let _ = writeln!(out, "- Categories in scope: {}", categories.join(", "));
    let _ = writeln!(out, "- Built from commit: `{}`", commit_text(h));
    let _ = writeln!(out, "- Judged on: {}", h.judged_on);
    let _ = writeln!(out, "- Made by: {}", h.tool);
    if h.uncommitted {
        out.push_str("\n> The store had uncommitted changes when this report was made: it describes them, and no commit holds them.\n");
    }
    out.push('\n');
    for section in &report.sections {
        let (_, name) = section.heading();
        let _ = writeln!(out, "## {name}\n");
        match section {
            Section::Readiness(s) => readiness(&mut out, s),
            Section::Criteria(s) => criteria(&mut out, s),
            Section::ControlMatrix(s) => matrix(&mut out, s),
            Section::Gaps(s) => gaps(&mut out, s),
            Section::Exceptions(s) => exceptions(&mut out, s),
            Section::Exclusions(s) => exclusions(&mut out, s),
            Section::Risks(s) => risks(&mut out, s),
            Section::Policies(s) => policies(&mut out, s),
            Section::Program(s) => program(&mut out, s),
            Section::Vendors(s) => vendors(&mut out, s),
            Section::InternalAudit(s) => internal_audit(&mut out, s),
            Section::Requests(s) => requests(&mut out, s),
            Section::Evidence(s) => evidence(&mut out, s),
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn score_row(name: &str, s: &Score) -> Vec<String> {
    vec![
        name.to_string(),
        percent(s),
        s.met.to_string(),
        s.partial.to_string(),
        s.uncovered.to_string(),
        s.excluded.to_string(),
        s.total.to_string(),
    ]
}

fn readiness(out: &mut String, s: &ReadinessSection) {
    let mut rows = vec![score_row("overall", &s.overall)];
    rows.extend(
        s.categories
            .iter()
            .map(|c| score_row(c.category.as_str(), &c.score)),
    );
    table(
        out,
        &[
            "Scope",
            "Readiness",
            "Met",
            "Partial",
            "Uncovered",
            "Excluded",
            "Counted",
        ],
        rows,
    );
    if let Some(gate) = s.min_readiness {
        let _ = writeln!(out, "The gate (`soc2 check`) asks for {gate}%.\n");
    }
    if let Some(w) = &s.windows {
        let _ = writeln!(
            out,
            "{} of {} due windows of implemented controls evidenced; {} missing, {} pending, {} with a deviation, {} not operating, {} evidenced late.\n",
            w.operated, w.due, w.missing, w.pending, w.deviation, w.not_operating, w.late
        );
    }
    out.push_str("### Readiness over time\n\n");
    let _ = writeln!(out, "{}\n", timeline_text(&s.timeline));
    if !s.timeline.points.is_empty() {
        table(
            out,
            &["Day", "Readiness", "Met", "Commit"],
            s.timeline
                .points
                .iter()
                .map(|p| {
                    vec![
                        format!("{}{}", p.day, if p.before_history { " *" } else { "" }),
                        percent(&p.overall),
                        format!("{}/{}", p.overall.met, p.overall.total),
                        p.commit.chars().take(12).collect(),
                    ]
                })
                .collect(),
        );
    }
}

fn criteria(out: &mut String, s: &CriteriaSection) {
    table(
        out,
        &["Criterion", "Title", "State", "Controls", "Not ready"],
        s.criteria
            .iter()
            .map(|c| {
                let title = match &c.exclusion {
                    Some(reason) => format!("{} (excluded: {reason})", c.title),
                    None => c.title.clone(),
                };
                vec![
                    c.id.clone(),
                    title,
                    c.state.as_str().to_string(),
                    c.controls.join(", "),
                    c.not_ready.join(", "),
                ]
            })
            .collect(),
    );
}

fn matrix(out: &mut String, s: &ControlMatrixSection) {
    table(
        out,
        &[
            "Control",
            "Title",
            "Description",
            "Criteria",
            "Owner",
            "Frequency",
            "Windows operated / due",
            "State",
            "Approved",
        ],
        s.rows
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.title.clone(),
                    r.description.clone(),
                    r.criteria.join(", "),
                    or_dash(r.owner.as_deref()).to_string(),
                    r.frequency.clone(),
                    match (r.windows_operated, r.windows_due) {
                        (Some(o), Some(d)) => format!("{o} / {d}"),
                        _ => "-".to_string(),
                    },
                    r.state.as_str().to_string(),
                    approval(&r.approved),
                ]
            })
            .collect(),
    );
}

fn gaps(out: &mut String, s: &GapsSection) {
    if s.uncovered.is_empty() && s.controls.is_empty() {
        out.push_str(
            "No gap: every in-scope criterion has controls, and every control is ready.\n\n",
        );
        return;
    }
    if !s.uncovered.is_empty() {
        out.push_str("Criteria no control covers:\n\n");
        for (id, title) in &s.uncovered {
            let _ = writeln!(out, "- {id}: {}", cell(title));
        }
        out.push('\n');
    }
    if !s.controls.is_empty() {
        table(
            out,
            &["Control", "Title", "Owner", "State", "Why"],
            s.controls
                .iter()
                .map(|g| {
                    vec![
                        g.control.clone(),
                        g.title.clone(),
                        or_dash(g.owner.as_deref()).to_string(),
                        g.state.as_str().to_string(),
                        g.reasons.join("; "),
                    ]
                })
                .collect(),
        );
    }
}

fn exceptions(out: &mut String, s: &ExceptionsSection) {
    if s.exceptions.is_empty() {
        out.push_str("No control has an exception.\n\n");
        return;
    }
    table(
        out,
        &["Control", "Reason", "Approved by", "Expires", "In force"],
        s.exceptions
            .iter()
            .map(|e| {
                vec![
                    e.control.clone(),
                    e.reason.clone(),
                    e.approved_by.clone(),
                    e.expires.to_string(),
                    if e.in_force { "yes" } else { "expired" }.to_string(),
                ]
            })
            .collect(),
    );
}

fn exclusions(out: &mut String, s: &ExclusionsSection) {
    let scope = if s.scope_approved {
        format!("approved by {}", approval(&s.scope_approval))
    } else if s.scope_approval.is_some() {
        format!(
            "changed since its approval ({}): exclusions do not count until it is approved again",
            approval(&s.scope_approval)
        )
    } else {
        "not approved: exclusions do not count until it is".to_string()
    };
    let _ = writeln!(out, "The scope (`soc2.yaml`) is {scope}.\n");
    if s.criteria.is_empty() {
        out.push_str("No criterion is excluded.\n\n");
    } else {
        table(
            out,
            &["Criterion", "Reason", "Left out of the count"],
            s.criteria
                .iter()
                .map(|e| {
                    vec![
                        e.criterion.clone(),
                        e.reason.clone(),
                        if e.counted_out {
                            "yes"
                        } else {
                            "no (scope not approved)"
                        }
                        .to_string(),
                    ]
                })
                .collect(),
        );
    }
    if !s.controls.is_empty() {
        out.push_str("### Controls not applicable\n\n");
        table(
            out,
            &["Control", "Reason", "Approved", "Left out of the count"],
            s.controls
                .iter()
                .map(|c| {
                    vec![
                        c.control.clone(),
                        c.reason.clone(),
                        approval(&c.approved),
                        if c.counted_out {
                            "yes"
                        } else {
                            "no (approval does not hold)"
                        }
                        .to_string(),
                    ]
                })
                .collect(),
        );
    }
}

fn risks(out: &mut String, s: &RisksSection) {
    if s.risks.is_empty() {
        out.push_str("The risk register is empty.\n\n");
        return;
    }
    table(
        out,
        &[
            "Risk",
            "Title",
            "Score",
            "Treatment",
            "Owner",
            "Status",
            "Controls",
        ],
        s.risks
            .iter()
            .map(|r| {
                let controls: Vec<String> = r
                    .controls
                    .iter()
                    .map(|c| format!("{} ({})", c.id, c.state.map_or("missing", |s| s.as_str())))
                    .collect();
                vec![
                    r.id.clone(),
                    r.title.clone(),
                    format!("{} ({}×{})", r.score, r.likelihood, r.impact),
                    r.treatment.as_str().to_string(),
                    or_dash(r.owner.as_deref()).to_string(),
                    r.status.as_str().to_string(),
                    controls.join(", "),
                ]
            })
            .collect(),
    );
}

fn policies(out: &mut String, s: &PoliciesSection) {
    table(
        out,
        &[
            "Policy",
            "Title",
            "Owner",
            "Version",
            "Approved",
            "Last review",
            "Next review",
        ],
        s.policies
            .iter()
            .map(|p| {
                let mut approved = approval(&p.approved);
                if p.approved.is_some() && !p.approval_holds {
                    approved.push_str(" (changed since approval)");
                }
                vec![
                    p.id.clone(),
                    p.title.clone(),
                    or_dash(p.owner.as_deref()).to_string(),
                    p.version.to_string(),
                    approved,
                    date_or_dash(p.last_review),
                    format!(
                        "{}{}",
                        date_or_dash(p.review_due),
                        if p.overdue { " (overdue)" } else { "" }
                    ),
                ]
            })
            .collect(),
    );
}

fn program(out: &mut String, s: &ProgramSection) {
    let _ = writeln!(
        out,
        "{} of {} steps done, {} late (`soc2 program`).\n",
        s.done,
        s.steps.len(),
        s.late
    );
    table(
        out,
        &["#", "Step", "State", "Owner", "Target", "Where it stands"],
        s.steps
            .iter()
            .map(|step| {
                vec![
                    step.number.to_string(),
                    step.title.clone(),
                    format!(
                        "{}{}",
                        step.state.as_str(),
                        if step.late { " (late)" } else { "" }
                    ),
                    or_dash(step.owner.as_deref()).to_string(),
                    date_or_dash(step.target),
                    step.reason.clone(),
                ]
            })
            .collect(),
    );
}

fn vendors(out: &mut String, s: &VendorsSection) {
    if s.vendors.is_empty() {
        out.push_str("No vendor is recorded.\n\n");
        return;
    }
    table(
        out,
        &[
            "Vendor",
            "Name",
            "Criticality",
            "Method",
            "SOC report",
            "Criteria carried",
            "Last review",
            "Next review",
        ],
        s.vendors
            .iter()
            .map(|v| {
                vec![
                    v.id.clone(),
                    v.name.clone(),
                    v.criticality.as_str().to_string(),
                    v.method.map_or("-", |m| m.as_str()).to_string(),
                    match v.report_current_until {
                        Some(until) => format!("{} (current until {until})", v.report.as_str()),
                        None => v.report.as_str().to_string(),
                    },
                    v.criteria.join(", "),
                    date_or_dash(v.last_review),
                    format!(
                        "{}{}",
                        date_or_dash(v.review_due),
                        if v.overdue { " (overdue)" } else { "" }
                    ),
                ]
            })
            .collect(),
    );
}

fn internal_audit(out: &mut String, s: &InternalAuditSection) {
    let r = &s.results;
    let _ = writeln!(
        out,
        "From {} to {}. {} (`soc2 audit-results`).\n",
        r.period.from,
        r.period.to,
        crate::report::internal_audit::summary_line(r)
    );
    if !r.controls.is_empty() {
        table(
            out,
            &["Control", "Owner", "Tests", "Conclusion", "Open findings"],
            r.controls
                .iter()
                .map(|c| {
                    vec![
                        c.id.clone(),
                        or_dash(c.owner.as_deref()).to_string(),
                        c.tests.to_string(),
                        c.conclusion.map_or("untested", |k| k.as_str()).to_string(),
                        c.open_findings.to_string(),
                    ]
                })
                .collect(),
        );
    }
    let findings: Vec<_> = r.open_findings.iter().chain(&r.closed_findings).collect();
    if findings.is_empty() {
        return;
    }
    out.push_str("### Findings\n\n");
    table(
        out,
        &[
            "Finding", "Title", "Control", "Severity", "Status", "Owner", "Due",
        ],
        findings
            .iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.title.clone(),
                    f.control.clone(),
                    f.severity.as_str().to_string(),
                    f.status.as_str().to_string(),
                    f.owner.clone(),
                    format!("{}{}", f.due, if f.overdue { " (overdue)" } else { "" }),
                ]
            })
            .collect(),
    );
}

fn requests(out: &mut String, s: &RequestsSection) {
    if s.requests.is_empty() {
        out.push_str("No request from the auditor is recorded.\n\n");
        return;
    }
    table(
        out,
        &[
            "Request",
            "What",
            "Asked",
            "Due",
            "Status",
            "Concerns",
            "Evidence provided",
        ],
        s.requests
            .iter()
            .map(|r| {
                vec![
                    r.id.clone(),
                    r.request.clone(),
                    r.asked_on.to_string(),
                    format!(
                        "{}{}",
                        date_or_dash(r.due),
                        if r.overdue { " (overdue)" } else { "" }
                    ),
                    r.status.as_str().to_string(),
                    r.criteria
                        .iter()
                        .chain(&r.controls)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.evidence.join(", "),
                ]
            })
            .collect(),
    );
}

fn evidence(out: &mut String, s: &EvidenceSection) {
    out.push_str("Each record: the period it covers, the day it was collected, and the day git received it (the commit that added it); each file with its sha256.\n\n");
    for c in &s.controls {
        let _ = writeln!(
            out,
            "### {}: {} ({})\n",
            c.control,
            cell(&c.title),
            c.state.as_str()
        );
        if !c.windows.is_empty() {
            table(
                out,
                &["Window", "From", "To", "Due by", "State", "Evidence"],
                c.windows
                    .iter()
                    .map(|w| {
                        vec![
                            w.label.clone(),
                            w.start.to_string(),
                            w.end.to_string(),
                            w.due_on.to_string(),
                            format!(
                                "{}{}",
                                w.state.as_str(),
                                if w.late { " (late)" } else { "" }
                            ),
                            w.evidence.join(", "),
                        ]
                    })
                    .collect(),
            );
        }
        if c.records.is_empty() {
            out.push_str("No evidence record.\n\n");
            continue;
        }
        table(
            out,
            &[
                "Record",
                "Kind",
                "Result",
                "Covers",
                "Collected",
                "Received",
                "Files (sha256)",
            ],
            c.records
                .iter()
                .map(|r| {
                    let files: Vec<String> = r
                        .files
                        .iter()
                        .map(|(path, sha)| format!("{path} {sha}"))
                        .collect();
                    vec![
                        r.id.clone(),
                        r.kind.clone(),
                        r.result.clone(),
                        format!("{}..{}", r.covers.0, r.covers.1),
                        r.collected_at.to_string(),
                        date_or_dash(r.received),
                        files.join("; "),
                    ]
                })
                .collect(),
        );
    }
}
