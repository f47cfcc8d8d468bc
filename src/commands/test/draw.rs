use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::change::{self, Change};
use soc2::history::{self, Depth};
use soc2::internal_audit::testing::{self, Draw, SpanChoice, resolve_span, sampled_evidence};
use soc2::model::Covers;
use soc2::model::paths::{EVIDENCE_DIR, POPULATIONS_DIR, TESTS_DIR, test_id};
use soc2::report::{self, internal_audit};
use soc2::schema::Kind;
use soc2::store::records::{self, Names};
use soc2::store::{self, PendingWrite};

use super::super::args::parse_covers;
use super::super::context::valid;
use super::super::output::warn;
use super::super::{Context, Exit, print};

#[derive(Debug, Args)]
pub struct DrawArgs {
    /// The control to test (draws a sample)
    #[arg(required = true)]
    pub control: Option<String>,

    /// Test one window of the observation period, by its label (like 2026-Q3 or 2026-09)
    #[arg(long, value_name = "LABEL", conflicts_with = "period")]
    pub window: Option<String>,

    /// Test the observation period (the default), or the days FROM..TO
    #[arg(long, value_name = "FROM..TO", num_args = 0..=1, value_parser = parse_covers)]
    pub period: Option<Option<Covers>>,

    /// Draw with this seed instead of HEAD's commit id
    #[arg(long, value_name = "TEXT")]
    pub seed: Option<String>,

    /// A title for the test, which also names its file
    #[arg(short = 'm', long = "title", value_name = "TEXT")]
    pub title: Option<String>,
}

pub fn run(context: &Context, args: DrawArgs) -> Result<Exit> {
    let Some(control_id) = args.control else {
        bail!("name the control to test");
    };
    let repo = context.repo()?;
    let root = repo.workdir()?.to_path_buf();
    let Some(head) = repo.head_stamp()? else {
        bail!(Hinted::new(
            "the repository has no commit yet, so there is no committed population to sample",
            "commit the store first",
        ));
    };
    // The population is read as committed at HEAD, so that the test's commit and seed
    // are all anyone needs to recompute the sample.
    let source = repo.tree_source(&head.id)?;
    let store = valid(store::load(&source)?)?;
    let history = history::read(&repo, &head.id, Depth::WithEvidence)?;
    let Some(control) = store.control(&control_id) else {
        let ids = store.controls.iter().map(|c| c.value.id.as_str());
        bail!(Hinted::new(
            soc2::suggest::unknown("control", &control_id, ids),
            "`soc2 controls` lists the control IDs (as committed: commit a new control first)",
        ));
    };
    let control = &control.value;
    let choice = match args.window {
        Some(label) => SpanChoice::Window(label),
        None => SpanChoice::Period(args.period.flatten()),
    };
    let (span, window) = resolve_span(&store, control, &choice)?;

    let folder = format!("{TESTS_DIR}/{}", control.id);
    let slug_from = args
        .title
        .clone()
        .or_else(|| window.clone())
        .unwrap_or_else(|| "period".to_string());
    let stem = Names::new(&root, &folder)?.record(&format!(
        "{}-{}",
        context.today,
        records::slug(&slug_from)
    ));
    let path = format!("{folder}/{stem}.yaml");
    let mut change = Change::new("test-draw", &control.id);
    change.writes.push(PendingWrite::create(&path, Vec::new()));
    let identity = change::preflight(&repo, &change)?;
    let tester = identity.author.email.clone();

    let seed = args.seed.unwrap_or_else(|| head.id.clone());
    let (test, population) = testing::draw(Draw {
        store: &store,
        control,
        span,
        window,
        seed,
        commit: Some(head.id.clone()),
        tester: tester.clone(),
        today: context.today,
        title: args.title,
    })?;
    if let Some(conflict) =
        testing::duty_conflict(&store, &history, control, &sampled_evidence(&test), &tester)
    {
        bail!(Hinted::new(
            conflict,
            format!(
                "segregation of duties: someone who neither owns {} nor collected its sampled evidence runs `soc2 test {}`; drawn from the same commit, their sample is the same",
                control.id, control.id
            ),
        ));
    }
    let id = test_id(&path);
    change.writes = vec![PendingWrite::create(
        &path,
        records::new_file(&root, Kind::Test, &path, &test),
    )];
    change.details.push(format!(
        "Draw {} of {} {} of {} ({}..{}) with seed {}",
        test.sample.len(),
        population.items.len(),
        if population.items.len() == 1 {
            "occurrence"
        } else {
            "occurrences"
        },
        control.id,
        span.from,
        span.to,
        test.seed
    ));
    let commit = change::apply_as(&repo, &change, &identity)?;
    if repo.has_changes_under(&[
        &format!("{EVIDENCE_DIR}/{}", control.id),
        &format!("{POPULATIONS_DIR}/{}", control.id),
    ])? {
        warn(&format!(
            "evidence or population files of {} have uncommitted changes: the sample was drawn from the population as committed at {}",
            control.id,
            &head.id[..12]
        ));
    }
    let mut out = format!(
        "Drew {} of {} from {} to {} (seed {}) into {path} in commit {}\n",
        report::plural(test.sample.len(), "item"),
        report::plural(population.items.len(), "occurrence"),
        span.from,
        span.to,
        test.seed,
        &commit[..12]
    );
    if test.sample.is_empty() {
        out.push_str(&format!(
            "Nothing to sample: {} says nothing happened. Inspect it, then `soc2 test conclude {id}`.\n",
            test.population.no_occurrence.join(", ")
        ));
    } else {
        out.push_str(&internal_audit::sample_table(&test));
        out.push_str(&format!(
            "Record each item: soc2 test record {id} --item N --pass (or --exception \"what was wrong\")\n"
        ));
    }
    print(&out)?;
    Ok(Exit::Success)
}
