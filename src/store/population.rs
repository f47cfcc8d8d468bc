//! Population files: `populations/<CONTROL>/<PERIOD-OR-WINDOW>.csv`, one row per event
//! with at least an `id` and a `date` column. Every problem is a finding that names the
//! line and column, like a YAML file's.

use std::collections::BTreeMap;

use crate::findings::{Code, Finding, Position};
use crate::model::{Date, PopulationFile, PopulationRow};

const HINT: &str = "a population file is CSV: a first row naming the columns (`id,date`, and optionally `description`), then one row per event with a unique id and a YYYY-MM-DD date";

fn problem(path: &str, position: Option<Position>, message: String) -> Finding {
    Finding::new(Code::Population, message)
        .in_file(path)
        .at(position)
        .with_hint(HINT)
}

/// A file directly in populations/, outside a control's folder.
pub(crate) fn outside_a_folder(path: &str) -> Finding {
    Finding::new(
        Code::Population,
        "a population file sits directly in populations/".to_string(),
    )
    .in_file(path)
    .with_hint("population files belong in populations/<CONTROL>/, named after the period or window they list")
}

/// Two files of one control list the same event.
pub(crate) fn duplicate_across(first: &PopulationFile, row: &PopulationRow, path: &str) -> Finding {
    problem(
        path,
        Some(Position {
            line: row.line,
            column: 1,
        }),
        format!(
            "event `{}` is already listed in {} (line {})",
            row.id,
            first.path,
            first
                .rows
                .iter()
                .find(|r| r.id == row.id)
                .map_or(0, |r| r.line)
        ),
    )
}

/// Parses one population file of `control`; the rows that parse are kept, and each
/// problem is a finding.
pub(crate) fn parse(path: &str, control: &str, text: &str) -> (PopulationFile, Vec<Finding>) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut findings = Vec::new();
    let mut file = PopulationFile {
        path: path.to_string(),
        control: control.to_string(),
        rows: Vec::new(),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(err)) => {
            findings.push(csv_error(path, &err));
            return (file, findings);
        }
        None => {
            findings.push(problem(
                path,
                Some(Position { line: 1, column: 1 }),
                "the file is empty; expected a first row naming the columns `id` and `date`"
                    .to_string(),
            ));
            return (file, findings);
        }
    };
    let names: Vec<String> = header
        .iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .collect();
    let column = |name: &str| names.iter().position(|n| n == name);
    let (id_at, date_at) = (column("id"), column("date"));
    for (name, at) in [("id", id_at), ("date", date_at)] {
        if at.is_none() {
            findings.push(problem(
                path,
                Some(Position { line: 1, column: 1 }),
                format!(
                    "missing column `{name}`: the first row names {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let (Some(id_at), Some(date_at)) = (id_at, date_at) else {
        return (file, findings);
    };
    let description_at = column("description");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for record in records {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                findings.push(csv_error(path, &err));
                continue;
            }
        };
        // The reader's own line count skips blank lines: count them from the offset.
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while text[start..].starts_with(['\n', '\r']) {
            start += 1;
        }
        let line = 1 + text
            .get(..start)
            .map_or(0, |before| before.matches('\n').count());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let at = |index: usize| Some(field_position(text, start, line, index));
        if record.len() != names.len() {
            findings.push(problem(
                path,
                at(record.len().min(names.len()).saturating_sub(1)),
                format!(
                    "the row has {} of the {} columns the first row names ({})",
                    record.len(),
                    names.len(),
                    names.join(",")
                ),
            ));
            continue;
        }
        let id = record.get(id_at).unwrap_or_default().trim().to_string();
        let date_text = record.get(date_at).unwrap_or_default().trim();
        if id.is_empty() {
            findings.push(problem(path, at(id_at), "the row has no id".to_string()));
            continue;
        }
        let date = match Date::parse(date_text) {
            Ok(date) => date,
            Err(message) => {
                findings.push(problem(
                    path,
                    at(date_at),
                    format!("event `{id}`: {message}"),
                ));
                continue;
            }
        };
        if let Some(first) = seen.get(&id) {
            findings.push(problem(
                path,
                at(id_at),
                format!("duplicate id `{id}`: line {first} lists it already"),
            ));
            continue;
        }
        seen.insert(id.clone(), line);
        let description = description_at
            .and_then(|i| record.get(i))
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string);
        file.rows.push(PopulationRow {
            id,
            date,
            description,
            line,
        });
    }
    (file, findings)
}

fn csv_error(path: &str, err: &csv::Error) -> Finding {
    let position = err.position().map(|p| Position {
        line: p.line() as usize,
        column: 1,
    });
    problem(path, position, format!("the file is not valid CSV: {err}"))
}

/// The line and column where field `index` of the record starting at byte `start` (on
/// `line`) begins: commas outside quotes separate fields.
fn field_position(text: &str, start: usize, line: usize, index: usize) -> Position {
    let mut position = Position { line, column: 1 };
    let mut field = 0;
    let mut quoted = false;
    for c in text.get(start..).unwrap_or_default().chars() {
        if field == index {
            return position;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => field += 1,
            '\n' if !quoted => break,
            _ => {}
        }
        if c == '\n' {
            position.line += 1;
            position.column = 1;
        } else {
            position.column += 1;
        }
    }
    position
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(text: &str) -> Vec<String> {
        let (_, findings) = parse("populations/CM-03/2026-Q3.csv", "CM-03", text);
        findings
            .iter()
            .map(|f| {
                let p = f.position.unwrap();
                format!("{}:{} {}", p.line, p.column, f.message)
            })
            .collect()
    }

    #[test]
    fn rows_parse_with_quotes_and_a_bom() {
        let (file, findings) = parse(
            "p.csv",
            "CM-03",
            "\u{feff}id,date,description\nCHG-1,2026-07-01,\"Deploy, with a comma\"\n\nCHG-2,2026-07-02,\n",
        );
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(file.rows.len(), 2);
        assert_eq!(
            file.rows[0].description.as_deref(),
            Some("Deploy, with a comma")
        );
        assert_eq!(file.rows[1].line, 4);
        assert_eq!(file.rows[1].description, None);
    }

    #[test]
    fn bad_rows_are_located() {
        assert_eq!(
            messages("id,date\nCHG-1,2026-07-01\nCHG-1,2026-07-02\n"),
            ["3:1 duplicate id `CHG-1`: line 2 lists it already"]
        );
        assert_eq!(
            messages("id,date\nCHG-1,2026-13-01\n"),
            ["2:7 event `CHG-1`: invalid date `2026-13-01`: no such day in the calendar"]
        );
        assert_eq!(
            messages("id,description\nCHG-1,x\n"),
            ["1:1 missing column `date`: the first row names `id`, `description`"]
        );
        assert_eq!(
            messages("id,date,description\nCHG-1,2026-07-01\n"),
            ["2:7 the row has 2 of the 3 columns the first row names (id,date,description)"]
        );
        assert_eq!(
            messages(""),
            ["1:1 the file is empty; expected a first row naming the columns `id` and `date`"]
        );
        assert_eq!(
            messages("id,date\n,2026-07-01\n"),
            ["2:1 the row has no id"]
        );
    }
}
