//! The JSON Schemas: the committed copies are current, and they accept the
//! demonstration store and what `soc2 init` writes.

use std::path::Path;

use crate::common::Env;
use soc2::schema::Kind;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[test]
fn committed_schemas_are_up_to_date() {
    for kind in Kind::ALL {
        let committed =
            std::fs::read_to_string(Path::new(ROOT).join(kind.path())).unwrap_or_default();
        assert!(
            committed == kind.generate(),
            "{} is out of date; regenerate it with `cargo run -q -- schema {} > {}`",
            kind.path(),
            kind.name(),
            kind.path()
        );
    }
}

#[test]
fn schema_command_prints_them() {
    let env = Env::new();
    insta::assert_snapshot!(env.soc2(&["schema"]).success());
    let run = env.soc2(&["schema", "risk"]).success();
    assert_eq!(run.stdout, Kind::Risk.generate());
}

/// Every record file under `root`, with the kind of its schema.
fn records(root: &Path) -> Vec<(Kind, std::path::PathBuf)> {
    let mut out = vec![(Kind::Program, root.join("soc2.yaml"))];
    if root.join("system/description.yaml").is_file() {
        out.push((Kind::System, root.join("system/description.yaml")));
    }
    for (dir, kind) in [
        ("controls", Kind::Control),
        ("policies", Kind::Policy),
        ("risks", Kind::Risk),
        ("requests", Kind::Request),
        ("findings", Kind::Finding),
        ("vendors", Kind::Vendor),
    ] {
        for entry in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry.path().extension().is_some_and(|e| e == "yaml") {
                out.push((kind, entry.path()));
            }
        }
    }
    for (dir, kind) in [("evidence", Kind::Evidence), ("tests", Kind::Test)] {
        for folder in std::fs::read_dir(root.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            // tests/ also holds this project's own tests: only ID folders are the store's.
            let name = folder.file_name().to_string_lossy().into_owned();
            if !soc2::model::is_valid_id(&name) {
                continue;
            }
            for entry in std::fs::read_dir(folder.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if entry.path().extension().is_some_and(|e| e == "yaml") {
                    out.push((kind, entry.path()));
                }
            }
        }
    }
    out
}

fn validate_store(root: &Path) -> usize {
    let validators: Vec<(Kind, jsonschema::Validator)> = Kind::ALL
        .iter()
        .map(|k| {
            let schema: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(root.join(k.path())).unwrap())
                    .unwrap();
            (*k, jsonschema::validator_for(&schema).unwrap())
        })
        .collect();
    let files = records(root);
    for (kind, path) in &files {
        let value: serde_json::Value =
            soc2::store::from_yaml(&std::fs::read_to_string(path).unwrap()).unwrap();
        let validator = &validators.iter().find(|(k, _)| k == kind).unwrap().1;
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
    files.len()
}

#[test]
fn the_schemas_accept_the_demonstration_store() {
    assert!(validate_store(Path::new(ROOT)) > 100);
}

#[test]
fn the_schemas_accept_what_init_writes() {
    let env = Env::new();
    env.soc2(&["init"]).success();
    assert!(validate_store(&env.repo) > 50);
}

#[test]
fn the_schemas_reject_what_soc2_rejects() {
    let schema: serde_json::Value = serde_json::from_str(&Kind::Control.generate()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for bad in [
        "title: x\nstatus: planned\nfrequency: daily\nownr: a\n",
        "title: x\nstatus: implemnted\nfrequency: daily\n",
        "title: x\nstatus: planned\nfrequency: daily\ncriteria: [CC6.9]\n",
        "title: x\nstatus: planned\n",
        "id: ac-1\ntitle: x\nstatus: planned\nfrequency: daily\n",
    ] {
        let value: serde_json::Value = soc2::store::from_yaml(bad).unwrap();
        assert!(!validator.is_valid(&value), "accepted: {bad}");
    }
}

#[test]
fn completions_for_every_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = env.soc2(&["completions", shell]).success();
        assert!(run.stdout.contains("soc2"), "{shell}");
        assert!(
            run.stdout.contains("evidence"),
            "{shell}: subcommands are completed"
        );
    }
    let bash = env.soc2(&["completions", "bash"]).success().stdout;
    let script = env.home.join("soc2.bash");
    std::fs::write(&script, bash).unwrap();
    if let Ok(status) = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
    {
        assert!(status.success(), "the bash script parses");
    }
    env.soc2(&["completions", "tcsh"]).code(2);
}

#[test]
fn manual_pages() {
    let env = Env::new();
    let page = env.soc2(&["man"]).success().stdout;
    assert!(page.contains(".TH soc2 1"), "{page}");
    assert!(
        page.contains(".SH SUBCOMMANDS") || page.contains("evidence"),
        "{page}"
    );
    let add = env.soc2(&["man", "evidence", "add"]).success().stdout;
    assert!(add.contains(".TH soc2-evidence-add 1"), "{add}");
    assert!(
        add.contains("soc2\\-evidence\\-add \\- Record files as evidence"),
        "{add}"
    );
    let unknown = env.soc2(&["man", "evidence", "nope"]).code(2);
    assert!(
        unknown
            .stderr
            .contains("`soc2 evidence nope` is not a command"),
        "{unknown}"
    );
}
