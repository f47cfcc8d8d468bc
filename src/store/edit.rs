//! Rewriting a file a person may have edited: keep their comments, formatting and key
//! order, and change only the top-level entries whose values changed. When a change
//! would drop a comment, refuse and change nothing.

use serde::Serialize;
use serde_yaml::{Mapping, Value};

use super::render;

/// One top-level `key: value` entry and the lines it spans.
struct Entry {
    key: String,
    /// Lines from the key line up to (not including) the next entry's leading trivia.
    first: usize,
    end: usize,
}

/// Returns `original` with the top-level entries of `updated` applied. `order` is the
/// canonical key order, used to place new keys.
pub fn rewrite<T: Serialize>(
    original: &str,
    updated: &T,
    order: &[&str],
) -> Result<String, String> {
    // A byte-order mark stays where it was, in front of everything.
    let bom = if original.starts_with('\u{feff}') {
        "\u{feff}"
    } else {
        ""
    };
    rewrite_text(super::yaml::without_bom(original), updated, order)
        .map(|text| format!("{bom}{text}"))
}

fn rewrite_text<T: Serialize>(
    original: &str,
    updated: &T,
    order: &[&str],
) -> Result<String, String> {
    let new_value = serde_yaml::to_value(updated).map_err(|e| e.to_string())?;
    let Value::Mapping(new_map) = new_value else {
        return Err("the record is not a mapping".to_string());
    };
    let old_map: Mapping = serde_yaml::from_str(original)
        .map_err(|e| format!("the file no longer parses as a mapping ({e})"))?;
    let newline = if original.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let lines: Vec<&str> = original.split_inclusive('\n').collect();
    let entries = top_level_entries(&lines)?;

    let mut out: Vec<String> = Vec::new();
    // Lines before the first entry (a schema comment, `---`) stay as they are.
    let head_end = entries.first().map_or(lines.len(), |e| e.first);
    out.extend(lines[..head_end].iter().map(|l| l.to_string()));

    let mut pending: Vec<(&str, &Value)> = new_map
        .iter()
        .filter_map(|(k, v)| Some((k.as_str()?, v)))
        .filter(|(k, _)| !old_map.contains_key(*k))
        .collect();

    if let Some(first) = entries.first() {
        for (key, value) in take_before(&mut pending, Some(&first.key), order) {
            out.push(with_newline(&render::entry(key, value), newline));
        }
    }

    for (index, entry) in entries.iter().enumerate() {
        let block = &lines[entry.first..entry.end];
        match new_map.get(entry.key.as_str()) {
            Some(new) if old_map.get(entry.key.as_str()) == Some(new) => {
                out.extend(block.iter().map(|l| l.to_string()));
            }
            Some(new) => out.push(replace_entry(&entry.key, block, entry.first, new, newline)?),
            None => {
                if let Some(line) = comment_line(block) {
                    return Err(format!(
                        "removing `{}` would drop the comment on line {}",
                        entry.key,
                        entry.first + line + 1
                    ));
                }
            }
        }
        // New keys go after the last existing key that precedes them canonically.
        let next_key = entries.get(index + 1).map(|e| e.key.as_str());
        for (key, value) in take_before(&mut pending, next_key, order) {
            out.push(with_newline(&render::entry(key, value), newline));
        }
        // Trivia between this entry and the next stays with the next one.
        let trivia_end = entries.get(index + 1).map_or(lines.len(), |e| e.first);
        out.extend(lines[entry.end..trivia_end].iter().map(|l| l.to_string()));
    }
    let mut text: String = out.concat();
    if !text.ends_with('\n') && !text.is_empty() {
        text.push_str(newline);
    }

    // The safety net: the result must read back as exactly the updated record.
    let check: Mapping =
        serde_yaml::from_str(&text).map_err(|e| format!("the edit would not parse ({e})"))?;
    if check != new_map {
        return Err("the edit would not read back as the intended record".to_string());
    }
    Ok(text)
}

/// The error for an edit that would lose what a person wrote.
pub fn refused(path: &str, reason: &str) -> anyhow::Error {
    anyhow::anyhow!(crate::Hinted::new(
        format!("{path} was left unchanged: {reason}"),
        "make this change by hand, or move the comment into `notes`, then run the command again",
    ))
}

/// `status: designed -> implemented`, one line per field (of `order`) that differs.
pub fn describe_changes<T: Serialize>(old: &T, new: &T, order: &[&str]) -> Vec<String> {
    let (Ok(Value::Mapping(before)), Ok(Value::Mapping(after))) =
        (serde_yaml::to_value(old), serde_yaml::to_value(new))
    else {
        return Vec::new();
    };
    let show = |value: Option<&Value>| match value {
        None => "(none)".to_string(),
        Some(v) => render::entry("x", v)
            .trim_start_matches("x:")
            .trim()
            .replace('\n', " "),
    };
    order
        .iter()
        .filter(|key| before.get(**key) != after.get(**key))
        .map(|key| {
            format!(
                "{key}: {} -> {}",
                show(before.get(*key)),
                show(after.get(*key))
            )
        })
        .collect()
}

/// Removes from `pending` and returns the new keys that go before the entry `next_key`
/// (all that remain when there is no next entry).
fn take_before<'a>(
    pending: &mut Vec<(&'a str, &'a Value)>,
    next_key: Option<&str>,
    order: &[&str],
) -> Vec<(&'a str, &'a Value)> {
    let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(usize::MAX);
    let (before, after) = pending
        .iter()
        .partition(|(key, _)| next_key.is_none_or(|next| rank(key) < rank(next)));
    *pending = after;
    before
}

fn with_newline(text: &str, newline: &str) -> String {
    if newline == "\n" {
        text.to_string()
    } else {
        text.replace('\n', newline)
    }
}

/// The canonical rendering of a changed entry, keeping a trailing comment on a
/// one-line entry; refuses when the old entry holds comments that would be lost.
fn replace_entry(
    key: &str,
    block: &[&str],
    first: usize,
    new: &Value,
    newline: &str,
) -> Result<String, String> {
    let rendered = render::entry(key, new);
    let content_lines: Vec<&str> = block
        .iter()
        .copied()
        .filter(|l| !l.trim().is_empty())
        .collect();
    let single_line_old = content_lines.len() == 1;
    let single_line_new = rendered.lines().count() == 1;
    if single_line_old {
        if let Some(comment) = trailing_comment(content_lines[0]) {
            if single_line_new {
                let line = rendered.trim_end_matches('\n');
                return Ok(format!("{line}  {comment}{newline}"));
            }
            return Err(format!(
                "changing `{key}` would drop its comment `{comment}`"
            ));
        }
    } else if let Some(line) = comment_line(block) {
        return Err(format!(
            "changing `{key}` would drop the comment on line {}",
            first + line + 1
        ));
    }
    // Keep blank lines that trailed the old entry.
    let blank_tail = block
        .iter()
        .rev()
        .take_while(|l| l.trim().is_empty())
        .count();
    let mut out = with_newline(&rendered, newline);
    for _ in 0..blank_tail {
        out.push_str(newline);
    }
    Ok(out)
}

/// Splits the file into its top-level entries; refuses shapes it cannot edit safely.
fn top_level_entries(lines: &[&str]) -> Result<Vec<Entry>, String> {
    let mut entries: Vec<Entry> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let starts_entry =
            !line.starts_with([' ', '\t', '#', '\r', '\n', '-', '.']) && !line.trim().is_empty();
        // `---` may open the one document, and `...` end it: what follows the end is
        // comments at most, and stays as it is.
        if line.starts_with("---") && !entries.is_empty() {
            return Err("the file holds more than one YAML document".to_string());
        }
        if line.starts_with("...") {
            let rest_is_trivia = lines[i + 1..]
                .iter()
                .all(|l| l.trim().is_empty() || l.starts_with('#'));
            if !rest_is_trivia {
                return Err("the file holds more than one YAML document".to_string());
            }
            if let Some(last) = entries.last_mut() {
                last.end = trivia_start(lines, last.first, i);
            }
            return Ok(entries);
        }
        if !starts_entry {
            continue;
        }
        if line.starts_with(['{', '[', '&', '*', '!', '?']) {
            return Err("the file is not a plain block mapping".to_string());
        }
        let key = line
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .trim_matches(['"', '\''])
            .to_string();
        if let Some(last) = entries.last_mut() {
            last.end = trivia_start(lines, last.first, i);
        }
        entries.push(Entry {
            key,
            first: i,
            end: lines.len(),
        });
    }
    if let Some(last) = entries.last_mut() {
        last.end = trivia_start(lines, last.first, lines.len());
    }
    Ok(entries)
}

/// Where the comment lines and blank lines that lead into line `next` begin: those
/// belong to the next entry, not to the block above.
fn trivia_start(lines: &[&str], first: usize, next: usize) -> usize {
    let mut start = next;
    while start > first + 1 {
        let line = lines[start - 1];
        let top_level_comment = line.starts_with('#');
        if top_level_comment || line.trim().is_empty() {
            start -= 1;
        } else {
            break;
        }
    }
    // Blank lines directly after the block, with no comment following them, stay with it.
    while start < next && lines[start].trim().is_empty() {
        let rest = &lines[start..next];
        if rest.iter().any(|l| l.starts_with('#')) {
            break;
        }
        start += 1;
    }
    start
}

/// The index within `block` of the first line that holds a comment.
fn comment_line(block: &[&str]) -> Option<usize> {
    block
        .iter()
        .position(|l| l.trim_start().starts_with('#') || trailing_comment(l).is_some())
}

/// A `# comment` at the end of a line, outside quotes.
fn trailing_comment(line: &str) -> Option<&str> {
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some('"'), '\\') => {}
            (Some(q), c) if c == q && !(q == '"' && previous == '\\') => quote = None,
            (None, '"' | '\'')
                if previous == ' '
                    || previous == ':'
                    || previous == '['
                    || previous == '{'
                    || previous == ',' =>
            {
                quote = Some(c)
            }
            (None, '#') if previous.is_whitespace() && i > 0 => return Some(line[i..].trim_end()),
            _ => {}
        }
        previous = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CONTROL_FIELDS, Control, ControlStatus};

    const HUMAN: &str = "\
# yaml-language-server: $schema=../schema/control.json
id: AC-01
title: MFA   # keep this short

# Who answers for it:
owner: alice@example.com
criteria:
  - CC6.1   # primary
  - CC6.2
status: designed  # since the June review
frequency: quarterly
";

    #[test]
    fn a_byte_order_mark_and_the_comment_after_it_are_kept() {
        let text = format!("\u{feff}# my comment\n{}", HUMAN);
        let mut control: Control = crate::store::from_yaml(&text).unwrap();
        control.owner = Some("bob@example.com".to_string());
        let out = rewrite(&text, &control, CONTROL_FIELDS).unwrap();
        assert!(
            out.starts_with("\u{feff}# my comment\n# yaml-language-server"),
            "{out}"
        );
        assert!(out.contains("owner: bob@example.com\n"));
        assert_eq!(out.matches('\u{feff}').count(), 1);
    }

    #[test]
    fn document_markers_around_the_one_document_are_kept() {
        let text = format!(
            "# header\n---\n{}...\n# after the end\n",
            &HUMAN[HUMAN.find("id:").unwrap()..]
        );
        let mut control: Control = crate::store::from_yaml(&text).unwrap();
        control.owner = Some("bob@example.com".to_string());
        let out = rewrite(&text, &control, CONTROL_FIELDS).unwrap();
        assert!(out.starts_with("# header\n---\nid: AC-01\n"), "{out}");
        assert!(
            out.ends_with("frequency: quarterly\n...\n# after the end\n"),
            "{out}"
        );
        assert!(out.contains("owner: bob@example.com\n"));
        let two = format!("{HUMAN}---\n{HUMAN}");
        assert!(
            rewrite(&two, &control, CONTROL_FIELDS)
                .unwrap_err()
                .contains("more than one")
        );
    }

    fn load() -> Control {
        serde_yaml::from_str(HUMAN).unwrap()
    }

    #[test]
    fn unchanged_record_is_byte_identical() {
        assert_eq!(rewrite(HUMAN, &load(), CONTROL_FIELDS).unwrap(), HUMAN);
    }

    #[test]
    fn changing_a_scalar_keeps_every_comment() {
        let mut control = load();
        control.status = ControlStatus::Implemented;
        let text = rewrite(HUMAN, &control, CONTROL_FIELDS).unwrap();
        assert_eq!(
            text,
            HUMAN.replace("status: designed  #", "status: implemented  #")
        );
    }

    #[test]
    fn new_keys_land_in_canonical_order() {
        let mut control = load();
        control.policies = vec!["POL-ACCESS".into()];
        control.description = Some("Enforced by the IdP.".into());
        let text = rewrite(HUMAN, &control, CONTROL_FIELDS).unwrap();
        assert!(text.contains("title: MFA   # keep this short\ndescription: Enforced by the IdP.\n\n# Who answers for it:\n"), "{text}");
        assert!(
            text.ends_with("frequency: quarterly\npolicies: [POL-ACCESS]\n"),
            "{text}"
        );
    }

    #[test]
    fn changing_a_commented_block_is_refused() {
        let mut control = load();
        control.criteria.push("CC6.3".into());
        let err = rewrite(HUMAN, &control, CONTROL_FIELDS).unwrap_err();
        assert!(err.contains("would drop the comment"), "{err}");
    }

    #[test]
    fn uncommented_blocks_are_replaced() {
        let text =
            "id: AC-01\ntitle: MFA\ncriteria:\n  - CC6.1\nstatus: planned\nfrequency: daily\n";
        let mut control: Control = serde_yaml::from_str(text).unwrap();
        control.criteria.push("CC6.2".into());
        let out = rewrite(text, &control, CONTROL_FIELDS).unwrap();
        assert_eq!(
            out,
            "id: AC-01\ntitle: MFA\ncriteria: [CC6.1, CC6.2]\nstatus: planned\nfrequency: daily\n"
        );
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let text = "id: AC-01\r\ntitle: MFA\r\nstatus: planned\r\nfrequency: daily\r\n";
        let mut control: Control = serde_yaml::from_str(text).unwrap();
        control.owner = Some("bob".into());
        let out = rewrite(text, &control, CONTROL_FIELDS).unwrap();
        assert_eq!(
            out,
            "id: AC-01\r\ntitle: MFA\r\nowner: bob\r\nstatus: planned\r\nfrequency: daily\r\n"
        );
    }

    #[test]
    fn trailing_comments_ignore_hashes_in_quotes() {
        assert_eq!(trailing_comment("title: \"a # b\"  # real"), Some("# real"));
        assert_eq!(trailing_comment("title: a#b"), None);
        assert_eq!(trailing_comment("url: http://x/#frag"), None);
    }
}
