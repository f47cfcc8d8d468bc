//! Findings are what validation and readiness rules report: data, not errors.
//! Each has a stable code, a severity, a place and a hint.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Something the reader should know, such as a rule that could not run.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $severity:ident, $summary:literal, $explanation:literal; )*) => {
        /// Every rule's stable code. Codes never change meaning once released.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$severity, )* }
            }

            /// One line for listings.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// What `soc2 check --explain CODE` prints.
            pub fn explanation(self) -> &'static str {
                match self { $( Code::$variant => $explanation, )* }
            }
        }
    };
}

codes! {
    Parse = "E-PARSE", Error, "a file is not valid YAML",
        "The file could not be read as one UTF-8 YAML document: a syntax error, a tab used for \
         indentation, bytes that are not UTF-8, an empty file or more than one document. \
         Fix the file at the line and column given; YAML indents with spaces only.";
    Schema = "E-SCHEMA", Error, "a file does not match its record's fields",
        "The YAML is well formed but does not fit the record: an unknown field (often a typo; \
         the message suggests the closest known name), a missing required field, a value of \
         the wrong type, an invalid date or an unknown value for a field with fixed choices. \
         `soc2 schema KIND` prints every field a record may have.";
    InvalidId = "E-INVALID-ID", Error, "an ID is not of the form [A-Z0-9][A-Z0-9-]*",
        "Control, policy and risk IDs are upper-case letters, digits and dashes, starting with \
         a letter or digit, and are the file's name without `.yaml`. Rename the file (and the \
         `id` field) to a valid ID.";
    IdMismatch = "E-ID-MISMATCH", Error, "a record's id differs from its file name",
        "A record's `id` field, where present, must equal its file name without `.yaml`, so \
         that the file can be found from the ID. Rename the file or fix the field.";
    DuplicateId = "E-DUPLICATE-ID", Error, "two records share one ID",
        "Two files define the same control, policy or risk (for example `AC-01.yaml` and \
         `AC-01.yml`, or a file whose `id` field names another file's ID). Keep one.";
    UnknownRef = "E-UNKNOWN-REF", Error, "a reference names a criterion, control or policy that does not exist",
        "A control names a criterion that is not in the TSC catalogue (`soc2 criteria` lists \
         them) or a policy with no file under `policies/`; an evidence record or risk names a \
         control with no file under `controls/`; or `soc2.yaml` excludes an unknown criterion. \
         Fix the ID or add the missing record.";
    InvalidValue = "E-INVALID-VALUE", Error, "a value is well typed but not allowed",
        "A field holds a value the rules forbid: a date range that ends before it starts, \
         evidence that covers days after it was collected, `not-applicable` without a \
         `reason`, a score outside 1-5, a readiness gate above 100, a Type II audit with no \
         observation period, or an evidence file entry with both or neither of `path` and `link`.";
    BadPath = "E-BAD-PATH", Error, "a path is in the wrong place or escapes its folder",
        "A directory sits where a record file is expected, a record is outside the folder its \
         kind lives in, or an evidence file path is absolute or climbs out of the record's \
         folder with `..`. Evidence files are stored beside their record; `link` paths are \
         relative to the repository root and stay inside it, out of `.git/`. soc2 never \
         follows a symbolic link in the store: a record, folder, evidence file or policy \
         document that is a link (or is reached through one) is not read; replace it with \
         what it points to. An evidence file or document that git ignores can never be \
         committed: change `.gitignore`.";
    EvidenceMissing = "E-EVIDENCE-MISSING", Error, "a recorded evidence file or policy document is missing",
        "An evidence record lists a file, or a policy names a document, that is not in the \
         store. Restore the file from history (`git log --all -- PATH`) or remove the entry and \
         add the evidence again with `soc2 evidence add`.";
    HashMismatch = "E-HASH-MISMATCH", Error, "an evidence file's content differs from its recorded sha256",
        "Evidence is recorded with the SHA-256 of each file so that it cannot change unseen. \
         The file now has different content. Restore the original from git history, or, if \
         the new file is the right evidence, record it as new evidence with `soc2 evidence add`.";
    Population = "E-POPULATION", Error, "a population file is not a list of events soc2 can read",
        "A population file (`populations/<CONTROL>/<PERIOD-OR-WINDOW>.csv`) lists the events \
         a per-event control acts on, one row each: a first row naming the columns, with at \
         least `id` and `date` (and optionally `description`), then one row per event with a \
         unique id and a YYYY-MM-DD date, as many fields as the first row names. The file \
         sits in the folder of its control. Fix the row at the line and column given; two \
         files of one control may not list the same id.";
    MissingEvidence = "W-MISSING-EVIDENCE", Warning, "an implemented control has no evidence for a period that needs it",
        "The control is implemented but has no evidence at all (Type I), or an ended window of \
         the observation period has none (Type II). Add evidence with `soc2 evidence add` whose \
         `covers` range spans the missing dates.";
    StaleEvidence = "W-STALE-EVIDENCE", Warning, "a control's newest evidence is older than its frequency allows",
        "For a Type I readiness view, a control's newest evidence must end (`covers.to`) within \
         one frequency window of today plus 25% grace (90 days for continuous and per-event \
         controls). For Type II, the most recently ended window has no evidence yet. Collect \
         fresh evidence.";
    OverdueReview = "W-OVERDUE-REVIEW", Warning, "a policy is past its review date",
        "A policy is reviewed every `review_every` (default 365d) from its `last_reviewed` date \
         or its approval. Review it and record the review with `soc2 policy review ID`.";
    Unapproved = "W-UNAPPROVED", Warning, "a record has no approval, or changed after it was approved",
        "An implemented control, or a policy, needs an approval whose digest matches its \
         current content. A change after approval voids it. Have someone other than the \
         author run `soc2 approve ID`.";
    SelfApproval = "W-SELF-APPROVAL", Warning, "a record was approved by the person who last changed it",
        "Segregation of duties: the approver of a control or policy must not be the person who \
         last changed its approved content (from git history). Ask someone else to approve.";
    ExpiredException = "W-EXPIRED-EXCEPTION", Warning, "a control's exception has expired",
        "An exception accepts a known gap until `expires`. After that date the control is \
         judged on its own again. Fix the gap, or renew the exception with a new approver and \
         end date.";
    UncoveredCriterion = "W-UNCOVERED-CRITERION", Warning, "an in-scope criterion has no applicable control",
        "No control that applies maps to this criterion. Map a control to it (the control's \
         `criteria` list), add a control, or, if it truly does not apply, exclude it in \
         `soc2.yaml` under `scope.excluded_criteria` with a reason.";
    NoOwner = "W-NO-OWNER", Warning, "a control or policy has no owner",
        "Every control and policy needs a named owner accountable for it. Replace the `TODO` \
         placeholder (or the empty field) with a person, e.g. `soc2 control set ID --owner alice@example.com`.";
    NotOperating = "W-NOT-OPERATING", Warning, "a window ended while a control's design did not hold",
        "For a Type II period each window is judged against the store as it stood at the \
         window's end (from git history): the control was implemented, owned and approved \
         there, and its policies were approved and within review. A window that ended while \
         the control was planned, designed, unapproved or not owned is not operating, \
         whatever evidence arrived for it later. `soc2 show ID` names the windows and the \
         commit each was judged on.";
    Deviation = "W-DEVIATION", Warning, "evidence records that a control failed",
        "An evidence record with `result: deviation` (or a command that did not exit as \
         expected) shows the control ran and failed, or was found not to operate. It never \
         satisfies a window. Record what was done about it, and evidence that the control \
         operated once fixed.";
    Backdated = "W-BACKDATED", Warning, "a record is dated more than a day before git received it",
        "An evidence record's `collected_at`, or an approval's `at`, is more than one day \
         before the commit that added it. Git holds the real date: a record written with \
         `--today` or by hand in the past claims a day nobody can vouch for. Collect and \
         commit evidence when it is collected; approve when approving.";
    LateEvidence = "W-LATE-EVIDENCE", Warning, "evidence arrived after its window was due",
        "Evidence received (committed) after the window it is first counted for was due \
         (the window's end plus the collection grace). It still counts for the window, and \
         the auditor sees when it arrived.";
    SelfException = "W-SELF-EXCEPTION", Warning, "an exception approved by the control's owner or its author",
        "An exception accepts a known gap; it must be approved by someone with the authority \
         who is neither the control's owner nor the person who added the exception. Have \
         someone else record it with `soc2 control except`.";
    LongException = "W-LONG-EXCEPTION", Warning, "an exception runs more than 12 months",
        "An exception that runs more than twelve months from the commit that added it is a \
         control that does not operate, not a temporary gap. Fix the gap, or set an earlier \
         end date and renew it when it expires.";
    ScopeUnapproved = "W-SCOPE-UNAPPROVED", Warning, "an exclusion or a not-applicable control is not approved",
        "Excluding a criterion or marking a control not applicable raises readiness, so \
         neither counts without an approval: the scope (`soc2.yaml`: services, categories, \
         excluded criteria and the audit's periods) is approved with `soc2 approve scope`, \
         and each not-applicable control with `soc2 approve ID`.";
    ExcludedCommonCriterion = "W-EXCLUDED-COMMON-CRITERION", Warning, "a common criterion is excluded",
        "The common criteria (CC1-CC9) make up the security category, which every SOC 2 \
         covers; auditors almost never accept excluding one. Where a third party performs a \
         control (a cloud provider's data centres), keep the criterion in scope and record \
         the vendor in `vendors/` as a carve-out subservice organisation carrying it \
         (`csoc`): the criterion is then met while its SOC report is current and reviewed \
         and your vendor review control is ready.";
    PointInTimeSpan = "W-POINT-IN-TIME-SPAN", Warning, "a point-in-time record claims to cover a longer span",
        "A screenshot (or a kind the control marks `point_in_time`) shows a state on the day \
         it was taken, so it counts only for the window holding its `collected_at`; the \
         longer `covers` it names is ignored for the other windows. Use an export or a log \
         that covers the span, or one screenshot per window.";
    NoHistory = "W-NO-HISTORY", Warning, "windows ended before git history starts",
        "The store's git history starts after some windows of the period ended (a program \
         that moved from spreadsheets, or a shallow clone). Those windows are judged on the \
         store as its first commit holds it, and evidence already in that commit counts as \
         received on time: git cannot vouch for what happened before it. An auditor reads \
         those windows on the team's word and their evidence.";
    RuleSkipped = "I-RULE-SKIPPED", Info, "a rule could not run, and what was not checked",
        "A rule needs something this run does not have, most often git history: a shallow \
         clone (CI checkouts are shallow by default) cannot tell who changed what, so \
         segregation of duties is not checked there. The finding says what was skipped; \
         fetch the whole history (`git fetch --unshallow`, or `fetch-depth: 0` in GitHub \
         Actions) to run it.";
    LegacyDigest = "I-LEGACY-DIGEST", Info, "an approval's digest follows soc2 0.1's rule",
        "soc2 0.1 computed approval digests over a record's whole content, `notes` \
         included; soc2 now leaves free text, the test procedure and collection settings \
         out, so that editing them does not void an approval. An approval given under \
         the old rule still holds while the content it approved is unchanged; approving \
         again records the current digest.";
    UnrecordedFile = "W-UNRECORDED-FILE", Warning, "a file under evidence/ is not listed by any record",
        "Every file under `evidence/` should belong to an evidence record, so that its hash is \
         recorded. Add it with `soc2 evidence add` or remove it.";
    ApprovalNotByAuthor = "W-APPROVAL-NOT-BY-AUTHOR", Warning, "an approval names someone other than the author of its commit",
        "`soc2 approve` records the approver's own git identity, so an approval's `by` is \
         the author (or committer) of the commit that wrote it. One that names someone \
         else was typed by another person: by hand, or forged. The person named approves \
         with `soc2 approve ID` in their own checkout (or on a branch merged through a \
         pull request); otherwise remove the approval. `soc2 check` and `soc2 verify` \
         need the whole history for this rule: a shallow clone skips it.";
    Load = "E-LOAD", Error, "the store could not be read at all",
        "soc2 found no store to check: no soc2.yaml where it looked, a `--repo` that is not \
         a folder, a `--rev` that names nothing, or a git repository it could not read. \
         Nothing was checked, and the exit code is 2 (could not run). `--format json` and \
         `--format github` report it as this one finding, so that CI tools that read \
         them see why; the message says what to fix.";
    Uncommitted = "W-UNCOMMITTED", Warning, "an evidence record or file is not committed",
        "An evidence record, or a file it lists, is in the working tree but neither \
         committed nor staged: git does not hold it, so it does not count as evidence. It \
         is what a command interrupted between writing and committing leaves, or a file \
         written by hand and never added. Commit it (`git add` it, then `git commit`), or \
         remove it if it was left by accident.";
    FindingOverdue = "W-FINDING-OVERDUE", Warning, "a finding is still open after its due date",
        "A finding (`findings/<F-ID>.yaml`) should be remediated, retested where it was found \
         by testing, and closed by its `due` date. Remediate it (`soc2 finding remediate`), \
         retest it (`soc2 finding retest`) and close it (`soc2 finding close`), or agree a new \
         due date with its owner and record it in the file.";
    InclusiveWithoutCsoc = "W-INCLUSIVE-WITHOUT-CSOC", Warning, "an inclusive subservice organisation lists no controls",
        "With the inclusive method, a subservice organisation's controls are described in \
         our system description and tested in our audit, so the vendor record must list the \
         criteria they carry (`csoc`, each with a line saying what it does). List them, or \
         use `method: carve-out` when its own SOC report covers them.";
    SubserviceReport = "W-SUBSERVICE-REPORT", Warning, "a carve-out subservice organisation's SOC report is missing, out of date or not reviewed",
        "A criterion a carve-out subservice organisation carries is met only while its SOC \
         report is current (its period ended within the last 12 months, or a bridge letter \
         runs to today) and someone has reviewed it. Obtain the report (or a bridge letter) \
         and record its review with `soc2 vendor review ID`.";
    SystemSectionMissing = "W-SYSTEM-SECTION-MISSING", Warning, "a section of the system description is missing",
        "The system description (`system/description.md`) has one section per part of the \
         description an auditor's report expects, each under its own heading. A heading is \
         missing or renamed: add it back (a new `soc2 init` in an empty folder shows the \
         template) and write the section.";
    SystemSectionEmpty = "W-SYSTEM-SECTION-EMPTY", Warning, "a section of the system description is empty",
        "A section of `system/description.md` holds nothing but its heading and the \
         template's prompt (an HTML comment). Write what the prompt asks, or say why it \
         does not apply.";
    SecretInEvidence = "E-SECRET-IN-EVIDENCE", Error, "an evidence file holds a credential",
        "A committed evidence file (or record) holds something that looks like a \
         credential: an AWS access key id or secret key, a private key block, a GitHub, \
         GitLab or Slack token, a JSON Web Token, a URL with a password, or a password, \
         secret or token assigned a random-looking value. The finding names the rule, \
         the file, line and column, and shows the line masked. Revoke the credential \
         first: it is in git history, and removing the file does not take it out. Then \
         record the evidence again with `--redact` (each hit replaced with \
         `[REDACTED:<rule>]`). If the match is not a secret (a test key, a public \
         sample), record it with `--allow-secret RULE`, which the record keeps under \
         `secrets.allowed`.";
}

impl Code {
    /// Accepts `W-STALE-EVIDENCE`, `w-stale-evidence` or the warning name `stale-evidence`.
    pub fn parse(text: &str) -> Option<Code> {
        let upper = text.trim().to_ascii_uppercase();
        Code::ALL.iter().copied().find(|code| {
            let name = code.as_str();
            name == upper || name[2..] == upper
        })
    }

    /// The kebab-case name a warning has in `gate.fail_on`, e.g. `stale-evidence`.
    pub fn name(self) -> String {
        self.as_str()[2..].to_ascii_lowercase()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A warning `gate.fail_on` promotes to an error, by its name (`stale-evidence`) or
/// code (`W-STALE-EVIDENCE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WarningKind(Code);

impl WarningKind {
    pub fn code(self) -> Code {
        self.0
    }
}

impl Serialize for WarningKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.name())
    }
}

impl<'de> Deserialize<'de> for WarningKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match Code::parse(&text) {
            Some(code) if code.default_severity() == Severity::Warning => Ok(WarningKind(code)),
            _ => {
                let names: Vec<String> = Code::ALL
                    .iter()
                    .filter(|c| c.default_severity() == Severity::Warning)
                    .map(|c| c.name())
                    .collect();
                Err(serde::de::Error::custom(format!(
                    "unknown variant `{text}`, expected one of {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
    }
}

impl schemars::JsonSchema for WarningKind {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WarningKind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<String> = Code::ALL
            .iter()
            .filter(|c| c.default_severity() == Severity::Warning)
            .map(|c| c.name())
            .collect();
        schemars::json_schema!({
            "type": "string",
            "enum": names,
            "description": "A warning to treat as an error (`soc2 check --explain CODE` explains each)"
        })
    }
}

/// The findings of `parts` in one list, in their order, each moved once (a large
/// store's `check` has 70,000: growing a list as they come copied them again and again).
pub fn joined(parts: Vec<Vec<Finding>>) -> Vec<Finding> {
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for mut part in parts {
        all.append(&mut part);
    }
    all
}

/// A 1-based line and column in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// Path relative to the store's root, with `/` separators.
    pub file: Option<String>,
    pub position: Option<Position>,
    pub message: String,
    /// Most hints are the same words for every finding of a kind: those are not copied.
    pub hint: Option<std::borrow::Cow<'static, str>>,
    /// The text of the line `position` points at, shown under human diagnostics.
    #[serde(skip)]
    pub source_line: Option<String>,
}

impl Finding {
    pub fn new(code: Code, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            file: None,
            position: None,
            message: message.into(),
            hint: None,
            source_line: None,
        }
    }

    /// Keeps the line the finding points at, from the file's text.
    pub fn with_source(mut self, text: &str) -> Finding {
        if let Some(position) = self.position {
            self.source_line = text
                .lines()
                .nth(position.line.saturating_sub(1))
                .map(str::to_string);
        }
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Finding {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, position: Option<Position>) -> Finding {
        self.position = position;
        self
    }

    pub fn with_hint(mut self, hint: impl Into<std::borrow::Cow<'static, str>>) -> Finding {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column`, as far as known.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_deref()?;
        Some(match self.position {
            Some(p) => format!("{file}:{}:{}", p.line, p.column),
            None => file.to_string(),
        })
    }

    /// Order for reports: by file, then position, then code.
    pub fn sort_key(&self) -> (Option<&str>, Option<Position>, Code, &str) {
        (
            self.file.as_deref(),
            self.position,
            self.code,
            &self.message,
        )
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Code::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown finding code `{text}`")))
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joined_keeps_every_finding_in_its_order() {
        let finding = |message: &str| Finding::new(Code::Parse, message);
        let parts = vec![
            vec![finding("a"), finding("b")],
            Vec::new(),
            vec![finding("c")],
            vec![finding("d"), finding("e")],
        ];
        let all = joined(parts);
        let messages: Vec<&str> = all.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages, ["a", "b", "c", "d", "e"]);
        assert!(joined(Vec::new()).is_empty());
    }

    #[test]
    fn codes_parse_by_code_or_name() {
        assert_eq!(Code::parse("W-STALE-EVIDENCE"), Some(Code::StaleEvidence));
        assert_eq!(Code::parse("stale-evidence"), Some(Code::StaleEvidence));
        assert_eq!(Code::parse("e-parse"), Some(Code::Parse));
        assert_eq!(Code::parse("nonsense"), None);
        assert_eq!(Code::StaleEvidence.name(), "stale-evidence");
    }

    #[test]
    fn code_prefix_matches_severity() {
        for code in Code::ALL {
            let prefix = match code.default_severity() {
                Severity::Error => "E-",
                Severity::Warning => "W-",
                Severity::Info => "I-",
            };
            assert!(code.as_str().starts_with(prefix), "{code}");
        }
    }

    #[test]
    fn every_warning_has_a_gate_name() {
        for code in Code::ALL
            .iter()
            .filter(|c| c.default_severity() == Severity::Warning)
        {
            let kind: WarningKind = crate::store::from_yaml(&code.name()).unwrap();
            assert_eq!(kind.code(), *code);
        }
        let error = crate::store::from_yaml::<WarningKind>("parse").unwrap_err();
        assert!(error.contains("unknown variant `parse`"), "{error}");
    }
}
