//! Findings about vendors: an inclusive subservice organisation must list the controls
//! our audit tests, and a carve-out one needs a SOC report that is current and reviewed.

use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::{Method, Store};
use crate::readiness::Assessment;
use crate::readiness::vendors::ReportState;

pub(super) fn findings(store: &Store, assessment: &Assessment) -> Vec<Finding> {
    let mut out = Vec::new();
    for (record, result) in store.vendors.iter().zip(&assessment.vendors) {
        debug_assert_eq!(record.value.id, result.id);
        let vendor = &record.value;
        let text = &record.text;
        if vendor.method == Some(Method::Inclusive) && vendor.csoc.is_empty() {
            out.push(
                Finding::new(
                    Code::InclusiveWithoutCsoc,
                    format!(
                        "{} uses the inclusive method but lists no controls (`csoc`): inclusive method means its controls are tested in our audit",
                        vendor.id
                    ),
                )
                .in_file(&record.path)
                .at(locate::value(text, "method"))
                .with_source(text)
                .with_hint("list the criteria its controls carry under `csoc`, or use `method: carve-out` when its own SOC report covers them"),
            );
        }
        let Some(carve_out) = result
            .carve_out
            .as_ref()
            .filter(|_| result.report != ReportState::Current)
        else {
            continue;
        };
        // A carve-out carrying no criterion in scope weighs on nothing.
        let in_scope = result
            .criteria
            .iter()
            .any(|c| assessment.criterion(c).is_some());
        if !in_scope {
            continue;
        }
        let reason = carve_out
            .reason
            .clone()
            .unwrap_or_else(|| format!("{}'s SOC report is not current", vendor.id));
        out.push(
            Finding::new(
                Code::SubserviceReport,
                format!(
                    "{reason}, so {} {} partial",
                    result.criteria.join(", "),
                    if result.criteria.len() == 1 { "stays" } else { "stay" }
                ),
            )
            .in_file(&record.path)
            .at(locate::field(text, "soc_report").or_else(|| locate::field(text, "method")))
            .with_source(text)
            .with_hint(format!(
                "obtain its current SOC report (or a bridge letter) and record the review: `soc2 vendor review {}`",
                vendor.id
            )),
        );
    }
    out
}
