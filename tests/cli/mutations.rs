//! Random mutations of a valid store, fed through everything that reads it: load and
//! validation, evidence integrity, readiness, the rules of `check`, the gate, due work,
//! the links of `show` and the renderers. Whatever the files say, soc2 answers with
//! findings or an error, never a panic; the binary, on a sample of them, exits 0, 1
//! or 2. Seeded, so a failure names the seed that reproduces it (`SOC2_MUTATION_SEED`
//! runs one seed; `SOC2_MUTATIONS` sets how many run).

use soc2::audit;
use soc2::gate::{self, Overrides};
use soc2::model::{Date, History};
use soc2::report::{self, Style, status};
use soc2::store::MemoryTree;
use soc2::{links, readiness};

use crate::common::Env;

/// A store that exercises most of the model: a Type II period, every kind of record.
const FILES: &[(&str, &str)] = &[
    (
        "soc2.yaml",
        "organisation: Mutant Co\nscope:\n  categories: [availability]\n  excluded_criteria:\n    - {criterion: CC6.4, reason: No offices}\naudit:\n  type: type2\n  period: {start: 2026-01-01, end: 2026-12-31}\n  grace: 30d\n  windows: calendar\ngate:\n  min_readiness: 10\n  fail_on: [stale-evidence]\nscope_approval: {by: a@example.com, at: 2026-01-02, digest: 0000000000000000000000000000000000000000000000000000000000000000}\n",
    ),
    (
        "controls/AC-01.yaml",
        "# a comment\nid: AC-01\ntitle: MFA\ndescription: |-\n  Two lines\n  of text.\nowner: alice@example.com\ncriteria: [CC6.1, CC6.2]\nstatus: implemented\nfrequency: daily\ngrace: 7d\npoint_in_time: [screenshot]\npolicies: [POL-SEC]\napproval:\n  by: carol@example.com\n  at: 2026-01-05\n  digest: 0000000000000000000000000000000000000000000000000000000000000000\nexceptions:\n  - {reason: legacy VPN, approved_by: cfo@example.com, expires: 2026-06-30}\nnotes: free text\n",
    ),
    (
        "controls/BC-01.yaml",
        "title: Backups\nowner: bob@example.com\ncriteria:\n  - A1.2\n  - A1.3\nstatus: not-applicable\nreason: none\nfrequency: per-event\n",
    ),
    (
        "policies/POL-SEC.yaml",
        "id: POL-SEC\ntitle: Security Policy\nowner: carol@example.com\nversion: 2\ndocument: POL-SEC.md\nreview_every: 365d\nlast_reviewed: 2026-03-01\n",
    ),
    ("policies/POL-SEC.md", "# Security Policy\n\nText.\n"),
    (
        "risks/RISK-01.yaml",
        "id: RISK-01\ntitle: Phishing\nlikelihood: 4\nimpact: 3\ntreatment: mitigate\nowner: sam@example.com\ncontrols: [AC-01]\n",
    ),
    (
        "evidence/AC-01/2026-03-02-mfa.yaml",
        "control: AC-01\ncollected_at: 2026-03-02\ncollected_by: bob@example.com\ncovers: {from: 2026-01-01, to: 2026-03-01}\nkind: export\ndescription: MFA report\nfiles:\n  - path: 2026-03-02-mfa.csv\n    sha256: 7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730\n  -\n    link: policies/POL-SEC.md\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n",
    ),
    ("evidence/AC-01/2026-03-02-mfa.csv", "a,b\n"),
    (
        "evidence/AC-01/2026-04-01-run.yaml",
        "control: AC-01\ncollected_at: 2026-04-01\nkind: command-output\nresult: deviation\nreason: it failed\ncommand: {run: \"true\", exit: 1, started_at: 2026-04-01T10:00:00Z, duration_ms: 5}\n",
    ),
];

/// Values that have broken programs before: bounds, overflows, YAML's odd corners.
const TOKENS: &[&str] = &[
    "-",
    "- ",
    "-\n",
    ":",
    ": ",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "\t",
    "---\n",
    "...\n",
    "&a ",
    "*a",
    "!!binary ",
    "\u{feff}",
    "~",
    "null",
    "4294967295",
    "18446744073709551616",
    "-5",
    "0",
    "99999999",
    "0001-01-01",
    "9999-12-31",
    "1969-12-31",
    "2201-01-01",
    "2026-02-29",
    "4294967295d",
    "99999999y",
    "36526d",
    "0d",
    "1y",
    "quarterly",
    "calendar",
    "type1",
    "implemented",
    "not-applicable",
    "no-occurrence",
    "deviation",
    "screenshot",
    "AC-01",
    "../x",
    "/etc/passwd",
    ".git/config",
    "{from: 0001-01-01, to: 9999-12-31}",
    "{start: 0001-01-01, end: 9999-12-31}",
    "[CC6.1, CC6.1, XX9.9]",
    "é",
    "\u{0}",
    "\r\n",
    "#",
    "? ",
    "|",
    ">",
    "%YAML 1.1\n",
];

/// xorshift64*: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One to three edits of one file's bytes.
fn mutate(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..=rng.below(3) {
        let at = rng.below(out.len() + 1);
        match rng.below(8) {
            // Cut a stretch.
            0 => {
                let end = (at + rng.below(12)).min(out.len());
                out.drain(at..end);
            }
            // Insert a token.
            1 | 2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(at..at, token.iter().copied());
            }
            // Replace the value after a colon on a random line.
            3 | 4 => {
                let text = String::from_utf8_lossy(&out).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                if lines.is_empty() {
                    continue;
                }
                let n = rng.below(lines.len());
                let token = TOKENS[rng.below(TOKENS.len())];
                let mut rebuilt: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                if let Some((key, _)) = lines[n].split_once(": ") {
                    rebuilt[n] = format!("{key}: {token}");
                }
                out = (rebuilt.join("\n") + "\n").into_bytes();
            }
            // Duplicate or drop a line.
            5 => {
                let text = String::from_utf8_lossy(&out).into_owned();
                let mut lines: Vec<String> = text.lines().map(String::from).collect();
                if !lines.is_empty() {
                    let n = rng.below(lines.len());
                    if rng.below(2) == 0 {
                        let line = lines[n].clone();
                        lines.insert(n, line);
                    } else {
                        lines.remove(n);
                    }
                }
                out = (lines.join("\n") + "\n").into_bytes();
            }
            // A random byte.
            6 => out.insert(at, rng.next() as u8),
            // Change indentation.
            _ => {
                out.splice(at..at, *b"  ");
            }
        }
    }
    out
}

/// The store with one to three of its files mutated.
fn mutated_store(seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut files: Vec<(String, Vec<u8>)> = FILES
        .iter()
        .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
        .collect();
    for _ in 0..=rng.below(3) {
        let n = rng.below(files.len());
        files[n].1 = mutate(&files[n].1, &mut rng);
    }
    files
}

/// Everything that reads a store, in process; a panic fails the test with its seed.
fn read_everything(files: &[(String, Vec<u8>)], today: Date) {
    let mut tree = MemoryTree::new();
    for (path, bytes) in files {
        tree.insert(path.clone(), bytes.clone());
    }
    let Ok(mut audited) = audit::load_audited(&tree, None, "HEAD", None, true) else {
        return;
    };
    let store = &audited.loaded.store;
    let assessment = readiness::assess(store, today, &History::default());
    for until in [today, today.add_days(400)] {
        let items = readiness::due::due(store.program(), &assessment, until);
        let _ = report::due::render(&items, until, Style::plain());
    }
    let view = status::view(&assessment, &status::Filter::default());
    let _ = (
        status::render_table(&view, Style::plain()),
        status::render_markdown(&view),
        report::json(&view),
    );
    for id in [
        "AC-01",
        "BC-01",
        "POL-SEC",
        "RISK-01",
        "CC6.1",
        "AC-01/2026-03-02-mfa",
    ] {
        if let Ok(shown) = links::find(store, &History::default(), &assessment, &tree, id) {
            let _ = report::show::render(&shown, &assessment, Style::plain());
        }
    }
    let gate = store.program().gate.clone();
    let findings = audited.check_findings(&assessment);
    let verdict = gate::judge(findings, &gate, &assessment.overall, &Overrides::default());
    let _ = report::check::render_human(&verdict, Style::plain());
    let _ = report::check::render_github(&verdict);
}

fn seeds() -> std::ops::Range<u64> {
    if let Some(seed) = std::env::var("SOC2_MUTATION_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return seed..seed + 1;
    }
    let count = std::env::var("SOC2_MUTATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    0..count
}

#[test]
fn no_mutation_makes_soc2_panic() {
    let days = [
        Date::from_ymd(2026, 11, 22),
        Date::from_ymd(2026, 2, 15),
        Date::from_ymd(1, 1, 1),
        Date::from_ymd(9999, 12, 31),
    ];
    let mut failures = Vec::new();
    for seed in seeds() {
        let files = mutated_store(seed);
        let today = days[(seed % days.len() as u64) as usize];
        let run = std::panic::catch_unwind(|| read_everything(&files, today));
        if let Err(panic) = run {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("seed {seed} (today {today}): {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} mutations panicked (rerun one with SOC2_MUTATION_SEED):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_binary_exits_0_1_or_2_on_mutated_stores() {
    let env = Env::new();
    for seed in (0..24).map(|n| n * 61 + 7) {
        for (path, bytes) in mutated_store(seed) {
            env.write(&path, bytes);
        }
        env.git(&["add", "--all"]);
        for args in [
            &["status"][..],
            &["check"],
            &["verify"],
            &["due", "--within", "1y"],
        ] {
            let run = env.soc2(args);
            assert!(
                matches!(run.code, 0..=2) && !run.stderr.contains("internal error"),
                "seed {seed}, soc2 {args:?}:\n{run}"
            );
        }
        for (path, _) in FILES {
            let _ = std::fs::remove_file(env.path(path));
        }
    }
}
