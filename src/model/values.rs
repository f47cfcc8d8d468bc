//! Small validated value types shared by the records. Each one deserializes through a
//! visitor so that serde_yaml can attach the field path, line and column to its errors.

use std::fmt;

use chrono::{Datelike, Months, NaiveDate};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date written `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    pub fn parse(text: &str) -> Result<Date, String> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(format!("invalid date `{text}`: expected YYYY-MM-DD"));
        }
        // The shape is checked: the digits make the numbers directly (chrono's format
        // parser costs more than the rest of a record's dates together).
        let number = |range: std::ops::Range<usize>| {
            bytes[range]
                .iter()
                .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
        };
        NaiveDate::from_ymd_opt(number(0..4) as i32, number(5..7), number(8..10))
            .map(Date)
            .ok_or_else(|| format!("invalid date `{text}`: no such day in the calendar"))
    }

    pub fn from_ymd(year: i32, month: u32, day: u32) -> Date {
        Date(NaiveDate::from_ymd_opt(year, month, day).expect("valid calendar date"))
    }

    /// Whole days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).num_days()
    }

    /// `days` later (earlier when negative), stopping at the calendar's ends instead
    /// of overflowing.
    pub fn add_days(self, days: i64) -> Date {
        self.checked_add_days(days).unwrap_or(if days < 0 {
            Date(NaiveDate::MIN)
        } else {
            Date(NaiveDate::MAX)
        })
    }

    pub fn checked_add_days(self, days: i64) -> Option<Date> {
        let delta = chrono::TimeDelta::try_days(days)?;
        self.0.checked_add_signed(delta).map(Date)
    }

    /// `months` calendar months later, clamped to the month's last day.
    pub fn add_months(self, months: u32) -> Date {
        self.0
            .checked_add_months(Months::new(months))
            .map_or(Date(NaiveDate::MAX), Date)
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// Whether soc2 works with this date: 1970 to 2200. Records and the command line
    /// outside that range are refused, so that date arithmetic stays far from the
    /// calendar's ends and a typo (`0026-07-01`) never passes as a date.
    pub fn is_supported(self) -> bool {
        (1970..=2200).contains(&self.year())
    }
}

/// What a date out of range is told.
pub const SUPPORTED_DATES: &str = "soc2 works with dates from 1970 to 2200";

impl fmt::Display for Date {
    /// `YYYY-MM-DD`, as chrono's `%Y-%m-%d` writes it. Written by hand for the years of
    /// four digits: chrono parses its format string on every call, and dates are
    /// written for every window of every control.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, month, day) = (self.0.year(), self.0.month(), self.0.day());
        if (0..=9999).contains(&year) {
            write!(f, "{year:04}-{month:02}-{day:02}")
        } else {
            write!(f, "{}", self.0.format("%Y-%m-%d"))
        }
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;
        impl Visitor<'_> for DateVisitor {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date as YYYY-MM-DD")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Date, E> {
                Date::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(DateVisitor)
    }
}

/// A SHA-256 digest as 64 lowercase hex characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Hex(pub String);

impl Sha256Hex {
    pub fn parse(text: &str) -> Result<Sha256Hex, String> {
        if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Sha256Hex(text.to_string()))
        } else {
            Err(format!(
                "invalid sha256 `{text}`: expected 64 lowercase hexadecimal characters"
            ))
        }
    }

    pub fn of(bytes: &[u8]) -> Sha256Hex {
        use sha2::Digest;
        Sha256Hex::from_digest(&sha2::Sha256::digest(bytes))
    }

    /// The sha256 of everything `reader` gives, read in blocks: a file of any size is
    /// hashed in a fixed amount of memory.
    pub fn of_reader(mut reader: impl std::io::Read) -> std::io::Result<Sha256Hex> {
        use sha2::Digest;
        let mut hasher = sha2::Sha256::new();
        let mut block = vec![0u8; 1 << 20];
        loop {
            match reader.read(&mut block) {
                Ok(0) => break,
                Ok(n) => hasher.update(&block[..n]),
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(Sha256Hex::from_digest(&hasher.finalize()))
    }

    /// The digest of what a hasher was given.
    pub fn from_hasher(hasher: sha2::Sha256) -> Sha256Hex {
        use sha2::Digest;
        Sha256Hex::from_digest(&hasher.finalize())
    }

    fn from_digest(digest: &[u8]) -> Sha256Hex {
        let mut hex = String::with_capacity(64);
        for byte in digest.iter() {
            use fmt::Write;
            let _ = write!(hex, "{byte:02x}");
        }
        Sha256Hex(hex)
    }

    /// The first 12 characters, enough to tell digests apart in messages.
    pub fn short(&self) -> &str {
        &self.0[..12]
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Sha256Hex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Sha256Hex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct HexVisitor;
        impl Visitor<'_> for HexVisitor {
            type Value = Sha256Hex;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sha256 digest (64 hex characters)")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Sha256Hex, E> {
                Sha256Hex::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(HexVisitor)
    }
}

/// A calendar interval such as `365d`, `6w`, `12m` or `1y`, used for review cadences
/// and look-ahead horizons. Months and years follow the calendar, not a fixed day count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub count: u32,
    pub unit: IntervalUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntervalUnit {
    Days,
    Weeks,
    Months,
    Years,
}

impl Interval {
    pub const fn days(count: u32) -> Interval {
        Interval {
            count,
            unit: IntervalUnit::Days,
        }
    }

    pub fn parse(text: &str) -> Result<Interval, String> {
        let invalid = || {
            format!(
                "invalid interval `{text}`: expected a number and a unit, like `30d`, `6w`, `12m` or `1y`"
            )
        };
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(invalid)?;
        let (number, unit) = text.split_at(split);
        let count: u32 = number.parse().map_err(|_| invalid())?;
        // A century is longer than any cadence or horizon a program needs, and keeps
        // date arithmetic far from the calendar's ends.
        let limit = match unit {
            "d" => 36_525,
            "w" => 5_218,
            "m" => 1_200,
            "y" => 100,
            _ => u32::MAX,
        };
        if count > limit {
            return Err(format!(
                "invalid interval `{text}`: longer than a century (at most {limit}{unit})"
            ));
        }
        let unit = match unit {
            "d" => IntervalUnit::Days,
            "w" => IntervalUnit::Weeks,
            "m" => IntervalUnit::Months,
            "y" => IntervalUnit::Years,
            _ => return Err(invalid()),
        };
        if count == 0 {
            return Err(format!(
                "invalid interval `{text}`: must be longer than zero"
            ));
        }
        Ok(Interval { count, unit })
    }

    /// The date `self` after `date`; month arithmetic clamps to the month's last day.
    pub fn after(self, date: Date) -> Date {
        match self.unit {
            IntervalUnit::Days => date.add_days(i64::from(self.count)),
            IntervalUnit::Weeks => date.add_days(7 * i64::from(self.count)),
            IntervalUnit::Months => date.add_months(self.count),
            IntervalUnit::Years => date.add_months(self.count.saturating_mul(12)),
        }
    }

    /// The interval in whole days, for intervals given in days or weeks; months and
    /// years count from a date (`after`).
    pub fn days_from(self, date: Date) -> i64 {
        date.days_until(self.after(date))
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            IntervalUnit::Days => 'd',
            IntervalUnit::Weeks => 'w',
            IntervalUnit::Months => 'm',
            IntervalUnit::Years => 'y',
        };
        write!(f, "{}{unit}", self.count)
    }
}

impl std::str::FromStr for Interval {
    type Err = String;
    fn from_str(text: &str) -> Result<Interval, String> {
        Interval::parse(text)
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntervalVisitor;
        impl Visitor<'_> for IntervalVisitor {
            type Value = Interval;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an interval like `365d`, `6w`, `12m` or `1y`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Interval, E> {
                Interval::parse(text).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(IntervalVisitor)
    }
}

/// An RFC 3339 timestamp, kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp(pub String);

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimestampVisitor;
        impl Visitor<'_> for TimestampVisitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp like 2026-10-03T14:05:00Z")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timestamp, E> {
                chrono::DateTime::parse_from_rfc3339(text)
                    .map(|_| Timestamp(text.to_string()))
                    .map_err(|_| {
                        E::custom(format!(
                            "invalid timestamp `{text}`: expected RFC 3339, like 2026-10-03T14:05:00Z"
                        ))
                    })
            }
        }
        deserializer.deserialize_str(TimestampVisitor)
    }
}

/// True when `text` is a valid record ID: `[A-Z0-9][A-Z0-9-]*`.
pub fn is_valid_id(text: &str) -> bool {
    let mut bytes = text.bytes();
    matches!(bytes.next(), Some(b'A'..=b'Z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'A'..=b'Z' | b'0'..=b'9' | b'-'))
}

/// What an invalid ID is told: the grammar, and an example.
pub const ID_RULE: &str = "IDs are upper-case letters, digits and dashes, like AC-01 or POL-ACCESS";

/// `text` when it is a valid record ID; otherwise a message naming the rule. Every ID
/// that arrives from outside a file (the command line) passes here before a path is
/// built from it.
pub fn check_id(text: &str) -> Result<&str, String> {
    if is_valid_id(text) {
        Ok(text)
    } else {
        Err(format!("`{text}` is not a valid ID: {ID_RULE}"))
    }
}

/// An evidence ID, `CONTROL/RECORD` (the record's file name without `.yaml`), checked
/// so that it names a file inside the control's folder.
pub fn check_evidence_id(text: &str) -> Result<&str, String> {
    let invalid = || {
        format!(
            "`{text}` is not a valid evidence ID: expected CONTROL/RECORD, like AC-01/2026-10-03-mfa-report"
        )
    };
    let (control, record) = text.split_once('/').ok_or_else(invalid)?;
    check_id(control).map_err(|_| invalid())?;
    if is_safe_name(record) {
        Ok(text)
    } else {
        Err(invalid())
    }
}

/// True when `name` is a file name soc2 may build a path from: letters, digits, `-`, `_`
/// and `.`, not starting with a dot (so never `..`, a hidden file, or a folder).
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dates are written exactly as chrono's `%Y-%m-%d` writes them, inside and
    /// outside the years of four digits.
    #[test]
    fn dates_are_written_as_chrono_writes_them() {
        for (y, m, d) in [
            (2026, 7, 1),
            (1, 1, 1),
            (999, 12, 31),
            (0, 2, 29),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 6, 15),
            (262_000, 3, 9),
        ] {
            let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(Date(day).to_string(), day.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(
            Date::parse("2024-02-29").unwrap(),
            Date::from_ymd(2024, 2, 29)
        );
        assert!(
            Date::parse("2023-02-29")
                .unwrap_err()
                .contains("no such day")
        );
        assert!(Date::parse("2026-1-01").unwrap_err().contains("YYYY-MM-DD"));
        assert!(Date::parse("01/02/2026").is_err());
        assert!(Date::parse("2026-13-01").is_err());
    }

    #[test]
    fn intervals_follow_the_calendar() {
        let jan31 = Date::from_ymd(2026, 1, 31);
        assert_eq!(
            Interval::parse("1m").unwrap().after(jan31),
            Date::from_ymd(2026, 2, 28)
        );
        assert_eq!(
            Interval::parse("2w").unwrap().after(jan31),
            Date::from_ymd(2026, 2, 14)
        );
        assert_eq!(
            Interval::parse("1y")
                .unwrap()
                .after(Date::from_ymd(2024, 2, 29)),
            Date::from_ymd(2025, 2, 28)
        );
        assert_eq!(Interval::parse("365d").unwrap().to_string(), "365d");
        assert!(Interval::parse("0d").is_err());
        assert!(Interval::parse("d").is_err());
        assert!(Interval::parse("12 months").is_err());
    }

    #[test]
    fn ids_are_upper_case_words() {
        assert!(is_valid_id("AC-01"));
        assert!(is_valid_id("POL-ACCESS"));
        assert!(!is_valid_id("ac-01"));
        assert!(!is_valid_id("-AC"));
        assert!(!is_valid_id("AC_01"));
        assert!(!is_valid_id(""));
        for bad in [
            "../soc2",
            "../../victim",
            "AC-01/..",
            "AC 01",
            "ac-01",
            ".git",
        ] {
            assert!(
                check_id(bad).unwrap_err().contains("not a valid ID"),
                "{bad}"
            );
        }
        assert_eq!(check_id("AC-01"), Ok("AC-01"));
    }

    #[test]
    fn evidence_ids_stay_in_their_folder() {
        assert!(check_evidence_id("AC-01/2026-10-03-mfa-report").is_ok());
        assert!(check_evidence_id("AC-01/2026-10-03-mfa_report.v2").is_ok());
        for bad in [
            "AC-01",
            "AC-01/../x",
            "../x/y",
            "AC-01/a/b",
            "AC-01/",
            "AC-01/.hidden",
        ] {
            assert!(check_evidence_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sha256_is_lower_hex() {
        let digest = Sha256Hex::of(b"abc");
        assert_eq!(
            digest.0,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(Sha256Hex::parse(&digest.0.to_uppercase()).is_err());
    }
}

/// JSON Schema for the value types, so that editors validate them as soc2 does.
mod schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    use super::{Date, Interval, Sha256Hex, Timestamp};

    macro_rules! string_schema {
        ($type:ty, $name:literal, $schema:tt) => {
            impl JsonSchema for $type {
                fn schema_name() -> Cow<'static, str> {
                    Cow::Borrowed($name)
                }

                fn json_schema(_: &mut SchemaGenerator) -> Schema {
                    json_schema!($schema)
                }
            }
        };
    }

    string_schema!(Date, "Date", {
        "type": "string",
        "format": "date",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "description": "A date as YYYY-MM-DD"
    });
    string_schema!(Sha256Hex, "Sha256", {
        "type": "string",
        "pattern": "^[0-9a-f]{64}$",
        "description": "A SHA-256 digest: 64 lowercase hexadecimal characters"
    });
    string_schema!(Interval, "Interval", {
        "type": "string",
        "pattern": "^[1-9][0-9]*[dwmy]$",
        "description": "An interval: a number and d (days), w (weeks), m (months) or y (years), like 365d"
    });
    string_schema!(Timestamp, "Timestamp", {
        "type": "string",
        "format": "date-time",
        "description": "An RFC 3339 timestamp, like 2026-10-03T14:05:00Z"
    });
}

/// The pattern every record ID follows, for the JSON Schema.
pub const ID_PATTERN: &str = "^[A-Z0-9][A-Z0-9-]*$";

/// JSON Schema for a list of TSC criteria: the catalogue's IDs, so editors complete them.
pub fn criteria_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let ids: Vec<&str> = crate::catalog::CRITERIA.iter().map(|c| c.id).collect();
    schemars::json_schema!({
        "type": "array",
        "items": {"type": "string", "enum": ids},
        "description": "TSC 2017 criteria this control supports (`soc2 criteria` lists them)"
    })
}

/// JSON Schema for one criterion ID.
pub fn criterion_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let ids: Vec<&str> = crate::catalog::CRITERIA.iter().map(|c| c.id).collect();
    schemars::json_schema!({"type": "string", "enum": ids})
}
