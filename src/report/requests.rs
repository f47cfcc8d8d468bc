//! `soc2 requests`: the auditor's request list as a table, or as CSV (the evidence
//! package's requests.csv).

use super::{Style, plural, table};
use crate::model::{Date, RequestStatus};
use crate::requests::{RequestView, short};

pub fn render_table(requests: &[RequestView], today: Date, style: Style) -> String {
    if requests.is_empty() {
        return "No request matches.\n".to_string();
    }
    let mut t = table(&[
        "ID", "Status", "Due", "Late", "Concerns", "Evidence", "Request",
    ]);
    for r in requests {
        let concerns: Vec<&str> = r
            .criteria
            .iter()
            .chain(&r.controls)
            .map(String::as_str)
            .collect();
        t.add_row(vec![
            r.id.clone(),
            r.status.as_str().to_string(),
            r.due.map_or("-".to_string(), |d| d.to_string()),
            if r.overdue {
                "overdue".to_string()
            } else {
                String::new()
            },
            concerns.join(", "),
            r.evidence.len().to_string(),
            short(&r.request),
        ]);
    }
    let count = |s: RequestStatus| requests.iter().filter(|r| r.status == s).count();
    let overdue = requests.iter().filter(|r| r.overdue).count();
    let summary = format!(
        "{}: {} open, {} provided, {} accepted, {} rejected; {overdue} overdue on {today}",
        plural(requests.len(), "request"),
        count(RequestStatus::Open),
        count(RequestStatus::Provided),
        count(RequestStatus::Accepted),
        count(RequestStatus::Rejected),
    );
    let summary = if overdue > 0 {
        style.yellow(&summary)
    } else {
        style.dim(&summary)
    };
    format!("{t}\n{summary}\n")
}

/// The columns of requests.csv.
pub const CSV_HEADER: [&str; 12] = [
    "id",
    "request",
    "criteria",
    "controls",
    "asked_by",
    "asked_on",
    "due",
    "status",
    "overdue",
    "evidence",
    "provided_on",
    "closed_on",
];

/// One row per request; lists are separated by spaces; comments follow as one
/// column, each `on by: text`, separated by newlines.
pub fn csv(requests: &[RequestView]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<&str> = CSV_HEADER.to_vec();
    header.push("comments");
    write(&mut out, &header);
    for r in requests {
        let comments: Vec<String> = r
            .comments
            .iter()
            .map(|c| format!("{} {}: {}", c.on, c.by, c.text))
            .collect();
        write(
            &mut out,
            &[
                r.id.as_str(),
                r.request.as_str(),
                &r.criteria.join(" "),
                &r.controls.join(" "),
                r.asked_by.as_deref().unwrap_or_default(),
                &r.asked_on.to_string(),
                &r.due.map(|d| d.to_string()).unwrap_or_default(),
                r.status.as_str(),
                if r.overdue { "yes" } else { "no" },
                &r.evidence.join(" "),
                &r.provided_on.map(|d| d.to_string()).unwrap_or_default(),
                &r.closed_on.map(|d| d.to_string()).unwrap_or_default(),
                &comments.join("\n"),
            ],
        );
    }
    out.into_inner().expect("writing to memory does not fail")
}

fn write(out: &mut csv::Writer<Vec<u8>>, row: &[&str]) {
    out.write_record(row)
        .expect("writing to memory does not fail");
}
