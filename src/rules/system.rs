//! Findings about the system description's sections: each one is there and written.

use crate::findings::{Code, Finding, Position};
use crate::model::Store;
use crate::model::paths::SYSTEM_DOCUMENT;
use crate::system::{self, Problem};

pub(super) fn findings(store: &Store) -> Vec<Finding> {
    let Some(text) = &store.system_text else {
        return Vec::new();
    };
    system::check(text)
        .into_iter()
        .map(|problem| match problem.problem {
            Problem::Missing => Finding::new(
                Code::SystemSectionMissing,
                format!(
                    "the system description has no section \"{}\"",
                    problem.heading
                ),
            )
            .in_file(SYSTEM_DOCUMENT)
            .with_hint(format!(
                "add a `{} {}` heading and write the section",
                "#".repeat(heading_level(&problem.heading)),
                problem.heading
            )),
            Problem::Empty => Finding::new(
                Code::SystemSectionEmpty,
                format!(
                    "the section \"{}\" of the system description is empty",
                    problem.heading
                ),
            )
            .in_file(SYSTEM_DOCUMENT)
            .at(problem.line.map(|line| Position { line, column: 1 }))
            .with_source(text)
            .with_hint("write what its prompt asks, or say why it does not apply"),
        })
        .collect()
}

fn heading_level(heading: &str) -> usize {
    system::SECTIONS
        .iter()
        .find(|s| s.heading == heading)
        .map_or(2, |s| s.level)
}
