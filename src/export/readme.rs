//! README.txt: what the package holds and how an auditor checks it, with or without
//! soc2.

use super::Manifest;
use crate::model::AuditType;
use crate::readiness::Assessment;

pub(super) fn text(m: &Manifest, assessment: &Assessment) -> String {
    let audit = match (m.audit, m.period) {
        (AuditType::Type2, Some(p)) => {
            format!("SOC 2 Type II, observation period {} to {}", p.start, p.end)
        }
        (AuditType::Type2, None) => "SOC 2 Type II".to_string(),
        (AuditType::Type1, _) => "SOC 2 Type I".to_string(),
    };
    let short: String = m.commit.chars().take(12).collect();
    format!(
        "\
EVIDENCE PACKAGE: {organisation}
{audit}

Made by {tool} from commit {commit}
(tree {tree}, committed {committed_at}),
judged as of {day}: {readiness:.1}% of {total} in-scope criteria met.

Every file here comes from that one commit of the organisation's compliance
repository, where each change is a git commit: the program's records
(policies, controls, evidence and its files, risks, vendors, tests, findings,
requests) are copied from the commit's tree as they are, and the tables
and the report are computed from it. The same commit and day give the same
bytes.


WHAT IS INSIDE

  README.txt            this file
  SHA256SUMS            the sha256 of every other file (sha256sum format)
  manifest.json         the tool, the commit and its tree, the day judged, counts
  report.html           the readiness report: open it in a browser (nothing is
                        fetched from the network); it prints
  control-matrix.csv    one row per control in scope: criteria, owner,
  control-matrix.xlsx   frequency, windows operated and due, state, approval
  evidence-index.csv    one row per evidence file: its record, control, the
                        windows it fills, kind, result, the period it covers,
                        when it was collected, the commit that received it and
                        that commit's date, who collected it, the file, sha256
  populations/          one CSV per control: its occurrences in the period
                        (evidence records, or the events its population files
                        list), the population to sample from
  requests.csv          the auditor's requests, their status and the evidence
                        provided for each
  audit-trail.csv       the repository's history for the period: commit, date,
                        author, action, what it changed
  oscal/                the criteria catalogue, the controls and the readiness
                        results as OSCAL 1.2.3 JSON documents
  soc2.yaml             the program: scope, exclusions and their approval
  controls/             each control as committed, with its approval
  policies/             each policy record (with its approval) and its document
  evidence/             each evidence record (.yaml) beside its files
  linked/               files elsewhere in the repository that records link to
  risks/, vendors/      the risk register; vendors and subservice organisations
  system/               the system description and its approval
  tests/, findings/     internal control tests with their samples; findings
  populations/<CONTROL>/  the population files of per-event controls
  requests/             each request of the auditor, as recorded

It holds {files} files: {controls} controls, {policies} policies,
{records} evidence records with {evidence_files} files, {requests} requests and
{commits} commits of audit trail.


CHECKING THE PACKAGE

1. Nothing changed since it was made. In this folder (unzip it first):

     sha256sum -c SHA256SUMS

   Every line must say OK. (macOS: shasum -a 256 -c SHA256SUMS.) SHA256SUMS
   lists every file but itself.

2. It is what the repository holds. In a clone of the repository:

     git cat-file -t {commit}          # commit: the commit exists
     git rev-parse {short}^{{tree}}         # prints {tree}

   and any file copied from the store matches the commit, for example:

     git show {short}:soc2.yaml | sha256sum

   gives the sha256 SHA256SUMS lists for soc2.yaml (an evidence file under
   linked/ sits at its path without the linked/ prefix). Each evidence
   record names its files' sha256 too.

3. With soc2, inside the repository, both at once, and every table and
   document made again from the commit and compared:

     soc2 verify --package PATH-TO-THIS-FOLDER-OR-ZIP

Who changed what, and when, is in audit-trail.csv and in `git log` of the
repository; each commit made by soc2 carries Soc2-Action and Soc2-Object
trailers.
",
        organisation = m.organisation,
        tool = m.tool,
        commit = m.commit,
        tree = m.tree,
        committed_at = m.committed_at,
        day = m.generated_for,
        readiness = assessment.overall.readiness,
        total = assessment.overall.total,
        files = m.counts.files,
        controls = m.counts.controls,
        policies = m.counts.policies,
        records = m.counts.evidence_records,
        evidence_files = m.counts.evidence_files,
        requests = m.counts.requests,
        commits = m.counts.trail_commits,
    )
}
