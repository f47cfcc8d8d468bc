//! Small stores written file by file, so that each test controls exactly what is there.

use soc2::model::{Control, Policy, Program, Sha256Hex, digest};

use crate::common::Env;

pub const PROGRAM: &str = "\
organisation: Fixture Co
scope:
  categories: [availability]
  excluded_criteria:
    - {criterion: CC6.4, reason: Cloud only; no offices}
audit:
  type: type1
";

/// `yaml` (a soc2.yaml) with an approval of its scope that holds.
pub fn scope_approved(yaml: &str) -> String {
    let program: Program = soc2::store::from_yaml(yaml).unwrap();
    format!(
        "{yaml}scope_approval: {{by: approver@example.com, at: 2026-03-02, digest: {}}}\n",
        digest::scope(&program).current
    )
}

pub const POLICY_DOC: &str = "# Security Policy\n\nEveryone protects customer data.\n";

/// Appends an approval whose digest matches the control's content.
pub fn approved_control(yaml: &str) -> String {
    let control: Control = soc2::store::from_yaml(yaml).unwrap();
    format!(
        "{yaml}approval:\n  by: approver@example.com\n  at: 2026-03-02\n  digest: {}\n",
        digest::control(&control).current
    )
}

pub fn approved_policy(yaml: &str, document: &str) -> String {
    let policy: Policy = soc2::store::from_yaml(yaml).unwrap();
    format!(
        "{yaml}approval:\n  by: approver@example.com\n  at: 2026-03-02\n  digest: {}\n",
        digest::policy(&policy, Some(document.as_bytes())).current
    )
}

/// Evidence with one attached file, hashed.
pub fn evidence(env: &Env, control: &str, name: &str, covers: (&str, &str), collected: &str) {
    let content = format!("report for {control} {name}\n");
    let file = format!("{name}.csv");
    env.write(&format!("evidence/{control}/{file}"), &content);
    env.write(
        &format!("evidence/{control}/{name}.yaml"),
        format!(
            "control: {control}\ncollected_at: {collected}\ncollected_by: alice@example.com\n\
             covers: {{from: {}, to: {}}}\nkind: export\ndescription: Report for {control}\n\
             files:\n  - path: {file}\n    sha256: {}\n",
            covers.0,
            covers.1,
            Sha256Hex::of(content.as_bytes())
        ),
    );
}

/// `small_store` in a new repository, committed.
pub fn committed_small_store() -> Env {
    let env = Env::new();
    small_store(&env);
    env.commit_all("fixture");
    env
}

/// A partly ready program: one ready control, one with stale evidence, one designed,
/// one planned without an owner, one not applicable.
pub fn small_store(env: &Env) {
    env.write("soc2.yaml", scope_approved(PROGRAM));
    env.write("policies/POL-SEC.md", POLICY_DOC);
    env.write(
        "policies/POL-SEC.yaml",
        approved_policy(
            "id: POL-SEC\ntitle: Security Policy\nowner: carol@example.com\nversion: 2\ndocument: POL-SEC.md\nreview_every: 365d\nlast_reviewed: 2026-03-01\n",
            POLICY_DOC,
        ),
    );
    env.write(
        "controls/AC-01.yaml",
        approved_control(
            "id: AC-01\ntitle: Multi-factor authentication\nowner: alice@example.com\ncriteria: [CC6.1, CC6.2]\nstatus: implemented\nfrequency: quarterly\npolicies: [POL-SEC]\n",
        ),
    );
    env.write(
        "controls/AC-02.yaml",
        approved_control(
            "id: AC-02\ntitle: Quarterly access review\nowner: bob@example.com\ncriteria: [CC6.2, CC6.3]\nstatus: implemented\nfrequency: quarterly\npolicies: [POL-SEC]\n",
        ),
    );
    env.write(
        "controls/BC-01.yaml",
        "id: BC-01\ntitle: Daily backups\nowner: carol@example.com\ncriteria: [A1.2]\nstatus: designed\nfrequency: daily\n",
    );
    env.write(
        "controls/IR-01.yaml",
        "id: IR-01\ntitle: Incident response plan\nowner: TODO\ncriteria: [CC7.3, CC7.4]\nstatus: planned\nfrequency: annual\n",
    );
    env.write(
        "controls/PHY-01.yaml",
        approved_control(
            "id: PHY-01\ntitle: Office badge access\ncriteria: [CC6.4]\nstatus: not-applicable\nreason: No offices\nfrequency: quarterly\n",
        ),
    );
    evidence(
        env,
        "AC-01",
        "2026-10-02-mfa-report",
        ("2026-07-01", "2026-09-30"),
        "2026-10-02",
    );
    evidence(
        env,
        "AC-02",
        "2026-07-01-access-review",
        ("2026-04-01", "2026-06-30"),
        "2026-07-01",
    );
}

/// A GitHub token as the secret scanners know it (not a real one).
pub fn fake_token() -> String {
    format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8")
}
