//! Parsing one YAML file into a record, turning every failure into a finding that names
//! the line, the column and what to do.

use serde::de::DeserializeOwned;

use crate::findings::{Code, Finding, Position};
use crate::locate;
use crate::suggest;

/// Decodes bytes as UTF-8, or says where the first bad byte is.
pub fn utf8<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Finding> {
    std::str::from_utf8(bytes).map_err(|err| not_utf8(path, bytes, err))
}

/// The finding for `bytes`, read from `path`, that are not UTF-8 from where `err` says.
pub(super) fn not_utf8(path: &str, bytes: &[u8], err: std::str::Utf8Error) -> Finding {
    let position = locate::position_of_offset(bytes, err.valid_up_to());
    Finding::new(Code::Parse, "the file is not valid UTF-8")
        .in_file(path)
        .at(Some(position))
        .with_hint(
            "save the file as UTF-8; binary evidence belongs in an evidence record's `files`",
        )
}

/// A file that could not be read at all.
pub(crate) fn unreadable(path: &str, err: &std::io::Error) -> Finding {
    Finding::new(Code::Parse, format!("could not read the file: {err}")).in_file(path)
}

/// Text without the byte-order mark some editors write first: accepted, and kept when
/// the file is rewritten (`edit::rewrite`).
pub(crate) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Parses `text` as one `T`; `what` names the record for messages ("control").
pub fn parse<T: DeserializeOwned>(path: &str, text: &str, what: &str) -> Result<T, Finding> {
    let text = without_bom(text);
    if is_blank(text) {
        return Err(
            Finding::new(Code::Parse, format!("the file is empty; expected a {what}"))
                .in_file(path)
                .at(Some(Position { line: 1, column: 1 }))
                .with_hint(format!(
                    "`soc2 schema {what}` lists the fields a {what} has"
                )),
        );
    }
    serde_yaml::from_str(text).map_err(|err| to_finding(path, text, what, &err))
}

/// Reads YAML text into a value, for text that is not a store file (the embedded
/// starter library, tests); the error is serde's message.
pub fn from_yaml<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_yaml::from_str(without_bom(text)).map_err(|e| e.to_string())
}

/// Parses an old version of a record (from history); `None` when it did not parse then.
pub fn parse_version<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_yaml::from_str(without_bom(std::str::from_utf8(bytes).ok()?)).ok()
}

/// Reads a fixed choice (`quarterly`, `implemented`) through the model's serde names,
/// as the files spell them; the error names the choices and the closest one.
pub fn parse_choice<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_yaml::from_str::<T>(text).map_err(|err| {
        let message = err.to_string();
        let names: Vec<&str> = message.split('`').skip(1).step_by(2).skip(1).collect();
        let mut out = format!("unknown value `{text}`");
        if let Some(best) = suggest::closest(text, names.iter().copied()) {
            out.push_str(&format!(", did you mean `{best}`?"));
        }
        if !names.is_empty() {
            out.push_str(&format!(" (expected one of: {})", names.join(", ")));
        }
        out
    })
}

fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---" || line == "..."
    })
}

/// The parts of a serde_yaml message: the field path it starts with, the message, and
/// the "while parsing" context libyaml appends.
struct Message {
    field: Option<String>,
    text: String,
    context: Option<String>,
}

fn split_message(raw: &str) -> Message {
    // serde_yaml: "<path>: <message> at line L column C[, while <context> at line L column C]".
    let (main, context) = match raw.find(", while ") {
        Some(i) => (&raw[..i], Some(strip_location(&raw[i + 2..]).to_string())),
        None => (raw, None),
    };
    let main = strip_location(main);
    let (field, text) = match main.split_once(": ") {
        Some((head, rest))
            if !head.is_empty()
                && head
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.[]-".contains(c)) =>
        {
            (Some(head.to_string()), rest)
        }
        _ => (None, main),
    };
    Message {
        field,
        text: text.to_string(),
        context,
    }
}

fn strip_location(text: &str) -> &str {
    match text.rfind(" at line ") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// Messages serde produces while mapping valid YAML onto a record.
const SCHEMA_MESSAGES: &[&str] = &[
    "unknown field",
    "missing field",
    "duplicate field",
    "invalid type",
    "invalid value",
    "invalid length",
    "unknown variant",
    "invalid date",
    "invalid sha256",
    "invalid interval",
    "invalid timestamp",
];

/// At most this many problems are reported for one file.
const MAX_PER_FILE: usize = 20;

/// Parses `text` as one `T`, or reports every problem the file has, not only the
/// first: a field that does not fit is set aside and the rest read again, as long as
/// the YAML itself is well formed. Positions point into `text`.
pub fn parse_all<T: DeserializeOwned>(
    path: &str,
    text: &str,
    what: &str,
) -> Result<T, Vec<Finding>> {
    let first = match parse::<T>(path, text, what) {
        Ok(value) => return Ok(value),
        Err(finding) => finding,
    };
    let plain = without_bom(text);
    let Ok(mut value) = serde_yaml::from_str::<serde_yaml::Value>(plain) else {
        return Err(vec![first]);
    };
    let mut findings = vec![first];
    let mut raw = match serde_yaml::from_str::<T>(plain) {
        Err(err) => err.to_string(),
        Ok(_) => return Err(findings),
    };
    let mut set_aside: Vec<String> = Vec::new();
    // Fields a finding already explains: set aside, or the "did you mean" of a typo.
    let mut explained: Vec<String> = Vec::new();
    while findings.len() < MAX_PER_FILE {
        let message = split_message(&raw);
        if !SCHEMA_MESSAGES.iter().any(|m| message.text.starts_with(m)) {
            break;
        }
        let field = message.field.clone().unwrap_or_default();
        let names = backticked(&message.text);
        let key = names.first().map(|k| k.to_string());
        if message.text.starts_with("unknown field")
            && let Some((typed, known)) = names.split_first()
            && let Some(meant) = suggest::closest(typed, known.iter().copied())
        {
            explained.push(join_path(&field, meant));
        }
        let target = if message.text.starts_with("unknown field") {
            key.map(|k| join_path(&field, &k))
        } else if message.text.starts_with("missing field") {
            // A field set aside is missing now: nothing new. Either way the rest of
            // this mapping has been read; go on without it, unless it is the record.
            (!field.is_empty()).then(|| field.clone())
        } else if let Some((list, _)) = field.strip_suffix(']').and_then(|f| f.rsplit_once('[')) {
            // An item of a list: set the whole list aside, so that later positions
            // still match the file.
            Some(list.to_string())
        } else {
            (!field.is_empty()).then(|| field.clone())
        };
        let Some(target) = target else {
            break;
        };
        if !remove(&mut value, &target) || set_aside.contains(&target) {
            break;
        }
        set_aside.push(target.clone());
        explained.push(target);
        let Ok(retry) = serde_yaml::to_string(&value) else {
            break;
        };
        match serde_yaml::from_str::<T>(&retry) {
            Ok(_) => break,
            Err(err) => {
                raw = err.to_string();
                let message = split_message(&raw);
                let missing_explained = message.text.starts_with("missing field")
                    && backticked(&message.text).first().is_some_and(|k| {
                        let path = join_path(message.field.as_deref().unwrap_or(""), k);
                        explained.contains(&path)
                    });
                if !missing_explained {
                    findings.push(to_finding_in(path, text, what, &err, false));
                }
            }
        }
    }
    findings.sort_by_key(|f| f.position.map(|p| (p.line, p.column)));
    Err(findings)
}

fn join_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Removes the value at a serde path (`approval.at`, `files[1].sha256`); false when
/// there is nothing there.
fn remove(value: &mut serde_yaml::Value, path: &str) -> bool {
    let mut segments: Vec<(&str, Vec<usize>)> = Vec::new();
    for part in path.split('.') {
        let (key, rest) = part.split_once('[').map_or((part, ""), |(k, r)| (k, r));
        let indices = rest
            .split('[')
            .filter_map(|s| s.trim_end_matches(']').parse().ok())
            .collect();
        segments.push((key, indices));
    }
    let Some(((last_key, last_indices), parents)) = segments.split_last() else {
        return false;
    };
    if !last_indices.is_empty() {
        return false;
    }
    let mut at = value;
    for (key, indices) in parents {
        let Some(next) = at.get_mut(*key) else {
            return false;
        };
        at = next;
        for index in indices {
            let Some(next) = at.get_mut(*index) else {
                return false;
            };
            at = next;
        }
    }
    at.as_mapping_mut()
        .is_some_and(|m| m.remove(*last_key).is_some())
}

fn to_finding(path: &str, text: &str, what: &str, err: &serde_yaml::Error) -> Finding {
    to_finding_in(path, text, what, err, true)
}

/// The finding for a serde error; `located` says whether the error's position is in
/// `text` (it is not when the error came from reading a part of it again).
fn to_finding_in(
    path: &str,
    text: &str,
    what: &str,
    err: &serde_yaml::Error,
    located: bool,
) -> Finding {
    let raw = err.to_string();
    let message = split_message(&raw);
    let is_schema = SCHEMA_MESSAGES.iter().any(|m| message.text.starts_with(m));
    let text = without_bom(text);
    let mut position = err
        .location()
        .filter(|_| located)
        .map(|l| Position {
            line: l.line(),
            column: l.column(),
        })
        .filter(|p| *p != Position { line: 1, column: 1 } || message.field.is_none());
    if !located {
        let field = message.field.as_deref().unwrap_or("");
        let key = backticked(&message.text)
            .first()
            .map(|k| join_path(field, k));
        position = if message.text.starts_with("unknown field") {
            key.and_then(|k| locate::field(text, &k))
        } else if message.text.starts_with("missing field") {
            (!field.is_empty())
                .then(|| locate::field(text, field))
                .flatten()
        } else {
            locate::value(text, field)
        };
    }
    if position.is_none() {
        position = message
            .field
            .as_deref()
            .and_then(|f| locate::field(text, f));
    }

    let (mut text_out, hint) = if is_schema {
        schema_message(&message, what)
    } else if message.text.contains("more than one document") {
        position = second_document(text);
        (
            "the file holds more than one YAML document".to_string(),
            Some(
                "keep one record per file: remove the `---` separator and what follows it"
                    .to_string(),
            ),
        )
    } else {
        (message.text.clone(), None)
    };
    if message.text.starts_with("duplicate field")
        && let Some(name) = backticked(&message.text).first()
    {
        position = locate::nth_top_level_key(text, name, 1).or(position);
    }
    if !is_schema && let Some(context) = &message.context {
        text_out = format!("{text_out} ({context})");
    }
    let hint = hint.or_else(|| tab_hint(text, position));
    let code = if is_schema { Code::Schema } else { Code::Parse };
    let mut finding = Finding::new(code, text_out).in_file(path).at(position);
    if let Some(hint) = hint {
        finding = finding.with_hint(hint);
    }
    finding
}

/// Rewrites serde's wording into ours and adds a suggestion where one is close.
fn schema_message(message: &Message, what: &str) -> (String, Option<String>) {
    let field = message.field.as_deref();
    let prefix = field.map(|f| format!("field `{f}`: ")).unwrap_or_default();
    let text = &message.text;
    let names = backticked(text);

    if text.starts_with("unknown field") || text.starts_with("unknown variant") {
        let typed = names.first().copied().unwrap_or_default();
        let expected: Vec<&str> = names.iter().skip(1).copied().collect();
        let (noun, list_noun) = if text.starts_with("unknown field") {
            ("unknown field", "known fields")
        } else {
            ("unknown value", "expected one of")
        };
        let mut out = format!("{prefix}{noun} `{typed}`");
        if let Some(best) = suggest::closest(typed, expected.iter().copied()) {
            out.push_str(&format!(", did you mean `{best}`?"));
        }
        let hint = if expected.is_empty() {
            "this record takes no fields here".to_string()
        } else {
            format!("{list_noun}: {}", expected.join(", "))
        };
        return (out, Some(hint));
    }
    if text.starts_with("missing field") {
        let name = names.first().copied().unwrap_or_default();
        let hint = format!("add `{name}:` (see `soc2 schema {what}`)");
        return (
            format!("{prefix}missing required field `{name}`"),
            Some(hint),
        );
    }
    if text.starts_with("duplicate field") {
        let name = names.first().copied().unwrap_or_default();
        return (
            format!("{prefix}field `{name}` appears twice"),
            Some("keep one of them".to_string()),
        );
    }
    // A whole number out of its type's range: say the range the field takes.
    for kind in ["invalid type: ", "invalid value: "] {
        if let Some((number, expected)) = text
            .strip_prefix(kind)
            .and_then(|rest| rest.strip_prefix("integer `"))
            .and_then(|rest| rest.split_once("`, expected "))
            && matches!(expected, "u8" | "u16" | "u32" | "u64" | "usize")
        {
            let range = field.map_or("0 or more", number_range);
            return (format!("{prefix}{number} is out of range: {range}"), None);
        }
    }
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        // "sequence, expected struct Control"
        if let Some((found, expected)) = rest.split_once(", expected ") {
            let expected = describe_expected(expected, field.is_none(), what);
            let found = describe_found(found);
            return (format!("{prefix}expected {expected}, found {found}"), None);
        }
    }
    (format!("{prefix}{text}"), None)
}

/// The values a numeric field takes, as validation words them.
fn number_range(field: &str) -> &'static str {
    match field.rsplit('.').next().unwrap_or(field) {
        "likelihood" | "impact" => "it is scored 1 to 5",
        "min_readiness" => "it is a percentage, 0 to 100",
        "version" => "a whole number from 1",
        _ => "a whole number from 0",
    }
}

fn describe_expected(expected: &str, top_level: bool, what: &str) -> String {
    if expected.starts_with("struct ") {
        if top_level {
            return format!("a {what} (a mapping of `field: value` lines)");
        }
        return "a mapping of `field: value` pairs".to_string();
    }
    match expected {
        "a sequence" => "a list".to_string(),
        "u8" | "u16" | "u32" | "u64" | "i32" | "i64" => "a whole number".to_string(),
        "a string" => "a text value".to_string(),
        other => other.to_string(),
    }
}

fn describe_found(found: &str) -> String {
    match found {
        "sequence" => "a list".to_string(),
        "map" => "a mapping".to_string(),
        "unit value" => "nothing (an empty value)".to_string(),
        other => other
            .replace("string ", "the text ")
            .replace("integer ", "the number "),
    }
}

fn backticked(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

fn second_document(text: &str) -> Option<Position> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.trim_end() == "---")
        .map(|(i, _)| Position {
            line: i + 1,
            column: 1,
        })
        .find(|p| {
            // A leading `---` starts the first document; only a later one is a second.
            text.lines().take(p.line - 1).any(|l| {
                !l.trim().is_empty() && !l.trim_start().starts_with('#') && l.trim() != "---"
            })
        })
}

fn tab_hint(text: &str, position: Option<Position>) -> Option<String> {
    let line = position?.line;
    let content = text.lines().nth(line.checked_sub(1)?)?;
    content.contains('\t').then(|| {
        format!("YAML indents with spaces only: replace the tab characters on line {line}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Control;

    fn error(text: &str) -> Finding {
        parse::<Control>("controls/AC-01.yaml", text, "control").unwrap_err()
    }

    const VALID: &str = "title: MFA\nstatus: planned\nfrequency: quarterly\n";

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let control: Control = parse("c.yaml", &format!("\u{feff}{VALID}"), "control").unwrap();
        assert_eq!(control.title, "MFA");
        // Findings on the first line count columns as an editor shows them.
        let finding = error(&format!("\u{feff}ownr: x\n{VALID}"));
        assert_eq!(finding.position, Some(Position { line: 1, column: 1 }));
    }

    #[test]
    fn valid_control_parses() {
        let control: Control = parse("c.yaml", VALID, "control").unwrap();
        assert_eq!(control.title, "MFA");
    }

    #[test]
    fn unknown_field_suggests_the_closest() {
        let finding = error(&format!("{VALID}ownr: alice\n"));
        assert_eq!(finding.code, Code::Schema);
        assert_eq!(
            finding.message,
            "unknown field `ownr`, did you mean `owner`?"
        );
        assert_eq!(finding.position, Some(Position { line: 4, column: 1 }));
        assert!(finding.hint.unwrap().starts_with("known fields: id, title"));
    }

    #[test]
    fn unknown_variant_suggests_the_closest() {
        let finding = error("title: MFA\nstatus: implemnted\nfrequency: quarterly\n");
        assert_eq!(
            finding.message,
            "field `status`: unknown value `implemnted`, did you mean `implemented`?"
        );
        assert_eq!(finding.position, Some(Position { line: 2, column: 9 }));
    }

    #[test]
    fn empty_and_comment_only_files_are_empty() {
        for text in ["", "\n\n", "# nothing yet\n", "---\n"] {
            let finding = error(text);
            assert_eq!(finding.code, Code::Parse);
            assert_eq!(finding.message, "the file is empty; expected a control");
        }
    }

    #[test]
    fn a_list_is_not_a_record() {
        let finding = error("- title: MFA\n");
        assert_eq!(
            finding.message,
            "expected a control (a mapping of `field: value` lines), found a list"
        );
    }

    #[test]
    fn tabs_are_named() {
        let finding = error("title: MFA\nstatus: planned\n\tfrequency: quarterly\n");
        assert_eq!(finding.code, Code::Parse);
        assert_eq!(finding.position.unwrap().line, 3);
        assert!(finding.hint.unwrap().contains("tab"));
    }

    #[test]
    fn bad_dates_point_at_the_value() {
        let finding = error(&format!(
            "{VALID}approval: {{by: carol, at: 2026-02-30, digest: {}}}\n",
            "a".repeat(64)
        ));
        assert_eq!(
            finding.message,
            "field `approval.at`: invalid date `2026-02-30`: no such day in the calendar"
        );
        assert_eq!(finding.position.unwrap().line, 4);
    }

    #[test]
    fn missing_fields_are_named() {
        let finding = error("title: MFA\nstatus: planned\n");
        assert_eq!(finding.message, "missing required field `frequency`");
    }

    #[test]
    fn duplicate_fields_point_at_the_second() {
        let finding = error(&format!("{VALID}title: again\n"));
        assert_eq!(finding.message, "field `title` appears twice");
        assert_eq!(finding.position, Some(Position { line: 4, column: 1 }));
    }

    #[test]
    fn second_documents_are_refused() {
        let finding = error(&format!("---\n{VALID}---\n{VALID}"));
        assert_eq!(finding.code, Code::Parse);
        assert_eq!(finding.position, Some(Position { line: 5, column: 1 }));
    }

    #[test]
    fn non_utf8_names_the_byte() {
        let finding = utf8("x.yaml", b"title: caf\xe9\n").unwrap_err();
        assert_eq!(
            finding.position,
            Some(Position {
                line: 1,
                column: 11
            })
        );
    }

    #[test]
    fn every_problem_of_a_file_is_reported() {
        let text = "title: MFA\nownr: alice\nstatus: implemnted\ncriteria: [CC6.1, {a: 1}]\nfrequency: quarterly\napproval:\n  by: carol\n  at: 2026-02-30\n  digest: abc\nextra: 1\n";
        let findings = parse_all::<Control>("controls/AC-01.yaml", text, "control").unwrap_err();
        let found: Vec<(String, Option<usize>)> = findings
            .iter()
            .map(|f| (f.message.clone(), f.position.map(|p| p.line)))
            .collect();
        assert_eq!(
            found,
            [
                ("unknown field `ownr`, did you mean `owner`?".to_string(), Some(2)),
                ("field `status`: unknown value `implemnted`, did you mean `implemented`?".to_string(), Some(3)),
                ("field `criteria[1]`: expected a text value, found a mapping".to_string(), Some(4)),
                ("field `approval.at`: invalid date `2026-02-30`: no such day in the calendar".to_string(), Some(8)),
                ("field `approval.digest`: invalid sha256 `abc`: expected 64 lowercase hexadecimal characters".to_string(), Some(9)),
                ("unknown field `extra`".to_string(), Some(10)),
            ],
            "{findings:#?}"
        );
        // A syntax error stops the reading: what follows it is unknown.
        let broken = parse_all::<Control>("c.yaml", "title: [a\nownr: x\n", "control").unwrap_err();
        assert_eq!(broken.len(), 1);
    }

    #[test]
    fn numbers_out_of_range_say_the_range() {
        let risk = |text: &str| {
            parse::<crate::model::Risk>("risks/R-1.yaml", text, "risk")
                .unwrap_err()
                .message
        };
        assert_eq!(
            risk("title: T\nlikelihood: -5\nimpact: 2\ntreatment: accept\n"),
            "field `likelihood`: -5 is out of range: it is scored 1 to 5"
        );
        assert_eq!(
            risk("title: T\nlikelihood: 2\nimpact: 300\ntreatment: accept\n"),
            "field `impact`: 300 is out of range: it is scored 1 to 5"
        );
    }

    #[test]
    fn wrong_types_read_plainly() {
        let finding = error("title: [a, b]\nstatus: planned\nfrequency: quarterly\n");
        assert_eq!(
            finding.message,
            "field `title`: expected a text value, found a list"
        );
    }
}
