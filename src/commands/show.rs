use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Context, Exit, print};
use crate::catalog::{self, Criterion};
use crate::model::paths::{join_inside, parent_dir};
use crate::model::{Control, Evidence, Policy, Risk, Sha256Hex};
use crate::model::{EntryKind, Record, Store};
use crate::readiness::risks::{RiskResult, assess_risk};
use crate::readiness::{
    self, Assessment, ControlResult, CriterionResult, PolicyResult, WindowResult,
};
use crate::report::{self, Style, table};
use crate::store::{self, Source};
use crate::suggest;

/// Show one control, policy, criterion, risk or evidence record with everything linked to it.
///
/// A control shows its state and every reason, its criteria, policies, approval,
/// exceptions, evidence and, for Type II, each window of the observation period with
/// its evidence or `missing`. Evidence IDs look like AC-01/2026-10-03-mfa-report.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A control, policy, risk or criterion ID, or an evidence ID (CONTROL/RECORD)
    pub id: String,

    #[arg(long, value_enum, default_value_t = ShowFormat::Text)]
    pub format: ShowFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Text,
    Json,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Shown<'a> {
    Control {
        #[serde(flatten)]
        result: &'a ControlResult,
        windows: &'a [WindowResult],
        record: &'a Control,
        criteria: Vec<Linked>,
        policies: Vec<&'a PolicyResult>,
        evidence: Vec<EvidenceSummary<'a>>,
    },
    Policy {
        #[serde(flatten)]
        result: &'a PolicyResult,
        record: &'a Policy,
        controls: Vec<Linked>,
    },
    Criterion {
        #[serde(flatten)]
        criterion: &'a Criterion,
        result: Option<&'a CriterionResult>,
        controls: Vec<Linked>,
    },
    Risk {
        #[serde(flatten)]
        result: RiskResult,
        record: &'a Risk,
    },
    Evidence {
        id: String,
        #[serde(flatten)]
        record: &'a Evidence,
        checked: Vec<FileCheck>,
    },
}

/// A linked record and its state.
#[derive(Serialize)]
struct Linked {
    id: String,
    title: String,
    state: String,
}

#[derive(Serialize)]
struct EvidenceSummary<'a> {
    id: String,
    #[serde(flatten)]
    record: &'a Evidence,
}

#[derive(Serialize)]
struct FileCheck {
    path: String,
    /// `ok`, `changed`, `missing` or `unsafe-path`.
    status: &'static str,
}

pub fn run(context: &Context, args: ShowArgs) -> Result<Exit> {
    let source = context.source()?;
    let loaded = store::load(&*source)?;
    let store = &loaded.store;
    let assessment = readiness::assess(store, context.today);
    let shown = find(store, &assessment, &*source, &args.id)?;
    let text = match args.format {
        ShowFormat::Json => report::json(&shown),
        ShowFormat::Text => render(&shown, &assessment, Style::for_stdout()),
    };
    print(&text)?;
    Ok(Exit::Success)
}

fn linked_controls(assessment: &Assessment, ids: impl Iterator<Item = String>) -> Vec<Linked> {
    ids.map(|id| {
        let (title, state) = assessment
            .control(&id)
            .map_or((String::new(), "unknown".to_string()), |c| {
                (c.title.clone(), c.state.as_str().to_string())
            });
        Linked { id, title, state }
    })
    .collect()
}

fn find<'a>(
    store: &'a Store,
    assessment: &'a Assessment,
    source: &dyn Source,
    id: &str,
) -> Result<Shown<'a>> {
    if let Some(record) = store.control(id) {
        let result = assessment
            .control(id)
            .expect("every loaded control is assessed");
        let criteria = record
            .value
            .criteria
            .iter()
            .map(|c| Linked {
                id: c.clone(),
                title: catalog::find(c).map_or("", |k| k.title).to_string(),
                state: assessment
                    .criterion(c)
                    .map_or("out of scope", |r| r.state.as_str())
                    .to_string(),
            })
            .collect();
        let policies = assessment
            .policies
            .iter()
            .filter(|p| record.value.policies.contains(&p.id))
            .collect();
        let mut evidence: Vec<EvidenceSummary> = store
            .evidence
            .iter()
            .filter(|e| e.value.control == id)
            .map(|e| EvidenceSummary {
                id: crate::model::paths::evidence_id(&e.path),
                record: &e.value,
            })
            .collect();
        evidence.sort_by(|a, b| {
            b.record
                .collected_at
                .cmp(&a.record.collected_at)
                .then(a.id.cmp(&b.id))
        });
        return Ok(Shown::Control {
            result,
            windows: &result.windows,
            record: &record.value,
            criteria,
            policies,
            evidence,
        });
    }
    if let Some(record) = store.policy(id) {
        let result = assessment
            .policies
            .iter()
            .find(|p| p.id == id)
            .expect("every loaded policy is assessed");
        let controls = linked_controls(assessment, result.controls.iter().cloned());
        return Ok(Shown::Policy {
            result,
            record: &record.value,
            controls,
        });
    }
    if let Some(record) = store.risk(id) {
        return Ok(Shown::Risk {
            result: assess_risk(&record.value, assessment),
            record: &record.value,
        });
    }
    if let Some(criterion) = catalog::find(id) {
        let mapped = store
            .controls
            .iter()
            .filter(|c| c.value.criteria.iter().any(|k| k == id));
        let controls = linked_controls(assessment, mapped.map(|c| c.value.id.clone()));
        return Ok(Shown::Criterion {
            criterion,
            result: assessment.criterion(id),
            controls,
        });
    }
    if let Some(record) = store
        .evidence
        .iter()
        .find(|e| crate::model::paths::evidence_id(&e.path) == id)
    {
        return Ok(Shown::Evidence {
            id: id.to_string(),
            record: &record.value,
            checked: check_files(record, source)?,
        });
    }
    let mut ids: Vec<String> = store.controls.iter().map(|c| c.value.id.clone()).collect();
    ids.extend(store.policies.iter().map(|p| p.value.id.clone()));
    ids.extend(store.risks.iter().map(|r| r.value.id.clone()));
    ids.extend(catalog::CRITERIA.iter().map(|c| c.id.to_string()));
    ids.extend(
        store
            .evidence
            .iter()
            .map(|e| crate::model::paths::evidence_id(&e.path)),
    );
    bail!(crate::Hinted::new(
        suggest::unknown("ID", id, ids.iter().map(String::as_str)),
        "`soc2 controls`, `soc2 policies`, `soc2 risks`, `soc2 criteria` and `soc2 evidence list` list the IDs",
    ))
}

/// Whether each of the record's files is there with its recorded hash.
fn check_files(record: &Record<Evidence>, source: &dyn Source) -> Result<Vec<FileCheck>> {
    let dir = parent_dir(&record.path);
    let mut out = Vec::new();
    for file in &record.value.files {
        let (shown, target) = match (&file.path, &file.link) {
            (Some(p), _) => (p.clone(), join_inside(dir, p)),
            (None, Some(l)) => (l.clone(), join_inside("", l)),
            (None, None) => continue,
        };
        let status = match target {
            None => "unsafe-path",
            Some(target) => match source.kind(&target)? {
                Some(EntryKind::File) if Sha256Hex::of(&source.read(&target)?) == file.sha256 => {
                    "ok"
                }
                Some(EntryKind::File) => "changed",
                _ => "missing",
            },
        };
        out.push(FileCheck {
            path: shown,
            status,
        });
    }
    Ok(out)
}

fn line(label: &str, value: impl std::fmt::Display) -> String {
    format!("{:<12} {value}\n", format!("{label}:"))
}

fn render(shown: &Shown, assessment: &Assessment, style: Style) -> String {
    match shown {
        Shown::Control {
            result,
            windows,
            record,
            criteria,
            policies,
            evidence,
        } => {
            let mut out = format!("{} {}\n\n", style.bold(&result.id), record.title);
            out.push_str(&line("state", result.state.as_str()));
            out.push_str(&line("status", record.status.as_str()));
            out.push_str(&line("owner", record.owner.as_deref().unwrap_or("-")));
            out.push_str(&line("frequency", record.frequency.as_str()));
            if let Some(reason) = &record.reason {
                out.push_str(&line("reason", reason));
            }
            let approval = match &record.approval {
                Some(a) => format!(
                    "by {} on {} ({})",
                    a.by,
                    a.at,
                    match result.approval {
                        readiness::ApprovalState::Approved => "matches the content",
                        _ => "the content changed since",
                    }
                ),
                None => "none".to_string(),
            };
            out.push_str(&line("approval", approval));
            for exception in &record.exceptions {
                out.push_str(&line(
                    "exception",
                    format!(
                        "until {} by {}: {}",
                        exception.expires, exception.approved_by, exception.reason
                    ),
                ));
            }
            if !result.reasons.is_empty() {
                out.push_str("\nNot ready because:\n");
                for reason in &result.reasons {
                    out.push_str(&format!(
                        "  - {}: {}\n",
                        reason.state.as_str(),
                        reason.detail
                    ));
                }
            }
            if !criteria.is_empty() {
                out.push_str("\nCriteria:\n");
                for c in criteria {
                    out.push_str(&format!("  {:<6} {:<12} {}\n", c.id, c.state, c.title));
                }
            }
            if !policies.is_empty() {
                out.push_str("\nPolicies:\n");
                for p in policies {
                    let due = p
                        .review_due
                        .map(|d| {
                            format!(
                                ", review due {d}{}",
                                if p.overdue { " (overdue)" } else { "" }
                            )
                        })
                        .unwrap_or_default();
                    out.push_str(&format!(
                        "  {} {} ({}{due})\n",
                        p.id,
                        p.title,
                        p.approval.describe()
                    ));
                }
            }
            if !windows.is_empty() {
                if let readiness::EvidenceRule::Windows { start, end } = assessment.evidence_rule {
                    out.push_str(&format!("\nObservation windows ({start} to {end}):\n"));
                }
                let mut t = table(&["Window", "From", "To", "Evidence"]);
                for w in windows.iter() {
                    let evidence = if !w.evidence.is_empty() {
                        w.evidence.join(", ")
                    } else if w.ended {
                        "missing".to_string()
                    } else {
                        "(window still open)".to_string()
                    };
                    t.add_row(vec![
                        w.window.label.clone(),
                        w.window.start.to_string(),
                        w.window.end.to_string(),
                        evidence,
                    ]);
                }
                out.push_str(&format!("{t}\n"));
            }
            out.push_str(&format!("\nEvidence ({}):\n", evidence.len()));
            for e in evidence {
                let covers = e.record.covered();
                out.push_str(&format!(
                    "  {}  collected {}, covers {}..{}, {}{}\n",
                    e.id,
                    e.record.collected_at,
                    covers.from,
                    covers.to,
                    e.record.kind.as_str(),
                    e.record
                        .description
                        .as_ref()
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default()
                ));
            }
            if let Some(description) = &record.description {
                out.push_str(&format!("\n{description}\n"));
            }
            out
        }
        Shown::Policy {
            result,
            record,
            controls,
        } => {
            let mut out = format!("{} {}\n\n", style.bold(&result.id), record.title);
            out.push_str(&line("owner", record.owner.as_deref().unwrap_or("-")));
            out.push_str(&line("version", record.version));
            out.push_str(&line("document", record.document.as_deref().unwrap_or("-")));
            let approval = match (&record.approval, result.approval) {
                (Some(a), readiness::ApprovalState::Approved) => format!("by {} on {}", a.by, a.at),
                (Some(a), _) => format!("by {} on {}, but the content changed since", a.by, a.at),
                (None, _) => "none".to_string(),
            };
            out.push_str(&line("approval", approval));
            out.push_str(&line(
                "reviewed",
                result
                    .last_review
                    .map_or("never".to_string(), |d| d.to_string()),
            ));
            let due = result.review_due.map_or("-".to_string(), |d| {
                format!("{d}{}", if result.overdue { " (overdue)" } else { "" })
            });
            out.push_str(&line("review due", due));
            out.push_str(&format!("\nControls ({}):\n", controls.len()));
            for c in controls {
                out.push_str(&format!("  {:<8} {:<18} {}\n", c.id, c.state, c.title));
            }
            out
        }
        Shown::Criterion {
            criterion,
            result,
            controls,
        } => {
            let mut out = format!("{} {}\n\n", style.bold(criterion.id), criterion.title);
            out.push_str(&line("category", criterion.category));
            out.push_str(&line(
                "series",
                format!("{} {}", criterion.series, criterion.series_name),
            ));
            if let Some(p) = criterion.coso_principle {
                out.push_str(&line("COSO", format!("principle {p}")));
            }
            let state = match result {
                Some(r) => match &r.exclusion {
                    Some(reason) => format!("excluded: {reason}"),
                    None => r.state.as_str().to_string(),
                },
                None => "out of scope".to_string(),
            };
            out.push_str(&line("state", state));
            out.push_str(&format!("\nControls ({}):\n", controls.len()));
            for c in controls {
                out.push_str(&format!("  {:<8} {:<18} {}\n", c.id, c.state, c.title));
            }
            out
        }
        Shown::Risk { result, record } => {
            let mut out = format!("{} {}\n\n", style.bold(&result.id), record.title);
            out.push_str(&line(
                "score",
                format!(
                    "{} (likelihood {} x impact {})",
                    result.score, result.likelihood, result.impact
                ),
            ));
            out.push_str(&line("treatment", result.treatment.as_str()));
            out.push_str(&line("status", result.status.as_str()));
            out.push_str(&line("owner", record.owner.as_deref().unwrap_or("-")));
            out.push_str("\nMitigating controls:\n");
            for c in &result.controls {
                out.push_str(&format!(
                    "  {:<8} {}\n",
                    c.id,
                    c.state.map_or("unknown", |s| s.as_str())
                ));
            }
            if let Some(description) = &record.description {
                out.push_str(&format!("\n{description}\n"));
            }
            out
        }
        Shown::Evidence {
            id,
            record,
            checked,
        } => {
            let covers = record.covered();
            let mut out = format!("{}\n\n", style.bold(id));
            out.push_str(&line("control", &record.control));
            out.push_str(&line(
                "collected",
                format!(
                    "{} by {}",
                    record.collected_at,
                    record.collected_by.as_deref().unwrap_or("-")
                ),
            ));
            out.push_str(&line("covers", format!("{}..{}", covers.from, covers.to)));
            out.push_str(&line("kind", record.kind.as_str()));
            if let Some(description) = &record.description {
                out.push_str(&line("description", description));
            }
            if let Some(command) = &record.command {
                out.push_str(&line(
                    "command",
                    format!("{} (exit {})", command.run, command.exit),
                ));
            }
            out.push_str("\nFiles:\n");
            for file in checked {
                out.push_str(&format!("  {:<8} {}\n", file.status, file.path));
            }
            out
        }
    }
}
