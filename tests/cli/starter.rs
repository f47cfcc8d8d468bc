//! The starter library's shape, checked on the files `soc2 init` writes: every
//! criterion has a control, every common criterion two unless the README says why one
//! is enough, every control names a policy and says how to test it, every policy is
//! named by a control. The README's tables of the library are generated here from the
//! same files, and this test fails when they are out of date.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::Env;
use soc2::catalog::{self, Category};
use soc2::links::Shown;
use soc2::model::{Control, Policy};

const README: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
/// Set to rewrite the README's generated blocks instead of failing.
const UPDATE: &str = "SOC2_UPDATE_README";
/// The README's list of common criteria with one control, and why one is enough.
const SINGLE_CONTROL: &str = "single-control";
/// The README's generated blocks.
const POLICY_TABLE: &str = "starter-policies";
const CRITERION_TABLE: &str = "starter-table";

#[derive(Clone)]
struct Library {
    controls: Vec<Control>,
    policies: Vec<Policy>,
    /// Paths of the other files: the policy documents.
    documents: BTreeSet<String>,
}

/// The library as `soc2 init` writes it.
fn library() -> Library {
    let mut library = Library {
        controls: Vec::new(),
        policies: Vec::new(),
        documents: BTreeSet::new(),
    };
    for file in soc2::starter::files().unwrap() {
        let text = String::from_utf8(file.bytes).unwrap();
        let stem = file
            .path
            .rsplit('/')
            .next()
            .unwrap()
            .trim_end_matches(".yaml");
        if file.path.starts_with("controls/") {
            let mut control: Control = soc2::store::from_yaml(&text)
                .unwrap_or_else(|e| panic!("{} does not load: {e}", file.path));
            if control.id.is_empty() {
                control.id = stem.to_string();
            }
            library.controls.push(control);
        } else if file.path.ends_with(".yaml") {
            let mut policy: Policy = soc2::store::from_yaml(&text)
                .unwrap_or_else(|e| panic!("{} does not load: {e}", file.path));
            if policy.id.is_empty() {
                policy.id = stem.to_string();
            }
            library.policies.push(policy);
        } else {
            library.documents.insert(file.path);
        }
    }
    library.controls.sort_by(|a, b| a.id.cmp(&b.id));
    library.policies.sort_by(|a, b| a.id.cmp(&b.id));
    assert!(!library.controls.is_empty() && !library.policies.is_empty());
    library
}

/// The controls mapped to each criterion of the catalogue, in catalogue order.
fn controls_by_criterion(library: &Library) -> Vec<(&'static catalog::Criterion, Vec<&str>)> {
    catalog::CRITERIA
        .iter()
        .map(|criterion| {
            let controls = library
                .controls
                .iter()
                .filter(|c| c.criteria.iter().any(|id| id == criterion.id))
                .map(|c| c.id.as_str())
                .collect();
            (criterion, controls)
        })
        .collect()
}

/// The controls that name each policy.
fn controls_by_policy(library: &Library) -> BTreeMap<&str, Vec<&str>> {
    let mut out: BTreeMap<&str, Vec<&str>> = library
        .policies
        .iter()
        .map(|p| (p.id.as_str(), Vec::new()))
        .collect();
    for control in &library.controls {
        for policy in &control.policies {
            if let Some(controls) = out.get_mut(policy.as_str()) {
                controls.push(&control.id);
            }
        }
    }
    out
}

/// A common criterion the README allows to rest on one control.
#[derive(Debug)]
struct SingleControl {
    criterion: String,
    control: String,
    why: String,
}

/// The rows of the README's single-control table: `| criterion | control | why |`.
fn single_control_rows(readme: &str) -> Vec<SingleControl> {
    let block = block(readme, SINGLE_CONTROL).unwrap_or_else(|e| panic!("{e}"));
    block
        .lines()
        .filter(|l| l.trim_start().starts_with('|'))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect::<Vec<_>>()
        })
        .filter(|cells| {
            let first = cells.first().map(String::as_str).unwrap_or("");
            let separator = !first.is_empty() && first.chars().all(|c| c == '-' || c == ':');
            first != "criterion" && !separator
        })
        .map(|cells| SingleControl {
            criterion: cells.first().cloned().unwrap_or_default(),
            control: cells.get(1).cloned().unwrap_or_default(),
            why: cells.get(2..).map(|c| c.join(" | ")).unwrap_or_default(),
        })
        .collect()
}

/// Everything wrong with the library's shape, each naming what to fix.
fn shape_problems(library: &Library, allowed: &[SingleControl]) -> Vec<String> {
    let mut problems = Vec::new();
    let by_criterion = controls_by_criterion(library);
    for (criterion, controls) in &by_criterion {
        let id = criterion.id;
        let common = criterion.category == Category::Security;
        let allowance = allowed.iter().find(|a| a.criterion == id);
        match (controls.len(), allowance) {
            (0, _) => problems.push(format!(
                "{id} ({}, {}) has no control: map a control to it",
                criterion.category, criterion.title
            )),
            (1, None) if common => problems.push(format!(
                "common criterion {id} ({}) has one control, {}: map a second control to it, \
                 or list it in README.md's single-control table with why one is enough",
                criterion.title, controls[0]
            )),
            (1, Some(a)) if a.control != controls[0] => problems.push(format!(
                "README.md's single-control table names {} for {id}, but its control is {}",
                a.control, controls[0]
            )),
            (n, Some(_)) if n > 1 => problems.push(format!(
                "README.md's single-control table lists {id}, which now has {n} controls \
                 ({}): remove its row",
                controls.join(", ")
            )),
            _ => {}
        }
    }
    for a in allowed {
        match catalog::find(&a.criterion) {
            None => problems.push(format!(
                "README.md's single-control table lists `{}`, which is not a criterion",
                a.criterion
            )),
            Some(c) if c.category != Category::Security => problems.push(format!(
                "README.md's single-control table lists {}, which is not a common criterion: \
                 only common criteria need two controls",
                a.criterion
            )),
            Some(_) if a.why.is_empty() => problems.push(format!(
                "README.md's single-control table lists {} without saying why one control is enough",
                a.criterion
            )),
            Some(_) => {}
        }
    }

    let policy_ids: BTreeSet<&str> = library.policies.iter().map(|p| p.id.as_str()).collect();
    for control in &library.controls {
        let id = &control.id;
        if control.policies.is_empty() {
            problems.push(format!("control {id} names no policy"));
        }
        for policy in &control.policies {
            if !policy_ids.contains(policy.as_str()) {
                problems.push(format!(
                    "control {id} names {policy}, which is not in the library"
                ));
            }
        }
        if control
            .test_procedure
            .as_deref()
            .is_none_or(|t| t.trim().is_empty())
        {
            problems.push(format!("control {id} has no test_procedure"));
        }
    }
    for (policy, controls) in controls_by_policy(library) {
        if controls.is_empty() {
            problems.push(format!("policy {policy} is named by no control"));
        }
    }
    for policy in &library.policies {
        let document = policy.document.as_ref().map(|d| format!("policies/{d}"));
        if !document.is_some_and(|d| library.documents.contains(&d)) {
            problems.push(format!(
                "policy {} has no document in the library (policies/{}.md)",
                policy.id, policy.id
            ));
        }
    }
    problems
}

/// A table cell: one line, no stray column separators.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

fn criterion_table(library: &Library) -> String {
    let mut out = format!(
        "{} controls over {} criteria, generated from `controls/` by `tests/cli/starter.rs`.\n\n\
         | criterion | title | controls |\n|---|---|---|\n",
        library.controls.len(),
        catalog::CRITERIA.len()
    );
    for (criterion, controls) in controls_by_criterion(library) {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            criterion.id,
            cell(criterion.title),
            controls.join(", ")
        ));
    }
    out
}

fn policy_table(library: &Library) -> String {
    let named = controls_by_policy(library);
    let mut out = format!(
        "{} policies, standards and plans, generated from `policies/` by `tests/cli/starter.rs`.\n\n\
         | policy | title | named by |\n|---|---|---|\n",
        library.policies.len()
    );
    for policy in &library.policies {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            policy.id,
            cell(&policy.title),
            named[policy.id.as_str()].join(", ")
        ));
    }
    out
}

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- {name}:begin -->\n"),
        format!("<!-- {name}:end -->"),
    )
}

/// The text between a block's markers.
fn block<'a>(readme: &'a str, name: &str) -> Result<&'a str, String> {
    let (begin, end) = markers(name);
    let start = readme
        .find(&begin)
        .ok_or_else(|| format!("README.md has no `{}` line", begin.trim_end()))?
        + begin.len();
    let len = readme[start..]
        .find(&end)
        .ok_or_else(|| format!("README.md has no `{end}` line after its begin marker"))?;
    Ok(&readme[start..start + len])
}

/// The README with a block's text replaced.
fn with_block(readme: &str, name: &str, text: &str) -> String {
    let current = block(readme, name).unwrap_or_else(|e| panic!("{e}"));
    let start = current.as_ptr() as usize - readme.as_ptr() as usize;
    format!(
        "{}{text}{}",
        &readme[..start],
        &readme[start + current.len()..]
    )
}

/// What differs between the README's block and the generated one, line by line.
fn difference(current: &str, generated: &str) -> String {
    let old: BTreeSet<&str> = current.lines().collect();
    let new: BTreeSet<&str> = generated.lines().collect();
    let mut out = String::new();
    for line in current
        .lines()
        .filter(|l| !l.is_empty() && !new.contains(l))
    {
        out.push_str(&format!("  README:  {line}\n"));
    }
    for line in generated
        .lines()
        .filter(|l| !l.is_empty() && !old.contains(l))
    {
        out.push_str(&format!("  library: {line}\n"));
    }
    out
}

fn generated_blocks(library: &Library) -> [(&'static str, String); 2] {
    [
        (POLICY_TABLE, policy_table(library)),
        (CRITERION_TABLE, criterion_table(library)),
    ]
}

#[test]
fn the_starter_library_has_the_shape_the_readme_promises() {
    let readme = std::fs::read_to_string(README).unwrap();
    let problems = shape_problems(&library(), &single_control_rows(&readme));
    assert!(
        problems.is_empty(),
        "the starter library (controls/, policies/):\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn the_readme_tables_of_the_starter_library_are_up_to_date() {
    let library = library();
    let mut readme = std::fs::read_to_string(README).unwrap();
    let mut stale = Vec::new();
    for (name, generated) in generated_blocks(&library) {
        let current = block(&readme, name).unwrap_or_else(|e| panic!("{e}"));
        if current != generated {
            stale.push(format!("`{name}`:\n{}", difference(current, &generated)));
            readme = with_block(&readme, name, &generated);
        }
    }
    if stale.is_empty() {
        return;
    }
    if std::env::var_os(UPDATE).is_some() {
        std::fs::write(README, readme).unwrap();
        return;
    }
    panic!(
        "README.md's tables of the starter library are out of date with controls/ and \
         policies/; run `{UPDATE}=1 cargo test --test cli starter` to rewrite them, then \
         review and commit README.md.\n{}",
        stale.join("\n")
    );
}

/// A library of two controls and one policy: ALL-01 maps every criterion, ALL-02 every
/// common criterion.
fn small_library() -> Library {
    let control = |id: &str, category: Option<Category>| {
        let mut control: Control = soc2::store::from_yaml(&format!(
            "id: {id}\ntitle: Everything\nstatus: planned\nfrequency: annual\n\
             policies: [POL-A]\ntest_procedure: Inspect it.\n"
        ))
        .unwrap();
        control.criteria = catalog::CRITERIA
            .iter()
            .filter(|c| category.is_none_or(|category| c.category == category))
            .map(|c| c.id.to_string())
            .collect();
        control
    };
    let policy: Policy =
        soc2::store::from_yaml("id: POL-A\ntitle: A Policy\ndocument: POL-A.md\n").unwrap();
    Library {
        controls: vec![
            control("ALL-01", None),
            control("ALL-02", Some(Category::Security)),
        ],
        policies: vec![policy],
        documents: BTreeSet::from(["policies/POL-A.md".to_string()]),
    }
}

/// The rules can fail: each gap is named, and a changed mapping makes the README's
/// table stale.
#[test]
fn a_gap_in_the_library_is_named_and_a_changed_mapping_dates_the_readme() {
    let library = small_library();
    assert_eq!(shape_problems(&library, &[]), Vec::<String>::new());

    let mut broken = library.clone();
    broken.controls[0].criteria.retain(|c| c != "P7.1");
    broken.controls[1].criteria.retain(|c| c != "CC6.4");
    broken.controls[1].policies.clear();
    broken.controls[1].test_procedure = None;
    let mut unused = broken.policies[0].clone();
    unused.id = "POL-UNUSED".to_string();
    unused.document = Some("POL-UNUSED.md".to_string());
    broken.policies.push(unused);
    assert_eq!(
        shape_problems(&broken, &[]),
        [
            "common criterion CC6.4 (Restricting physical access to facilities and assets) \
             has one control, ALL-01: map a second control to it, or list it in README.md's \
             single-control table with why one is enough",
            "P7.1 (privacy, Keeping personal information accurate and complete) has no \
             control: map a control to it",
            "control ALL-02 names no policy",
            "control ALL-02 has no test_procedure",
            "policy POL-UNUSED is named by no control",
            "policy POL-UNUSED has no document in the library (policies/POL-UNUSED.md)",
        ]
    );

    // The README's single-control table excuses a criterion, and its rows stay honest.
    let allowed = |criterion: &str, control: &str, why: &str| SingleControl {
        criterion: criterion.to_string(),
        control: control.to_string(),
        why: why.to_string(),
    };
    let mut one = library.clone();
    one.controls[1].criteria.retain(|c| c != "CC6.4");
    let readme = "Intro\n\n<!-- single-control:begin -->\n\
                  | criterion | control | why |\n|---|---|---|\n\
                  | CC6.4 | `ALL-01` | Offices only; the data centres are carved out |\n\
                  <!-- single-control:end -->\n";
    let rows = single_control_rows(readme);
    assert_eq!(
        (
            rows[0].criterion.as_str(),
            rows[0].control.as_str(),
            rows.len()
        ),
        ("CC6.4", "ALL-01", 1)
    );
    assert_eq!(rows[0].why, "Offices only; the data centres are carved out");
    assert_eq!(shape_problems(&one, &rows), Vec::<String>::new());
    assert_eq!(
        shape_problems(
            &one,
            &[
                allowed("CC6.4", "ALL-02", "the wrong control"),
                allowed("CC6.1", "ALL-01", "no longer needed"),
                allowed("P7.1", "ALL-01", "not common"),
                allowed("CC6.10", "ALL-01", "no such criterion"),
                allowed("CC6.4", "ALL-01", ""),
            ]
        ),
        [
            "README.md's single-control table lists CC6.1, which now has 2 controls \
             (ALL-01, ALL-02): remove its row",
            "README.md's single-control table names ALL-02 for CC6.4, but its control is ALL-01",
            "README.md's single-control table lists P7.1, which is not a common criterion: \
             only common criteria need two controls",
            "README.md's single-control table lists `CC6.10`, which is not a criterion",
            "README.md's single-control table lists CC6.4 without saying why one control is enough",
        ]
    );

    // A mapping changed in the files and not in the README fails the table test, which
    // holds the README's block to the table of the files as they are.
    assert_eq!(
        difference(&criterion_table(&library), &criterion_table(&broken)),
        "  README:  | CC6.4 | Restricting physical access to facilities and assets | ALL-01, ALL-02 |\n  \
         README:  | P7.1 | Keeping personal information accurate and complete | ALL-01 |\n  \
         library: | CC6.4 | Restricting physical access to facilities and assets | ALL-01 |\n  \
         library: | P7.1 | Keeping personal information accurate and complete |  |\n"
    );
}

#[test]
fn show_prints_a_starter_controls_test_procedure() {
    let library = library();
    let ac01 = library.controls.iter().find(|c| c.id == "AC-01").unwrap();
    let procedure = ac01.test_procedure.as_deref().unwrap();
    let env = Env::new();
    env.soc2(&["init"]).success();
    let run = env.soc2(&["show", "AC-01"]).success();
    assert!(
        run.stdout
            .ends_with(&format!("\nTest procedure:\n{procedure}\n")),
        "{run}"
    );
    let shown: Shown = env
        .soc2(&["show", "AC-01", "--format", "json"])
        .success()
        .parse();
    let Shown::Control { record, .. } = shown else {
        panic!("AC-01 is not shown as a control");
    };
    assert_eq!(record.test_procedure.as_deref(), Some(procedure));
}

/// Every recipe in the library parses and names a command from a widely used tool, so
/// that it runs unchanged once the tool and its token are there.
#[test]
fn every_collector_recipe_parses_and_names_a_command() {
    let mut recipes = 0;
    for write in soc2::starter::files().unwrap() {
        if !write.path.starts_with("controls/") {
            continue;
        }
        let text = String::from_utf8(write.bytes).unwrap();
        let control: soc2::model::Control = soc2::store::from_yaml(&text).unwrap();
        for collector in &control.collect {
            recipes += 1;
            let argv = collector.argv();
            assert!(
                ["gh", "aws", "gam", "git", "soc2"].contains(&argv[0].as_str()),
                "{} {}: {argv:?}",
                control.id,
                collector.name
            );
            assert!(argv.len() > 1, "{} {}", control.id, collector.name);
            assert!(soc2::model::is_valid_collector_name(&collector.name));
            assert!(!collector.shell, "recipes run without a shell");
        }
        if !control.collect.is_empty() {
            assert!(text.contains("\ncollect:\n"), "{}", control.id);
        }
    }
    assert!(recipes >= 10, "{recipes} recipes");
}
