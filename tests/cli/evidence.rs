use crate::fixtures::{committed_small_store, fake_token};

#[test]
fn add_copies_hashes_and_records() {
    let env = committed_small_store();
    let report = env.outside("Access review Q3.csv", "user,keep\nalice,yes\n");
    let screenshot = env.outside("console.png", [0x89, b'P', b'N', b'G']);
    let run = env.soc2(&[
        "evidence",
        "add",
        "AC-02",
        report.to_str().unwrap(),
        screenshot.to_str().unwrap(),
        "--covers",
        "2026-07-01..2026-09-30",
        "-m",
        "Q3 access review",
    ]);
    insta::assert_snapshot!(run.success());
    insta::assert_snapshot!(env.read("evidence/AC-02/2026-11-22-q3-access-review.yaml"), @"
    control: AC-02
    collected_at: 2026-11-22
    collected_by: test@example.com
    covers: {from: 2026-07-01, to: 2026-09-30}
    kind: export
    description: Q3 access review
    files:
      - path: 2026-11-22-Access-review-Q3.csv
        sha256: a9e7a8517f85afc65d74737cd4067160cf40ab3e754de86ff424df54a813fd0b
      - path: 2026-11-22-console.png
        sha256: 0f4636c78f65d3639ece5a064b5ae753e3408614a14fb18ab4d7540d2c248543
    ");
    assert_eq!(
        env.read("evidence/AC-02/2026-11-22-Access-review-Q3.csv"),
        "user,keep\nalice,yes\n"
    );
    // AC-02 is now fresh, so CC6.2 and CC6.3 are met.
    assert_eq!(
        env.soc2(&["status", "--format", "json"])
            .status()
            .overall
            .met,
        3
    );
    env.soc2(&["verify"]).success();
}

#[test]
fn add_numbers_names_that_are_taken() {
    let env = committed_small_store();
    let report = env.outside("r.csv", "a\n");
    env.soc2(&["evidence", "add", "AC-01", report.to_str().unwrap()])
        .success();
    env.soc2(&["evidence", "add", "AC-01", report.to_str().unwrap()])
        .success();
    let files = env.git(&["ls-files", "evidence/AC-01"]);
    insta::assert_snapshot!(files, @r"
    evidence/AC-01/2026-10-02-mfa-report.csv
    evidence/AC-01/2026-10-02-mfa-report.yaml
    evidence/AC-01/2026-11-22-r-2.csv
    evidence/AC-01/2026-11-22-r-2.yaml
    evidence/AC-01/2026-11-22-r.csv
    evidence/AC-01/2026-11-22-r.yaml
    ");
}

#[test]
fn add_records_a_file_already_in_the_folder_where_it_is() {
    let env = committed_small_store();
    env.write("evidence/AC-01/export.json", "{}\n");
    env.soc2(&["evidence", "add", "AC-01", "evidence/AC-01/export.json"])
        .success();
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    let record = env.read("evidence/AC-01/2026-11-22-export.yaml");
    assert!(record.contains("  - path: export.json\n"), "{record}");
    env.soc2(&["verify"]).success();
}

#[test]
fn link_references_committed_files() {
    let env = committed_small_store();
    env.write("docs/runbook.md", "# Runbook\n");
    env.commit_all("runbook");
    env.soc2(&[
        "evidence",
        "add",
        "IR-01",
        "docs/runbook.md",
        "--link",
        "--kind",
        "document",
    ])
    .success();
    let record = env.read("evidence/IR-01/2026-11-22-runbook.yaml");
    assert!(record.contains("  - link: docs/runbook.md\n"), "{record}");
    assert_eq!(
        env.git(&["show", "HEAD", "--name-only", "--format="]),
        "evidence/IR-01/2026-11-22-runbook.yaml\n"
    );
    env.soc2(&["verify"]).success();

    env.write("docs/runbook.md", "# Runbook, edited\n");
    env.commit_all("edit the runbook");
    insta::assert_snapshot!(env.soc2(&["verify"]).code(1));
}

#[test]
fn link_refuses_files_outside_the_repository_or_uncommitted() {
    let env = committed_small_store();
    let outside = env.outside("r.csv", "x\n");
    env.write("docs/draft.md", "draft\n");
    let runs = [
        env.soc2(&[
            "evidence",
            "add",
            "IR-01",
            outside.to_str().unwrap(),
            "--link",
        ]),
        env.soc2(&["evidence", "add", "IR-01", "docs/draft.md", "--link"]),
    ];
    insta::assert_snapshot!(runs.map(|r| r.code(2).to_string()).join("\n"));
}

#[test]
fn add_refuses_bad_input_and_writes_nothing() {
    let env = committed_small_store();
    let real = env.outside("real.csv", "x\n");
    let link = env.home.parent().unwrap().join("outside/link.csv");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let dir = env.home.parent().unwrap().join("outside");
    let runs = [
        env.soc2(&["evidence", "add", "AC-01", link.to_str().unwrap()]),
        env.soc2(&["evidence", "add", "AC-01", dir.to_str().unwrap()]),
        env.soc2(&["evidence", "add", "AC-1", real.to_str().unwrap()]),
        env.soc2(&[
            "evidence",
            "add",
            "AC-01",
            real.to_str().unwrap(),
            "--covers",
            "2026-09-30..2026-07-01",
        ]),
        env.soc2(&[
            "evidence",
            "add",
            "AC-01",
            real.to_str().unwrap(),
            "--covers",
            "2026-11-01..2026-12-31",
        ]),
        env.soc2(&["evidence", "add", "AC-01", "missing.csv"]),
    ];
    insta::assert_snapshot!(runs.map(|r| r.code(2).to_string()).join("\n"));
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn an_empty_file_is_recorded_with_a_warning() {
    let env = committed_small_store();
    let empty = env.outside("empty.log", "");
    insta::assert_snapshot!(
        env.soc2(&["evidence", "add", "AC-01", empty.to_str().unwrap()])
            .success()
    );
}

#[test]
fn absolute_paths_inside_a_record_are_refused() {
    let env = committed_small_store();
    env.write(
        "evidence/AC-01/2026-11-01-bad.yaml",
        "control: AC-01\ncollected_at: 2026-11-01\nkind: log\nfiles:\n  - path: /etc/passwd\n    sha256: 0000000000000000000000000000000000000000000000000000000000000000\n",
    );
    env.git(&["add", "--all"]);
    insta::assert_snapshot!(env.soc2(&["verify"]).code(1));
}

#[test]
fn run_records_output_exit_code_and_command() {
    let env = committed_small_store();
    let run = env.soc2(&[
        "evidence",
        "run",
        "IR-01",
        "-m",
        "Paging config",
        "--",
        "sh",
        "-c",
        "echo on-call: alice; echo warn >&2; exit 3",
    ]);
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stderr.contains("warning: the command exited with 3"),
        "{run}"
    );
    let record = env.read("evidence/IR-01/2026-11-22-paging-config.yaml");
    let redacted: String = record
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("started_at:")
                || l.trim_start().starts_with("ended_at:")
                || l.trim_start().starts_with("duration_ms:")
            {
                format!("{}: [redacted]", l.split(':').next().unwrap())
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(redacted);
    assert_eq!(
        env.read("evidence/IR-01/2026-11-22-paging-config.stdout.txt"),
        "on-call: alice\n"
    );
    assert_eq!(
        env.read("evidence/IR-01/2026-11-22-paging-config.stderr.txt"),
        "warn\n"
    );
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: evidence run IR-01

    Record the output of `sh -c 'echo on-call: alice; echo warn >&2; exit 3'` (exit 3) as evidence for IR-01

    Soc2-Action: evidence-run
    Soc2-Object: IR-01


     evidence/IR-01/2026-11-22-paging-config.stderr.txt |  1 +
     evidence/IR-01/2026-11-22-paging-config.stdout.txt |  1 +
     evidence/IR-01/2026-11-22-paging-config.yaml       | 21 +++++++++++++++++++++
     3 files changed, 23 insertions(+)
    ");
    env.soc2(&["verify"]).success();
}

#[test]
fn run_of_a_missing_program_records_nothing() {
    let env = committed_small_store();
    insta::assert_snapshot!(
        env.soc2(&["evidence", "run", "IR-01", "--", "no-such-program-here"])
            .code(2)
    );
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn list_shows_records_newest_first() {
    let env = committed_small_store();
    insta::assert_snapshot!(env.soc2(&["evidence", "list"]).success());
    let json = env
        .soc2(&["evidence", "list", "AC-01", "--format", "json"])
        .parse::<Vec<soc2::links::EvidenceSummary>>();
    assert_eq!(json[0].id, "AC-01/2026-10-02-mfa-report");
}

/// `evidence add` holds a piece of a large file at a time: it is hashed, screened,
/// redacted and copied as it is read. The process's peak memory says so.
#[cfg(target_os = "linux")]
#[test]
fn a_large_file_is_added_in_little_memory() {
    use std::io::Write;
    let env = committed_small_store();
    let path = env.outside("large.log", "");
    let token = fake_token();
    let line = "2026-11-22T09:00:00Z worker=7 job=backup status=ok bytes=1048576\n";
    let lines = (64 << 20) / line.len();
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for n in 0..lines {
            if n == lines / 2 {
                writeln!(file, "GITHUB_TOKEN={token}").unwrap();
            }
            file.write_all(line.as_bytes()).unwrap();
        }
    }
    let log = env.outside("stderr.txt", "");
    let mut command = env.command(env!("CARGO_BIN_EXE_soc2"));
    command
        .args([
            "evidence",
            "add",
            "AC-01",
            path.to_str().unwrap(),
            "--redact",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    // Reaped by wait4 below, which also says how much memory the child used.
    #[allow(clippy::zombie_processes)]
    let child = command.spawn().unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child this test started.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as i32);
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{stderr}"
    );
    // The file is 64 MiB: holding it even once, on top of the program itself (some
    // 30 MB unoptimised), would take more than this.
    let peak_mb = usage.ru_maxrss / 1024;
    assert!(peak_mb < 64, "peak resident memory {peak_mb} MB");

    let copy = env.path("evidence/AC-01/2026-11-22-large.log");
    let size = std::fs::metadata(&copy).unwrap().len() as usize;
    let redacted = "GITHUB_TOKEN=[REDACTED:github-token]\n";
    assert_eq!(size, lines * line.len() + redacted.len());
    let show = env.git(&["show", "--format=", "--name-only", "HEAD"]);
    assert_eq!(
        show.lines().collect::<Vec<_>>(),
        [
            "evidence/AC-01/2026-11-22-large.log",
            "evidence/AC-01/2026-11-22-large.yaml"
        ]
    );
    env.soc2(&["verify"]).success();
}
