use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::model::paths::{CONTROLS_DIR, PROGRAM_FILE, REQUESTS_DIR};
use soc2::model::{Date, Program};
use soc2::report::plural;
use soc2::requests::import::{self, Known};
use soc2::schema::Kind;
use soc2::store::{PendingWrite, input, records};

use super::super::args::parse_date;
use super::super::{Context, Exit, print};

/// Import the auditor's request list from a CSV file: one record per row, one commit.
///
/// The file needs a header row naming an id column, what is requested, the criteria or
/// controls it concerns, and the due date, in any order; headers are compared without
/// case, spaces or punctuation, and common names work ("Request ID", "Description",
/// "Control(s)", "Due date"). Columns it does not know are ignored. Criteria and
/// controls may share a column; each value is told apart by its form. Dates are
/// YYYY-MM-DD. Nothing is written when any row cannot be read.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The request list, saved as CSV (UTF-8; comma, semicolon or tab separated)
    pub file: PathBuf,

    /// Who asked (default: `audit.auditor` of soc2.yaml)
    #[arg(long, value_name = "NAME")]
    pub from: Option<String>,

    /// The day the list was received, for rows without an asked-on column (default: today)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub asked_on: Option<Date>,

    /// Skip rows whose request ID exists already (an updated list from the auditor)
    #[arg(long)]
    pub skip_existing: bool,
}

pub fn run(context: &Context, args: ImportArgs) -> Result<Exit> {
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let file = input::read(&args.file)?;
    let name = args.file.display().to_string();
    let mut sheet = import::parse(&name, &file.bytes)?;
    let existing = records::ids_in(&root, REQUESTS_DIR)?;
    let skipped: Vec<String> = if args.skip_existing {
        let skipped = sheet
            .rows
            .iter()
            .filter(|r| existing.contains(&r.id))
            .map(|r| r.id.clone())
            .collect();
        sheet.rows.retain(|r| !existing.contains(&r.id));
        skipped
    } else {
        Vec::new()
    };
    if sheet.rows.is_empty() {
        if skipped.is_empty() {
            bail!(Hinted::new(
                format!("{name} lists no request"),
                "the header row comes first, then one row per request",
            ));
        }
        print(&format!(
            "Every request of {name} exists already ({}); nothing to commit\n",
            skipped.join(", ")
        ))?;
        return Ok(Exit::Success);
    }
    let asked_by = match args.from {
        Some(from) => Some(from),
        None => records::read::<Program>(&root, PROGRAM_FILE, "program")?
            .value
            .audit
            .auditor
            .clone(),
    };
    let controls = records::ids_in(&root, CONTROLS_DIR)?;
    let known = Known {
        controls: &controls,
        requests: &existing,
    };
    let asked_on = args.asked_on.unwrap_or(context.today);
    let made = import::records(&sheet, &known, asked_by.as_deref(), asked_on)?;

    let file_name = args
        .file
        .file_name()
        .map_or(name.clone(), |n| n.to_string_lossy().into_owned());
    let mut change = Change::new("request-import", &file_name);
    change.details.push(format!(
        "Import {} from {file_name}: {}",
        plural(made.len(), "request"),
        made.iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for request in &made {
        let path = format!("{REQUESTS_DIR}/{}.yaml", request.id);
        change.writes.push(PendingWrite::create(
            &path,
            records::new_file(&root, Kind::Request, &path, request),
        ));
    }
    let commit = change::apply(&repo, &change)?;
    let mut out = format!(
        "Imported {} from {file_name} in commit {}\n",
        plural(made.len(), "request"),
        &commit[..12]
    );
    for request in &made {
        let due = request
            .due
            .map_or("no due date".to_string(), |d| format!("due {d}"));
        out.push_str(&format!(
            "  {}  {}  {}\n",
            request.id,
            due,
            soc2::requests::short(&request.request)
        ));
    }
    if !skipped.is_empty() {
        out.push_str(&format!(
            "Skipped {} that exist already: {}\n",
            plural(skipped.len(), "request"),
            skipped.join(", ")
        ));
    }
    if !sheet.ignored.is_empty() {
        out.push_str(&format!("Ignored columns: {}\n", sheet.ignored.join(", ")));
    }
    print(&out)?;
    Ok(Exit::Success)
}
