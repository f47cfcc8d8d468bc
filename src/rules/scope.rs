//! Findings about the scope: exclusions and not-applicable controls count only with an
//! approval, and a common criterion should never be excluded.

use crate::catalog::{self, Category};
use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::{ApprovalState, ControlStatus, Store};
use crate::readiness::Assessment;

pub(super) fn findings(store: &Store, assessment: &Assessment) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(program) = &store.program {
        let text = &program.text;
        let exclusions = &program.value.scope.excluded_criteria;
        if !exclusions.is_empty() && assessment.scope.approval != ApprovalState::Approved {
            let state = match assessment.scope.approval {
                ApprovalState::Missing => "is not approved",
                _ => "changed since it was approved",
            };
            out.push(
                Finding::new(
                    Code::ScopeUnapproved,
                    format!(
                        "the scope {state}, so excluding {} does not count: {} in the count",
                        assessment.scope.unapproved_exclusions.join(", "),
                        if exclusions.len() == 1 {
                            "it stays"
                        } else {
                            "they stay"
                        }
                    ),
                )
                .in_file(&program.path)
                .at(locate::field(text, "scope.excluded_criteria"))
                .with_source(text)
                .with_hint(
                    "someone other than its author reviews the scope and runs `soc2 approve scope`",
                ),
            );
        }
        for (i, exclusion) in exclusions.iter().enumerate() {
            let common = catalog::find(&exclusion.criterion)
                .is_some_and(|c| c.category == Category::Security);
            if common {
                out.push(
                    Finding::new(
                        Code::ExcludedCommonCriterion,
                        format!(
                            "common criterion {} is excluded; auditors almost never accept it",
                            exclusion.criterion
                        ),
                    )
                    .in_file(&program.path)
                    .at(locate::value(
                        text,
                        &format!("scope.excluded_criteria[{i}].criterion"),
                    ))
                    .with_source(text)
                    .with_hint("keep it in scope; where a vendor performs it, record the vendor in vendors/ as a carve-out subservice organisation carrying it (`csoc`)"),
                );
            }
        }
    }
    for (record, result) in store.controls.iter().zip(&assessment.controls) {
        if record.value.status == ControlStatus::NotApplicable
            && result.in_scope
            && result.approval != ApprovalState::Approved
        {
            out.push(
                Finding::new(
                    Code::ScopeUnapproved,
                    format!(
                        "{} is marked not applicable without an approval that holds, so it counts against its criteria",
                        result.id
                    ),
                )
                .in_file(&record.path)
                .at(locate::value(&record.text, "status"))
                .with_source(&record.text)
                .with_hint(format!(
                    "someone other than its author reviews the reason and runs `soc2 approve {}`",
                    result.id
                )),
            );
        }
    }
    out
}
