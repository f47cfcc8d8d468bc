//! `soc2 status`: readiness per category and overall, then the gaps.

use serde::{Deserialize, Serialize};

use super::{Style, align_right, table};
use crate::catalog::Category;
use crate::internal_audit::AuditResults;
use crate::model::Conclusion;
use crate::model::{AuditType, ControlStatus, Date, Period};
use crate::readiness::{
    Assessment, CategoryScore, ControlResult, ControlState, CriterionState, EvidenceRule,
    HistoryNote, Score, WindowCounts,
};
use crate::store::integrity::Distrusted;

/// Which part of the program to show.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub category: Option<Category>,
    pub owner: Option<String>,
}

impl Filter {
    fn control(&self, control: &ControlResult) -> bool {
        self.owner.as_deref().is_none_or(|o| control.is_owned_by(o))
            && self.category.is_none_or(|c| control.maps_to(c))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlCounts {
    pub total: usize,
    pub ready: usize,
    pub not_ready: usize,
    pub not_applicable: usize,
    /// Controls that did not exist during the judged period (added since).
    pub not_in_period: usize,
    /// Controls left out because every criterion they map to is out of the audit's
    /// scope (not counted in `total`).
    #[serde(default)]
    pub out_of_scope: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UncoveredCriterion {
    pub id: String,
    pub category: Category,
    pub title: String,
}

/// What `status` shows, in every format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusView {
    pub organisation: String,
    pub today: Date,
    pub audit: AuditType,
    pub period: Option<Period>,
    pub evidence_rule: EvidenceRule,
    pub overall: Score,
    pub categories: Vec<CategoryScore>,
    pub controls: ControlCounts,
    /// When the observation period has ended: the period now current.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_period: Option<Period>,
    /// Type II: the windows of the implemented controls shown, counted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub windows: Option<WindowCounts>,
    pub history: HistoryNote,
    /// The internal audit of the period, over the controls shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tested: Option<Tested>,
    pub uncovered: Vec<UncoveredCriterion>,
    pub not_ready: Vec<ControlResult>,
    /// Evidence records that do not count (files missing or changed, not in git), of
    /// the controls shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_counted: Vec<Distrusted>,
    /// Criteria left partial by a carve-out subservice organisation that does not hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub carve_outs: Vec<CarveOutGap>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CarveOutGap {
    pub criterion: String,
    pub vendor: String,
    pub reason: String,
}

impl StatusView {
    /// Names the evidence that was set aside (see `audit::set_aside`), for the controls
    /// the filter shows.
    pub fn with_not_counted(
        mut self,
        distrusted: &[Distrusted],
        assessment: &Assessment,
        filter: &Filter,
    ) -> StatusView {
        self.not_counted = distrusted
            .iter()
            .filter(|d| {
                assessment
                    .control(&d.control)
                    .is_none_or(|c| c.in_scope && filter.control(c))
            })
            .cloned()
            .collect();
        self
    }
}

pub fn view(assessment: &Assessment, filter: &Filter) -> StatusView {
    let controls: Vec<&ControlResult> = assessment
        .controls
        .iter()
        .filter(|c| c.in_scope && filter.control(c))
        .collect();
    let count = |f: &dyn Fn(&ControlResult) -> bool| controls.iter().filter(|c| f(c)).count();
    let uncovered = if filter.owner.is_some() {
        // Uncovered criteria have no controls, so no owner.
        Vec::new()
    } else {
        assessment
            .criteria
            .iter()
            .filter(|c| c.state == CriterionState::Uncovered)
            .filter(|c| {
                filter
                    .category
                    .is_none_or(|category| c.category == category)
            })
            .map(|c| UncoveredCriterion {
                id: c.id.clone(),
                category: c.category,
                title: c.title.clone(),
            })
            .collect()
    };
    let carve_outs = if filter.owner.is_some() {
        Vec::new()
    } else {
        assessment
            .criteria
            .iter()
            .filter(|c| {
                filter
                    .category
                    .is_none_or(|category| c.category == category)
            })
            .flat_map(|c| {
                c.carved_out.iter().filter_map(|carve| {
                    carve.reason.as_ref().map(|reason| CarveOutGap {
                        criterion: c.id.clone(),
                        vendor: carve.vendor.clone(),
                        reason: reason.clone(),
                    })
                })
            })
            .collect()
    };
    StatusView {
        carve_outs,
        organisation: assessment.organisation.clone(),
        today: assessment.today,
        audit: assessment.audit,
        period: assessment.period,
        evidence_rule: assessment.evidence_rule,
        overall: assessment.overall,
        categories: assessment
            .categories
            .iter()
            .filter(|c| {
                filter
                    .category
                    .is_none_or(|category| c.category == category)
            })
            .cloned()
            .collect(),
        controls: ControlCounts {
            total: controls.len(),
            ready: count(&|c| c.is_ready()),
            not_ready: count(&|c| !c.is_ready() && !c.state.is_excused()),
            not_applicable: count(&|c| c.state == ControlState::NotApplicable),
            not_in_period: count(&|c| c.state == ControlState::NotInPeriod),
            out_of_scope: assessment
                .controls
                .iter()
                .filter(|c| !c.in_scope && filter.control(c))
                .count(),
        },
        next_period: assessment.next_period,
        windows: match assessment.evidence_rule {
            // Windows of controls not yet implemented are not counted: they are not
            // expected to have evidence, and say so in their own state.
            EvidenceRule::Windows { .. } => Some(WindowCounts::sum(
                controls
                    .iter()
                    .filter(|c| c.status == ControlStatus::Implemented)
                    .filter_map(|c| c.windows.as_ref()),
            )),
            EvidenceRule::Freshness { .. } => None,
        },
        history: assessment.history.clone(),
        tested: None,
        uncovered,
        not_ready: controls
            .into_iter()
            .filter(|c| !c.is_ready() && !c.state.is_excused())
            .cloned()
            .collect(),
        not_counted: Vec::new(),
    }
}

/// At most this many records not counted are listed in a table; JSON has them all.
const NOT_COUNTED_SHOWN: usize = 20;

/// `AC-01/2026-10-03-mfa: evidence/AC-01/x.csv has changed since it was recorded`.
fn not_counted_lines(view: &StatusView) -> Vec<String> {
    let mut lines: Vec<String> = view
        .not_counted
        .iter()
        .take(NOT_COUNTED_SHOWN)
        .map(|d| format!("{}: {}", d.id, d.reason))
        .collect();
    if view.not_counted.len() > NOT_COUNTED_SHOWN {
        lines.push(format!(
            "… and {} more (`soc2 check` lists every one)",
            view.not_counted.len() - NOT_COUNTED_SHOWN
        ));
    }
    lines
}

/// "Tested: N of M controls this period, K deficient, F open findings".
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tested {
    /// Key controls (in scope, implemented) with a concluded test of the period.
    pub tested: usize,
    pub key_controls: usize,
    /// Of those, the ones whose latest test concluded deficient.
    pub deficient: usize,
    pub open_findings: usize,
}

/// The testing line of `status`, for the controls `filter` shows.
pub fn tested(results: &AuditResults, assessment: &Assessment, filter: &Filter) -> Tested {
    let shown = |id: &str| assessment.control(id).is_some_and(|c| filter.control(c));
    let controls: Vec<_> = results.controls.iter().filter(|c| shown(&c.id)).collect();
    Tested {
        tested: controls.iter().filter(|c| c.conclusion.is_some()).count(),
        key_controls: controls.len(),
        deficient: controls
            .iter()
            .filter(|c| c.conclusion == Some(Conclusion::Deficient))
            .count(),
        open_findings: results
            .open_findings
            .iter()
            .filter(|f| (filter.owner.is_none() && filter.category.is_none()) || shown(&f.control))
            .count(),
    }
}

fn audit_name(audit: AuditType) -> &'static str {
    match audit {
        AuditType::Type1 => "SOC 2 Type I",
        AuditType::Type2 => "SOC 2 Type II",
    }
}

fn title_line(view: &StatusView) -> String {
    format!(
        "{}: {} readiness on {}",
        view.organisation,
        audit_name(view.audit),
        view.today
    )
}

/// How the numbers were judged: the period and its rule, the next period once it has
/// ended, and what history could not tell.
fn rule_lines(view: &StatusView) -> Vec<String> {
    let mut lines = Vec::new();
    match (view.evidence_rule, view.period) {
        (EvidenceRule::Windows { start, end }, _) => match view.next_period {
            Some(next) => lines.push(format!(
                "The observation period {start} to {end} has ended; the next period, {} to {}, is current (`soc2 due` schedules its work).",
                next.start, next.end
            )),
            None => lines.push(format!(
                "Observation period {start} to {end}: every window needs evidence once it is due (ended, plus the collection grace)."
            )),
        },
        (EvidenceRule::Freshness { .. }, Some(period)) if view.audit == AuditType::Type2 => {
            lines.push(format!(
                "The observation period starts {}; until then evidence is judged by freshness.",
                period.start
            ))
        }
        (EvidenceRule::Freshness { on }, _) if on != view.today => lines.push(format!(
            "The design is judged as of {on} (`audit.as_of`)."
        )),
        _ => {}
    }
    if let Some(starts) = view.history.starts
        && starts > view.today
    {
        lines.push(format!(
            "Git history starts on {starts}, after this day: the store is judged as its first commit holds it (W-NO-HISTORY)."
        ));
    } else if let Some(starts) = view.history.starts
        && view.history.windows_before_history > 0
    {
        lines.push(format!(
            "Git history starts on {starts}: windows that ended before then were judged on the store as its first commit holds it (W-NO-HISTORY)."
        ));
    }
    if view.history.shallow {
        lines.push(
            "This is a shallow clone: days before its first commit are judged on that commit's store."
                .to_string(),
        );
    }
    lines
}

fn percent(score: &Score) -> String {
    format!("{:.1}%", score.readiness)
}

fn score_row(name: String, score: &Score) -> Vec<String> {
    vec![
        name,
        score.met.to_string(),
        score.partial.to_string(),
        score.uncovered.to_string(),
        score.excluded.to_string(),
        percent(score),
    ]
}

fn controls_line(view: &StatusView) -> String {
    let c = &view.controls;
    let mut line = format!(
        "Controls: {} ready of {}",
        c.ready,
        c.total - c.not_applicable - c.not_in_period
    );
    if c.not_applicable > 0 {
        line.push_str(&format!(" ({} not applicable)", c.not_applicable));
    }
    if c.not_in_period > 0 {
        line.push_str(&format!(
            "; {} added after the period, judged from the next one",
            super::plural(c.not_in_period, "control")
        ));
    }
    if c.out_of_scope > 0 {
        line.push_str(&format!(
            "; {} more map only to categories outside the scope (`scope.categories` in soc2.yaml)",
            c.out_of_scope
        ));
    }
    if let Some(w) = &view.windows {
        line.push_str(&format!(
            "\nWindows: {} of {} due windows evidenced",
            w.operated, w.due
        ));
        let mut parts = Vec::new();
        for (count, what) in [
            (w.missing, "missing"),
            (w.deviation, "with a deviation"),
            (w.not_operating, "not operating"),
            (w.late, "evidenced late"),
            (w.pending, "pending"),
        ] {
            if count > 0 {
                parts.push(format!("{count} {what}"));
            }
        }
        if !parts.is_empty() {
            line.push_str(&format!(" ({})", parts.join(", ")));
        }
    }
    if let Some(t) = view
        .tested
        .as_ref()
        .filter(|t| t.key_controls > 0 || t.open_findings > 0)
    {
        line.push_str(&format!(
            "\nTested: {} of {} controls this period, {} deficient, {}",
            t.tested,
            t.key_controls,
            t.deficient,
            super::plural(t.open_findings, "open finding")
        ));
    }
    line
}

/// The first reason, shortened for a table cell (JSON and `soc2 show` have it whole).
fn reason_text(control: &ControlResult) -> String {
    const MAX: usize = 90;
    let detail = control
        .primary_reason()
        .map(|r| r.detail.as_str())
        .unwrap_or_default();
    if detail.chars().count() <= MAX {
        return detail.to_string();
    }
    let cut: String = detail.chars().take(MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

fn owner_text(control: &ControlResult) -> String {
    control.owner.clone().unwrap_or_else(|| "-".to_string())
}

pub fn render_table(view: &StatusView, style: Style) -> String {
    let mut out = format!("{}\n", style.bold(&title_line(view)));
    for line in rule_lines(view) {
        out.push_str(&format!("{line}\n"));
    }
    out.push('\n');

    let mut scores = table(&[
        "Category",
        "Met",
        "Partial",
        "Uncovered",
        "Excluded",
        "Readiness",
    ]);
    for category in &view.categories {
        scores.add_row(score_row(category.category.to_string(), &category.score));
    }
    scores.add_row(score_row("overall".to_string(), &view.overall));
    align_right(&mut scores, &[1, 2, 3, 4, 5]);
    out.push_str(&format!("{scores}\n\n{}\n", controls_line(view)));

    if !view.uncovered.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            style.bold(&format!("Uncovered criteria ({})", view.uncovered.len()))
        ));
        for criterion in &view.uncovered {
            out.push_str(&format!("  {:<6} {}\n", criterion.id, criterion.title));
        }
    }
    if !view.not_ready.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            style.bold(&format!("Controls not ready ({})", view.not_ready.len()))
        ));
        let mut gaps = table(&["Control", "State", "Owner", "Reason"]);
        for control in &view.not_ready {
            gaps.add_row(vec![
                control.id.clone(),
                control.state.as_str().to_string(),
                owner_text(control),
                reason_text(control),
            ]);
        }
        out.push_str(&format!("{gaps}\n"));
    }
    if !view.not_counted.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            style.bold(&format!(
                "Evidence that does not count ({})",
                view.not_counted.len()
            ))
        ));
        for line in not_counted_lines(view) {
            out.push_str(&format!("  {line}\n"));
        }
        out.push_str("They are left out of readiness; `soc2 check` says how to fix each.\n");
    }
    if !view.carve_outs.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            style.bold(&format!(
                "Carve-outs that do not hold ({})",
                view.carve_outs.len()
            ))
        ));
        for gap in &view.carve_outs {
            out.push_str(&format!("  {:<6} {}\n", gap.criterion, gap.reason));
        }
    }
    if view.uncovered.is_empty() && view.not_ready.is_empty() && view.carve_outs.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            style.green("No gaps: every control shown is ready.")
        ));
    }
    out
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render_markdown(view: &StatusView) -> String {
    let mut out = format!("## {}\n\n", title_line(view));
    for line in rule_lines(view) {
        out.push_str(&format!("{line}\n\n"));
    }
    out.push_str("| Category | Met | Partial | Uncovered | Excluded | Readiness |\n|---|--:|--:|--:|--:|--:|\n");
    let row = |name: &str, s: &Score| {
        format!(
            "| {name} | {} | {} | {} | {} | {} |\n",
            s.met,
            s.partial,
            s.uncovered,
            s.excluded,
            percent(s)
        )
    };
    for category in &view.categories {
        out.push_str(&row(category.category.as_str(), &category.score));
    }
    out.push_str(&row("**overall**", &view.overall));
    out.push_str(&format!("\n{}\n", controls_line(view)));
    if !view.uncovered.is_empty() {
        out.push_str(&format!(
            "\n### Uncovered criteria ({})\n\n",
            view.uncovered.len()
        ));
        for criterion in &view.uncovered {
            out.push_str(&format!("- `{}` {}\n", criterion.id, criterion.title));
        }
    }
    if !view.not_ready.is_empty() {
        out.push_str(&format!(
            "\n### Controls not ready ({})\n\n| Control | State | Owner | Reason |\n|---|---|---|---|\n",
            view.not_ready.len()
        ));
        for control in &view.not_ready {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} |\n",
                control.id,
                control.state.as_str(),
                md_cell(&owner_text(control)),
                md_cell(
                    &control
                        .primary_reason()
                        .map(|r| r.detail.clone())
                        .unwrap_or_default()
                )
            ));
        }
    }
    if !view.not_counted.is_empty() {
        out.push_str(&format!(
            "\n### Evidence that does not count ({})\n\n",
            view.not_counted.len()
        ));
        for line in not_counted_lines(view) {
            out.push_str(&format!("- {}\n", md_cell(&line)));
        }
    }
    if !view.carve_outs.is_empty() {
        out.push_str(&format!(
            "\n### Carve-outs that do not hold ({})\n\n",
            view.carve_outs.len()
        ));
        for gap in &view.carve_outs {
            out.push_str(&format!("- `{}` {}\n", gap.criterion, md_cell(&gap.reason)));
        }
    }
    out
}
