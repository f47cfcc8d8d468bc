//! Validation of a loaded store beyond what each file's schema can say: IDs, references
//! between records, and values that are well typed but not allowed. Pure: it reads only
//! the records it is given, and reports every problem at once.

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog;
use crate::findings::{Code, Finding};
use crate::locate;
use crate::model::paths::{CONTROLS_DIR, POLICIES_DIR, evidence_id, parent_dir, test_id};
use crate::model::{
    AuditType, CommandLine, Conclusion, Date, EvidenceResult, FindingStatus, MILESTONES, STEPS,
    SUPPORTED_DATES, Step, StepKind, is_valid_collector_name, is_valid_id,
};
use crate::model::{Record, Store};
use crate::suggest;

pub(crate) fn validate(store: &Store) -> Vec<Finding> {
    let mut findings = Vec::new();
    program(store, &mut findings);
    ids(&store.controls, "control", |c| &c.id, &mut findings);
    ids(&store.policies, "policy", |p| &p.id, &mut findings);
    ids(&store.risks, "risk", |r| &r.id, &mut findings);
    ids(&store.requests, "request", |r| &r.id, &mut findings);
    ids(&store.audit_findings, "finding", |f| &f.id, &mut findings);
    controls(store, &mut findings);
    evidence(store, &mut findings);
    risks(store, &mut findings);
    dates(store, &mut findings);
    tests(store, &mut findings);
    audit_findings(store, &mut findings);
    populations(store, &mut findings);
    vendors(store, &mut findings);
    roadmap(store, &mut findings);
    requests(store, &mut findings);
    findings
}

/// Every date in the records is one soc2 works with (the program's periods are
/// checked with the program).
fn dates(store: &Store, findings: &mut Vec<Finding>) {
    fn check<T>(record: &Record<T>, field: &str, date: Date, findings: &mut Vec<Finding>) {
        if !date.is_supported() {
            findings.push(
                Finding::new(
                    Code::InvalidValue,
                    format!("`{field}` is {date}: {SUPPORTED_DATES}"),
                )
                .in_file(&record.path)
                .at(locate::value(&record.text, field))
                .with_hint("check the year"),
            );
        }
    }
    if let Some(record) = &store.program
        && let Some(approval) = &record.value.scope_approval
    {
        check(record, "scope_approval.at", approval.at, findings);
    }
    for record in &store.controls {
        if let Some(approval) = &record.value.approval {
            check(record, "approval.at", approval.at, findings);
        }
        for (i, exception) in record.value.exceptions.iter().enumerate() {
            check(
                record,
                &format!("exceptions[{i}].expires"),
                exception.expires,
                findings,
            );
        }
    }
    for record in &store.policies {
        if let Some(approval) = &record.value.approval {
            check(record, "approval.at", approval.at, findings);
        }
        if let Some(day) = record.value.last_reviewed {
            check(record, "last_reviewed", day, findings);
        }
    }
    for record in &store.evidence {
        let evidence = &record.value;
        check(record, "collected_at", evidence.collected_at, findings);
        if let Some(covers) = evidence.covers {
            check(record, "covers.from", covers.from, findings);
            check(record, "covers.to", covers.to, findings);
        }
    }
}

fn unknown_criterion(record_path: &str, text: &str, field: &str, id: &str) -> Finding {
    let message = suggest::unknown("criterion", id, catalog::CRITERIA.iter().map(|c| c.id));
    Finding::new(Code::UnknownRef, message)
        .in_file(record_path)
        .at(locate::value_in(text, field, id))
        .with_hint("`soc2 criteria` lists the TSC 2017 criteria")
}

fn program(store: &Store, findings: &mut Vec<Finding>) {
    let Some(record) = &store.program else {
        return;
    };
    let program = &record.value;
    let here = |code, message: String| Finding::new(code, message).in_file(&record.path);
    for (i, exclusion) in program.scope.excluded_criteria.iter().enumerate() {
        let field = format!("scope.excluded_criteria[{i}].criterion");
        if catalog::find(&exclusion.criterion).is_none() {
            findings.push(unknown_criterion(
                &record.path,
                &record.text,
                &field,
                &exclusion.criterion,
            ));
        }
        if exclusion.reason.trim().is_empty() {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!("the exclusion of {} gives no reason", exclusion.criterion),
                )
                .at(locate::field(
                    &record.text,
                    &format!("scope.excluded_criteria[{i}]"),
                ))
                .with_hint("auditors ask why a criterion does not apply: write it in `reason`"),
            );
        }
    }
    if let Some(min) = program.gate.min_readiness
        && min > 100
    {
        findings.push(
            here(
                Code::InvalidValue,
                format!("gate.min_readiness is {min}; it is a percentage (0-100)"),
            )
            .at(locate::value(&record.text, "gate.min_readiness")),
        );
    }
    let bounded = |field: &str, date: Date| {
        (date < Date::from_ymd(1970, 1, 1) || date > Date::from_ymd(2200, 12, 31)).then(|| {
            here(
                Code::InvalidValue,
                format!("`{field}` is {date}: soc2 works with dates from 1970 to 2200"),
            )
            .at(locate::value(&record.text, field))
        })
    };
    for (field, period) in [
        ("audit.period", program.audit.period),
        ("audit.next_period", program.audit.next_period),
    ] {
        let Some(period) = period else { continue };
        findings.extend(bounded(&format!("{field}.start"), period.start));
        findings.extend(bounded(&format!("{field}.end"), period.end));
        if period.start.days_until(period.end) > 3 * 366 {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!(
                        "`{field}` runs from {} to {}, longer than three years",
                        period.start, period.end
                    ),
                )
                .at(locate::value(&record.text, field))
                .with_hint("an observation period runs 3 to 12 months; a new one follows each"),
            );
        }
    }
    if let Some(as_of) = program.audit.as_of {
        findings.extend(bounded("audit.as_of", as_of));
    }
    if let Some(grace) = program.audit.grace
        && grace.days_from(Date::from_ymd(2026, 1, 1)) > 365
    {
        findings.push(
            here(
                Code::InvalidValue,
                format!("`audit.grace` is {grace}, longer than a year"),
            )
            .at(locate::value(&record.text, "audit.grace"))
            .with_hint("evidence is collected within weeks of a window's end: 30d is usual"),
        );
    }
    match (program.audit.kind, program.audit.period) {
        (AuditType::Type2, None) => findings.push(
            here(
                Code::InvalidValue,
                "a type2 audit needs an observation period".to_string(),
            )
            .at(locate::field(&record.text, "audit"))
            .with_hint("add `period: {start: YYYY-MM-DD, end: YYYY-MM-DD}` under `audit`"),
        ),
        (_, Some(period)) if period.end < period.start => findings.push(
            here(
                Code::InvalidValue,
                format!(
                    "the audit period ends ({}) before it starts ({})",
                    period.end, period.start
                ),
            )
            .at(locate::value(&record.text, "audit.period")),
        ),
        _ => {}
    }
    let sizes = &program.testing.sample_sizes;
    for (name, size) in [
        ("annual", sizes.annual),
        ("semiannual", sizes.semiannual),
        ("quarterly", sizes.quarterly),
        ("monthly", sizes.monthly),
        ("weekly", sizes.weekly),
        ("daily", sizes.daily),
        ("continuous", sizes.continuous),
    ] {
        if size == Some(0) {
            let field = format!("testing.sample_sizes.{name}");
            findings.push(
                here(
                    Code::InvalidValue,
                    format!("`{field}` is 0: a test samples at least one item"),
                )
                .at(locate::value(&record.text, &field)),
            );
        }
    }
    if let Some(per_event) = sizes.per_event {
        let field = "testing.sample_sizes.per-event";
        let bad = if !(1..=100).contains(&per_event.percent) {
            Some(format!(
                "`{field}.percent` is {}; it is a percentage (1-100)",
                per_event.percent
            ))
        } else if per_event.min == 0 || per_event.min > per_event.max {
            Some(format!(
                "`{field}` samples from {} to {} items; `min` is at least 1 and at most `max`",
                per_event.min, per_event.max
            ))
        } else {
            None
        };
        if let Some(message) = bad {
            findings.push(here(Code::InvalidValue, message).at(locate::field(&record.text, field)));
        }
    }
    if program.organisation.trim().is_empty() {
        findings.push(
            here(Code::InvalidValue, "`organisation` is empty".to_string())
                .at(locate::field(&record.text, "organisation")),
        );
    }
}

/// ID format, file-name agreement and uniqueness for one kind of record.
fn ids<T>(
    records: &[Record<T>],
    what: &str,
    id: impl Fn(&T) -> &String,
    findings: &mut Vec<Finding>,
) {
    let mut seen: BTreeMap<&str, Vec<&Record<T>>> = BTreeMap::new();
    for record in records {
        let value_id = id(&record.value);
        let stem = record.stem();
        if !is_valid_id(stem) {
            findings.push(
                Finding::new(
                    Code::InvalidId,
                    format!("`{stem}` is not a valid {what} ID"),
                )
                .in_file(&record.path)
                .with_hint(
                    "IDs are upper-case letters, digits and dashes, like AC-01; rename the file",
                ),
            );
        } else if value_id != stem {
            findings.push(
                Finding::new(
                    Code::IdMismatch,
                    format!("the {what} id `{value_id}` differs from the file name `{stem}`"),
                )
                .in_file(&record.path)
                .at(locate::value(&record.text, "id"))
                .with_hint(format!(
                    "rename the file to {value_id}.yaml, or set `id: {stem}`"
                )),
            );
        }
        seen.entry(value_id.as_str()).or_default().push(record);
    }
    for (value_id, records) in seen.iter().filter(|(_, r)| r.len() > 1) {
        let paths: Vec<&str> = records.iter().map(|r| r.path.as_str()).collect();
        for record in &records[1..] {
            findings.push(
                Finding::new(
                    Code::DuplicateId,
                    format!(
                        "{what} {value_id} is defined more than once: {}",
                        paths.join(", ")
                    ),
                )
                .in_file(&record.path)
                .at(locate::value(&record.text, "id"))
                .with_hint(format!(
                    "keep one {what} per ID; remove or renumber the others"
                )),
            );
        }
    }
}

/// Each criterion a record's `criteria` names is one of the catalogue.
fn criteria_known<T>(record: &Record<T>, ids: &[String], findings: &mut Vec<Finding>) {
    for id in ids {
        if catalog::find(id).is_none() {
            findings.push(unknown_criterion(
                &record.path,
                &record.text,
                "criteria",
                id,
            ));
        }
    }
}

fn controls(store: &Store, findings: &mut Vec<Finding>) {
    let policy_ids = store.known_ids(
        POLICIES_DIR,
        store.policies.iter().map(|p| p.value.id.as_str()),
    );
    for record in &store.controls {
        let control = &record.value;
        criteria_known(record, &control.criteria, findings);
        for id in &control.policies {
            if !policy_ids.contains(id.as_str()) {
                let message = suggest::unknown("policy", id, policy_ids.iter().copied());
                findings.push(
                    Finding::new(Code::UnknownRef, message)
                        .in_file(&record.path)
                        .at(locate::value_in(&record.text, "policies", id))
                        .with_hint(format!(
                            "add policies/{id}.yaml (`soc2 policy add`) or fix the ID"
                        )),
                );
            }
        }
        collectors(record, findings);
        if control.lacks_reason() {
            findings.push(
                Finding::new(
                    Code::InvalidValue,
                    "a not-applicable control needs a `reason`",
                )
                .in_file(&record.path)
                .at(locate::value(&record.text, "status"))
                .with_hint("add `reason:` saying why the control does not apply"),
            );
        }
        // An exception is an accepted risk: someone accepted it, for a reason.
        for (i, exception) in control.exceptions.iter().enumerate() {
            for (field, value, what) in [
                (
                    "reason",
                    &exception.reason,
                    "says which gap is accepted and why",
                ),
                (
                    "approved_by",
                    &exception.approved_by,
                    "names who accepted it",
                ),
            ] {
                if value.trim().is_empty() {
                    findings.push(
                        Finding::new(
                            Code::InvalidValue,
                            format!("the exception on {} has an empty `{field}`", control.id),
                        )
                        .in_file(&record.path)
                        .at(locate::value(
                            &record.text,
                            &format!("exceptions[{i}].{field}"),
                        ))
                        .with_hint(format!(
                            "an exception {what}; record it with `soc2 control except`"
                        )),
                    );
                }
            }
        }
    }
}

/// A control's collectors: each named once, with something to run, a timeout that
/// lets it run, and a shell line only with `shell: true`.
fn collectors(record: &Record<crate::model::Control>, findings: &mut Vec<Finding>) {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (i, collector) in record.value.collect.iter().enumerate() {
        let here = |field: &str, message: String, hint: &str| {
            Finding::new(Code::InvalidValue, message)
                .in_file(&record.path)
                .at(locate::value(
                    &record.text,
                    &format!("collect[{i}].{field}"),
                ))
                .with_hint(hint.to_string())
        };
        if !is_valid_collector_name(&collector.name) {
            findings.push(here(
                "name",
                format!(
                    "the collector name `{}` is not lower-case letters, digits and dashes",
                    collector.name
                ),
                "name each collector like `branch-protection`: its records are named after it",
            ));
        } else if !seen.insert(collector.name.as_str()) {
            findings.push(here(
                "name",
                format!("two collectors of {} are named `{}`", record.value.id, collector.name),
                "give each collector of a control its own name: `soc2 collect` tells their evidence apart by it",
            ));
        }
        if collector.run.is_empty() {
            findings.push(here(
                "run",
                format!("the collector `{}` has nothing to run", collector.name),
                "set `run` to the command and its arguments, like `run: [gh, api, repos/OWNER/REPO]`",
            ));
        } else if matches!(collector.run, CommandLine::Line(_)) && !collector.shell {
            findings.push(here(
                "run",
                format!("the collector `{}` gives `run` as one string", collector.name),
                "write `run` as a list of arguments (no shell is involved), or add `shell: true` to run the line with `sh -c`",
            ));
        }
        if collector.timeout.is_some_and(|t| t.0 == 0) {
            findings.push(here(
                "timeout",
                format!("the collector `{}` has a timeout of zero", collector.name),
                "give the command time to run, like `timeout: 60s` (the default is 5m)",
            ));
        }
    }
}

/// Records kept in a folder named after their control (`evidence/<CONTROL>/`,
/// `tests/<CONTROL>/`): each must name that control, and the control must exist (said
/// once per folder). The texts name the kind of record.
struct ControlFolder {
    /// The store's folder: `evidence`.
    top: &'static str,
    /// How a message names one record: `the record`.
    one: &'static str,
    /// What the records are of a control: `evidence for`.
    of: &'static str,
    /// Where they belong and what to do: the hint for a record in the wrong folder.
    belongs: &'static str,
}

const EVIDENCE_FOLDER: ControlFolder = ControlFolder {
    top: "evidence",
    one: "the record",
    of: "evidence for",
    belongs: "evidence for a control lives in evidence/<CONTROL-ID>/; fix `control` or move the record",
};

const TEST_FOLDER: ControlFolder = ControlFolder {
    top: "tests",
    one: "the test",
    of: "a test of",
    belongs: "a control's tests live in tests/<CONTROL-ID>/; fix `control` or move the file",
};

impl ControlFolder {
    fn check<'s, T>(
        &self,
        record: &'s Record<T>,
        control: &str,
        control_ids: &BTreeSet<&str>,
        unknown_folders: &mut BTreeSet<&'s str>,
        findings: &mut Vec<Finding>,
    ) {
        let Self { top, one, of, .. } = self;
        let folder = parent_dir(&record.path)
            .rsplit('/')
            .next()
            .unwrap_or_default();
        if control != folder {
            findings.push(
                Finding::new(
                    Code::InvalidValue,
                    format!("{one} names control `{control}` but sits in {top}/{folder}/"),
                )
                .in_file(&record.path)
                .at(locate::value(&record.text, "control"))
                .with_hint(self.belongs),
            );
        } else if !control_ids.contains(folder) && unknown_folders.insert(folder) {
            let unknown = suggest::unknown("control", folder, control_ids.iter().copied());
            findings.push(
                Finding::new(Code::UnknownRef, format!("{of} an {unknown}"))
                    .in_file(&record.path)
                    .at(locate::value(&record.text, "control"))
                    .with_hint(format!(
                        "add controls/{folder}.yaml or move {top}/{folder}/ to the right control"
                    )),
            );
        }
    }
}

fn evidence(store: &Store, findings: &mut Vec<Finding>) {
    let control_ids = known_controls(store);
    let mut unknown_folders: BTreeSet<&str> = BTreeSet::new();
    for record in &store.evidence {
        let evidence = &record.value;
        let here = |code, message: String| Finding::new(code, message).in_file(&record.path);
        EVIDENCE_FOLDER.check(
            record,
            &evidence.control,
            &control_ids,
            &mut unknown_folders,
            findings,
        );
        let needs_reason = matches!(
            evidence.result,
            Some(EvidenceResult::NoOccurrence | EvidenceResult::Deviation)
        );
        if needs_reason
            && evidence
                .reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!(
                        "a `{}` record needs a `reason`",
                        evidence.result().as_str()
                    ),
                )
                .at(locate::value(&record.text, "result"))
                .with_hint("say what did not happen in the period (no-occurrence), or what went wrong (deviation)"),
            );
        }
        if let Some(covers) = evidence.covers {
            if covers.to < covers.from {
                findings.push(
                    here(
                        Code::InvalidValue,
                        format!(
                            "`covers` ends ({}) before it starts ({})",
                            covers.to, covers.from
                        ),
                    )
                    .at(locate::value(&record.text, "covers")),
                );
            }
            if covers.to > evidence.collected_at {
                findings.push(
                    here(
                        Code::InvalidValue,
                        format!(
                            "`covers` runs to {}, after the evidence was collected ({})",
                            covers.to, evidence.collected_at
                        ),
                    )
                    .at(locate::value(&record.text, "covers.to"))
                    .with_hint("evidence can only show what had happened when it was collected"),
                );
            }
        }
        for (i, file) in evidence.files.iter().enumerate() {
            match (&file.path, &file.link) {
                (Some(_), None) | (None, Some(_)) => {}
                _ => findings.push(
                    here(
                        Code::InvalidValue,
                        "an evidence file needs exactly one of `path` and `link`".to_string(),
                    )
                    .at(locate::field(&record.text, &format!("files[{i}]"))),
                ),
            }
        }
    }
}

fn risks(store: &Store, findings: &mut Vec<Finding>) {
    let control_ids = known_controls(store);
    for record in &store.risks {
        let risk = &record.value;
        for (field, value) in [("likelihood", risk.likelihood), ("impact", risk.impact)] {
            if !(1..=5).contains(&value) {
                findings.push(
                    Finding::new(
                        Code::InvalidValue,
                        format!("`{field}` is {value}; it is scored 1 to 5"),
                    )
                    .in_file(&record.path)
                    .at(locate::value(&record.text, field)),
                );
            }
        }
        for id in &risk.controls {
            if !control_ids.contains(id.as_str()) {
                let message = suggest::unknown("control", id, control_ids.iter().copied());
                findings.push(
                    Finding::new(Code::UnknownRef, message)
                        .in_file(&record.path)
                        .at(locate::value_in(&record.text, "controls", id)),
                );
            }
        }
    }
}

fn requests(store: &Store, findings: &mut Vec<Finding>) {
    let control_ids = known_controls(store);
    // Every evidence ID of a large store: gathered only when a request names evidence.
    let mut evidence_ids: BTreeSet<String> = BTreeSet::new();
    if store.requests.iter().any(|r| !r.value.evidence.is_empty()) {
        evidence_ids = store
            .evidence
            .iter()
            .map(|r| evidence_id(&r.path))
            .chain(
                store
                    .unreadable
                    .iter()
                    .filter(|p| p.starts_with("evidence/"))
                    .map(|p| evidence_id(p)),
            )
            .collect();
    }
    for record in &store.requests {
        let request = &record.value;
        criteria_known(record, &request.criteria, findings);
        for id in &request.controls {
            if !control_ids.contains(id.as_str()) {
                let message = suggest::unknown("control", id, control_ids.iter().copied());
                findings.push(
                    Finding::new(Code::UnknownRef, message)
                        .in_file(&record.path)
                        .at(locate::value_in(&record.text, "controls", id)),
                );
            }
        }
        for id in &request.evidence {
            if !evidence_ids.contains(id) {
                let message = suggest::unknown(
                    "evidence record",
                    id,
                    evidence_ids.iter().map(String::as_str),
                );
                findings.push(
                    Finding::new(Code::UnknownRef, message)
                        .in_file(&record.path)
                        .at(locate::value_in(&record.text, "evidence", id))
                        .with_hint("`soc2 evidence list` lists the evidence records by ID"),
                );
            }
        }
        if request.request.trim().is_empty() {
            findings.push(
                Finding::new(Code::InvalidValue, "`request` is empty")
                    .in_file(&record.path)
                    .at(locate::field(&record.text, "request"))
                    .with_hint("write what the auditor asked for"),
            );
        }
        if let Some(due) = request.due
            && due < request.asked_on
        {
            findings.push(
                Finding::new(
                    Code::InvalidValue,
                    format!(
                        "the request is due ({due}) before it was asked ({})",
                        request.asked_on
                    ),
                )
                .in_file(&record.path)
                .at(locate::value(&record.text, "due")),
            );
        }
    }
}

fn known_controls(store: &Store) -> BTreeSet<&str> {
    store.known_ids(
        CONTROLS_DIR,
        store.controls.iter().map(|c| c.value.id.as_str()),
    )
}

fn tests(store: &Store, findings: &mut Vec<Finding>) {
    let control_ids = known_controls(store);
    let finding_ids: BTreeSet<&str> = store.known_ids(
        crate::model::paths::FINDINGS_DIR,
        store.audit_findings.iter().map(|f| f.value.id.as_str()),
    );
    let mut unknown_folders: BTreeSet<&str> = BTreeSet::new();
    for record in &store.tests {
        let test = &record.value;
        let here = |code, message: String| Finding::new(code, message).in_file(&record.path);
        TEST_FOLDER.check(
            record,
            &test.control,
            &control_ids,
            &mut unknown_folders,
            findings,
        );
        if test.span.to < test.span.from {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!(
                        "`span` ends ({}) before it starts ({})",
                        test.span.to, test.span.from
                    ),
                )
                .at(locate::value(&record.text, "span")),
            );
        }
        for (index, item) in test.sample.iter().enumerate() {
            if item.item != index + 1 {
                findings.push(
                    here(
                        Code::InvalidValue,
                        format!(
                            "sample item {} is numbered {}: items are numbered 1, 2, 3... in order",
                            index + 1,
                            item.item
                        ),
                    )
                    .at(locate::field(&record.text, &format!("sample[{index}]"))),
                );
            }
        }
        if let Some(conclusion) = test.conclusion {
            let unrecorded = test.unrecorded();
            let exceptions = test.exceptions().len();
            let message = if !unrecorded.is_empty() {
                Some(format!(
                    "the test is concluded `{}` but items {} have no result",
                    conclusion.as_str(),
                    join(&unrecorded)
                ))
            } else if conclusion == Conclusion::Effective && exceptions > 0 {
                Some(format!(
                    "the test is concluded `effective` but {exceptions} sampled item{} an exception",
                    if exceptions == 1 { " is" } else { "s are" }
                ))
            } else if conclusion == Conclusion::Deficient && exceptions == 0 {
                Some(
                    "the test is concluded `deficient` but no sampled item is an exception"
                        .to_string(),
                )
            } else {
                None
            };
            if let Some(message) = message {
                findings.push(
                    here(Code::InvalidValue, message)
                        .at(locate::value(&record.text, "conclusion"))
                        .with_hint("a test is effective when every sampled item passed, deficient when any is an exception"),
                );
            }
        }
        if let Some(id) = &test.finding
            && !finding_ids.contains(id.as_str())
        {
            findings.push(
                here(
                    Code::UnknownRef,
                    suggest::unknown("finding", id, finding_ids.iter().copied()),
                )
                .at(locate::value(&record.text, "finding")),
            );
        }
    }
}

fn join(items: &[usize]) -> String {
    items
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn audit_findings(store: &Store, findings: &mut Vec<Finding>) {
    let control_ids = known_controls(store);
    let test_ids: BTreeSet<String> = store.tests.iter().map(|t| test_id(&t.path)).collect();
    let evidence_ids: BTreeSet<String> = store
        .evidence
        .iter()
        .map(|e| evidence_id(&e.path))
        .collect();
    for record in &store.audit_findings {
        let finding = &record.value;
        let here = |code, message: String, field: &str| {
            Finding::new(code, message)
                .in_file(&record.path)
                .at(locate::value(&record.text, field)
                    .or_else(|| locate::field(&record.text, "id")))
        };
        if !control_ids.contains(finding.control.as_str()) {
            findings.push(
                here(
                    Code::UnknownRef,
                    format!(
                        "a finding on an {}",
                        suggest::unknown("control", &finding.control, control_ids.iter().copied())
                    ),
                    "control",
                )
                .with_hint("`soc2 controls` lists the control IDs"),
            );
        }
        for (field, reference, known, what) in [
            ("test", &finding.test, &test_ids, "test"),
            ("retest", &finding.retest, &test_ids, "test"),
            (
                "evidence",
                &finding.evidence,
                &evidence_ids,
                "evidence record",
            ),
        ] {
            if let Some(id) = reference
                && !known.contains(id)
            {
                findings.push(here(
                    Code::UnknownRef,
                    suggest::unknown(what, id, known.iter().map(String::as_str)),
                    field,
                ));
            }
        }
        let status = finding.status;
        let missing = if status >= FindingStatus::Remediated && finding.remediated_on.is_none() {
            Some("remediated_on")
        } else if (status == FindingStatus::Retested
            || (status == FindingStatus::Closed && finding.source.needs_retest()))
            && finding.retest.is_none()
        {
            Some("retest")
        } else if status == FindingStatus::Closed && finding.closed_on.is_none() {
            Some("closed_on")
        } else {
            None
        };
        if let Some(field) = missing {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!("a `{}` finding needs `{field}`", status.as_str()),
                    "status",
                )
                .with_hint("`soc2 finding remediate`, `retest` and `close` record each step"),
            );
        }
    }
}

fn vendors(store: &Store, findings: &mut Vec<Finding>) {
    let control_ids = known_controls(store);
    let unknown_control = |record: &Record<crate::model::Vendor>, field: &str, id: &str| {
        let message = suggest::unknown("control", id, control_ids.iter().copied());
        Finding::new(Code::UnknownRef, message)
            .in_file(&record.path)
            .at(locate::value(&record.text, field))
            .with_hint("`soc2 controls` lists the controls; name the one that carries it out")
    };
    for record in &store.vendors {
        let vendor = &record.value;
        let here = |code, message: String| Finding::new(code, message).in_file(&record.path);
        for (i, csoc) in vendor.csoc.iter().enumerate() {
            let field = format!("csoc[{i}].criterion");
            if catalog::find(&csoc.criterion).is_none() {
                findings.push(unknown_criterion(
                    &record.path,
                    &record.text,
                    &field,
                    &csoc.criterion,
                ));
            }
        }
        if !vendor.csoc.is_empty() && vendor.method.is_none() {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!(
                        "{} lists criteria its controls carry (`csoc`) but no `method`",
                        vendor.id
                    ),
                )
                .at(locate::field(&record.text, "csoc"))
                .with_hint("a subservice organisation is `method: carve-out` (its own SOC report covers them) or `method: inclusive` (our audit tests them)"),
            );
        }
        for (i, cuec) in vendor.cuec.iter().enumerate() {
            if !control_ids.contains(cuec.control.as_str()) {
                findings.push(unknown_control(
                    record,
                    &format!("cuec[{i}].control"),
                    &cuec.control,
                ));
            }
        }
        if let Some(id) = &vendor.monitoring_control
            && !control_ids.contains(id.as_str())
        {
            findings.push(unknown_control(record, "monitoring_control", id));
        }
        let Some(report) = &vendor.soc_report else {
            continue;
        };
        let period = report.period;
        if period.end < period.start {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!(
                        "the SOC report's period ends ({}) before it starts ({})",
                        period.end, period.start
                    ),
                )
                .at(locate::value(&record.text, "soc_report.period"))
                .with_hint("copy the period from the report's opinion: `{start: YYYY-MM-DD, end: YYYY-MM-DD}`"),
            );
        }
        if report.received_on < period.end {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!(
                        "the SOC report was received ({}) before its period ended ({})",
                        report.received_on, period.end
                    ),
                )
                .at(locate::value(&record.text, "soc_report.received_on")),
            );
        }
        if let Some(reviewed) = report.reviewed_on
            && reviewed < report.received_on
        {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!(
                        "the SOC report was reviewed ({reviewed}) before it was received ({})",
                        report.received_on
                    ),
                )
                .at(locate::value(&record.text, "soc_report.reviewed_on")),
            );
        }
        if let Some(bridge) = &report.bridge_letter
            && bridge.through <= period.end
        {
            findings.push(
                here(
                    Code::InvalidValue,
                    format!(
                        "the bridge letter runs to {}, not past the report's period ({})",
                        bridge.through, period.end
                    ),
                )
                .at(locate::value(
                    &record.text,
                    "soc_report.bridge_letter.through",
                ))
                .with_hint("a bridge letter covers the days after the report's period"),
            );
        }
    }
}

fn populations(store: &Store, findings: &mut Vec<Finding>) {
    let control_ids = known_controls(store);
    let mut reported: BTreeSet<&str> = BTreeSet::new();
    for file in &store.populations {
        if !control_ids.contains(file.control.as_str()) && reported.insert(&file.control) {
            findings.push(
                Finding::new(
                    Code::UnknownRef,
                    format!(
                        "a population of an {}",
                        suggest::unknown("control", &file.control, control_ids.iter().copied())
                    ),
                )
                .in_file(&file.path)
                .with_hint(format!(
                    "add controls/{}.yaml or move populations/{}/ to the right control",
                    file.control, file.control
                )),
            );
        }
    }
}

/// `program:` in soc2.yaml: owners and targets name steps, sign-offs name milestones
/// or the steps people sign off.
fn roadmap(store: &Store, findings: &mut Vec<Finding>) {
    let Some(record) = &store.program else {
        return;
    };
    let roadmap = &record.value.roadmap;
    let names: Vec<String> = STEPS
        .iter()
        .flat_map(|s| [s.number.to_string(), s.slug.to_string()])
        .collect();
    for (section, keys) in [
        ("targets", roadmap.targets.keys().collect::<Vec<_>>()),
        ("owners", roadmap.owners.keys().collect()),
    ] {
        let mut seen: BTreeMap<u8, &str> = BTreeMap::new();
        for key in keys {
            let field = format!("program.{section}.{key}");
            let Some(step) = key.step() else {
                findings.push(
                    Finding::new(
                        Code::UnknownRef,
                        suggest::unknown("program step", &key.0, names.iter().map(String::as_str)),
                    )
                    .in_file(&record.path)
                    .at(locate::field(&record.text, &field))
                    .with_hint("steps are numbered 1 to 20 or named; `soc2 program` lists them"),
                );
                continue;
            };
            if let Some(other) = seen.insert(step.number, &key.0) {
                findings.push(
                    Finding::new(
                        Code::InvalidValue,
                        format!(
                            "`program.{section}` names step {} twice (`{other}` and `{key}`)",
                            step.label()
                        ),
                    )
                    .in_file(&record.path)
                    .at(locate::field(&record.text, &field)),
                );
            }
        }
    }
    let signed: Vec<&str> = STEPS
        .iter()
        .filter(|s| s.kind != StepKind::Derived)
        .map(|s| s.slug)
        .collect();
    for (name, signoff) in &record.value.signoffs {
        let field = format!("signoffs.{name}");
        if !signed.contains(&name.as_str()) {
            findings.push(
                Finding::new(
                    Code::UnknownRef,
                    suggest::unknown("sign-off", name, signed.iter().copied()),
                )
                .in_file(&record.path)
                .at(locate::field(&record.text, &field))
                .with_hint(format!(
                    "the milestones are {}; steps 17 and 20 are signed off with `soc2 program sign-off`",
                    MILESTONES.join(", ")
                )),
            );
        }
        let needs_document = Step::find(name).is_some_and(|s| s.kind == StepKind::SignOff)
            || name == "auditor-engagement";
        if needs_document && signoff.document.is_none() == signoff.evidence.is_none() {
            findings.push(
                Finding::new(
                    Code::InvalidValue,
                    format!("the sign-off `{name}` needs exactly one of `document` and `evidence`"),
                )
                .in_file(&record.path)
                .at(locate::field(&record.text, &field)),
            );
        }
    }
}
