use std::collections::BTreeSet;

use anyhow::Result;
use chrono::{FixedOffset, TimeZone};
use clap::Args;
use serde::Serialize;

use super::{Context, Exit, ListFormat, print};
use crate::cli::parse_date;
use crate::git::Touched;
use crate::model::Date;
use crate::model::paths::{CONTROLS_DIR, EVIDENCE_DIR, POLICIES_DIR, PROGRAM_FILE, RISKS_DIR};
use crate::report::{self, Style, table};

/// Show the audit trail: who changed what in the store, and when, from git history.
///
/// Commits made by soc2 show their action and object from the commit's trailers; other
/// commits and merges that touched the store's files show as `edit`, with the records
/// they touched. Newest first.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only changes to this control, policy, risk or evidence folder
    pub id: Option<String>,

    /// Only changes made on or after this day
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub since: Option<Date>,

    /// Only changes made on or before this day
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub until: Option<Date>,

    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Serialize)]
pub struct Author {
    pub name: String,
    pub email: String,
}

/// One entry of the audit trail.
#[derive(Debug, Serialize)]
pub struct Entry {
    pub commit: String,
    pub date: Date,
    /// The author's time, RFC 3339 in the author's time zone.
    pub time: String,
    pub author: Author,
    pub action: String,
    pub objects: Vec<String>,
    pub summary: String,
    pub paths: Vec<String>,
}

pub fn run(context: &Context, args: LogArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let roots = match &args.id {
        Some(id) => paths_of(id),
        None => [
            PROGRAM_FILE,
            CONTROLS_DIR,
            POLICIES_DIR,
            EVIDENCE_DIR,
            RISKS_DIR,
        ]
        .map(String::from)
        .to_vec(),
    };
    let start = context.global.rev.as_deref().unwrap_or("HEAD");
    let entries: Vec<Entry> = repo
        .touched_from(start, &roots)?
        .into_iter()
        .map(entry)
        .filter(|e| args.since.is_none_or(|since| e.date >= since))
        .filter(|e| args.until.is_none_or(|until| e.date <= until))
        .collect();
    let text = match args.format {
        ListFormat::Json => report::json(&entries),
        ListFormat::Table => render(&entries, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}

/// The files and folders that belong to an ID, whatever kind of record it is.
fn paths_of(id: &str) -> Vec<String> {
    if let Some((control, record)) = id.split_once('/') {
        return vec![format!("{EVIDENCE_DIR}/{control}/{record}.yaml")];
    }
    let mut paths = Vec::new();
    for dir in [CONTROLS_DIR, POLICIES_DIR, RISKS_DIR] {
        paths.push(format!("{dir}/{id}.yaml"));
        paths.push(format!("{dir}/{id}.yml"));
    }
    paths.push(format!("{POLICIES_DIR}/{id}.md"));
    paths.push(format!("{EVIDENCE_DIR}/{id}"));
    paths
}

/// The record a store path belongs to: `evidence/AC-01/x.csv` -> `AC-01`.
fn object_of(path: &str) -> String {
    let mut parts = path.split('/');
    match (parts.next(), parts.next()) {
        (Some(EVIDENCE_DIR), Some(control)) => control.to_string(),
        (Some(CONTROLS_DIR | POLICIES_DIR | RISKS_DIR), Some(file)) => file
            .rsplit_once('.')
            .map_or(file, |(stem, _)| stem)
            .to_string(),
        _ => path.to_string(),
    }
}

fn entry(touched: Touched) -> Entry {
    let commit = touched.commit;
    let soc2_action = commit.trailer("Soc2-Action").map(str::to_string);
    let (action, objects) = match (soc2_action, commit.trailer("Soc2-Object")) {
        (Some(action), Some(object)) if commit.parents <= 1 => (action, vec![object.to_string()]),
        _ => {
            let objects: BTreeSet<String> = touched.paths.iter().map(|p| object_of(p)).collect();
            ("edit".to_string(), objects.into_iter().collect())
        }
    };
    // soc2's subject repeats action and object; its body's first line says more.
    let summary = if action == "edit" {
        commit.subject.clone()
    } else {
        commit
            .message
            .lines()
            .skip(1)
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("Soc2-"))
            .unwrap_or(&commit.subject)
            .to_string()
    };
    let offset = FixedOffset::east_opt(commit.offset_minutes * 60)
        .unwrap_or(FixedOffset::east_opt(0).expect("UTC"));
    let time = offset
        .timestamp_opt(commit.time, 0)
        .single()
        .unwrap_or_default();
    Entry {
        commit: commit.id.clone(),
        date: Date(time.date_naive()),
        time: time.to_rfc3339(),
        author: Author {
            name: commit.author_name.clone(),
            email: commit.author_email.clone(),
        },
        action,
        objects,
        summary,
        paths: touched.paths,
    }
}

fn render(entries: &[Entry], style: Style) -> String {
    if entries.is_empty() {
        return "No changes to the store in this history.\n".to_string();
    }
    let mut t = table(&["Date", "Author", "Action", "Object", "Commit", "Summary"]);
    for e in entries {
        t.add_row(vec![
            e.date.to_string(),
            e.author.email.clone(),
            e.action.clone(),
            e.objects.join(", "),
            e.commit[..12].to_string(),
            e.summary.clone(),
        ]);
    }
    format!(
        "{t}\n{}\n",
        style.dim(&report::plural(entries.len(), "change"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_belong_to_records() {
        assert_eq!(object_of("evidence/AC-01/2026-10-03-mfa.csv"), "AC-01");
        assert_eq!(object_of("controls/AC-01.yaml"), "AC-01");
        assert_eq!(object_of("policies/POL-ACCESS.md"), "POL-ACCESS");
        assert_eq!(object_of("soc2.yaml"), "soc2.yaml");
    }

    #[test]
    fn an_evidence_id_names_its_record() {
        assert_eq!(
            paths_of("AC-01/2026-10-03-mfa"),
            ["evidence/AC-01/2026-10-03-mfa.yaml"]
        );
        assert!(paths_of("AC-01").contains(&"evidence/AC-01".to_string()));
    }
}
