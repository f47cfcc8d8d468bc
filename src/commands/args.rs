//! Value parsers and format choices shared by the commands' arguments, so the command
//! line and the files accept the same words.

use clap::ValueEnum;
use soc2::catalog::{self, Category};
use soc2::findings::Code;
use soc2::model::{Covers, Date, Interval};
use soc2::suggest;

/// `--format` of the commands that print a table, or the same data as JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

/// `--format` of the reports that also paste into a pull request as Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Markdown,
}

/// A record ID (`AC-01`, `POL-ACCESS`): refused here, before a command builds a path
/// from it or runs anything, when it does not follow the ID grammar.
pub fn parse_id(text: &str) -> Result<String, String> {
    soc2::model::check_id(text).map(str::to_string)
}

/// A record ID, or an evidence ID (`AC-01/2026-10-03-mfa-report`).
pub fn parse_record_ref(text: &str) -> Result<String, String> {
    if text.contains('/') {
        soc2::model::check_evidence_id(text).map(str::to_string)
    } else {
        parse_id(text)
    }
}

pub fn parse_date(text: &str) -> Result<Date, String> {
    let date = Date::parse(text)?;
    if !date.is_supported() {
        return Err(format!("{date}: {}", soc2::model::SUPPORTED_DATES));
    }
    Ok(date)
}

pub fn parse_category(text: &str) -> Result<Category, String> {
    Category::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        format!("expected one of: {}", names.join(", "))
    })
}

/// A fixed choice (`quarterly`, `implemented`), read through the model's serde names.
pub fn parse_choice<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    soc2::store::parse_choice(text)
}

/// A criterion ID from the catalogue.
pub fn parse_criterion(text: &str) -> Result<String, String> {
    match catalog::find(text.trim()) {
        Some(criterion) => Ok(criterion.id.to_string()),
        None => Err(suggest::unknown(
            "criterion",
            text,
            catalog::CRITERIA.iter().map(|c| c.id),
        )),
    }
}

pub fn parse_interval(text: &str) -> Result<Interval, String> {
    Interval::parse(text)
}

/// `FROM..TO` or a single day.
pub fn parse_covers(text: &str) -> Result<Covers, String> {
    let (from, to) = match text.split_once("..") {
        Some((from, to)) => (parse_date(from.trim())?, parse_date(to.trim())?),
        None => {
            let day = parse_date(text.trim())?;
            (day, day)
        }
    };
    if to < from {
        return Err(format!("the range ends ({to}) before it starts ({from})"));
    }
    Ok(Covers { from, to })
}

/// A finding code or its name (`W-STALE-EVIDENCE`, `stale-evidence`).
pub fn parse_code(text: &str) -> Result<Code, String> {
    Code::parse(text).ok_or_else(|| {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        format!(
            "{} (`soc2 check --explain CODE` explains each; the codes are listed in the README)",
            suggest::unknown("code", text, names)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_ranges() {
        let covers = parse_covers("2026-07-01..2026-09-30").unwrap();
        assert_eq!(
            (covers.from.to_string(), covers.to.to_string()),
            ("2026-07-01".into(), "2026-09-30".into())
        );
        assert_eq!(
            parse_covers("2026-07-01").unwrap().to,
            Date::from_ymd(2026, 7, 1)
        );
        assert_eq!(
            parse_covers("2026-09-30..2026-07-01").unwrap_err(),
            "the range ends (2026-07-01) before it starts (2026-09-30)"
        );
        assert!(parse_covers("2026-07-01..soon").is_err());
    }

    #[test]
    fn ids_from_the_command_line_follow_the_grammar() {
        assert_eq!(parse_id("AC-01").unwrap(), "AC-01");
        for bad in ["../soc2", "../../victim", "ac-01", "AC-01/x", ""] {
            assert!(parse_id(bad).is_err(), "{bad}");
        }
        assert!(parse_record_ref("AC-01/2026-10-03-mfa").is_ok());
        assert!(parse_record_ref("AC-01/../../soc2").is_err());
    }

    #[test]
    fn codes_parse_with_suggestions() {
        assert_eq!(parse_code("stale-evidence"), Ok(Code::StaleEvidence));
        assert!(
            parse_code("W-STALE-EVIDENSE")
                .unwrap_err()
                .contains("did you mean `W-STALE-EVIDENCE`?")
        );
    }
}
