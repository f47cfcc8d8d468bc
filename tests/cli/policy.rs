use crate::fixtures::committed_small_store;

#[test]
fn add_commits_the_record_and_its_document() {
    let env = committed_small_store();
    insta::assert_snapshot!(
        env.soc2(&[
            "policy",
            "add",
            "POL-VENDOR",
            "--title",
            "Vendor Management Policy",
            "--owner",
            "dana@example.com"
        ])
        .success()
    );
    insta::assert_snapshot!(env.read("policies/POL-VENDOR.yaml"), @r"
    id: POL-VENDOR
    title: Vendor Management Policy
    owner: dana@example.com
    version: 1
    document: POL-VENDOR.md
    review_every: 365d
    ");
    assert!(
        env.read("policies/POL-VENDOR.md")
            .starts_with("# Vendor Management Policy\n")
    );
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: policy add POL-VENDOR

    Add policy POL-VENDOR: Vendor Management Policy

    Soc2-Action: policy-add
    Soc2-Object: POL-VENDOR


     policies/POL-VENDOR.md   | 17 +++++++++++++++++
     policies/POL-VENDOR.yaml |  6 ++++++
     2 files changed, 23 insertions(+)
    ");
}

#[test]
fn add_copies_a_document() {
    let env = committed_small_store();
    let document = env.outside("vendor.md", "# Vendors\n\nWe assess every vendor.\n");
    env.soc2(&[
        "policy",
        "add",
        "POL-VENDOR",
        "--title",
        "Vendors",
        "--document",
        document.to_str().unwrap(),
        "--review-every",
        "6m",
    ])
    .success();
    assert_eq!(
        env.read("policies/POL-VENDOR.md"),
        "# Vendors\n\nWe assess every vendor.\n"
    );
    assert!(
        env.read("policies/POL-VENDOR.yaml")
            .contains("review_every: 6m\n")
    );
}

#[test]
fn review_sets_only_the_review_date_and_keeps_comments() {
    let env = committed_small_store();
    let original = env.read("policies/POL-SEC.yaml").replace(
        "version: 2\n",
        "version: 2   # bumped for the SSO rollout\n",
    );
    env.write("policies/POL-SEC.yaml", &original);
    env.commit_all("annotate");
    let run = env.soc2(&["policy", "review", "POL-SEC", "-m", "No changes needed."]);
    insta::assert_snapshot!(run.success());
    assert_eq!(
        env.read("policies/POL-SEC.yaml"),
        original.replace("last_reviewed: 2026-03-01", "last_reviewed: 2026-11-22")
    );
    insta::assert_snapshot!(env.show("HEAD"), @"
    soc2: policy review POL-SEC

    Reviewed on 2026-11-22; next review due 2027-11-22
    No changes needed.

    Soc2-Action: policy-review
    Soc2-Object: POL-SEC


     policies/POL-SEC.yaml | 2 +-
     1 file changed, 1 insertion(+), 1 deletion(-)
    ");
    // The review does not void the approval.
    let status = env.soc2(&["status", "--format", "json"]).status();
    assert_eq!(status.overall.met, 1);
}

#[test]
fn review_refuses_a_future_date_and_a_repeat() {
    let env = committed_small_store();
    let future = env
        .soc2(&["policy", "review", "POL-SEC", "--date", "2026-12-01"])
        .code(2);
    let past = env
        .soc2(&["policy", "review", "POL-SEC", "--date", "2026-02-01"])
        .code(2);
    insta::assert_snapshot!(format!("{future}\n{past}"));
}

#[test]
fn set_changes_the_fields_named_and_voids_the_approval() {
    let env = committed_small_store();
    let text = env.read("policies/POL-SEC.yaml");
    env.write(
        "policies/POL-SEC.yaml",
        format!("# Owned by the security team\n{text}"),
    );
    env.commit_all("a comment");
    let run = env
        .soc2(&[
            "policy",
            "set",
            "POL-SEC",
            "--owner",
            "dana@example.com",
            "--review-every",
            "6m",
        ])
        .success();
    insta::assert_snapshot!(run.stdout, @r"
    Updated POL-SEC in commit efd11ef70c8f
      owner: carol@example.com -> dana@example.com
      review_every: 365d -> 6m
    ");
    let after = env.read("policies/POL-SEC.yaml");
    assert!(
        after.starts_with("# Owned by the security team\n"),
        "{after}"
    );
    assert!(
        after.contains("owner: dana@example.com\nversion: 2\n"),
        "{after}"
    );
    assert!(
        env.show("HEAD")
            .contains("Soc2-Action: policy-set\nSoc2-Object: POL-SEC\n")
    );
    // The owner and cadence are approved content: the approval no longer holds.
    let policies: Vec<soc2::readiness::PolicyResult> =
        env.soc2(&["policies", "--format", "json"]).parse();
    let sec = policies.iter().find(|p| p.id == "POL-SEC").unwrap();
    assert_ne!(sec.approval, soc2::readiness::ApprovalState::Approved);
    env.soc2(&["policy", "set", "POL-SEC", "--owner", "dana@example.com"])
        .success();
    assert_eq!(
        env.git(&["rev-list", "--count", "HEAD"]),
        "3\n",
        "nothing to commit"
    );
}

#[test]
fn risk_set_changes_the_fields_named() {
    let env = committed_small_store();
    env.soc2(&[
        "risk",
        "add",
        "RISK-01",
        "--title",
        "Phishing",
        "--likelihood",
        "4",
        "--impact",
        "3",
        "--treatment",
        "mitigate",
        "--controls",
        "AC-01",
    ])
    .success();
    env.soc2(&[
        "risk",
        "set",
        "RISK-01",
        "--likelihood",
        "2",
        "--controls",
        "AC-01,AC-02",
    ])
    .success();
    let text = env.read("risks/RISK-01.yaml");
    assert!(text.contains("likelihood: 2\n"), "{text}");
    assert!(text.contains("controls: [AC-01, AC-02]\n"), "{text}");
    assert!(env.show("HEAD").contains("Soc2-Action: risk-set\n"));
    let refused = env
        .soc2(&["risk", "set", "RISK-01", "--controls", "NOPE-9"])
        .code(2);
    assert!(
        refused.stderr.contains("unknown control `NOPE-9`"),
        "{refused}"
    );
}

#[test]
fn approving_changed_content_is_a_new_version_listed_with_its_controls() {
    let env = committed_small_store();
    // Unchanged content: no new version, nothing to commit.
    env.as_person("Vera", "vera@example.com", &["approve", "POL-SEC"])
        .success();
    env.write(
        "policies/POL-SEC.md",
        "# Security Policy\n\nEveryone protects customer data, always.\n",
    );
    // AC-02 stops naming the policy before version 3.
    let ac02 = env
        .read("controls/AC-02.yaml")
        .replace("policies: [POL-SEC]\n", "");
    env.write("controls/AC-02.yaml", ac02);
    env.commit_all("tighten the policy");
    let run = env
        .as_person("Vera", "vera@example.com", &["approve", "POL-SEC"])
        .success();
    assert!(
        run.stdout
            .starts_with("Approved POL-SEC (version 3) as vera@example.com"),
        "{run}"
    );
    assert!(env.read("policies/POL-SEC.yaml").contains("version: 3\n"));
    assert!(
        env.show("HEAD")
            .contains("The approved content changed: version 3")
    );
    let show = env.soc2(&["show", "POL-SEC"]).success();
    let versions = show.stdout.split("Approved versions").nth(1).unwrap();
    let shown: Vec<&str> = versions
        .lines()
        .map(|l| l.split(", commit").next().unwrap().trim())
        .collect();
    assert_eq!(
        shown,
        [
            "(2):",
            "version 2   approved by approver@example.com on 2026-03-02",
            "named by AC-01, AC-02",
            "version 3   approved by vera@example.com on 2026-11-22",
            "named by AC-01",
        ]
    );
    match env
        .soc2(&["show", "POL-SEC", "--format", "json"])
        .success()
        .parse()
    {
        soc2::links::Shown::Policy { versions, .. } => {
            assert_eq!(versions.len(), 2);
            assert_eq!(versions[1].commit.len(), 40);
        }
        _ => panic!("not a policy"),
    }
}
