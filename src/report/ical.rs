//! iCalendar (RFC 5545) output for `soc2 due`: one all-day event per piece of work.

use crate::model::{Date, Sha256Hex};
use crate::readiness::due::DueItem;

/// A calendar of the items; `stamp` is the day it was made (DTSTAMP).
pub fn calendar(organisation: &str, items: &[DueItem], stamp: Date) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//soc2//soc2 due//EN".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        format!("X-WR-CALNAME:{}", escape(&format!("SOC 2: {organisation}"))),
    ];
    for item in items {
        let day = compact(item.date);
        let next = compact(item.date.add_days(1));
        // Stable across runs, so a re-import updates events instead of duplicating them.
        let uid = Sha256Hex::of(
            format!(
                "{}|{}|{}|{}",
                item.kind.as_str(),
                item.id,
                item.date,
                item.what
            )
            .as_bytes(),
        );
        let summary = format!(
            "{}{} {}: {}",
            if item.overdue { "OVERDUE " } else { "" },
            item.kind.as_str(),
            item.id,
            item.what
        );
        let owner = item.owner.as_deref().unwrap_or("no owner");
        lines.extend([
            "BEGIN:VEVENT".to_string(),
            format!("UID:{}@soc2", &uid.0[..32]),
            format!("DTSTAMP:{}T000000Z", compact(stamp)),
            format!("DTSTART;VALUE=DATE:{day}"),
            format!("DTEND;VALUE=DATE:{next}"),
            format!("SUMMARY:{}", escape(&summary)),
            format!(
                "DESCRIPTION:{}",
                escape(&format!("Owner: {owner}\n{}", item.what))
            ),
            "TRANSP:TRANSPARENT".to_string(),
            "END:VEVENT".to_string(),
        ]);
    }
    lines.push("END:VCALENDAR".to_string());
    lines.iter().map(|l| fold(l)).collect()
}

fn compact(date: Date) -> String {
    date.to_string().replace('-', "")
}

/// Escapes a TEXT value.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets (continuation lines start with a space) and ends it
/// with CRLF, as RFC 5545 requires.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets() {
        let folded = fold(&"x".repeat(100));
        let lines: Vec<&str> = folded.split("\r\n").collect();
        assert_eq!(lines[0].len(), 75);
        assert_eq!(lines[1], format!(" {}", "x".repeat(25)));
        assert!(
            fold("é".repeat(40).as_str())
                .split("\r\n")
                .all(|l| l.len() <= 75)
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a, b; c\nd\\"), "a\\, b\\; c\\nd\\\\");
    }
}
