//! Renderers: they turn results into text and never compute or read anything.

pub mod check;
pub mod collect;
pub mod controls;
pub mod criteria;
pub mod diagnostics;
pub mod diff;
pub mod due;
pub mod error;
pub mod evidence;
pub mod handoff;
pub mod ical;
pub mod internal_audit;
pub mod log;
pub mod oscal;
pub mod policies;
pub mod program;
pub mod requests;
pub mod risks;
pub mod schema;
pub mod show;
pub mod status;
pub mod timeline;
pub mod vendors;
pub mod verify;

use std::io::IsTerminal;

use serde::Serialize;

/// Whether to colour output: only on a terminal, and never when `NO_COLOR` is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn plain() -> Style {
        Style { color: false }
    }

    pub fn for_stdout() -> Style {
        Style::detect(std::io::stdout().is_terminal())
    }

    pub fn for_stderr() -> Style {
        Style::detect(std::io::stderr().is_terminal())
    }

    fn detect(is_terminal: bool) -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Style {
            color: is_terminal && !no_color && !dumb,
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn red(self, text: &str) -> String {
        self.paint("1;31", text)
    }

    pub fn yellow(self, text: &str) -> String {
        self.paint("1;33", text)
    }

    pub fn green(self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn cyan(self, text: &str) -> String {
        self.paint("1;36", text)
    }

    pub fn bold(self, text: &str) -> String {
        self.paint("1", text)
    }

    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }
}

/// Pretty JSON with a trailing newline.
pub fn json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("reports serialize to JSON");
    text.push('\n');
    text
}

/// A table in the house style: rounded UTF-8 borders, no wrapping (stable output for
/// pipes and snapshots).
pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED.with_rounded_corners())
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.to_vec());
    table
}

/// Right-aligns the given columns.
pub fn align_right(table: &mut comfy_table::Table, columns: &[usize]) {
    for index in columns {
        if let Some(column) = table.column_mut(*index) {
            column.set_cell_alignment(comfy_table::CellAlignment::Right);
        }
    }
}

/// "1 error", "2 errors", "3 policies", "2 criteria".
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        return format!("{count} {noun}");
    }
    let plural = if noun == "criterion" {
        "criteria".to_string()
    } else if let Some(stem) = noun
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{stem}ies")
    } else {
        format!("{noun}s")
    };
    format!("{count} {plural}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn plurals() {
        assert_eq!(super::plural(1, "policy"), "1 policy");
        assert_eq!(super::plural(3, "policy"), "3 policies");
        assert_eq!(super::plural(2, "criterion"), "2 criteria");
        assert_eq!(super::plural(0, "day"), "0 days");
        assert_eq!(super::plural(2, "file"), "2 files");
    }
}
