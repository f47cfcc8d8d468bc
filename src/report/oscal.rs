//! `soc2 oscal`: what was written, and where.

use crate::oscal::{self, Summary};

use super::{Style, plural};

/// Where the documents went and what they hold.
pub struct Written<'a> {
    pub dir: &'a str,
    pub summary: &'a Summary,
    pub commit: &'a str,
    pub uncommitted: bool,
    pub judged_on: &'a str,
}

pub fn render(written: &Written, style: Style) -> String {
    let summary = written.summary;
    let short = &written.commit[..written.commit.len().min(12)];
    let source = if written.uncommitted {
        format!("uncommitted changes on commit {short}")
    } else {
        format!("commit {short}")
    };
    let mut out = format!(
        "{} {} OSCAL {} documents to {} ({source}, judged on {}):\n",
        style.green("Wrote"),
        summary.files.len(),
        oscal::OSCAL_VERSION,
        written.dir,
        written.judged_on,
    );
    for name in &summary.files {
        let holds = match name.as_str() {
            oscal::CATALOG_FILE => plural(summary.criteria, "criterion"),
            oscal::COMPONENT_DEFINITION_FILE => plural(summary.components, "control"),
            oscal::ASSESSMENT_RESULTS_FILE => format!(
                "{} ({} satisfied), {}",
                plural(summary.findings, "finding"),
                summary.satisfied,
                plural(summary.observations, "observation")
            ),
            _ => String::new(),
        };
        out.push_str(&format!("  {name:<27} {holds}\n"));
    }
    out
}
