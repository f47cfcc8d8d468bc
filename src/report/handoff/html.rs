//! The report as one self-contained HTML page: inline CSS and SVG, no script, no font
//! or image fetched from anywhere; it opens from disk and prints. Templates are maud's,
//! which escapes every value spliced in; the charts' SVG is the one thing inserted as
//! markup, and plotters escapes the text inside it.

use maud::{DOCTYPE, Markup, PreEscaped, Render, html};

use super::*;

const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #111827; margin: 0 auto; max-width: 1100px; padding: 1.5rem; line-height: 1.45; }
h1 { font-size: 1.8rem; margin: 0 0 .5rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid #e5e7eb; padding-bottom: .25rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.facts dt { font-weight: 600; color: #374151; }
dl.facts dd { margin: 0; }
nav ol { columns: 2; padding-left: 1.2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .88rem; }
th, td { border: 1px solid #d1d5db; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .hash { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; word-break: break-all; }
.state { font-weight: 600; white-space: nowrap; }
.state.good { color: #15803d; }
.state.bad { color: #b91c1c; }
.state.wait { color: #92400e; }
.note { color: #4b5563; font-size: .9rem; }
.warning { background: #fef3c7; border: 1px solid #f59e0b; padding: .5rem .75rem; }
svg.chart { max-width: 100%; height: auto; display: block; margin: .5rem 0; }
.pre { white-space: pre-wrap; }
.day { white-space: nowrap; }
footer { margin-top: 3rem; color: #6b7280; font-size: .8rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  tr, svg.chart { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The report as an HTML document.
pub fn render(report: &Report) -> String {
    let h = &report.header;
    let title = format!("{}: SOC 2 readiness report", h.organisation);
    let page = html! {
        (Room(room_for(report)))
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(h.tool);
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header id="header" { (header(h)) }
                nav aria-label="Sections" {
                    h2 { "Contents" }
                    ol {
                        @for section in &report.sections {
                            @let (id, name) = section.heading();
                            li { a href={ "#" (id) } { (name) } }
                        }
                    }
                }
                main {
                    @for section in &report.sections {
                        @let (id, name) = section.heading();
                        section id=(id) {
                            h2 { (name) }
                            (Body(section))
                        }
                    }
                }
                footer {
                    "Made by " (h.tool) " from commit " code { (h.commit) } ", judged on " (h.judged_on.to_string())
                    ". The same commit and day give the same report."
                }
            }
        }
    };
    let mut text = page.into_string();
    text.push('\n');
    text
}

fn header(h: &Header) -> Markup {
    html! {
        h1 { (h.organisation) }
        p { "SOC 2 readiness report" }
        dl.facts {
            dt { "Audit" } dd #audit { (period_text(h)) }
            @if let Some(auditor) = &h.auditor { dt { "Auditor" } dd { (auditor) } }
            @if !h.services.is_empty() { dt { "Services in scope" } dd { (h.services.join(", ")) } }
            dt { "Categories in scope" }
            dd { (h.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")) }
            dt { "Built from commit" } dd { code #commit data-commit=(h.commit) { (commit_text(h)) } }
            dt { "Judged on" } dd #judged-on { (h.judged_on.to_string()) }
        }
        @if h.uncommitted {
            p.warning { "The store had uncommitted changes when this report was made: it describes them, and no commit holds them." }
        }
    }
}

/// A date that never breaks across lines.
fn day(date: Date) -> Markup {
    html! { span.day { (date.to_string()) } }
}

fn day_or_dash(date: Option<Date>) -> Markup {
    match date {
        Some(date) => day(date),
        None => html! { "-" },
    }
}

/// Room made in the page for what follows, before it is written: a large store's page
/// is tens of MB, and growing it as it comes copied it into new memory again and again.
/// Room never written to costs nothing: the system backs memory only once it is used.
struct Room(usize);

impl Render for Room {
    fn render_to(&self, page: &mut String) {
        // Only asked for: a system that refuses so much at once leaves the page to grow
        // as it is written.
        let _ = page.try_reserve(self.0);
    }
}

/// Room for the page: the evidence section, a table row a record, dwarfs the rest, and
/// a record takes under 1 KB of it (660 bytes on the bench's large store), so 4 KB a
/// record is plenty; a page that still outgrows it grows as a string does.
fn room_for(report: &Report) -> usize {
    let records: usize = report
        .sections
        .iter()
        .map(|section| match section {
            Section::Evidence(s) => s.controls.iter().map(|c| c.records.len()).sum(),
            _ => 0,
        })
        .sum();
    (1 << 20) + records.saturating_mul(4096)
}

/// A section's body, rendered straight into the page.
struct Body<'a>(&'a Section);

impl Render for Body<'_> {
    fn render_to(&self, page: &mut String) {
        let markup = match self.0 {
            Section::Readiness(s) => readiness(s),
            Section::Criteria(s) => criteria(s),
            Section::ControlMatrix(s) => matrix(s),
            Section::Gaps(s) => gaps(s),
            Section::Exceptions(s) => exceptions(s),
            Section::Exclusions(s) => exclusions(s),
            Section::Risks(s) => risks(s),
            Section::Policies(s) => policies(s),
            Section::Program(s) => program(s),
            Section::Vendors(s) => vendors(s),
            Section::InternalAudit(s) => internal_audit(s),
            Section::Requests(s) => requests(s),
            // Tens of MB on a large store: a control at a time, not a string of its own.
            Section::Evidence(s) => {
                evidence_note().render_to(page);
                for c in &s.controls {
                    control_evidence(c).render_to(page);
                }
                return;
            }
        };
        markup.render_to(page);
    }
}

/// A state, coloured by whether it is good, bad or waiting.
fn state(text: &str) -> Markup {
    let class = match text {
        "ready" | "met" | "operated" | "no-occurrence" | "mitigated" | "accepted" | "approved" => {
            "good"
        }
        "pending" | "excepted" | "not-applicable" | "not-in-period" | "excluded" | "absent"
        | "provided" | "open-request" => "wait",
        _ => "bad",
    };
    html! { span class={ "state " (class) } { (text) } }
}

fn readiness(s: &ReadinessSection) -> Markup {
    html! {
        (PreEscaped(chart::readiness_bars(&s.overall, &s.categories, s.min_readiness)))
        table #scores {
            thead { tr { th { "Scope" } th.num { "Readiness" } th.num { "Met" } th.num { "Partial" } th.num { "Uncovered" } th.num { "Excluded" } th.num { "Counted" } } }
            tbody {
                (score_row("overall", &s.overall))
                @for c in &s.categories { (score_row(c.category.as_str(), &c.score)) }
            }
        }
        @if let Some(gate) = s.min_readiness {
            p.note { "The gate (" code { "soc2 check" } ") asks for " (gate) "% (the red line)." }
        }
        @if let Some(w) = &s.windows {
            p #windows data-due=(w.due) data-operated=(w.operated) {
                (w.operated) " of " (w.due) " due windows of implemented controls evidenced; "
                (w.missing) " missing, " (w.pending) " pending, " (w.deviation) " with a deviation, "
                (w.not_operating) " not operating, " (w.late) " evidenced late."
            }
        }
        h3 { "Readiness over time" }
        @if s.timeline.points.is_empty() {
            p.note { "No point to draw: history holds no day of the span." }
        } @else {
            (PreEscaped(chart::timeline_line(&s.timeline)))
        }
        p.note #timeline-note { (timeline_text(&s.timeline)) }
        table #timeline {
            thead { tr { th { "Day" } th.num { "Readiness" } th.num { "Met" } th { "Commit" } } }
            tbody {
                @for p in &s.timeline.points {
                    tr {
                        td { (p.day.to_string()) @if p.before_history { " *" } }
                        td.num { (percent(&p.overall)) }
                        td.num { (p.overall.met) "/" (p.overall.total) }
                        td { code { (p.commit.chars().take(12).collect::<String>()) } }
                    }
                }
            }
        }
    }
}

fn score_row(name: &str, score: &Score) -> Markup {
    html! {
        tr data-scope=(name) data-readiness=(format!("{:.1}", score.readiness)) data-met=(score.met) data-total=(score.total) {
            th { (name) }
            td.num { (percent(score)) }
            td.num { (score.met) }
            td.num { (score.partial) }
            td.num { (score.uncovered) }
            td.num { (score.excluded) }
            td.num { (score.total) }
        }
    }
}

fn criteria(s: &CriteriaSection) -> Markup {
    html! {
        table {
            thead { tr { th { "Criterion" } th { "Title" } th { "State" } th { "Controls" } th { "Not ready" } } }
            tbody {
                @for c in &s.criteria {
                    tr data-criterion=(c.id) {
                        td { (c.id) }
                        td { (c.title) @if let Some(reason) = &c.exclusion { br; span.note { "Excluded: " (reason) } } }
                        td { (state(c.state.as_str())) }
                        td { (c.controls.join(", ")) }
                        td { (c.not_ready.join(", ")) }
                    }
                }
            }
        }
    }
}

fn matrix(s: &ControlMatrixSection) -> Markup {
    html! {
        table {
            thead { tr { th { "Control" } th { "Description" } th { "Criteria" } th { "Owner" } th { "Frequency" } th.num { "Windows operated / due" } th { "State" } th { "Approved" } } }
            tbody {
                @for r in &s.rows {
                    tr data-control=(r.id) {
                        td { (r.id) }
                        td { strong { (r.title) } @if !r.description.is_empty() { div.pre { (r.description) } } }
                        td { (r.criteria.join(", ")) }
                        td { (or_dash(r.owner.as_deref())) }
                        td { (r.frequency) }
                        td.num { @match (r.windows_operated, r.windows_due) { (Some(o), Some(d)) => { (o) " / " (d) }, _ => { "-" } } }
                        td { (state(r.state.as_str())) @if r.status != "implemented" { br; span.note { (r.status) } } }
                        td { @match &r.approved { Some((by, at)) => { (by) br; (day(*at)) }, None => { "-" } } }
                    }
                }
            }
        }
    }
}

fn gaps(s: &GapsSection) -> Markup {
    html! {
        @if s.uncovered.is_empty() && s.controls.is_empty() {
            p { "No gap: every in-scope criterion has controls, and every control is ready." }
        }
        @if !s.uncovered.is_empty() {
            h3 { "Criteria no control covers" }
            ul { @for (id, title) in &s.uncovered { li { (id) ": " (title) } } }
        }
        @if !s.controls.is_empty() {
            table {
                thead { tr { th { "Control" } th { "Owner" } th { "State" } th { "Why" } } }
                tbody {
                    @for g in &s.controls {
                        tr data-control=(g.control) {
                            td { (g.control) br; span.note { (g.title) } }
                            td { (or_dash(g.owner.as_deref())) }
                            td { (state(g.state.as_str())) }
                            td { ul { @for r in &g.reasons { li { (r) } } } }
                        }
                    }
                }
            }
        }
    }
}

fn exceptions(s: &ExceptionsSection) -> Markup {
    html! {
        @if s.exceptions.is_empty() {
            p { "No control has an exception." }
        } @else {
            table {
                thead { tr { th { "Control" } th { "Reason" } th { "Approved by" } th { "Expires" } th { "" } } }
                tbody {
                    @for e in &s.exceptions {
                        tr {
                            td { (e.control) } td { (e.reason) } td { (e.approved_by) } td { (day(e.expires)) }
                            td { @if e.in_force { (state("excepted")) } @else { (state("expired")) } }
                        }
                    }
                }
            }
        }
    }
}

fn approval(approved: &Option<(String, Date)>) -> Markup {
    html! { @match approved { Some((by, at)) => { (by) ", " (day(*at)) }, None => { "not approved" } } }
}

fn exclusions(s: &ExclusionsSection) -> Markup {
    html! {
        p {
            "The scope (" code { "soc2.yaml" } ") is "
            @if s.scope_approved { "approved by " (approval(&s.scope_approval)) "." }
            @else if s.scope_approval.is_some() { "changed since its approval (" (approval(&s.scope_approval)) "): exclusions do not count until it is approved again." }
            @else { "not approved: exclusions do not count until it is." }
        }
        @if s.criteria.is_empty() {
            p { "No criterion is excluded." }
        } @else {
            table {
                thead { tr { th { "Criterion" } th { "Reason" } th { "Left out of the count" } } }
                tbody { @for e in &s.criteria { tr { td { (e.criterion) } td { (e.reason) } td { @if e.counted_out { "yes" } @else { "no (scope not approved)" } } } } }
            }
        }
        @if !s.controls.is_empty() {
            h3 { "Controls not applicable" }
            table {
                thead { tr { th { "Control" } th { "Reason" } th { "Approved" } th { "Left out of the count" } } }
                tbody { @for c in &s.controls { tr { td { (c.control) } td { (c.reason) } td { (approval(&c.approved)) } td { @if c.counted_out { "yes" } @else { "no (approval does not hold)" } } } } }
            }
        }
    }
}

fn risks(s: &RisksSection) -> Markup {
    html! {
        @if s.risks.is_empty() {
            p { "The risk register is empty." }
        } @else {
            table {
                thead { tr { th { "Risk" } th.num { "Score" } th { "Treatment" } th { "Owner" } th { "Status" } th { "Controls" } } }
                tbody {
                    @for r in &s.risks {
                        tr {
                            td { (r.id) br; span.note { (r.title) } }
                            td.num { (r.score) " (" (r.likelihood) "×" (r.impact) ")" }
                            td { (r.treatment.as_str()) }
                            td { (or_dash(r.owner.as_deref())) }
                            td { (state(r.status.as_str())) }
                            td { @for (i, c) in r.controls.iter().enumerate() { @if i > 0 { ", " } (c.id) " (" (c.state.map_or("missing", |s| s.as_str())) ")" } }
                        }
                    }
                }
            }
        }
    }
}

fn policies(s: &PoliciesSection) -> Markup {
    html! {
        table {
            thead { tr { th { "Policy" } th { "Owner" } th.num { "Version" } th { "Approved" } th { "Last review" } th { "Next review" } } }
            tbody {
                @for p in &s.policies {
                    tr data-policy=(p.id) {
                        td { (p.id) br; span.note { (p.title) } }
                        td { (or_dash(p.owner.as_deref())) }
                        td.num { (p.version) }
                        td { (approval(&p.approved)) @if p.approved.is_some() && !p.approval_holds { br; (state("changed since approval")) } }
                        td { (day_or_dash(p.last_review)) }
                        td { (day_or_dash(p.review_due)) @if p.overdue { " " (state("overdue")) } }
                    }
                }
            }
        }
    }
}

fn program(s: &ProgramSection) -> Markup {
    html! {
        p #program-count data-done=(s.done) { (s.done) " of " (s.steps.len()) " steps done, " (s.late) " late (" code { "soc2 program" } ")." }
        table {
            thead { tr { th.num { "#" } th { "Step" } th { "State" } th { "Owner" } th { "Target" } th { "Where it stands" } } }
            tbody {
                @for step in &s.steps {
                    tr data-step=(step.number) {
                        td.num { (step.number) }
                        td { (step.title) }
                        td { (state(step.state.as_str())) @if step.late { " " (state("late")) } }
                        td { (or_dash(step.owner.as_deref())) }
                        td { (day_or_dash(step.target)) }
                        td { (step.reason) }
                    }
                }
            }
        }
    }
}

fn vendors(s: &VendorsSection) -> Markup {
    html! {
        @if s.vendors.is_empty() {
            p { "No vendor is recorded." }
        } @else {
            table {
                thead { tr { th { "Vendor" } th { "Criticality" } th { "Method" } th { "SOC report" } th { "Criteria carried" } th { "Last review" } th { "Next review" } } }
                tbody {
                    @for v in &s.vendors {
                        tr data-vendor=(v.id) {
                            td { (v.id) br; span.note { (v.name) } }
                            td { (v.criticality.as_str()) }
                            td { (v.method.map_or("-", |m| m.as_str())) }
                            td { (state(v.report.as_str())) @if let Some(until) = v.report_current_until { br; span.note { "current until " (day(until)) } } }
                            td { (v.criteria.join(", ")) }
                            td { (day_or_dash(v.last_review)) }
                            td { (day_or_dash(v.review_due)) @if v.overdue { " " (state("overdue")) } }
                        }
                    }
                }
            }
        }
    }
}

fn internal_audit(s: &InternalAuditSection) -> Markup {
    let r = &s.results;
    let findings: Vec<_> = r.open_findings.iter().chain(&r.closed_findings).collect();
    html! {
        p #internal-audit-summary { "From " (day(r.period.from)) " to " (day(r.period.to)) ". " (crate::report::internal_audit::summary_line(r)) " (" code { "soc2 audit-results" } ")." }
        @if !r.controls.is_empty() {
            table {
                thead { tr { th { "Control" } th { "Owner" } th.num { "Tests" } th { "Conclusion" } th.num { "Open findings" } } }
                tbody {
                    @for c in &r.controls {
                        tr {
                            td { (c.id) }
                            td { (or_dash(c.owner.as_deref())) }
                            td.num { (c.tests) }
                            td { (state(c.conclusion.map_or("untested", |k| k.as_str()))) }
                            td.num { (c.open_findings) }
                        }
                    }
                }
            }
        }
        @if !findings.is_empty() {
            h3 { "Findings" }
            table {
                thead { tr { th { "Finding" } th { "Control" } th { "Severity" } th { "Status" } th { "Owner" } th { "Due" } } }
                tbody {
                    @for f in &findings {
                        tr data-finding=(f.id) {
                            td { (f.id) br; span.note { (f.title) } }
                            td { (f.control) }
                            td { (f.severity.as_str()) }
                            td { (state(f.status.as_str())) }
                            td { (f.owner) }
                            td { (day(f.due)) @if f.overdue { " " (state("overdue")) } }
                        }
                    }
                }
            }
        }
    }
}

fn requests(s: &RequestsSection) -> Markup {
    html! {
        @if s.requests.is_empty() {
            p { "No request from the auditor is recorded." }
        } @else {
            table {
                thead { tr { th { "Request" } th { "Asked" } th { "Due" } th { "Status" } th { "Concerns" } th { "Evidence provided" } } }
                tbody {
                    @for r in &s.requests {
                        tr data-request=(r.id) {
                            td { (r.id) br; span.pre { (r.request) } }
                            td { (day(r.asked_on)) @if let Some(by) = &r.asked_by { br; span.note { (by) } } }
                            td { (day_or_dash(r.due)) @if r.overdue { " " (state("overdue")) } }
                            td { (state(r.status.as_str())) }
                            td { (r.criteria.iter().chain(&r.controls).cloned().collect::<Vec<_>>().join(", ")) }
                            td { (r.evidence.join(", ")) }
                        }
                    }
                }
            }
        }
    }
}

fn evidence_note() -> Markup {
    html! {
        p.note { "Each record: the period it covers, the day it was collected, and the day git received it (the commit that added it); each file with its sha256." }
    }
}

fn control_evidence(c: &ControlEvidence) -> Markup {
    html! {
        h3 id={ "evidence-" (c.control) } { (c.control) ": " (c.title) " " (state(c.state.as_str())) }
        @if !c.windows.is_empty() {
            table.windows {
                thead { tr { th { "Window" } th { "From" } th { "To" } th { "Due by" } th { "State" } th { "Evidence" } } }
                tbody {
                    @for w in &c.windows {
                        tr {
                            td { (w.label) } td { (day(w.start)) } td { (day(w.end)) } td { (day(w.due_on)) }
                            td { (state(w.state.as_str())) @if w.late { " (late)" } }
                            td { (w.evidence.join(", ")) }
                        }
                    }
                }
            }
        }
        @if c.records.is_empty() {
            p.note { "No evidence record." }
        } @else {
            table.records {
                thead { tr { th { "Record" } th { "Kind" } th { "Result" } th { "Covers" } th { "Collected" } th { "Received" } th { "Files (sha256)" } } }
                tbody {
                    @for r in &c.records {
                        tr {
                            td { (r.id) @if let Some(by) = &r.collected_by { br; span.note { (by) } } }
                            td { (r.kind) }
                            td { (state(&r.result)) }
                            td { (day(r.covers.0)) "\u{2009}–\u{2009}" (day(r.covers.1)) }
                            td { (day(r.collected_at)) }
                            td { (day_or_dash(r.received)) }
                            td { @for (path, sha) in &r.files { div { (path) br; span.hash { (sha) } } } }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Room the system will not give is not asked for again: the page is written as
    /// it would have been, growing as it goes.
    #[test]
    fn room_too_large_to_give_leaves_the_page_as_it_was() {
        let mut page = String::from("<p>");
        Room(usize::MAX / 2).render_to(&mut page);
        Room(64).render_to(&mut page);
        assert_eq!(page, "<p>");
        assert!(page.capacity() >= 67);
    }
}
