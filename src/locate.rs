//! Finds where a field or value sits in a YAML file, so that findings about valid YAML
//! (an unknown criterion, a mismatched id) can point at a line and column.
//!
//! serde_yaml gives no spans for values, so this reads the block structure of the text:
//! indentation, `key:` lines, `- ` items and one-line flow collections. It covers the
//! shapes the tool writes and people commonly write; where it is unsure it answers `None`
//! and the finding names the file only.

use crate::findings::Position;

/// One segment of a field path: a key or a sequence index.
#[derive(Debug, PartialEq)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Parses a serde_yaml style path such as `files[1].path` or `approval.digest`.
fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key));
        }
        while let Some(end) = rest.find(']') {
            if let Some(Ok(index)) = rest.get(1..end).map(str::parse) {
                out.push(Segment::Index(index));
            }
            rest = &rest[end + 1..];
        }
    }
    out
}

struct Line<'a> {
    number: usize,
    indent: usize,
    content: &'a str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let content = raw.trim_start_matches(' ');
            let trimmed = content.trim_end();
            if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" {
                return None;
            }
            Some(Line {
                number: i + 1,
                indent: raw.len() - content.len(),
                content: trimmed,
            })
        })
        .collect()
}

/// If `content` starts with `key:`, the column offset of the value after it.
fn key_match(content: &str, key: &str) -> Option<usize> {
    let unquoted = content
        .strip_prefix(key)
        .filter(|rest| rest.starts_with(':'));
    let quoted = || {
        let dq = format!("\"{key}\"");
        let sq = format!("'{key}'");
        content
            .strip_prefix(dq.as_str())
            .or_else(|| content.strip_prefix(sq.as_str()))
            .filter(|rest| rest.starts_with(':'))
    };
    let rest = unquoted.or_else(quoted)?;
    let after_colon = &rest[1..];
    if !after_colon.is_empty() && !after_colon.starts_with(' ') {
        return None;
    }
    Some(content.len() - after_colon.trim_start().len())
}

/// Where a field path points: a line, the column its key starts at, and the column of its
/// value on that line.
#[derive(Clone, Copy, Debug)]
struct Found {
    line: usize,
    key_column: usize,
    value_column: usize,
    /// Index into the significant lines, to continue a search below the key.
    index: usize,
    indent: usize,
}

fn find(text: &str, path: &str) -> Option<Found> {
    let lines = lines(text);
    let segments = segments(path);
    // The search scope: lines from `start` that are indented deeper than `scope_indent`;
    // a sequence item's own line is part of its scope (`include_first`).
    let mut start = 0;
    let mut scope_indent: Option<usize> = None;
    let mut include_first = false;
    let mut found: Option<Found> = None;
    for (depth, segment) in segments.iter().enumerate() {
        // A one-line flow collection on the previous key's line: search inside it.
        if let Some(prev) = found {
            let line = &lines[prev.index];
            // A bare `-` item has its value on the lines below: nothing after it here.
            let rest = (prev.value_column - 1)
                .checked_sub(line.indent)
                .and_then(|at| line.content.get(at..))
                .unwrap_or_default();
            if rest.starts_with('{') || rest.starts_with('[') {
                let (key_offset, value_offset) = flow_member(rest, &segments[depth..])?;
                return Some(Found {
                    key_column: prev.value_column + key_offset,
                    value_column: prev.value_column + value_offset,
                    ..prev
                });
            }
        }
        let mut hit = None;
        let mut level = None;
        let mut items_seen = 0;
        for (i, line) in lines.iter().enumerate().skip(start) {
            let first = include_first && i == start;
            let is_item = line.content.starts_with("- ") || line.content == "-";
            if let (Some(p), false) = (scope_indent, first) {
                let outside = match segment {
                    Segment::Key(_) => line.indent <= p,
                    Segment::Index(_) => line.indent < p || (line.indent == p && !is_item),
                };
                if outside {
                    break;
                }
            }
            match segment {
                Segment::Key(key) => {
                    // A bare `-` opens a mapping on the lines below it.
                    if first && line.content == "-" {
                        continue;
                    }
                    // `- key: value` opens a mapping inside a sequence item.
                    let (indent, content) = if first {
                        item_content(line)
                    } else {
                        (line.indent, line.content)
                    };
                    if indent != *level.get_or_insert(indent) {
                        continue;
                    }
                    if let Some(value_offset) = key_match(content, key) {
                        hit = Some(Found {
                            line: line.number,
                            key_column: indent + 1,
                            value_column: indent + value_offset + 1,
                            index: i,
                            indent: line.indent,
                        });
                        break;
                    }
                }
                Segment::Index(n) => {
                    if !is_item || line.indent != *level.get_or_insert(line.indent) {
                        continue;
                    }
                    if items_seen == *n {
                        hit = Some(Found {
                            line: line.number,
                            key_column: line.indent + 1,
                            value_column: line.indent + 3,
                            index: i,
                            indent: line.indent,
                        });
                        break;
                    }
                    items_seen += 1;
                }
            }
        }
        let hit = hit?;
        found = Some(hit);
        scope_indent = Some(hit.indent);
        match segment {
            Segment::Key(_) => {
                start = hit.index + 1;
                include_first = false;
            }
            Segment::Index(_) => {
                start = hit.index;
                include_first = true;
            }
        }
    }
    found
}

/// For a line that opens a sequence item (`- key: v`), the indent and content of the
/// mapping inside it; otherwise the line as is.
fn item_content<'a>(line: &Line<'a>) -> (usize, &'a str) {
    match line.content.strip_prefix("- ") {
        Some(rest) => {
            let inner = rest.trim_start();
            (line.indent + 2 + (rest.len() - inner.len()), inner)
        }
        None => (line.indent, line.content),
    }
}

/// The 0-based offsets of the key and the value, within a one-line flow collection, of
/// the member a path names.
fn flow_member(flow: &str, path: &[Segment]) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut key_offset = 0;
    let mut text = flow;
    for segment in path {
        let members = split_flow(text.get(1..)?);
        let (member_offset, member) = match (segment, text.chars().next()?) {
            (Segment::Index(n), '[') => *members.get(*n)?,
            (Segment::Key(key), '{') => {
                *members.iter().find(|(_, m)| key_match(m, key).is_some())?
            }
            _ => return None,
        };
        offset += 1 + member_offset;
        key_offset = offset;
        text = member;
        if let Segment::Key(key) = segment {
            let value_offset = key_match(member, key)?;
            offset += value_offset;
            text = &member[value_offset..];
        }
    }
    Some((key_offset, offset))
}

/// Splits the inside of a flow collection into top-level members with their offsets.
fn split_flow(inner: &str) -> Vec<(usize, &str)> {
    let mut members = Vec::new();
    let mut depth = 0;
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') if depth == 0 => {
                push_member(&mut members, inner, start, i);
                return members;
            }
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                push_member(&mut members, inner, start, i);
                start = i + 1;
            }
            _ => {}
        }
    }
    members
}

fn push_member<'a>(members: &mut Vec<(usize, &'a str)>, inner: &'a str, start: usize, end: usize) {
    let raw = &inner[start..end];
    let trimmed = raw.trim_start();
    let offset = start + (raw.len() - trimmed.len());
    let trimmed = trimmed.trim_end();
    if !trimmed.is_empty() {
        members.push((offset, trimmed));
    }
}

/// Where the key of a field path starts (for `[n]`, the item's dash).
/// The text an editor shows: a byte-order mark at the start takes no column.
fn shown(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

pub(crate) fn field(text: &str, path: &str) -> Option<Position> {
    let text = shown(text);
    find(text, path).map(|f| Position {
        line: f.line,
        column: f.key_column,
    })
}

/// Where a field's value starts.
pub(crate) fn value(text: &str, path: &str) -> Option<Position> {
    let text = shown(text);
    find(text, path).map(|f| Position {
        line: f.line,
        column: f.value_column,
    })
}

/// Where a scalar `needle` appears inside the value of a list or scalar field; falls back
/// to the field itself.
pub(crate) fn value_in(text: &str, path: &str, needle: &str) -> Option<Position> {
    let text = shown(text);
    let found = find(text, path)?;
    let all: Vec<&str> = text.lines().collect();
    let field_indent = found.indent;
    for (offset, raw) in all.iter().enumerate().skip(found.line - 1) {
        let line_number = offset + 1;
        if line_number > found.line {
            let content = raw.trim_start_matches(' ');
            let indent = raw.len() - content.len();
            if !content.trim().is_empty() && indent <= field_indent && !content.starts_with('-') {
                break;
            }
            if content.starts_with('-') && indent < field_indent {
                break;
            }
        }
        let from = if line_number == found.line {
            found.value_column - 1
        } else {
            0
        };
        if let Some(column) = find_token(&raw[from.min(raw.len())..], needle) {
            return Some(Position {
                line: line_number,
                column: from + column + 1,
            });
        }
    }
    Some(Position {
        line: found.line,
        column: found.value_column,
    })
}

/// The offset of `needle` in `haystack` as a whole token (not part of a longer word).
fn find_token(haystack: &str, needle: &str) -> Option<usize> {
    let is_word = |c: char| c.is_alphanumeric() || c == '-' || c == '.' || c == '_';
    let mut from = 0;
    while let Some(i) = haystack[from..].find(needle) {
        let at = from + i;
        let before = haystack[..at].chars().next_back();
        let after = haystack[at + needle.len()..].chars().next();
        let after_ok = match after {
            None => true,
            // A trailing dot ends a sentence, not the token.
            Some('.') => !haystack[at + needle.len() + 1..]
                .chars()
                .next()
                .is_some_and(is_word),
            Some(c) => !is_word(c),
        };
        if !before.is_some_and(is_word) && after_ok {
            return Some(at);
        }
        from = at + needle.len();
    }
    None
}

/// The position of the n-th (0-based) top-level occurrence of `key:`, used for
/// duplicate keys.
pub(crate) fn nth_top_level_key(text: &str, key: &str, n: usize) -> Option<Position> {
    lines(shown(text))
        .iter()
        .filter(|l| l.indent == 0 && key_match(l.content, key).is_some())
        .nth(n)
        .map(|l| Position {
            line: l.number,
            column: 1,
        })
}

/// The 1-based line and column of a byte offset.
pub(crate) fn position_of_offset(text: &[u8], offset: usize) -> Position {
    let before = &text[..offset.min(text.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Position { line, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTROL: &str = "\
# yaml-language-server: $schema=x
id: AC-01
title: MFA
criteria: [CC6.1, CC6.9]
policies:
  - POL-ACCESS
  - POL-NOPE
approval: {by: carol, at: 2026-06-02, digest: abc}
exceptions:
  - reason: legacy
    approved_by: dan
    expires: 2026-13-01
  - {reason: other, approved_by: erin, expires: 2027-01-01}
files:
  - path: a.csv
    sha256: x
";

    fn at(line: usize, column: usize) -> Option<Position> {
        Some(Position { line, column })
    }

    #[test]
    fn a_bare_dash_item_has_its_value_below() {
        let text = "files:\n  -\n    path: a.csv\n    sha256: x\n";
        assert_eq!(value(text, "files[0].path"), at(3, 11));
        assert_eq!(value(text, "files[0]"), at(2, 5));
    }

    #[test]
    fn no_text_and_no_path_makes_it_panic() {
        // Every cut and every single-byte change of a record, asked every path: an
        // answer or `None`, never a panic.
        let paths = [
            "id",
            "criteria[1]",
            "policies[0]",
            "approval.digest",
            "exceptions[0].expires",
            "exceptions[1].reason",
            "files[0].path",
            "files[9].sha256",
            "a[1]]",
            "]",
            "[",
            "x[]",
            "files[-1]",
        ];
        let bytes = CONTROL.as_bytes();
        let mut texts: Vec<String> = (0..=bytes.len())
            .map(|n| String::from_utf8_lossy(&bytes[..n]).into_owned())
            .collect();
        for (i, _) in CONTROL.char_indices() {
            for replacement in ["-", " ", "[", "{", ":", "\n", "\"", ""] {
                let mut text = CONTROL.to_string();
                text.replace_range(i..i + 1, replacement);
                texts.push(text);
            }
        }
        for text in &texts {
            for path in paths {
                let _ = (
                    field(text, path),
                    value(text, path),
                    value_in(text, path, "CC6.9"),
                );
            }
            let _ = nth_top_level_key(text, "title", 1);
            let _ = position_of_offset(text.as_bytes(), text.len());
        }
    }

    #[test]
    fn finds_top_level_fields_and_values() {
        assert_eq!(field(CONTROL, "title"), at(3, 1));
        assert_eq!(value(CONTROL, "id"), at(2, 5));
        assert_eq!(field(CONTROL, "nothing"), None);
    }

    #[test]
    fn finds_values_in_flow_and_block_lists() {
        assert_eq!(value_in(CONTROL, "criteria", "CC6.9"), at(4, 19));
        assert_eq!(value_in(CONTROL, "criteria", "CC6.1"), at(4, 12));
        assert_eq!(value_in(CONTROL, "policies", "POL-NOPE"), at(7, 5));
        assert_eq!(value(CONTROL, "criteria[1]"), at(4, 19));
    }

    #[test]
    fn finds_nested_fields() {
        assert_eq!(value(CONTROL, "approval.digest"), at(8, 47));
        assert_eq!(field(CONTROL, "exceptions[0].expires"), at(12, 5));
        assert_eq!(value(CONTROL, "exceptions[1].expires"), at(13, 49));
        assert_eq!(field(CONTROL, "exceptions[1].expires"), at(13, 40));
        assert_eq!(field(CONTROL, "files[0].path"), at(15, 5));
        assert_eq!(field(CONTROL, "files[0].sha256"), at(16, 5));
    }

    #[test]
    fn tokens_match_whole_words_only() {
        assert_eq!(find_token("CC6.10, CC6.1", "CC6.1"), Some(8));
        assert_eq!(find_token("see CC6.1.", "CC6.1"), Some(4));
        assert_eq!(find_token("XCC6.1", "CC6.1"), None);
    }

    #[test]
    fn duplicate_keys_are_found_in_order() {
        let text = "title: a\nstatus: x\ntitle: b\n";
        assert_eq!(nth_top_level_key(text, "title", 1), at(3, 1));
    }

    #[test]
    fn offsets_become_positions() {
        assert_eq!(
            position_of_offset(b"ab\ncd", 4),
            Position { line: 2, column: 2 }
        );
        assert_eq!(position_of_offset(b"x", 0), Position { line: 1, column: 1 });
    }
}
