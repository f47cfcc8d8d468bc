//! The system description (`system/description.md`): the sections an auditor's report
//! expects, the check that each is there and written, and the two lists soc2 writes
//! itself from the store (subservice organisations, and the controls they expect of
//! us) so that they cannot drift from `vendors/`. Pure: text and the store in, text
//! and problems out.

use serde::{Deserialize, Serialize};

use crate::catalog;
use crate::model::{Store, Vendor};

/// A list soc2 writes into the description from the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Generated {
    SubserviceOrganisations,
    UserEntityControls,
}

impl Generated {
    /// The line in the text that the list replaces.
    pub fn marker(self) -> &'static str {
        match self {
            Generated::SubserviceOrganisations => "<!-- soc2: subservice organisations -->",
            Generated::UserEntityControls => "<!-- soc2: complementary user-entity controls -->",
        }
    }
}

/// One section of the description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// Its heading's text (`##` for sections, `###` for the components).
    pub heading: &'static str,
    pub level: usize,
    /// What to write there, as the template's comment says.
    pub prompt: &'static str,
    /// A section made of sub-sections: its own text may be empty.
    pub container: bool,
    pub generated: Option<Generated>,
}

const fn section(heading: &'static str, level: usize, prompt: &'static str) -> Section {
    Section {
        heading,
        level,
        prompt,
        container: false,
        generated: None,
    }
}

/// The sections, in the order of a SOC 2 report's description (DC section 200).
pub const SECTIONS: &[Section] = &[
    section(
        "Company and services",
        2,
        "Who the company is, and the services this description covers (those in `scope.services`): what customers use them for.",
    ),
    section(
        "Principal service commitments and system requirements",
        2,
        "What the company commits to its customers (contracts, service levels, the security page) and the requirements the system must meet to keep those commitments.",
    ),
    Section {
        container: true,
        ..section(
            "Components of the system",
            2,
            "The system is its infrastructure, software, people, procedures and data: one sub-section each.",
        )
    },
    section(
        "Infrastructure",
        3,
        "Where the system runs: cloud accounts, regions, networks, managed services, office networks if any.",
    ),
    section(
        "Software",
        3,
        "The applications and the supporting software: the services' code, databases, identity provider, monitoring, CI/CD.",
    ),
    section(
        "People",
        3,
        "The teams that build, run and govern the system, and who is accountable for security.",
    ),
    section(
        "Procedures",
        3,
        "The automated and manual procedures that operate the system: change management, access provisioning, incident response, backups.",
    ),
    section(
        "Data",
        3,
        "The data the system collects, stores and transmits, its classification, and where it flows.",
    ),
    section(
        "System boundaries",
        2,
        "What is inside the system and what is not: services, environments and functions outside the audit's scope, and why.",
    ),
    Section {
        generated: Some(Generated::SubserviceOrganisations),
        ..section(
            "Subservice organisations",
            2,
            "Vendors that perform part of the controls. soc2 writes the list from `vendors/` where the marker below stands; add how the company monitors them.",
        )
    },
    Section {
        generated: Some(Generated::UserEntityControls),
        ..section(
            "Complementary user-entity controls",
            2,
            "Controls the company's customers must operate for the controls described here to work (for example, managing their own users' access). soc2 lists, where the marker below stands, the controls the company operates because its subservice organisations expect them.",
        )
    },
    section(
        "Significant changes and incidents",
        2,
        "Significant changes to the system, and security incidents, during the period; or say there were none.",
    ),
];

/// What is wrong with one section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// Its heading is not there.
    Missing,
    /// Only its heading and the template's prompt are there.
    Empty,
}

/// A section's problem, with the line of its heading when it has one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionProblem {
    pub heading: String,
    pub problem: Problem,
    pub line: Option<usize>,
}

/// A heading line's level and text: `## Data` -> (2, "Data").
fn heading(line: &str) -> Option<(usize, &str)> {
    let trimmed = line.trim_end();
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let text = trimmed[level..].strip_prefix(' ')?;
    Some((level, text.trim().trim_end_matches('#').trim()))
}

fn same_heading(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// The text without HTML comments (the template's prompts and markers).
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The lines (0-based, end exclusive) of each heading's body: up to the next heading.
fn bodies(lines: &[&str]) -> Vec<(usize, usize, usize, String)> {
    let mut found = Vec::new();
    let mut fence = false;
    for (i, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with("```") {
            fence = !fence;
        }
        if fence {
            continue;
        }
        if let Some((level, text)) = heading(line) {
            found.push((i, level, text.to_string()));
        }
    }
    found
        .iter()
        .enumerate()
        .map(|(n, (line, level, text))| {
            let end = found.get(n + 1).map_or(lines.len(), |next| next.0);
            (*line, end, *level, text.clone())
        })
        .collect()
}

/// Every section that is missing or left empty, in the order of `SECTIONS`.
pub fn check(text: &str) -> Vec<SectionProblem> {
    let lines: Vec<&str> = text.lines().collect();
    let bodies = bodies(&lines);
    let mut problems = Vec::new();
    for section in SECTIONS {
        let Some((start, end, _, _)) = bodies
            .iter()
            .find(|(_, _, _, text)| same_heading(text, section.heading))
        else {
            problems.push(SectionProblem {
                heading: section.heading.to_string(),
                problem: Problem::Missing,
                line: None,
            });
            continue;
        };
        // The generated lists always say something; a container's text is its parts.
        if section.container || section.generated.is_some() {
            continue;
        }
        let body = lines[start + 1..*end].join("\n");
        if without_comments(&body).trim().is_empty() {
            problems.push(SectionProblem {
                heading: section.heading.to_string(),
                problem: Problem::Empty,
                line: Some(start + 1),
            });
        }
    }
    problems
}

/// The description as a reader gets it: each generated list written where its marker
/// stands, or at the end of its section when the marker was removed.
pub fn render(text: &str, store: &Store) -> String {
    let mut out: Vec<String> = text.lines().map(str::to_string).collect();
    for section in SECTIONS {
        let Some(generated) = section.generated else {
            continue;
        };
        let list = generated_list(generated, store);
        if let Some(at) = out.iter().position(|l| l.trim() == generated.marker()) {
            out.splice(at..=at, list.lines().map(str::to_string));
            continue;
        }
        let lines: Vec<&str> = out.iter().map(String::as_str).collect();
        if let Some((_, end, _, _)) = bodies(&lines)
            .into_iter()
            .find(|(_, _, _, t)| same_heading(t, section.heading))
        {
            let mut insert: Vec<String> = list.lines().map(str::to_string).collect();
            insert.push(String::new());
            out.splice(end..end, insert);
        }
    }
    let mut rendered = out.join("\n");
    rendered.push('\n');
    rendered
}

fn subservice_organisations(store: &Store) -> Vec<&Vendor> {
    store
        .vendors
        .iter()
        .map(|v| &*v.value)
        .filter(|v| v.is_subservice())
        .collect()
}

/// One list, in Markdown, from what the store knows.
pub fn generated_list(which: Generated, store: &Store) -> String {
    let organisations = subservice_organisations(store);
    let mut out = String::new();
    match which {
        Generated::SubserviceOrganisations => {
            if organisations.is_empty() {
                return "No subservice organisations are recorded (`vendors/`).\n".to_string();
            }
            for vendor in organisations {
                let method = vendor.method.map_or("", |m| m.as_str());
                let services = if vendor.services.is_empty() {
                    String::new()
                } else {
                    format!(": {}", vendor.services.join(", "))
                };
                out.push_str(&format!(
                    "- **{}** (`{}`), {method} method{services}.\n",
                    vendor.name, vendor.id
                ));
                if vendor.csoc.is_empty() {
                    continue;
                }
                out.push_str(if vendor.is_carve_out() {
                    "  Controls the company expects of it, which its own SOC report covers:\n"
                } else {
                    "  Its controls included in this description and tested with ours:\n"
                });
                for csoc in &vendor.csoc {
                    let title = catalog::find(&csoc.criterion).map_or("", |c| c.title);
                    out.push_str(&format!(
                        "  - {} ({title}): {}\n",
                        csoc.criterion, csoc.description
                    ));
                }
            }
        }
        Generated::UserEntityControls => {
            let expected: Vec<(&Vendor, &crate::model::Cuec)> = organisations
                .iter()
                .flat_map(|v| v.cuec.iter().map(move |c| (*v, c)))
                .collect();
            if expected.is_empty() {
                return "No subservice organisation expects controls of the company (`cuec` in `vendors/`).\n".to_string();
            }
            out.push_str(
                "Controls the company operates because its subservice organisations expect them of their users:\n\n",
            );
            for (vendor, cuec) in expected {
                let title = store
                    .control(&cuec.control)
                    .map_or(String::new(), |c| format!(" {}", c.value.title));
                out.push_str(&format!(
                    "- {} expects: {} (`{}`{title})\n",
                    vendor.name, cuec.description, cuec.control
                ));
            }
        }
    }
    out
}

/// The text `soc2 init` writes: every section with its prompt, and the markers.
pub fn template(organisation: &str) -> String {
    let mut out = format!(
        "# System description: {organisation}\n\n\
         <!-- The description of the system an auditor's SOC 2 report opens with. Write each\n\
         section for a reader outside the company; delete each prompt once the section says\n\
         what it asks. `soc2 check` warns about a section that is missing or still empty, and\n\
         `soc2 show system` prints the description with the lists soc2 writes from the store.\n\
         Approve it with `soc2 approve system` (by someone other than its author). -->\n"
    );
    for section in SECTIONS {
        out.push_str(&format!(
            "\n{} {}\n\n<!-- {} -->\n",
            "#".repeat(section.level),
            section.heading,
            section.prompt
        ));
        if let Some(generated) = section.generated {
            out.push_str(&format!("\n{}\n", generated.marker()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Record;

    #[test]
    fn the_template_has_every_section_and_each_is_empty_until_written() {
        let text = template("Acme");
        let problems = check(&text);
        let empty: Vec<&str> = problems
            .iter()
            .filter(|p| p.problem == Problem::Empty)
            .map(|p| p.heading.as_str())
            .collect();
        assert!(problems.iter().all(|p| p.problem == Problem::Empty));
        // Every section a writer fills is reported; the container and the generated
        // lists are not.
        assert_eq!(empty.len(), SECTIONS.len() - 3, "{empty:?}");
        assert!(!empty.contains(&"Components of the system"));
        assert!(!empty.contains(&"Subservice organisations"));
    }

    #[test]
    fn a_written_section_passes_and_a_missing_heading_is_named() {
        let text = template("Acme").replace(
            "## Company and services\n",
            "## Company and services\n\nAcme runs an API.\n",
        );
        let problems = check(&text);
        assert!(!problems.iter().any(|p| p.heading == "Company and services"));
        let without = text.replace("### Data\n", "");
        let missing: Vec<SectionProblem> = check(&without)
            .into_iter()
            .filter(|p| p.problem == Problem::Missing)
            .collect();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].heading, "Data");
    }

    #[test]
    fn headings_match_without_regard_to_case_or_level_and_skip_code_blocks() {
        let text = "# X\n\n### company AND services ###\n\nWe run it.\n\n```\n## Data\n```\n";
        let problems = check(text);
        assert!(!problems.iter().any(|p| p.heading == "Company and services"));
        assert!(
            problems
                .iter()
                .any(|p| p.heading == "Data" && p.problem == Problem::Missing)
        );
    }

    fn store_with_vendor(yaml: &str) -> Store {
        Store {
            vendors: vec![Record {
                path: "vendors/CLOUD.yaml".into(),
                text: yaml.into(),
                value: std::sync::Arc::new(crate::store::from_yaml(yaml).unwrap()),
            }],
            ..Store::default()
        }
    }

    #[test]
    fn the_lists_come_from_the_vendors_at_their_markers_or_at_the_section_end() {
        let store = store_with_vendor(
            "id: CLOUD\nname: Cloud Co\ncriticality: critical\nservices: [hosting]\nmethod: carve-out\ncsoc: [{criterion: CC6.4, description: Data centre access is restricted}]\ncuec: [{description: MFA on the console, control: AC-01}]\n",
        );
        let rendered = render(&template("Acme"), &store);
        assert!(rendered.contains("- **Cloud Co** (`CLOUD`), carve-out method: hosting."));
        assert!(rendered.contains("  - CC6.4 (Restricting physical access to facilities and assets): Data centre access is restricted"));
        assert!(rendered.contains("- Cloud Co expects: MFA on the console (`AC-01`)"));
        assert!(!rendered.contains("<!-- soc2: subservice organisations -->"));

        let without_marker =
            template("Acme").replace(Generated::SubserviceOrganisations.marker(), "");
        let rendered = render(&without_marker, &store);
        let section = rendered
            .split("## Subservice organisations")
            .nth(1)
            .unwrap();
        let section = section.split("## Complementary").next().unwrap();
        assert!(section.contains("**Cloud Co**"), "{section}");
    }

    #[test]
    fn no_subservice_organisation_is_said() {
        let store = store_with_vendor("id: MAIL\nname: Mail Co\ncriticality: low\n");
        let rendered = render(&template("Acme"), &store);
        assert!(rendered.contains("No subservice organisations are recorded"));
        assert!(rendered.contains("No subservice organisation expects controls"));
    }
}
