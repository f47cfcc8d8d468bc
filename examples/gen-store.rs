//! Writes a synthetic store of a given size, with a git history, for benchmarks.
//!
//! cargo run --release --example gen-store -- --controls 1000 --policies 100 \
//!     --evidence 100000 --commits 10000 DIR
//!
//! The same arguments and seed always give the same files and the same commits.
//! History is built directly as git objects (a commit adds a batch of evidence), so
//! 10,000 commits take seconds; the working tree and index match the last commit.
//! Commits are an hour apart; every 30 days one control in forty changes (a designed
//! control is implemented, an implemented one revised) and is approved again, so a
//! judgement from history has designs that change over the period to follow.
//!
//! Two shapes for `soc2 log` on a busy control: `--busy-records N` gives CTL-0001 N
//! more evidence records, arriving in 50 commits spread over the history (so each of
//! them changes a large folder); `--busy-commits N` adds N commits at the end, each
//! revising CTL-0001's notes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Parser;
use git2::{Oid, Repository, Signature, Time};
use soc2::catalog::CRITERIA;
use soc2::model::{
    Approval, Control, ControlStatus, Covers, Date, Evidence, EvidenceFile, EvidenceKind,
    Frequency, Interval, Period, Policy, Sha256Hex, WindowAlignment, digest,
};
use soc2::readiness::windows::windows;
use soc2::store::render::to_yaml;

/// Write a synthetic soc2 store with a git history, for benchmarks.
#[derive(Parser)]
struct Args {
    /// Controls to write (CTL-0001 ...), each mapped to one to three criteria
    #[arg(long, default_value_t = 100)]
    controls: usize,
    /// Policies to write (POL-0001 ...)
    #[arg(long, default_value_t = 10)]
    policies: usize,
    /// Evidence records to write, each with one attached file
    #[arg(long, default_value_t = 5000)]
    evidence: usize,
    /// Commits the history is built from (the records are spread over them)
    #[arg(long, default_value_t = 1000)]
    commits: usize,
    /// More evidence records for CTL-0001, arriving in 50 commits spread over the history
    #[arg(long, default_value_t = 0)]
    busy_records: usize,
    /// Commits added at the end, each revising CTL-0001's notes
    #[arg(long, default_value_t = 0)]
    busy_commits: usize,
    /// The same seed and sizes always give the same store and history
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to create the store; must not exist
    dir: PathBuf,
}

/// SplitMix64: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PERIOD: Period = Period {
    start: Date(chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()),
    end: Date(chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()),
};

const PROGRAM: &str = "organisation: Bench Co
scope:
  categories: [availability, confidentiality, processing-integrity, privacy]
audit:
  type: type2
  period: {start: 2025-07-01, end: 2026-06-30}
gate:
  min_readiness: 50
";

fn main() -> Result<()> {
    let args = Args::parse();
    if args.dir.exists() {
        bail!("{} exists; choose a new folder", args.dir.display());
    }
    let mut rng = Rng(args.seed);
    let mut files: Vec<(String, Vec<u8>)> = vec![("soc2.yaml".into(), PROGRAM.into())];

    let approval = |digest: Sha256Hex| Approval {
        by: "approver@example.com".into(),
        at: Date::from_ymd(2025, 6, 15),
        digest,
    };
    let mut policy_ids = Vec::new();
    for i in 1..=args.policies {
        let id = format!("POL-{i:04}");
        let document =
            format!("# Policy {i}\n\nThe Company does what policy {i} says, every time.\n");
        let mut policy = Policy {
            id: id.clone(),
            title: format!("Policy {i}"),
            description: None,
            owner: Some("owner@example.com".into()),
            version: 1,
            document: Some(format!("{id}.md")),
            review_every: Some(Interval::days(730)),
            last_reviewed: Some(Date::from_ymd(2026, 6, 1)),
            approval: None,
            notes: None,
        };
        policy.approval = Some(approval(
            digest::policy(&policy, Some(document.as_bytes())).current,
        ));
        files.push((format!("policies/{id}.yaml"), to_yaml(&policy).into_bytes()));
        files.push((format!("policies/{id}.md"), document.into_bytes()));
        policy_ids.push(id);
    }

    const FREQUENCIES: [Frequency; 8] = [
        Frequency::Continuous,
        Frequency::Daily,
        Frequency::Weekly,
        Frequency::Monthly,
        Frequency::Quarterly,
        Frequency::Quarterly,
        Frequency::Annual,
        Frequency::PerEvent,
    ];
    let mut controls = Vec::new();
    for i in 1..=args.controls {
        let id = format!("CTL-{i:04}");
        let criteria: Vec<String> = (0..1 + rng.below(3))
            .map(|_| CRITERIA[rng.below(CRITERIA.len())].id.to_string())
            .collect();
        let mut control = Control {
            id: id.clone(),
            title: format!("Control {i}"),
            description: Some(format!(
                "Control {i} operates as designed.\nEvidence: its report."
            )),
            test_procedure: None,
            owner: Some(format!("owner{}@example.com", i % 17)),
            criteria,
            status: if rng.below(50) == 0 {
                ControlStatus::Designed
            } else {
                ControlStatus::Implemented
            },
            reason: None,
            frequency: FREQUENCIES[rng.below(FREQUENCIES.len())],
            grace: None,
            point_in_time: Vec::new(),
            policies: if policy_ids.is_empty() {
                Vec::new()
            } else {
                vec![policy_ids[rng.below(policy_ids.len())].clone()]
            },
            collect: Vec::new(),
            approval: None,
            exceptions: Vec::new(),
            notes: None,
        };
        control.approval = Some(approval(digest::control(&control).current));
        files.push((
            format!("controls/{id}.yaml"),
            to_yaml(&control).into_bytes(),
        ));
        controls.push(control);
    }

    // Evidence: spread over the controls. Each record covers the next run of the
    // control's windows (one window, or several when there are more windows than
    // records, as a monthly report covers a month of daily backups); one control in a
    // hundred never covers its last window, which leaves gaps for readiness to find.
    let mut evidence_files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut busy_files: Vec<(String, Vec<u8>)> = Vec::new();
    let per_control = args.evidence / args.controls.max(1);
    let mut remainder = args.evidence % args.controls.max(1);
    for (index, control) in controls.iter().enumerate() {
        let usual = per_control + usize::from(remainder > 0);
        let count = usual + if index == 0 { args.busy_records } else { 0 };
        remainder = remainder.saturating_sub(1);
        let mut windows = windows(PERIOD, control.frequency, WindowAlignment::Anchored);
        if rng.below(100) == 0 && windows.len() > 1 {
            windows.pop();
        }
        let span = windows.len().div_ceil(count.max(1));
        for n in 0..count {
            let first = &windows[(n * span) % windows.len()];
            let last = &windows[((n * span) % windows.len() + span - 1).min(windows.len() - 1)];
            let window = soc2::readiness::Window {
                label: first.label.clone(),
                start: first.start,
                end: last.end,
            };
            let window = &window;
            let collected = window.end.add_days(3);
            let name = format!("{collected}-report-{n:04}");
            let content = format!(
                "item,result\n{}-{n},pass\n{},{}\n",
                control.id,
                window.label,
                rng.next()
            );
            let evidence = Evidence {
                control: control.id.clone(),
                collected_at: collected,
                collected_by: control.owner.clone(),
                covers: Some(Covers {
                    from: window.start,
                    to: window.end,
                }),
                kind: EvidenceKind::Export,
                result: None,
                reason: None,
                description: Some(format!("{} report for {}", control.title, window.label)),
                events: Vec::new(),
                files: vec![EvidenceFile {
                    path: Some(format!("{name}.csv")),
                    link: None,
                    sha256: Sha256Hex::of(content.as_bytes()),
                    size: None,
                }],
                command: None,
                secrets: None,
            };
            let dir = format!("evidence/{}", control.id);
            let into = if n < usual {
                &mut evidence_files
            } else {
                &mut busy_files
            };
            into.push((
                format!("{dir}/{name}.yaml"),
                to_yaml(&evidence).into_bytes(),
            ));
            into.push((format!("{dir}/{name}.csv"), content.into_bytes()));
        }
    }

    let revisions = revisions(&mut controls, args.commits, &approval);
    let busy_commits: Vec<(String, Vec<u8>)> = match controls.first_mut() {
        Some(control) => (1..=args.busy_commits)
            .map(|k| {
                control.notes = Some(format!("Reviewed, pass {k}."));
                let path = format!("controls/{}.yaml", control.id);
                (path, to_yaml(control).into_bytes())
            })
            .collect(),
        None => Vec::new(),
    };
    let mut latest: BTreeMap<&str, &[u8]> = files
        .iter()
        .map(|(path, bytes)| (path.as_str(), bytes.as_slice()))
        .collect();
    for revision in &revisions {
        latest.insert(&revision.path, &revision.bytes);
    }
    for (path, bytes) in &busy_commits {
        latest.insert(path, bytes);
    }
    write_tree(
        &args.dir,
        latest.into_iter().chain(
            evidence_files
                .iter()
                .chain(&busy_files)
                .map(|(p, b)| (p.as_str(), b.as_slice())),
        ),
    )?;
    let history = History {
        base: &files,
        evidence: &evidence_files,
        busy: &busy_files,
        revisions: &revisions,
        busy_commits: &busy_commits,
        commits: args.commits,
    };
    build_history(&args.dir, &history)?;
    println!(
        "{}: {} controls, {} policies, {} evidence records, {} commits",
        args.dir.display(),
        controls.len(),
        policy_ids.len(),
        (evidence_files.len() + busy_files.len()) / 2,
        args.commits + busy_commits.len()
    );
    Ok(())
}

/// A control file's new version, committed by commit `at` of the history.
struct Revision {
    at: usize,
    path: String,
    bytes: Vec<u8>,
}

/// Every 30 days (720 hourly commits), one control in forty changes and is approved
/// again that day: a designed control becomes implemented, an implemented one gets a
/// revised description.
fn revisions(
    controls: &mut [Control],
    commits: usize,
    approval: &dyn Fn(Sha256Hex) -> Approval,
) -> Vec<Revision> {
    let mut revisions = Vec::new();
    let mut month = 1;
    while month * 720 < commits {
        let at = month * 720;
        for (i, control) in controls.iter_mut().enumerate() {
            if (i + month) % 40 != 0 {
                continue;
            }
            if control.status == ControlStatus::Designed {
                control.status = ControlStatus::Implemented;
            } else {
                let description = control.description.take().unwrap_or_default();
                control.description = Some(format!("{description}\nRevised in month {month}."));
            }
            let mut approved = approval(digest::control(control).current);
            approved.at = Date::from_ymd(2025, 7, 1).add_days((at / 24) as i64);
            control.approval = Some(approved);
            revisions.push(Revision {
                at,
                path: format!("controls/{}.yaml", control.id),
                bytes: to_yaml(control).into_bytes(),
            });
        }
        month += 1;
    }
    revisions
}

fn write_tree<'a>(root: &Path, files: impl Iterator<Item = (&'a str, &'a [u8])>) -> Result<()> {
    for (path, bytes) in files {
        let full = root.join(path);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&full, bytes).with_context(|| format!("writing {}", full.display()))?;
    }
    Ok(())
}

/// What the history is built from.
struct History<'a> {
    base: &'a [(String, Vec<u8>)],
    evidence: &'a [(String, Vec<u8>)],
    /// CTL-0001's extra records, in 50 commits spread over the history.
    busy: &'a [(String, Vec<u8>)],
    revisions: &'a [Revision],
    /// One commit each, at the end.
    busy_commits: &'a [(String, Vec<u8>)],
    commits: usize,
}

/// Commit 1 holds the program, policies and controls; the evidence arrives in
/// `commits - 1` batches, one commit each, an hour apart; a commit due a control
/// revision carries it too.
fn build_history(root: &Path, history: &History) -> Result<()> {
    let History {
        base,
        evidence,
        busy,
        revisions,
        busy_commits,
        commits,
    } = *history;
    let repo = Repository::init(root)?;
    repo.set_head("refs/heads/main")?;
    let mut tree = Dir::default();
    for (path, bytes) in base {
        tree.insert(path, repo.blob(bytes)?);
    }
    let mut parent: Option<Oid> = None;
    let batches = commits.saturating_sub(1).max(1);
    // A record and its attachment stay together.
    let pairs: Vec<&[(String, Vec<u8>)]> = evidence.chunks(2).collect();
    let per_batch = pairs.len().div_ceil(batches).max(1);
    let busy_pairs: Vec<&[(String, Vec<u8>)]> = busy.chunks(2).collect();
    let mut busy_batches = busy_pairs.chunks(busy_pairs.len().div_ceil(50).max(1));
    let busy_every = (batches / 50).max(1) as i64;
    let start = 1_751_328_000i64; // 2025-07-01T00:00:00Z
    let mut commit = |tree: &mut Dir, message: &str, n: i64| -> Result<()> {
        let root_tree = tree.write(&repo)?;
        let signature = Signature::new(
            "Bench",
            "bench@example.com",
            &Time::new(start + n * 3600, 0),
        )?;
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p))
            .collect::<Result<_, _>>()?;
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        let oid = repo.commit(
            Some("HEAD"),
            &signature,
            &signature,
            message,
            &repo.find_tree(root_tree)?,
            &parent_refs,
        )?;
        parent = Some(oid);
        Ok(())
    };
    commit(
        &mut tree,
        "soc2: init store\n\nSoc2-Action: init\nSoc2-Object: store\n",
        0,
    )?;
    let mut revised = revisions.iter().peekable();
    let mut revise = |tree: &mut Dir, n: i64| -> Result<()> {
        while let Some(revision) = revised.next_if(|r| r.at as i64 <= n) {
            tree.insert(&revision.path, repo.blob(&revision.bytes)?);
        }
        Ok(())
    };
    let mut n = 1;
    for batch in pairs.chunks(per_batch) {
        revise(&mut tree, n)?;
        let mut control = String::new();
        let extra = if n % busy_every == 0 {
            busy_batches.next().unwrap_or_default()
        } else {
            &[]
        };
        for pair in batch.iter().chain(extra) {
            for (path, bytes) in *pair {
                tree.insert(path, repo.blob(bytes)?);
                control = path.split('/').nth(1).unwrap_or_default().to_string();
            }
        }
        let message = format!(
            "soc2: evidence add {control}\n\nSoc2-Action: evidence-add\nSoc2-Object: {control}\n"
        );
        commit(&mut tree, &message, n)?;
        n += 1;
    }
    // Commits that touch no record, to reach the count when evidence runs out first.
    while n < commits as i64 {
        revise(&mut tree, n)?;
        tree.insert("NOTES.md", repo.blob(format!("Review {n}\n").as_bytes())?);
        std::fs::write(root.join("NOTES.md"), format!("Review {n}\n"))?;
        commit(&mut tree, "Routine review\n", n)?;
        n += 1;
    }
    // Whatever of CTL-0001's records the batches did not reach.
    for batch in busy_batches {
        for pair in batch {
            for (path, bytes) in *pair {
                tree.insert(path, repo.blob(bytes)?);
            }
        }
        let message =
            "soc2: evidence add CTL-0001\n\nSoc2-Action: evidence-add\nSoc2-Object: CTL-0001\n";
        commit(&mut tree, message, n)?;
        n += 1;
    }
    for (path, bytes) in busy_commits {
        tree.insert(path, repo.blob(bytes)?);
        commit(&mut tree, "Review CTL-0001's notes\n", n)?;
        n += 1;
    }
    let mut index = repo.index()?;
    index.add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)?;
    index.write()?;
    Ok(())
}

/// A folder of the tree being built; a folder written before and unchanged since is not
/// written again.
#[derive(Default)]
struct Dir {
    files: BTreeMap<String, Oid>,
    dirs: BTreeMap<String, Dir>,
    written: Option<Oid>,
}

impl Dir {
    fn insert(&mut self, path: &str, oid: Oid) {
        self.written = None;
        match path.split_once('/') {
            None => {
                self.files.insert(path.to_string(), oid);
            }
            Some((dir, rest)) => self
                .dirs
                .entry(dir.to_string())
                .or_default()
                .insert(rest, oid),
        }
    }

    fn write(&mut self, repo: &Repository) -> Result<Oid> {
        if let Some(oid) = self.written {
            return Ok(oid);
        }
        let mut builder = repo.treebuilder(None)?;
        for (name, oid) in &self.files {
            builder.insert(name, *oid, 0o100644)?;
        }
        for (name, dir) in &mut self.dirs {
            builder.insert(name, dir.write(repo)?, 0o040000)?;
        }
        let oid = builder.write()?;
        self.written = Some(oid);
        Ok(oid)
    }
}
