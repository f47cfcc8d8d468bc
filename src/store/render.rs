//! The canonical form the tool writes: keys in the record's field order, two-space
//! indent, short lists and mappings of plain values on one line, long text as a literal
//! block. Deterministic, so that digests and diffs stay stable.

use serde::Serialize;
use serde_yaml::Value;

/// Lines longer than this are written in block style instead of flow style.
const MAX_FLOW_WIDTH: usize = 80;

/// Renders a record as its canonical YAML text.
pub fn to_yaml<T: Serialize>(record: &T) -> String {
    let value = serde_yaml::to_value(record).expect("records serialize to YAML values");
    let mut out = String::new();
    match &value {
        Value::Mapping(map) => emit_mapping(&mut out, map, 0),
        other => {
            out.push_str(&flow(other).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

/// Renders one top-level `key: value` entry (with a trailing newline).
pub fn entry(key: &str, value: &Value) -> String {
    let mut out = String::new();
    emit_entry(&mut out, key, value, 0);
    out
}

fn emit_mapping(out: &mut String, map: &serde_yaml::Mapping, indent: usize) {
    for (key, value) in map {
        let key = key_text(key).expect("record keys are strings or numbers");
        emit_entry(out, &key, value, indent);
    }
}

/// A mapping key as written: a string, or a number (a program step, `4: 2027-01-01`).
fn key_text(key: &Value) -> Option<String> {
    match key {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn emit_entry(out: &mut String, key: &str, value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    if let Value::String(text) = value
        && let Some(block) = literal_block(text, indent + 2)
    {
        out.push_str(&format!("{pad}{key}: {block}"));
        return;
    }
    if let Some(inline) = flow(value)
        && indent + key.len() + 2 + inline.len() <= MAX_FLOW_WIDTH
    {
        out.push_str(&format!("{pad}{key}: {inline}\n"));
        return;
    }
    match value {
        Value::Mapping(map) => {
            out.push_str(&format!("{pad}{key}:\n"));
            emit_mapping(out, map, indent + 2);
        }
        Value::Sequence(items) => {
            out.push_str(&format!("{pad}{key}:\n"));
            emit_items(out, items, indent + 2);
        }
        // A long scalar stays on its line: YAML has no need to wrap it.
        other => {
            let scalar = scalar(other, false).unwrap_or_default();
            out.push_str(&format!("{pad}{key}: {scalar}\n"));
        }
    }
}

fn emit_items(out: &mut String, items: &[Value], indent: usize) {
    let pad = " ".repeat(indent);
    for item in items {
        if let Some(inline) = flow(item)
            && indent + 2 + inline.len() <= MAX_FLOW_WIDTH
        {
            out.push_str(&format!("{pad}- {inline}\n"));
            continue;
        }
        match item {
            Value::Mapping(map) => {
                // The first entry shares the dash's line; the rest align under it.
                let mut body = String::new();
                emit_mapping(&mut body, map, indent + 2);
                let body = body.strip_prefix(&" ".repeat(indent + 2)).unwrap_or(&body);
                out.push_str(&format!("{pad}- {body}"));
            }
            Value::Sequence(inner) => {
                out.push_str(&format!("{pad}-\n"));
                emit_items(out, inner, indent + 2);
            }
            other => {
                let scalar = scalar(other, false).unwrap_or_default();
                out.push_str(&format!("{pad}- {scalar}\n"));
            }
        }
    }
}

/// One-line flow form of a value whose members are all scalars, if it has one.
fn flow(value: &Value) -> Option<String> {
    match value {
        Value::Sequence(items) => {
            let parts: Option<Vec<String>> = items.iter().map(|v| scalar(v, true)).collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        Value::Mapping(map) => {
            if map.is_empty() {
                return Some("{}".to_string());
            }
            let parts: Option<Vec<String>> = map
                .iter()
                .map(|(k, v)| Some(format!("{}: {}", key_text(k)?, scalar(v, true)?)))
                .collect();
            Some(format!("{{{}}}", parts?.join(", ")))
        }
        other => scalar(other, false),
    }
}

/// A scalar as YAML text; `None` for collections and multi-line text.
fn scalar(value: &Value, in_flow: bool) -> Option<String> {
    match value {
        Value::Null => Some("~".to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if in_flow && s.contains('\n') => None,
        Value::String(s) => Some(if is_plain_safe(s, in_flow) {
            s.clone()
        } else {
            double_quoted(s)
        }),
        Value::Tagged(_) | Value::Sequence(_) | Value::Mapping(_) => None,
    }
}

/// A `|` or `|-` literal block for multi-line text that reads back unchanged.
fn literal_block(text: &str, indent: usize) -> Option<String> {
    if !text.contains('\n') {
        return None;
    }
    let body = text.strip_suffix('\n').unwrap_or(text);
    let chomp = if text.ends_with('\n') { "" } else { "-" };
    let clean = !body.ends_with('\n')
        && !body.starts_with([' ', '\n'])
        && !body.contains('\r')
        && body.lines().all(|l| l == l.trim_end());
    if !clean {
        return None;
    }
    let pad = " ".repeat(indent);
    let mut out = format!("|{chomp}\n");
    for line in body.split('\n') {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("{pad}{line}\n"));
        }
    }
    Some(out)
}

/// `s` as a YAML scalar: plain when that reads back the same, else double-quoted.
pub fn quoted_if_needed(s: &str) -> String {
    if is_plain_safe(s, true) {
        s.to_string()
    } else {
        double_quoted(s)
    }
}

/// Whether `s` can be written without quotes and read back as the same string.
pub fn is_plain_safe(s: &str, in_flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if s != s.trim() || s.chars().any(|c| c.is_control()) {
        return false;
    }
    if !(first.is_alphanumeric()
        || matches!(first, '/' | '.' | '(' | '_' | '$' | '<' | '=' | '^' | '+'))
    {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if in_flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n" | "~"
    ) {
        return false;
    }
    // Anything that might read as a number stays a string only when quoted.
    let numeric_chars = s
        .chars()
        .all(|c| c.is_ascii_digit() || "_+-.eExXoObB".contains(c));
    if s.parse::<f64>().is_ok()
        || (numeric_chars && s.chars().any(|c| c.is_ascii_digit()) && !is_date_like(s))
    {
        return false;
    }
    if lower.starts_with(".inf")
        || lower.starts_with(".nan")
        || lower.starts_with("0x")
        || lower.starts_with("0o")
    {
        return false;
    }
    true
}

/// `2026-10-03`: serde_yaml reads it as a string, and so do people.
fn is_date_like(s: &str) -> bool {
    crate::model::Date::parse(s).is_ok()
}

fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Approval, Control, ControlStatus, Date, Exception, Frequency, Sha256Hex};

    fn control() -> Control {
        Control {
            id: "AC-01".into(),
            title: "Multi-factor authentication for production access".into(),
            description: Some("First line.\nSecond line: with a colon.".into()),
            test_procedure: None,
            owner: Some("alice@example.com".into()),
            criteria: vec!["CC6.1".into(), "CC6.2".into()],
            status: ControlStatus::Implemented,
            reason: None,
            frequency: Frequency::Quarterly,
            grace: None,
            point_in_time: Vec::new(),
            policies: vec!["POL-ACCESS".into()],
            collect: Vec::new(),
            approval: Some(Approval {
                by: "carol@example.com".into(),
                at: Date::from_ymd(2026, 6, 2),
                digest: Sha256Hex::of(b"x"),
            }),
            exceptions: vec![Exception {
                reason: "Legacy VPN: retired in Q1".into(),
                approved_by: "dan@example.com".into(),
                expires: Date::from_ymd(2026, 12, 31),
            }],
            notes: None,
        }
    }

    #[test]
    fn canonical_form_is_stable() {
        let text = to_yaml(&control());
        assert_eq!(
            text,
            format!(
                "id: AC-01
title: Multi-factor authentication for production access
description: |-
  First line.
  Second line: with a colon.
owner: alice@example.com
criteria: [CC6.1, CC6.2]
status: implemented
frequency: quarterly
policies: [POL-ACCESS]
approval:
  by: carol@example.com
  at: 2026-06-02
  digest: {}
exceptions:
  - reason: \"Legacy VPN: retired in Q1\"
    approved_by: dan@example.com
    expires: 2026-12-31
",
                Sha256Hex::of(b"x")
            )
        );
    }

    #[test]
    fn canonical_form_reads_back_the_same() {
        let original = control();
        let back: Control = serde_yaml::from_str(&to_yaml(&original)).unwrap();
        assert_eq!(back, original);
    }

    #[test]
    fn awkward_strings_round_trip() {
        let samples = [
            "",
            " lead",
            "trail ",
            "yes",
            "No",
            "null",
            "~",
            "true",
            "1",
            "1.5",
            "-3",
            "0x1F",
            ".inf",
            "1e3",
            "1_000",
            "a: b",
            "a #b",
            "ends:",
            "- dash",
            "[x]",
            "{x}",
            "*star",
            "&amp",
            "!tag",
            "%p",
            "@at",
            "`tick",
            "\"quoted\"",
            "'single'",
            "tab\there",
            "line\nbreak",
            "trailing\n",
            "two\n\n",
            "\n lead",
            "2026-10-03",
            "1.2.3",
            "café",
            "a,b",
            "100%",
            "C:\\path",
            "x\r\ny",
            "#hash",
            "|pipe",
            ">gt",
            "?q",
        ];
        for sample in samples {
            let record = serde_yaml::Mapping::from_iter([
                (Value::from("k"), Value::from(sample)),
                (
                    Value::from("list"),
                    Value::Sequence(vec![Value::from(sample), Value::from("z")]),
                ),
            ]);
            let text = to_yaml(&record);
            let back: serde_yaml::Mapping =
                serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{sample:?}: {e}\n{text}"));
            assert_eq!(back, record, "{sample:?} rendered as:\n{text}");
        }
    }

    #[test]
    fn long_lists_go_to_block_style() {
        let ids: Vec<String> = (0..30).map(|i| format!("CONTROL-{i:02}")).collect();
        let record = serde_yaml::Mapping::from_iter([(
            Value::from("controls"),
            serde_yaml::to_value(&ids).unwrap(),
        )]);
        let text = to_yaml(&record);
        assert!(text.starts_with("controls:\n  - CONTROL-00\n  - CONTROL-01\n"));
    }
}
