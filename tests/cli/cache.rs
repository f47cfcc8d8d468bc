//! What soc2 keeps in .git/soc2/ between runs (parsed records, files' hashes, the
//! history read): a run that reads it says exactly what a run that reads every file
//! says, and a file changed behind git's back is never taken from it.

use crate::common::Env;
use crate::fixtures;

const OLD: &str = "2026-01-01 00:00:00";

/// Dates every file of the working tree `OLD` and stages them again, so that git's
/// index vouches for them: an entry as new as the index itself is not trusted (git's
/// "racily clean" rule), and a test writes its files and index within a second.
fn vouched_for(env: &Env) {
    let status = env
        .command("find")
        .args([".", "-path", "./.git", "-prune", "-o", "-type", "f"])
        .args(["-exec", "touch", "-d", OLD, "{}", "+"])
        .status()
        .unwrap();
    assert!(status.success());
    env.git(&["add", "--all"]);
}

/// Writes `content` over the file at `path`, then gives it back the modification
/// time `OLD`: only its change time (and its content) tell the edit.
fn edit_in_place(env: &Env, path: &str, from: &str, to: &str) {
    assert_eq!(from.len(), to.len(), "the edit keeps the size");
    let before = env.read(path);
    assert!(before.contains(from), "{path} holds {from:?}");
    env.write(path, before.replacen(from, to, 1));
    let status = env
        .command("touch")
        .args(["-d", OLD, path])
        .status()
        .unwrap();
    assert!(status.success());
}

fn status_json(env: &Env, extra: &[&str]) -> String {
    let args = [&["status", "--format", "json"], extra].concat();
    env.soc2(&args).success().stdout
}

#[test]
fn an_edit_that_keeps_size_and_modification_time_is_seen() {
    let env = fixtures::committed_small_store();
    vouched_for(&env);
    let first = status_json(&env, &[]);
    assert!(env.path(".git/soc2/parse-cache").is_file());
    assert_eq!(status_json(&env, &[]), first, "read back from the cache");

    // A record: BC-01 goes from designed to planned.
    edit_in_place(&env, "controls/BC-01.yaml", "designed", "planned ");
    let record_edited = status_json(&env, &[]);
    assert_ne!(record_edited, first);
    assert_eq!(record_edited, status_json(&env, &["--no-cache"]));

    // An attached file: AC-01's report no longer matches its recorded sha256.
    let report = "evidence/AC-01/2026-10-02-mfa-report.csv";
    edit_in_place(&env, report, "report", "REPORT");
    let file_edited = status_json(&env, &[]);
    assert_ne!(file_edited, record_edited);
    assert_eq!(file_edited, status_json(&env, &["--no-cache"]));
    assert!(
        file_edited.contains("2026-10-02-mfa-report"),
        "set aside: {file_edited}"
    );
}

#[test]
fn a_run_that_finds_everything_kept_writes_nothing() {
    let env = fixtures::committed_small_store();
    vouched_for(&env);
    env.soc2(&["status"]).success();
    env.soc2(&["check"]).success();
    let cache = env.path(".git/soc2/parse-cache");
    let written = std::fs::read(&cache).unwrap();
    let modified = std::fs::metadata(&cache).unwrap().modified().unwrap();
    env.soc2(&["status"]).success();
    env.soc2(&["check"]).success();
    assert_eq!(std::fs::read(&cache).unwrap(), written);
    assert_eq!(
        std::fs::metadata(&cache).unwrap().modified().unwrap(),
        modified
    );
}

/// The first `check` parses every record and scans it for secrets: both are kept under
/// the record's blob id, so the second finds all it needs and writes nothing.
#[test]
fn a_check_keeps_the_scans_of_the_records_it_parsed() {
    let env = fixtures::committed_small_store();
    vouched_for(&env);
    env.soc2(&["check"]).success();
    let cache = env.path(".git/soc2/parse-cache");
    let written = std::fs::read(&cache).unwrap();
    let modified = std::fs::metadata(&cache).unwrap().modified().unwrap();
    env.soc2(&["check"]).success();
    assert_eq!(std::fs::read(&cache).unwrap(), written);
    assert_eq!(
        std::fs::metadata(&cache).unwrap().modified().unwrap(),
        modified
    );
}

#[test]
fn no_cache_neither_reads_nor_writes_it() {
    let env = fixtures::committed_small_store();
    env.soc2(&["status", "--no-cache"]).success();
    assert!(!env.path(".git/soc2").exists());
    env.soc2(&["check", "--no-cache"]).success();
    assert!(!env.path(".git/soc2").exists());
    env.soc2_with(&["status"], &[("SOC2_NO_CACHE", "1")])
        .success();
    assert!(!env.path(".git/soc2").exists());
    // Nothing in the working tree either: git sees no change.
    env.soc2(&["status"]).success();
    assert_eq!(env.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_damaged_cache_is_ignored_and_written_again() {
    let env = fixtures::committed_small_store();
    vouched_for(&env);
    let expected = status_json(&env, &["--no-cache"]);
    status_json(&env, &[]);
    let cache = env.path(".git/soc2/parse-cache");
    let whole = std::fs::read(&cache).unwrap();
    for damaged in [
        whole[..whole.len() / 2].to_vec(),
        vec![0xff; 4096],
        Vec::new(),
        whole.iter().map(|b| b ^ 0x20).collect(),
    ] {
        std::fs::write(&cache, &damaged).unwrap();
        for kept in std::fs::read_dir(env.path(".git/soc2/history")).unwrap() {
            std::fs::write(kept.unwrap().path(), &damaged).unwrap();
        }
        assert_eq!(status_json(&env, &[]), expected);
        assert!(
            std::fs::read(&cache)
                .unwrap()
                .starts_with(b"soc2 parse cache")
        );
    }
    // A cache that cannot be written (a folder in its place) costs time only.
    std::fs::remove_file(&cache).unwrap();
    std::fs::create_dir(&cache).unwrap();
    assert_eq!(status_json(&env, &[]), expected);
}

#[test]
fn the_history_kept_for_one_commit_is_not_used_for_the_next() {
    let env = fixtures::committed_small_store();
    let before = env.soc2(&["timeline", "--format", "json"]).success().stdout;
    fixtures::evidence(
        &env,
        "AC-02",
        "2026-10-01-access-review",
        ("2026-07-01", "2026-09-30"),
        "2026-10-01",
    );
    env.commit_all("Q3 access review");
    let status = status_json(&env, &[]);
    assert_eq!(status, status_json(&env, &["--no-cache"]));
    let after = env.soc2(&["timeline", "--format", "json"]).success().stdout;
    assert_eq!(
        after,
        env.soc2(&["timeline", "--format", "json", "--no-cache"])
            .success()
            .stdout
    );
    assert_ne!(after, before);
}

#[test]
fn check_finds_a_secret_written_into_a_file_it_scanned_before() {
    let env = fixtures::committed_small_store();
    let report = "evidence/AC-01/2026-10-02-mfa-report.csv";
    // Room for a token, the same size before and after.
    let token = fixtures::fake_token();
    let filler = "x".repeat(token.len());
    env.write(report, format!("report for AC-01\n{filler}\n"));
    let sha = soc2::model::Sha256Hex::of(env.read(report).as_bytes());
    let record = "evidence/AC-01/2026-10-02-mfa-report.yaml";
    let text = env.read(record);
    let old = text
        .lines()
        .find(|l| l.contains("sha256:"))
        .unwrap()
        .to_string();
    env.write(record, text.replace(&old, &format!("    sha256: {sha}")));
    env.commit_all("room for a token");
    vouched_for(&env);
    env.soc2(&["check"]).success();
    assert_eq!(
        env.soc2(&["check"]).success().stdout,
        env.soc2(&["check", "--no-cache"]).success().stdout
    );

    edit_in_place(&env, report, &filler, &token);
    let warm = env.soc2(&["check", "--format", "json"]).code(1);
    let codes = warm.codes();
    assert!(
        codes.contains(&"E-SECRET-IN-EVIDENCE".to_string()),
        "{codes:?}"
    );
    let cold = env
        .soc2(&["check", "--format", "json", "--no-cache"])
        .code(1);
    assert_eq!(warm.stdout, cold.stdout);
    // Its hits are kept now, and found again without reading the file.
    vouched_for(&env);
    env.soc2(&["check"]).code(1);
    let kept = env.soc2(&["check", "--format", "json"]).code(1);
    assert_eq!(kept.stdout, cold.stdout);
}

/// A record read from the cache keeps its text there, read when a finding points into
/// it: the finding is placed on the line and column a fresh read gives.
#[test]
fn a_finding_in_a_record_from_the_cache_is_located_as_when_read_afresh() {
    let env = fixtures::committed_small_store();
    let record = "evidence/AC-01/2026-10-05-stray.yaml";
    env.write(
        record,
        "control: ZZ-99\ncollected_at: 2026-10-05\nkind: screenshot\ndescription: a control nobody defined\n",
    );
    env.commit_all("a record for a control nobody defined");
    vouched_for(&env);
    env.soc2(&["check"]).code(1);
    let warm = env.soc2(&["check", "--format", "json"]).code(1);
    let cold = env
        .soc2(&["check", "--format", "json", "--no-cache"])
        .code(1);
    assert_eq!(warm.stdout, cold.stdout);
    let report = warm.check();
    let located = report
        .findings
        .iter()
        .find(|f| f.file.as_deref() == Some(record))
        .expect("a finding in the record");
    assert_eq!((located.line, located.column), (Some(1), Some(10)));
}

/// check scans a record's text once for its content and keeps what it found: a
/// record edited behind git's back (same size and modification time) is scanned again.
#[test]
fn a_record_text_scanned_once_is_scanned_again_when_it_changes() {
    let env = fixtures::committed_small_store();
    let record = "evidence/AC-01/2026-10-05-token.yaml";
    let token = fixtures::fake_token();
    let filler = "x".repeat(token.len());
    env.write(
        record,
        format!("control: AC-01\ncollected_at: 2026-10-05\nkind: screenshot\ndescription: pasted {token}\n"),
    );
    env.commit_all("a record with a token in it");
    vouched_for(&env);
    // The first run keeps the record, the second what its scan found.
    env.soc2(&["check"]).code(1);
    env.soc2(&["check"]).code(1);
    let warm = env.soc2(&["check", "--format", "json"]).code(1);
    assert!(warm.codes().contains(&"E-SECRET-IN-EVIDENCE".to_string()));
    let cold = env
        .soc2(&["check", "--format", "json", "--no-cache"])
        .code(1);
    assert_eq!(warm.stdout, cold.stdout);

    edit_in_place(&env, record, &token, &filler);
    let warm = env.soc2(&["check", "--format", "json"]);
    assert!(!warm.codes().contains(&"E-SECRET-IN-EVIDENCE".to_string()));
    let cold = env.soc2(&["check", "--format", "json", "--no-cache"]);
    assert_eq!(warm.stdout, cold.stdout);
}
