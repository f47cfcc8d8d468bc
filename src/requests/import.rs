//! Reading an auditor's request list from a spreadsheet saved as CSV. Auditors name
//! their columns as they please ("Request ID", "Description", "Control(s)", "Due
//! date") and order them as they like, so columns are found by their header, compared
//! without case, spaces or punctuation, against a list of common names. Every error
//! names the file, the row (the spreadsheet's row number) and the column.

use std::collections::BTreeMap;

use anyhow::{Result, anyhow, bail};

use crate::Hinted;
use crate::catalog;
use crate::model::{Date, Request, RequestStatus, is_valid_id};
use crate::suggest;

/// What a column of the sheet holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Column {
    Id,
    Request,
    /// Criteria, controls, or both mixed: each value is told apart by its form.
    Refs,
    Due,
    AskedOn,
}

impl Column {
    fn describe(self) -> &'static str {
        match self {
            Column::Id => "the request's id",
            Column::Request => "what is requested",
            Column::Refs => "the criteria or controls",
            Column::Due => "the due date",
            Column::AskedOn => "the day it was asked",
        }
    }

    fn names(self) -> &'static str {
        match self {
            Column::Id => "`id` (or Request ID, Ref, #)",
            Column::Request => "`request` (or Description, Requested item, Details)",
            Column::Refs => "`criteria` or `controls` (or Control(s), TSC, Criteria/Controls)",
            Column::Due => "`due` (or Due date, Deadline)",
            Column::AskedOn => "`asked on` (or Request date, Date requested)",
        }
    }
}

/// The header names each column goes by, compared after `normalise`.
const NAMES: &[(Column, &[&str])] = &[
    (
        Column::Id,
        &[
            "id",
            "requestid",
            "requestno",
            "requestnumber",
            "requestref",
            "reqid",
            "reqno",
            "ref",
            "refno",
            "reference",
            "item",
            "itemno",
            "itemid",
            "no",
            "number",
            "pbc",
            "pbcid",
            "pbcno",
            "irlid",
            "irlno",
        ],
    ),
    (
        Column::Request,
        &[
            "request",
            "requests",
            "description",
            "requestdescription",
            "requestdetails",
            "details",
            "itemdescription",
            "requesteditem",
            "requestitem",
            "documentrequested",
            "documentsrequested",
            "evidencerequested",
            "informationrequested",
            "requesttext",
            "ask",
        ],
    ),
    (
        Column::Refs,
        &[
            "criteria",
            "criterion",
            "tsc",
            "tsccriteria",
            "tscreference",
            "tscref",
            "trustservicescriteria",
            "control",
            "controls",
            "controlid",
            "controlids",
            "controlno",
            "controlref",
            "controlreference",
            "relatedcontrol",
            "relatedcontrols",
            "mappedcontrol",
            "mappedcontrols",
            "criteriaorcontrol",
            "criteriaorcontrols",
            "criteriacontrol",
            "criteriacontrols",
            "controlorcriteria",
            "controlsorcriteria",
            "controlcriteria",
            "controlscriteria",
            "mapping",
            "mappedto",
            "relatesto",
        ],
    ),
    (
        Column::Due,
        &[
            "due",
            "duedate",
            "datedue",
            "dueon",
            "dueby",
            "deadline",
            "needby",
            "neededby",
            "targetdate",
        ],
    ),
    (
        Column::AskedOn,
        &[
            "askedon",
            "dateasked",
            "requestedon",
            "requestdate",
            "daterequested",
            "dateopened",
            "openedon",
            "issuedon",
            "dateissued",
        ],
    ),
];

/// A header compared without case, spaces or punctuation, `#` read as "no":
/// `Control(s)` -> `controls`, `Due date` -> `duedate`, `Request #` -> `requestno`.
fn normalise(header: &str) -> String {
    header
        .replace('#', "no")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn column_of(header: &str) -> Option<Column> {
    let name = normalise(header);
    NAMES
        .iter()
        .find(|(_, names)| names.contains(&name.as_str()))
        .map(|(column, _)| *column)
}

/// One row of the sheet, read but not yet checked against the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The spreadsheet's row number (the header is row 1).
    pub row: usize,
    pub id: String,
    pub request: String,
    /// Criteria and controls as written, upper-cased, in order.
    pub refs: Vec<String>,
    pub due: Option<Date>,
    pub asked_on: Option<Date>,
}

/// The sheet: its rows, and the headers of the columns it uses and ignores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    pub file: String,
    pub rows: Vec<Row>,
    /// The header of each column used (for error messages).
    pub headers: BTreeMap<Column, Vec<String>>,
    /// Columns soc2 does not read (an auditor's "Owner", "Notes").
    pub ignored: Vec<String>,
}

impl Sheet {
    /// The header of the (first) column of `column`, as written in the file.
    fn header(&self, column: Column) -> &str {
        self.headers
            .get(&column)
            .and_then(|h| h.first())
            .map_or("", String::as_str)
    }
}

/// A problem at one cell (or row) of the file.
fn at(file: &str, row: usize, header: &str, message: impl std::fmt::Display) -> String {
    if header.is_empty() {
        format!("{file}: row {row}: {message}")
    } else {
        format!("{file}: row {row}, column `{header}`: {message}")
    }
}

/// Separator of the file: comma, or semicolon or tab when the header line has more of
/// them (spreadsheets in many locales save CSV with semicolons).
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or_default();
    let count = |c: char| first.matches(c).count();
    let (comma, semicolon, tab) = (count(','), count(';'), count('\t'));
    if semicolon > comma && semicolon >= tab {
        b';'
    } else if tab > comma && tab > semicolon {
        b'\t'
    } else {
        b','
    }
}

/// Reads the sheet in `bytes` (named `file` in messages).
pub fn parse(file: &str, bytes: &[u8]) -> Result<Sheet> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|err| {
        anyhow!(Hinted::new(
            format!(
                "{file} is not UTF-8 text (byte {} is not)",
                err.valid_up_to()
            ),
            "save the spreadsheet as \"CSV UTF-8\"",
        ))
    })?;
    if text.trim().is_empty() {
        bail!(Hinted::new(
            format!("{file} is empty"),
            "export the request list as CSV with a header row: id, request, criteria or controls, due",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(err)) => bail!("{file}: {err}"),
        None => bail!("{file} has no header row"),
    };

    let mut columns: Vec<Option<Column>> = Vec::new();
    let mut headers: BTreeMap<Column, Vec<String>> = BTreeMap::new();
    let mut ignored = Vec::new();
    for name in header.iter() {
        let column = column_of(name);
        match column {
            Some(column) => headers.entry(column).or_default().push(name.to_string()),
            None if name.trim().is_empty() => {}
            None => ignored.push(name.trim().to_string()),
        }
        columns.push(column);
    }
    for (column, names) in &headers {
        if names.len() > 1 && *column != Column::Refs {
            bail!(Hinted::new(
                format!(
                    "{file}: the columns {} all look like {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    column.describe()
                ),
                "rename or remove all but one of them",
            ));
        }
    }
    for column in [Column::Id, Column::Request, Column::Refs, Column::Due] {
        if !headers.contains_key(&column) {
            let found: Vec<String> = header
                .iter()
                .filter(|h| !h.trim().is_empty())
                .map(|h| format!("`{}`", h.trim()))
                .collect();
            bail!(Hinted::new(
                format!(
                    "{file} has no column for {} (its columns: {})",
                    column.describe(),
                    if found.is_empty() {
                        "none".to_string()
                    } else {
                        found.join(", ")
                    }
                ),
                format!(
                    "name a column {}; the header row is the file's first line",
                    column.names()
                ),
            ));
        }
    }

    let mut sheet = Sheet {
        file: file.to_string(),
        rows: Vec::new(),
        headers,
        ignored,
    };
    // The spreadsheet's row numbers: one per record, and one per blank line, which
    // the reader skips (a record's position is where the blank lines before it start).
    let mut row = 1;
    for record in records {
        let record = record.map_err(|err| anyhow!("{file}: {err}"))?;
        let start = record.position().map_or(0, |p| p.byte() as usize);
        row += 1 + blank_lines_at_start(text.get(start..).unwrap_or_default());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let mut read = Row {
            row,
            id: String::new(),
            request: String::new(),
            refs: Vec::new(),
            due: None,
            asked_on: None,
        };
        for (index, cell) in record.iter().enumerate() {
            let Some(Some(column)) = columns.get(index) else {
                continue;
            };
            let header = header.get(index).unwrap_or_default().trim();
            let cell = cell.trim();
            match column {
                Column::Id => {
                    read.id = request_id(cell).map_err(|m| cell_error(file, row, header, m))?
                }
                Column::Request => read.request = cell.to_string(),
                Column::Refs => read.refs.extend(
                    cell.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                        .filter(|t| !t.is_empty())
                        .map(str::to_uppercase),
                ),
                Column::Due => {
                    read.due = date(cell).map_err(|m| cell_error(file, row, header, m))?
                }
                Column::AskedOn => {
                    read.asked_on = date(cell).map_err(|m| cell_error(file, row, header, m))?
                }
            }
        }
        if read.id.is_empty() {
            bail!(cell_error(
                file,
                row,
                sheet.header(Column::Id),
                Hinted::new(
                    "the request has no id",
                    "give every row the auditor's id for the request",
                )
            ));
        }
        if read.request.is_empty() {
            bail!(cell_error(
                file,
                row,
                sheet.header(Column::Request),
                Hinted::new(
                    format!("request {} does not say what is requested", read.id),
                    "write the auditor's request in the cell",
                )
            ));
        }
        sheet.rows.push(read);
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &sheet.rows {
        if let Some(first) = seen.insert(&row.id, row.row) {
            bail!(Hinted::new(
                at(
                    file,
                    row.row,
                    sheet.header(Column::Id),
                    format!("request {} is also on row {first}", row.id)
                ),
                "give each request its own id, or remove the repeated row",
            ));
        }
    }
    Ok(sheet)
}

/// Blank lines at the start of `text`, before the line that holds something.
fn blank_lines_at_start(text: &str) -> usize {
    text.split_inclusive('\n')
        .take_while(|l| l.trim().is_empty() && l.ends_with('\n'))
        .count()
}

fn cell_error(file: &str, row: usize, header: &str, problem: Hinted) -> anyhow::Error {
    anyhow!(Hinted::new(
        at(file, row, header, &problem.message),
        problem.hint
    ))
}

/// The auditor's id as a record ID: upper case, with spaces, dots, slashes and
/// underscores as dashes (`pbc 1.2` -> `PBC-1-2`).
fn request_id(cell: &str) -> Result<String, Hinted> {
    let mut id = String::new();
    for c in cell.trim().chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_uppercase());
        } else if matches!(c, '-' | ' ' | '.' | '/' | '_') {
            if !id.is_empty() && !id.ends_with('-') {
                id.push('-');
            }
        } else if c != '#' {
            return Err(Hinted::new(
                format!("`{cell}` cannot be a request ID"),
                "IDs are letters, digits and dashes, like REQ-01 or PBC-14",
            ));
        }
    }
    let id = id.trim_end_matches('-').to_string();
    if id.is_empty() || is_valid_id(&id) {
        Ok(id)
    } else {
        Err(Hinted::new(
            format!("`{cell}` cannot be a request ID"),
            "IDs are letters, digits and dashes, like REQ-01 or PBC-14",
        ))
    }
}

fn date(cell: &str) -> Result<Option<Date>, Hinted> {
    if cell.is_empty() {
        return Ok(None);
    }
    Date::parse(cell).map(Some).map_err(|_| {
        Hinted::new(
            format!("`{cell}` is not a date"),
            "write dates as YYYY-MM-DD (in the spreadsheet, format the column as yyyy-mm-dd before saving as CSV)",
        )
    })
}

/// What the import needs to know of the store.
pub struct Known<'a> {
    pub controls: &'a [String],
    pub requests: &'a [String],
}

/// The rows as request records, checked against the store: each reference is a
/// criterion of the catalogue or a control of the store, and no ID is taken.
pub fn records(
    sheet: &Sheet,
    known: &Known,
    asked_by: Option<&str>,
    today: Date,
) -> Result<Vec<Request>> {
    let refs_header = sheet.header(Column::Refs);
    let mut out = Vec::new();
    for row in &sheet.rows {
        if known.requests.contains(&row.id) {
            bail!(Hinted::new(
                at(
                    &sheet.file,
                    row.row,
                    sheet.header(Column::Id),
                    format!(
                        "request {} already exists (requests/{}.yaml)",
                        row.id, row.id
                    )
                ),
                "remove the rows imported before, or pass --skip-existing to import only the new ones",
            ));
        }
        let mut criteria = Vec::new();
        let mut controls = Vec::new();
        for reference in &row.refs {
            if let Some(criterion) = catalog::find(reference) {
                push_new(&mut criteria, criterion.id.to_string());
            } else if known.controls.contains(reference) {
                push_new(&mut controls, reference.clone());
            } else {
                let candidates = known
                    .controls
                    .iter()
                    .map(String::as_str)
                    .chain(catalog::CRITERIA.iter().map(|c| c.id));
                bail!(Hinted::new(
                    at(
                        &sheet.file,
                        row.row,
                        refs_header,
                        format!(
                            "request {}: {}",
                            row.id,
                            suggest::unknown("control or criterion", reference, candidates)
                        )
                    ),
                    "name controls of this store (`soc2 controls`) or TSC criteria (`soc2 criteria`)",
                ));
            }
        }
        let asked_on = row.asked_on.unwrap_or(today);
        if let Some(due) = row.due
            && due < asked_on
        {
            bail!(Hinted::new(
                at(
                    &sheet.file,
                    row.row,
                    sheet.header(Column::Due),
                    format!(
                        "request {} is due ({due}) before it was asked ({asked_on})",
                        row.id
                    )
                ),
                "check the dates in the sheet",
            ));
        }
        out.push(Request {
            id: row.id.clone(),
            request: row.request.clone(),
            criteria,
            controls,
            asked_by: asked_by.map(str::to_string),
            asked_on,
            due: row.due,
            status: RequestStatus::Open,
            evidence: Vec::new(),
            provided_on: None,
            closed_on: None,
            comments: Vec::new(),
        });
    }
    Ok(out)
}

fn push_new(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(err: anyhow::Error) -> String {
        match err.downcast_ref::<Hinted>() {
            Some(h) => format!("{} / {}", h.message, h.hint),
            None => err.to_string(),
        }
    }

    #[test]
    fn headers_are_found_whatever_their_names_and_order() {
        let sheet = parse(
            "pbc.csv",
            "\u{feff}Due date,Control(s),Owner,Description,Request ID\n\
             2026-11-16,\"AC-01, CC6.1\",Ann,MFA settings,PBC 1.2\n\n\
             ,hr-01;cc1.4,,Background checks,2\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(sheet.ignored, ["Owner"]);
        assert_eq!(sheet.rows.len(), 2);
        let first = &sheet.rows[0];
        assert_eq!(first.id, "PBC-1-2");
        assert_eq!(first.refs, ["AC-01", "CC6.1"]);
        assert_eq!(first.due, Some(Date::from_ymd(2026, 11, 16)));
        assert_eq!(first.row, 2);
        assert_eq!(sheet.rows[1].row, 4);
        assert_eq!(sheet.rows[1].refs, ["HR-01", "CC1.4"]);
        assert_eq!(sheet.rows[1].due, None);

        let auditor = parse(
            "irl.csv",
            b"Request #,Request Description,TSC Reference,Control(s),Due Date,Date Requested\n\
              PBC-01,Access tickets,CC6.2,AC-02,2026-11-13,2026-11-02\n",
        )
        .unwrap();
        assert_eq!(auditor.rows[0].refs, ["CC6.2", "AC-02"]);
        assert_eq!(auditor.rows[0].asked_on, Some(Date::from_ymd(2026, 11, 2)));
        assert_eq!(
            parse("x.csv", b"#,Ask,Criteria,Due\n7,Logs,CC7.2,\n")
                .unwrap()
                .rows[0]
                .id,
            "7"
        );

        let semicolons = parse(
            "x.csv",
            b"ID;Request;Criteria;Deadline\nR1;Logs;CC7.2;2026-12-01\n",
        )
        .unwrap();
        assert_eq!(semicolons.rows[0].refs, ["CC7.2"]);
    }

    #[test]
    fn a_missing_column_is_named() {
        let err = parse("pbc.csv", b"ID,Request,Controls\nR1,Logs,AC-01\n").unwrap_err();
        assert_eq!(
            message(err),
            "pbc.csv has no column for the due date (its columns: `ID`, `Request`, `Controls`) / name a column `due` (or Due date, Deadline); the header row is the file's first line"
        );
    }

    #[test]
    fn bad_cells_name_the_row_and_column() {
        let err = parse(
            "pbc.csv",
            b"ID,Request,Controls,Due date\nR1,Logs,AC-01,2026-12-01\nR2,Tickets,AC-02,16/11/2026\n",
        )
        .unwrap_err();
        assert!(
            message(err).starts_with(
                "pbc.csv: row 3, column `Due date`: `16/11/2026` is not a date / write dates as YYYY-MM-DD"
            )
        );
        let err = parse(
            "pbc.csv",
            b"ID,Request,Controls,Due\nR1,Logs,AC-01,\nr1,Again,AC-01,\n",
        )
        .unwrap_err();
        assert_eq!(
            message(err),
            "pbc.csv: row 3, column `ID`: request R1 is also on row 2 / give each request its own id, or remove the repeated row"
        );
        let err = parse("pbc.csv", b"ID,Request,Controls,Due\nR1,,AC-01,\n").unwrap_err();
        assert!(
            message(err).starts_with("pbc.csv: row 2, column `Request`: request R1 does not say")
        );
        let err = parse("pbc.csv", b"ID,ID,Request,Controls,Due\n").unwrap_err();
        assert!(message(err).contains("the columns `ID` and `ID` all look like the request's id"));
        let err = parse("pbc.csv", b"ID,Request,Controls,Due\nR\xff1,x,AC-01,\n").unwrap_err();
        assert!(message(err).starts_with("pbc.csv is not UTF-8 text"));
    }

    #[test]
    fn references_are_criteria_or_known_controls() {
        let sheet = parse(
            "pbc.csv",
            b"ID,Request,Criteria/Controls,Due\nR1,Logs,\"CC7.2 AC-01 AC-01\",2026-12-01\nR2,x,AC-9,\n",
        )
        .unwrap();
        let controls = vec!["AC-01".to_string(), "AC-09".to_string()];
        let known = Known {
            controls: &controls,
            requests: &[],
        };
        let err = records(&sheet, &known, None, Date::from_ymd(2026, 11, 2)).unwrap_err();
        assert_eq!(
            message(err),
            "pbc.csv: row 3, column `Criteria/Controls`: request R2: unknown control or criterion `AC-9`, did you mean `AC-09`? / name controls of this store (`soc2 controls`) or TSC criteria (`soc2 criteria`)"
        );
        let one = Sheet {
            rows: sheet.rows[..1].to_vec(),
            ..sheet.clone()
        };
        let made = records(&one, &known, Some("Audit LLP"), Date::from_ymd(2026, 11, 2)).unwrap();
        assert_eq!(made[0].criteria, ["CC7.2"]);
        assert_eq!(made[0].controls, ["AC-01"]);
        assert_eq!(made[0].asked_on, Date::from_ymd(2026, 11, 2));
        assert_eq!(made[0].asked_by.as_deref(), Some("Audit LLP"));

        let taken = vec!["R1".to_string()];
        let known = Known {
            controls: &controls,
            requests: &taken,
        };
        let err = records(&one, &known, None, Date::from_ymd(2026, 11, 2)).unwrap_err();
        assert!(message(err).contains("row 2, column `ID`: request R1 already exists"));
    }
}
