use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use clap::Args;

use super::{Context, Exit, print};
use soc2::Hinted;
use soc2::catalog::Category;
use soc2::change::{self, Change};
use soc2::store::{input, records};

use super::args::parse_category;
use soc2::git::{self, Repo};
use soc2::model::paths::PROGRAM_FILE;
use soc2::report::Style;
use soc2::schema::Kind;
use soc2::starter;
use soc2::store::{PendingWrite, render};

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

    let mut change = Change::new("init", "store");
    change.writes.push(PendingWrite::create(
        PROGRAM_FILE,
        program_file(&organisation, &categories),
    ));
    change.writes.extend(starter::files()?);
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
    let example = "AC-01";
    print(&format!(
        "{} a SOC 2 store for {organisation} in {}\n  {controls} controls, {policies} policies; committed as {}\n\n\
         {}\n\
         \x20 1. Name the owners: every control and policy says `owner: TODO`.\n\
         \x20      soc2 control set {example} --owner alice@example.com\n\
         \x20      soc2 policy set POL-ACCESS --owner alice@example.com\n\
         \x20 2. Check the scope in soc2.yaml: categories, excluded criteria, audit type.\n\
         \x20 3. For each control that already runs: mark it, add its evidence, have it and its\n\
         \x20    policies approved by someone else, in their own clone (README: Quick start).\n\
         \x20      soc2 control set {example} --status implemented\n\
         \x20      soc2 evidence add {example} report.csv --covers FROM..TO\n\
         \x20      soc2 approve {example}          (run by the approver, not by you)\n\
         \x20 4. See where you stand: soc2 status\n",
        style.green("Created"),
        dir.display(),
        &commit[..12],
        style.bold("Next steps:"),
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

/// The starter soc2.yaml, with comments that explain each choice.
fn program_file(organisation: &str, categories: &[Category]) -> String {
    let names: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
    format!(
        "{header}# The SOC 2 program: what the audit covers and what `soc2 check` enforces in CI.
organisation: {organisation}
scope:
  # Security (the common criteria) is always in scope. Add what your customers ask
  # for: availability, confidentiality, processing-integrity, privacy.
  categories: [{categories}]
  # Criteria that do not apply, each with the reason your auditor will read:
  # excluded_criteria:
  #   - {{criterion: CC6.4, reason: \"No offices or data centres; the cloud provider is a carved-out subservice organisation\"}}
audit:
  # type1 first; type2 needs an observation period of 3 to 12 months:
  # type: type2
  # period: {{start: 2027-01-01, end: 2027-06-30}}
  type: type1
gate:
  # `soc2 check` fails below this readiness (percent of in-scope criteria met).
  min_readiness: 0
  # Warnings to treat as errors, e.g. [stale-evidence, overdue-review].
  fail_on: []
",
        header = Kind::Program.header(PROGRAM_FILE),
        organisation = render::quoted_if_needed(organisation),
        categories = names.join(", "),
    )
}
