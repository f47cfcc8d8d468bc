//! Findings about evidence records themselves: deviations, and point-in-time records
//! that claim a longer span.

use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::{EvidenceResult, Store};
use crate::readiness::Assessment;
use crate::readiness::evidence::is_point_in_time;

pub(super) fn findings(store: &Store, assessment: &Assessment) -> Vec<Finding> {
    let mut out = Vec::new();
    let (results, controls) = (assessment.controls_by_id(), store.controls_by_id());
    for record in &store.evidence {
        let evidence = &record.value;
        let here = |code, message: String, field: &str| {
            Finding::new(code, message)
                .in_file(&record.path)
                .at(locate::value(&record.text, field)
                    .or_else(|| locate::field(&record.text, "control")))
                .with_source(&record.text)
        };
        let in_scope = results
            .get(evidence.control.as_str())
            .is_some_and(|c| c.in_scope);
        if !in_scope {
            continue;
        }
        if evidence.result() == EvidenceResult::Deviation {
            let why = evidence
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            out.push(
                here(
                    Code::Deviation,
                    format!(
                        "{} records a deviation of {}{why}",
                        crate::model::paths::evidence_id(&record.path),
                        evidence.control
                    ),
                    if evidence.result.is_some() { "result" } else { "command.exit" },
                )
                .with_hint(
                    "record what was done about it (a finding), and evidence that the control operated once fixed",
                ),
            );
        }
        let Some(control) = controls.get(evidence.control.as_str()) else {
            continue;
        };
        if is_point_in_time(&control.value, evidence.kind)
            && let Some(covers) = evidence.covers
            && (covers.from != evidence.collected_at || covers.to != evidence.collected_at)
        {
            out.push(
                here(
                    Code::PointInTimeSpan,
                    format!(
                        "a {} shows {} on {} only; its covers {}..{} counts for the window of {} alone",
                        evidence.kind.as_str(),
                        evidence.control,
                        evidence.collected_at,
                        covers.from,
                        covers.to,
                        evidence.collected_at
                    ),
                    "covers",
                )
                .with_hint("record an export or log that covers the span, or one record per window"),
            );
        }
    }
    out
}
