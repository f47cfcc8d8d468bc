//! Parsing one YAML file into a record, turning every failure into a finding that names
//! the line, the column and what to do.

use serde::de::DeserializeOwned;

use crate::findings::{Code, Finding, Position};
use crate::locate;
use crate::suggest;

/// Decodes bytes as UTF-8, or says where the first bad byte is.
pub fn utf8<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Finding> {
    std::str::from_utf8(bytes).map_err(|err| {
        let position = locate::position_of_offset(bytes, err.valid_up_to());
        Finding::new(Code::Parse, "the file is not valid UTF-8")
            .in_file(path)
            .at(Some(position))
            .with_hint(
                "save the file as UTF-8; binary evidence belongs in an evidence record's `files`",
            )
    })
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

fn to_finding(path: &str, text: &str, what: &str, err: &serde_yaml::Error) -> Finding {
    let raw = err.to_string();
    let message = split_message(&raw);
    let is_schema = SCHEMA_MESSAGES.iter().any(|m| message.text.starts_with(m));
    let mut position = err
        .location()
        .map(|l| Position {
            line: l.line(),
            column: l.column(),
        })
        .filter(|p| *p != Position { line: 1, column: 1 } || message.field.is_none());
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
    fn wrong_types_read_plainly() {
        let finding = error("title: [a, b]\nstatus: planned\nfrequency: quarterly\n");
        assert_eq!(
            finding.message,
            "field `title`: expected a text value, found a list"
        );
    }
}
