//! The package's tables: the control matrix (CSV and XLSX), the evidence index, and the audit
//! trail.

use std::collections::HashMap;

use anyhow::Result;

use crate::model::paths::evidence_id;
use crate::model::{Date, History, Store};
use crate::readiness::Assessment;
use crate::store::integrity::recorded_files;
use crate::trail;

fn csv_of(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header)
        .expect("writing to memory does not fail");
    for row in rows {
        out.write_record(&row)
            .expect("writing to memory does not fail");
    }
    out.into_inner().expect("writing to memory does not fail")
}

fn date(day: Option<Date>) -> String {
    day.map(|d| d.to_string()).unwrap_or_default()
}

const MATRIX_HEADER: [&str; 15] = [
    "control",
    "title",
    "description",
    "criteria",
    "owner",
    "frequency",
    "status",
    "state",
    "windows_operated",
    "windows_due",
    "policies",
    "approved_by",
    "approved_at",
    "exception",
    "reasons",
];

/// One row per control of the audit's scope, with the columns of `MATRIX_HEADER`.
pub(super) fn matrix_rows(store: &Store, assessment: &Assessment) -> Vec<Vec<String>> {
    assessment
        .controls
        .iter()
        .filter(|c| c.in_scope)
        .map(|c| {
            let record = store.control(&c.id).map(|r| &r.value);
            let approval = record.and_then(|r| r.approval.as_ref());
            vec![
                c.id.clone(),
                c.title.clone(),
                record
                    .and_then(|r| r.description.clone())
                    .unwrap_or_default(),
                c.criteria.join(" "),
                c.owner.clone().unwrap_or_default(),
                c.frequency.as_str().to_string(),
                c.status.as_str().to_string(),
                c.state.as_str().to_string(),
                c.windows
                    .map(|w| w.operated.to_string())
                    .unwrap_or_default(),
                c.windows.map(|w| w.due.to_string()).unwrap_or_default(),
                record.map(|r| r.policies.join(" ")).unwrap_or_default(),
                approval.map(|a| a.by.clone()).unwrap_or_default(),
                date(approval.map(|a| a.at)),
                c.exception
                    .as_ref()
                    .map(|e| format!("until {}: {}", e.expires, e.reason))
                    .unwrap_or_default(),
                c.reasons
                    .iter()
                    .map(|r| r.detail.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        })
        .collect()
}

pub(super) fn matrix_csv(rows: &[Vec<String>]) -> Vec<u8> {
    csv_of(&MATRIX_HEADER, rows.iter().cloned())
}

/// The control matrix as a spreadsheet: the same columns, a bold frozen header and a
/// filter. Its document properties are dated `day` (the day judged), never the clock,
/// so the file is the same bytes each time.
pub(super) fn matrix_xlsx(rows: &[Vec<String>], day: Date) -> Result<Vec<u8>> {
    use chrono::Datelike;
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook};

    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(
        u16::try_from(day.0.year()).unwrap_or(1970),
        day.0.month() as u8,
        day.0.day() as u8,
    )?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("Control matrix")
            .set_creation_datetime(&created),
    );
    let sheet = workbook.add_worksheet();
    sheet.set_name("Control matrix")?;
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (column, name) in MATRIX_HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, *name, &bold)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let r = index as u32 + 1;
        for (column, value) in row.iter().enumerate() {
            sheet.write_string_with_format(r, column as u16, value, &wrap)?;
        }
    }
    for (column, width) in [(0, 10), (1, 36), (2, 60), (3, 16), (4, 24), (14, 60)] {
        sheet.set_column_width(column, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    if !rows.is_empty() {
        sheet.autofilter(0, 0, rows.len() as u32, MATRIX_HEADER.len() as u16 - 1)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// One row per evidence file (a record without files has one row without a file):
/// record, control, the windows it fills, kind, result, its dates, when git received
/// it, who collected it, the file and its sha256.
pub(super) fn evidence_index(store: &Store, assessment: &Assessment, history: &History) -> Vec<u8> {
    let mut fills: HashMap<&str, Vec<&str>> = HashMap::new();
    for control in &assessment.controls {
        for window in &control.window_results {
            for id in window.evidence.iter().chain(&window.deviations) {
                fills
                    .entry(id.as_str())
                    .or_default()
                    .push(&window.window.label);
            }
        }
    }
    let header = [
        "record",
        "control",
        "windows",
        "kind",
        "result",
        "covers_from",
        "covers_to",
        "collected_at",
        "received_commit",
        "received_date",
        "collected_by",
        "file",
        "sha256",
    ];
    let mut rows = Vec::new();
    for record in &store.evidence {
        let id = evidence_id(&record.path);
        let e = &record.value;
        let covers = e.covered();
        let received = history
            .received_in(&record.path)
            .map(|i| &history.commits[i]);
        let base = vec![
            id.clone(),
            e.control.clone(),
            fills
                .get(id.as_str())
                .map(|w| w.join(" "))
                .unwrap_or_default(),
            e.kind.as_str().to_string(),
            e.result().as_str().to_string(),
            covers.from.to_string(),
            covers.to.to_string(),
            e.collected_at.to_string(),
            received.map(|c| c.id.clone()).unwrap_or_default(),
            received.map(|c| c.date.to_string()).unwrap_or_default(),
            e.collected_by.clone().unwrap_or_default(),
        ];
        let files = recorded_files(record);
        if files.is_empty() {
            let mut row = base.clone();
            row.extend([String::new(), String::new()]);
            rows.push(row);
        }
        for file in files {
            let mut row = base.clone();
            let path = match (file.field, file.target) {
                ("link", Some(target)) => format!("{}/{target}", super::LINKED_DIR),
                (_, Some(target)) => target,
                (_, None) => file.written.to_string(),
            };
            row.extend([path, file.sha256.to_string()]);
            rows.push(row);
        }
    }
    csv_of(&header, rows.into_iter())
}

/// The store's git log, oldest first: commit, date and time, author, action, objects,
/// summary.
pub(super) fn trail_csv(entries: &[trail::Entry]) -> Vec<u8> {
    let header = [
        "commit",
        "date",
        "time",
        "author_name",
        "author_email",
        "action",
        "objects",
        "summary",
    ];
    csv_of(
        &header,
        entries.iter().rev().map(|e| {
            vec![
                e.commit.clone(),
                e.date.to_string(),
                e.time.clone(),
                e.author.name.clone(),
                e.author.email.clone(),
                e.action.clone(),
                e.objects.join(" "),
                e.summary.clone(),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spreadsheet_is_the_same_bytes_whenever_it_is_made() {
        let rows = vec![vec!["AC-01".to_string(); MATRIX_HEADER.len()]];
        let day = Date::from_ymd(2026, 11, 23);
        let first = matrix_xlsx(&rows, day).unwrap();
        // The clock moves on; the document's properties do not follow it.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        assert_eq!(matrix_xlsx(&rows, day).unwrap(), first);
        assert!(first.starts_with(b"PK"));
    }
}
