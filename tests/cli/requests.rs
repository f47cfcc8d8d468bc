//! The auditor's request list: `soc2 request import|provide|accept|reject`, `soc2
//! requests`, and overdue requests in `soc2 due`.

use soc2::readiness::due::{DueItem, DueKind};
use soc2::requests::RequestView;

use crate::common::Env;
use crate::fixtures::committed_small_store;

/// An auditor's list as spreadsheets save it: its own header names and order, a column
/// soc2 does not read, criteria and controls in one column.
const PBC: &str = "\
Request ID,Description,Control(s),Owner,Due date,Date requested
PBC-1,\"Population of MFA enrolment reports, Q3\",AC-01,Ann,2026-11-16,2026-11-02
PBC-2,Quarterly access reviews and their tickets,\"AC-02; CC6.3\",Ann,2026-12-04,2026-11-02
PBC-3,Incident response plan and its last test,CC7.4,Raj,,2026-11-02
";

fn imported() -> Env {
    let env = committed_small_store();
    let file = env.outside("pbc.csv", PBC);
    env.soc2(&[
        "request",
        "import",
        file.to_str().unwrap(),
        "--from",
        "Example Audit LLP",
    ])
    .success();
    env
}

fn requests(env: &Env) -> Vec<RequestView> {
    env.soc2(&["requests", "--format", "json"])
        .success()
        .parse()
}

#[test]
fn an_auditors_sheet_becomes_records_in_one_commit() {
    let env = committed_small_store();
    let file = env.outside("pbc.csv", PBC);
    let run = env
        .soc2(&[
            "request",
            "import",
            file.to_str().unwrap(),
            "--from",
            "Example Audit LLP",
        ])
        .success();
    insta::assert_snapshot!("import", run);
    insta::assert_snapshot!("import_commit", env.show("HEAD"));
    insta::assert_snapshot!("import_record", env.read("requests/PBC-2.yaml"));
    assert_eq!(env.git(&["status", "--porcelain"]), "");

    let list = requests(&env);
    assert_eq!(list.len(), 3);
    assert_eq!(list[1].controls, ["AC-02"]);
    assert_eq!(list[1].criteria, ["CC6.3"]);
    assert_eq!(list[1].owner.as_deref(), Some("bob@example.com"));
    // Today is 2026-11-22: PBC-1 is past due.
    assert!(list[0].overdue && !list[1].overdue && !list[2].overdue);
    insta::assert_snapshot!("requests_table", env.soc2(&["requests"]).success());
    insta::assert_snapshot!(
        "requests_csv",
        env.soc2(&["requests", "--format", "csv"]).success().stdout
    );

    // A second import of the same list is refused, unless told to skip what exists.
    let run = env
        .soc2(&["request", "import", file.to_str().unwrap()])
        .code(2);
    assert!(
        run.stderr
            .contains("pbc.csv: row 2, column `Request ID`: request PBC-1 already exists"),
        "{run}"
    );
    let updated = env.outside(
        "pbc2.csv",
        format!("{PBC}PBC-4,Change tickets for October,CM-01 AC-01,,2026-12-10,2026-11-20\n")
            .replace("CM-01 ", ""),
    );
    let run = env
        .soc2(&[
            "request",
            "import",
            updated.to_str().unwrap(),
            "--skip-existing",
        ])
        .success();
    assert!(
        run.stdout.contains("Imported 1 request from pbc2.csv"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("Skipped 3 requests that exist already: PBC-1, PBC-2, PBC-3"),
        "{run}"
    );
}

#[test]
fn sheets_it_cannot_read_are_refused_with_the_row_and_column() {
    let env = committed_small_store();
    let cases = [
        ("missing-column.csv", "ID,Request,Controls\nR1,Logs,AC-01\n"),
        (
            "duplicate.csv",
            "ID,Request,Controls,Due\nR1,Logs,AC-01,\nR2,More,AC-02,\nr1,Again,AC-01,\n",
        ),
        (
            "unknown-control.csv",
            "ID,Request,Controls,Due\nR1,Logs,AC-01,\nR2,Tickets,AC-03,2026-12-01\n",
        ),
        (
            "bad-date.csv",
            "ID,Request,Controls,Due\nR1,Logs,AC-01,12/01/2026\n",
        ),
    ];
    let mut out = String::new();
    for (name, content) in cases {
        let file = env.outside(name, content);
        let run = env
            .soc2(&["request", "import", file.to_str().unwrap()])
            .code(2);
        out.push_str(&format!("== {name}\n{}", run.stderr));
    }
    insta::assert_snapshot!("import_errors", out);
    // Nothing was written or committed.
    assert!(!env.path("requests").exists());
    assert_eq!(env.git(&["status", "--porcelain"]), "");
    assert_eq!(env.git(&["rev-list", "--count", "HEAD"]).trim(), "1");

    // The same ID twice among the records is caught by check.
    env.write(
        "requests/R1.yaml",
        "id: R1\nrequest: Logs\ncontrols: [AC-09]\nasked_on: 2026-11-02\n",
    );
    env.write(
        "requests/R2.yaml",
        "id: R1\nrequest: Logs\nasked_on: 2026-11-02\nevidence: [AC-01/nope]\n",
    );
    let codes = env.soc2(&["check", "--format", "json"]).code(1).codes();
    assert!(codes.contains(&"E-UNKNOWN-REF".to_string()), "{codes:?}");
    assert!(codes.contains(&"E-ID-MISMATCH".to_string()), "{codes:?}");
}

#[test]
fn provided_evidence_must_exist_and_answers_follow_the_request() {
    let env = imported();
    let run = env
        .soc2(&["request", "provide", "PBC-1", "AC-01/2026-10-02-mfa-reprot"])
        .code(2);
    insta::assert_snapshot!("provide_unknown", run);
    let run = env
        .soc2(&["request", "provide", "PBC-1", "AC-09/x"])
        .code(2);
    assert!(run.stderr.contains("unknown control `AC-09`"), "{run}");
    let run = env.soc2(&["request", "accept", "PBC-1"]).code(2);
    assert!(
        run.stderr
            .contains("request PBC-1 is open: nothing was provided to accept"),
        "{run}"
    );

    let run = env
        .soc2(&[
            "request",
            "provide",
            "PBC-1",
            "AC-01/2026-10-02-mfa-report",
            "-m",
            "Q3 report",
        ])
        .success();
    insta::assert_snapshot!("provide", run);
    insta::assert_snapshot!("provide_commit", env.show("HEAD"));
    let run = env
        .as_person(
            "Audrey Auditor",
            "audrey@audit.example",
            &[
                "request",
                "reject",
                "PBC-1",
                "--reason",
                "Covers Q3 only; the period starts in April",
            ],
        )
        .success();
    assert!(
        run.stdout.contains("Rejected request PBC-1 on 2026-11-22"),
        "{run}"
    );
    let list = requests(&env);
    assert_eq!(list[0].status, soc2::model::RequestStatus::Rejected);
    assert!(list[0].overdue);
    assert_eq!(list[0].comments.len(), 2);
    assert_eq!(list[0].comments[1].by, "audrey@audit.example");
    env.soc2(&[
        "request",
        "provide",
        "PBC-1",
        "AC-02/2026-07-01-access-review",
    ])
    .success();
    env.soc2(&["request", "accept", "PBC-1"]).success();
    insta::assert_snapshot!("accepted_record", env.read("requests/PBC-1.yaml"));
    let run = env
        .soc2(&["request", "provide", "PBC-1", "AC-01/2026-10-02-mfa-report"])
        .code(2);
    assert!(
        run.stderr
            .contains("request PBC-1 was accepted on 2026-11-22"),
        "{run}"
    );
    let open = env
        .soc2(&["requests", "--status", "open", "--format", "json"])
        .success();
    assert_eq!(open.parse::<Vec<RequestView>>().len(), 2);
    // A record the history does not hold yet cannot be provided.
    env.write("evidence/AC-01/2026-11-20-extra.yaml", "control: AC-01\ncollected_at: 2026-11-20\nkind: attestation\ncollected_by: a@example.com\n");
    let run = env
        .soc2(&["request", "provide", "PBC-2", "AC-01/2026-11-20-extra"])
        .code(2);
    assert!(run.stderr.contains("is not committed"), "{run}");
}

#[test]
fn overdue_requests_are_due_work() {
    let env = imported();
    let items: Vec<DueItem> = env.soc2(&["due", "--format", "json"]).success().parse();
    let requests: Vec<&DueItem> = items
        .iter()
        .filter(|i| i.kind == DueKind::Request)
        .collect();
    // PBC-1 is overdue; PBC-2 falls due within 30 days; PBC-3 has no due date.
    assert_eq!(requests.len(), 2, "{items:#?}");
    assert!(requests[0].overdue && requests[0].id == "PBC-1");
    assert_eq!(requests[0].owner.as_deref(), Some("alice@example.com"));
    assert!(!requests[1].overdue && requests[1].id == "PBC-2");
    let table = env.soc2(&["due", "--owner", "alice@example.com"]).success();
    assert!(table.stdout.contains("┆ request ┆ PBC-1 ┆"), "{table}");
    env.soc2(&["request", "provide", "PBC-1", "AC-01/2026-10-02-mfa-report"])
        .success();
    let items: Vec<DueItem> = env.soc2(&["due", "--format", "json"]).success().parse();
    assert!(
        !items.iter().any(|i| i.id == "PBC-1"),
        "a provided request waits on the auditor"
    );
}
