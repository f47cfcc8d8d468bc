use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;

use super::{Context, Exit, print};
use soc2::Hinted;
use soc2::catalog::Category;
use soc2::change::{self, Change};
use soc2::store::{input, records};

use super::args::{parse_category, parse_date};
use soc2::git::{self, Repo};
use soc2::model::paths::PROGRAM_FILE;
use soc2::model::{AuditType, Date, History, Period, Roadmap, StepRef};
use soc2::program;
use soc2::readiness;
use soc2::report::{self, Style};
use soc2::schema::Kind;
use soc2::starter;
use soc2::store::{self as store_files, PendingWrite, render};

/// Create a new store from the starter library and commit it.
///
/// Writes soc2.yaml, a control library that maps to every Trust Services Criterion, and
/// the policies a first SOC 2 needs, each with `owner: TODO`. Every control starts as
/// `planned`, so a new store shows 0% until people do the work. Initialises a git
/// repository if there is none and makes the first commit. Never overwrites a file.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Where to create the store (default: the current directory)
    pub dir: Option<PathBuf>,

    /// The organisation's name (default: the directory's name)
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,

    /// Categories in scope besides security, comma-separated
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = parse_category,
        default_value = "availability,confidentiality"
    )]
    pub categories: Vec<Category>,

    /// The first day of a Type II observation period of six months; without it the audit
    /// is Type I. The program's target dates are back-planned from it (default: the first
    /// of the month six months from today)
    #[arg(long, value_parser = parse_date, value_name = "YYYY-MM-DD")]
    pub period_start: Option<Date>,
}

pub fn run(context: &Context, args: InitArgs) -> Result<Exit> {
    context.refuse_rev("init")?;
    let dir = match args.dir.or_else(|| context.global.repo.clone()) {
        Some(dir) => dir,
        None => std::env::current_dir().context("reading the current directory")?,
    };
    let dir = input::create_store_dir(&dir)?;
    let existing_repo = Repo::discover(&dir)?;
    if let Some(repo) = &existing_repo {
        let top = input::resolve_dir(repo.workdir()?)?;
        if top != dir {
            bail!(Hinted::new(
                format!(
                    "{} is inside the git repository at {}",
                    dir.display(),
                    top.display()
                ),
                format!(
                    "a store lives at the top of its repository: run `soc2 init {}`, or choose a folder outside it",
                    top.display()
                ),
            ));
        }
    }

    let organisation = match args.org {
        Some(org) => org,
        None => dir.file_name().map_or("Example Co".to_string(), |n| {
            n.to_string_lossy().into_owned()
        }),
    };
    let mut categories: Vec<Category> = args
        .categories
        .into_iter()
        .filter(|c| *c != Category::Security)
        .collect();
    categories.sort();
    categories.dedup();

    let period = args.period_start.map(|start| Period {
        start,
        end: start.add_months(6).add_days(-1),
    });
    let mut change = Change::new("init", "store");
    change.writes.push(PendingWrite::create(
        PROGRAM_FILE,
        program_file(&organisation, &categories, period, context.today),
    ));
    change.writes.extend(starter::files()?);
    change.writes.extend(starter::program_files(&organisation)?);
    for kind in Kind::ALL {
        change
            .writes
            .push(PendingWrite::create(kind.path(), kind.generate()));
    }
    let (controls, policies) = starter::counts();
    change.details.push(format!(
        "Start a SOC 2 program for {organisation}: {controls} controls and {policies} policies from the starter library."
    ));
    refuse_existing(&dir, &change.writes)?;

    // Everything that could fail is checked before the first byte is written.
    let (repo, identity) = match existing_repo {
        Some(repo) => {
            let identity = change::preflight(&repo, &change)?;
            (repo, identity)
        }
        None => {
            let identity = git::default_identity()?;
            (Repo::init(&dir)?, identity)
        }
    };
    let commit = change::apply_as(&repo, &change, &identity)?;

    let style = Style::for_stdout();
    let loaded = store_files::load(&store_files::WorkTree::new(&dir))?;
    let assessment = readiness::assess(&loaded.store, context.today, &History::default());
    let view = program::gather::view(
        &loaded.store,
        &assessment,
        &store_files::WorkTree::new(&dir),
        &History::default(),
        None,
    )?;
    print(&format!(
        "{} a SOC 2 store for {organisation} in {}\n  {controls} controls, {policies} policies, a system description and the cloud provider; committed as {}\n\n\
         {} the program's first steps (`soc2 program` shows all 20):\n{}\n\
         Then mark the controls that already run, add their evidence and have them approved\n\
         (`soc2 control set`, `soc2 evidence add`, `soc2 approve`), and see where you stand:\n\
         `soc2 status`.\n",
        style.green("Created"),
        dir.display(),
        &commit[..12],
        style.bold("Next:"),
        report::program::render_first_steps(&view, 3),
    ))?;
    Ok(Exit::Success)
}

/// Names every file that is already there; writes nothing if any is.
fn refuse_existing(dir: &Path, writes: &[PendingWrite]) -> Result<()> {
    let existing = records::existing_files(dir, writes.iter().map(|w| w.path.as_str()));
    if existing.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = existing.iter().take(5).copied().collect();
    let more = existing.len().saturating_sub(shown.len());
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    bail!(Hinted::new(
        format!(
            "{} here: {}{more}",
            if existing.len() == 1 {
                "a file already exists"
            } else {
                "files already exist"
            },
            shown.join(", ")
        ),
        "soc2 init never overwrites files: run it in an empty folder, or move those files away",
    ))
}

/// The starter soc2.yaml, with comments that explain each choice, and the program's
/// targets back-planned from the observation period's start.
fn program_file(
    organisation: &str,
    categories: &[Category],
    period: Option<Period>,
    today: Date,
) -> String {
    let names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
    let audit = match period {
        Some(period) => format!(
            "audit:\n  # The observation period: 3 to 12 months.\n  type: type2\n  period: {{start: {}, end: {}}}\n",
            period.start, period.end
        ),
        None => "audit:\n  # type1 first; type2 needs an observation period of 3 to 12 months:\n  # type: type2\n  # period: {start: 2027-01-01, end: 2027-06-30}\n  type: type1\n".to_string(),
    };
    let (kind, start, end) = match period {
        Some(period) => (AuditType::Type2, period.start, period.end),
        None => {
            let start = program::plan::default_start(today);
            (AuditType::Type1, start, start)
        }
    };
    let roadmap = Roadmap {
        owner: None,
        owners: Default::default(),
        targets: program::plan::schedule(kind, start, end)
            .into_iter()
            .filter_map(|(number, date)| {
                let step = soc2::model::STEPS.iter().find(|s| s.number == number)?;
                Some((StepRef(step.slug.to_string()), date))
            })
            .collect(),
    };
    #[derive(serde::Serialize)]
    struct Targets<'a> {
        program: &'a Roadmap,
    }
    let planned_from = match period {
        Some(_) => format!("the observation period's start ({start})"),
        None => format!("a period starting {start}: set `audit.period` and adjust them"),
    };
    format!(
        "{header}# The SOC 2 program: what the audit covers and what `soc2 check` enforces in CI.
organisation: {organisation}
scope:
  # The services the audit covers, for the report and step 1 of the program:
  # services: [api, dashboard]
  # Security (the common criteria) is always in scope. Add what your customers ask
  # for: availability, confidentiality, processing-integrity, privacy.
  categories: [{categories}]
  # Criteria that do not apply, each with the reason your auditor will read. Where a
  # vendor performs a control (the cloud provider's data centres), keep the criterion and
  # record the vendor in vendors/ as a carve-out subservice organisation instead.
  # excluded_criteria:
  #   - {{criterion: P1.1, reason: \"...\"}}
{audit}gate:
  # `soc2 check` fails below this readiness (percent of in-scope criteria met).
  min_readiness: 0
  # Warnings to treat as errors, e.g. [stale-evidence, overdue-review].
  fail_on: []
# The 20 steps of the program (`soc2 program`), each with its target date, back-planned
# from {planned_from}.
# `soc2 due` lists the steps past their target. Name the program's owner with `owner:`
# under `program:`, and a step's own with `owners: {{STEP: PERSON}}`.
{targets}",
        header = Kind::Program.header(PROGRAM_FILE),
        organisation = render::quoted_if_needed(organisation),
        categories = names.join(", "),
        targets = render::to_yaml(&Targets { program: &roadmap }),
    )
}
