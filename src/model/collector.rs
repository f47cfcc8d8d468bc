//! Collectors: commands in a control's file whose output shows the control operating,
//! run by `soc2 collect` on the control's schedule.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::EvidenceKind;

/// One entry of a control's `collect:` list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Collector {
    /// Names the collector within its control (lower-case letters, digits, dashes);
    /// records it makes are named after it.
    pub name: String,
    /// The command: a list of arguments, run without a shell; a single string only
    /// with `shell: true`.
    pub run: CommandLine,
    /// Run `run` with `sh -c` (pipes, redirections); off by default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shell: bool,
    /// How long the command may run before it is stopped (default 5m): seconds, or a
    /// number and `s`, `m` or `h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Seconds>,
    /// The exit code that means the control operated (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_exit: Option<i32>,
    /// What a failure leaves: `skip` (default: reported, nothing recorded) or
    /// `deviation` (recorded as a deviation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<OnFailure>,
    /// The kind of evidence recorded (default `command-output`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EvidenceKind>,
    /// What the output shows; the records' description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// How long a collector may run when its control does not say.
pub const DEFAULT_TIMEOUT: Seconds = Seconds(300);

impl Collector {
    pub fn timeout(&self) -> Seconds {
        self.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    pub fn expect_exit(&self) -> i32 {
        self.expect_exit.unwrap_or(0)
    }

    pub fn on_failure(&self) -> OnFailure {
        self.on_failure.unwrap_or(OnFailure::Skip)
    }

    pub fn kind(&self) -> EvidenceKind {
        self.kind.unwrap_or(EvidenceKind::CommandOutput)
    }

    /// The program and its arguments as they are started: `sh -c LINE` for a shell
    /// collector. Empty when `run` is.
    pub fn argv(&self) -> Vec<String> {
        match (&self.run, self.shell) {
            (CommandLine::Line(line), true) => {
                vec!["sh".to_string(), "-c".to_string(), line.clone()]
            }
            (CommandLine::Args(args), true) if !args.is_empty() => {
                vec!["sh".to_string(), "-c".to_string(), args.join(" ")]
            }
            (CommandLine::Args(args), _) => args.clone(),
            (CommandLine::Line(line), false) => vec![line.clone()],
        }
    }

    /// The command as a person reads it.
    pub fn display(&self) -> String {
        match &self.run {
            CommandLine::Line(line) => line.clone(),
            CommandLine::Args(args) => shell_words(args),
        }
    }
}

/// A collector's `run`: an argument list, or one line for `sh -c`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommandLine {
    Args(Vec<String>),
    Line(String),
}

impl CommandLine {
    pub fn is_empty(&self) -> bool {
        match self {
            CommandLine::Args(args) => args.is_empty() || args[0].trim().is_empty(),
            CommandLine::Line(line) => line.trim().is_empty(),
        }
    }
}

impl Serialize for CommandLine {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CommandLine::Args(args) => args.serialize(serializer),
            CommandLine::Line(line) => serializer.serialize_str(line),
        }
    }
}

impl<'de> Deserialize<'de> for CommandLine {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LineVisitor;
        impl<'de> Visitor<'de> for LineVisitor {
            type Value = CommandLine;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of arguments, like [gh, api, repos/OWNER/REPO], or a string with `shell: true`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<CommandLine, E> {
                Ok(CommandLine::Line(text.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CommandLine, A::Error> {
                let mut args = Vec::new();
                while let Some(arg) = seq.next_element::<Argument>()? {
                    args.push(arg.0);
                }
                Ok(CommandLine::Args(args))
            }
        }
        deserializer.deserialize_any(LineVisitor)
    }
}

/// One argument: a string, or a number or boolean written bare (`[sleep, 5]`).
struct Argument(String);

impl<'de> Deserialize<'de> for Argument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArgumentVisitor;
        impl Visitor<'_> for ArgumentVisitor {
            type Value = Argument;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an argument (a string)")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Argument, E> {
                Ok(Argument(text.to_string()))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Argument, E> {
                Ok(Argument(n.to_string()))
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Argument, E> {
                Ok(Argument(n.to_string()))
            }
            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Argument, E> {
                Ok(Argument(n.to_string()))
            }
            fn visit_bool<E: de::Error>(self, b: bool) -> Result<Argument, E> {
                Ok(Argument(b.to_string()))
            }
        }
        deserializer.deserialize_any(ArgumentVisitor)
    }
}

impl JsonSchema for CommandLine {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("CommandLine")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A list of arguments run without a shell, or a string run with `sh -c` when `shell: true`",
            "anyOf": [
                {"type": "array", "items": {"type": ["string", "number", "boolean"]}, "minItems": 1},
                {"type": "string", "minLength": 1}
            ]
        })
    }
}

/// What a collector that fails leaves in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum OnFailure {
    /// Reported (and `soc2 collect` exits 1), nothing recorded.
    Skip,
    /// Recorded as a `deviation`: the failure is the evidence.
    Deviation,
}

impl OnFailure {
    pub fn as_str(self) -> &'static str {
        match self {
            OnFailure::Skip => "skip",
            OnFailure::Deviation => "deviation",
        }
    }
}

/// A duration in whole seconds, written `90`, `90s`, `5m` or `1h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seconds(pub u64);

/// A day: longer than any collector should run.
const MAX_SECONDS: u64 = 86_400;

impl Seconds {
    pub fn parse(text: &str) -> Result<Seconds, String> {
        let invalid = || {
            format!(
                "invalid duration `{text}`: expected seconds, or a number and s, m or h, like `90s` or `5m`"
            )
        };
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let count: u64 = number.parse().map_err(|_| invalid())?;
        let factor = match unit.trim() {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            _ => return Err(invalid()),
        };
        Seconds::checked(count.saturating_mul(factor))
    }

    fn checked(seconds: u64) -> Result<Seconds, String> {
        if seconds > MAX_SECONDS {
            return Err(format!(
                "a duration of {seconds}s is longer than a day ({MAX_SECONDS}s)"
            ));
        }
        Ok(Seconds(seconds))
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            s if s >= 3600 && s % 3600 == 0 => write!(f, "{}h", s / 3600),
            s if s >= 60 && s % 60 == 0 => write!(f, "{}m", s / 60),
            s => write!(f, "{s}s"),
        }
    }
}

impl Serialize for Seconds {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecondsVisitor;
        impl Visitor<'_> for SecondsVisitor {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration: seconds, or a number and s, m or h, like `90s` or `5m`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Seconds, E> {
                Seconds::parse(text).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Seconds, E> {
                Seconds::checked(n).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Seconds, E> {
                u64::try_from(n)
                    .map_err(|_| E::custom(format!("a duration of {n} seconds is negative")))
                    .and_then(|n| Seconds::checked(n).map_err(E::custom))
            }
        }
        deserializer.deserialize_any(SecondsVisitor)
    }
}

impl JsonSchema for Seconds {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Seconds")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: seconds, or a number and s, m or h, like 90s or 5m",
            "anyOf": [
                {"type": "integer", "minimum": 1},
                {"type": "string", "pattern": "^[1-9][0-9]*[smh]?$"}
            ]
        })
    }
}

/// A size in bytes, written `1048576`, `512KB`, `20MB` or `1GB` (binary units: 1 KB is
/// 1024 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

impl ByteSize {
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let invalid = || {
            format!(
                "invalid size `{text}`: expected bytes, or a number and KB, MB or GB, like `20MB`"
            )
        };
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let count: u64 = number.parse().map_err(|_| invalid())?;
        let factor: u64 = match unit.trim().to_ascii_uppercase().as_str() {
            "" | "B" => 1,
            "K" | "KB" | "KIB" => 1 << 10,
            "M" | "MB" | "MIB" => 1 << 20,
            "G" | "GB" | "GIB" => 1 << 30,
            _ => return Err(invalid()),
        };
        count.checked_mul(factor).map(ByteSize).ok_or_else(invalid)
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            b if b >= 1 << 30 && b % (1 << 30) == 0 => write!(f, "{}GB", b >> 30),
            b if b >= 1 << 20 && b % (1 << 20) == 0 => write!(f, "{}MB", b >> 20),
            b if b >= 1 << 10 && b % (1 << 10) == 0 => write!(f, "{}KB", b >> 10),
            b => write!(f, "{b} bytes"),
        }
    }
}

impl std::str::FromStr for ByteSize {
    type Err = String;
    fn from_str(text: &str) -> Result<ByteSize, String> {
        ByteSize::parse(text)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            b if b % 1024 == 0 && b > 0 => serializer.collect_str(self),
            b => serializer.serialize_u64(b),
        }
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SizeVisitor;
        impl Visitor<'_> for SizeVisitor {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size: bytes, or a number and KB, MB or GB, like `20MB`")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<ByteSize, E> {
                ByteSize::parse(text).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<ByteSize, E> {
                u64::try_from(n)
                    .map(ByteSize)
                    .map_err(|_| E::custom(format!("a size of {n} bytes is negative")))
            }
        }
        deserializer.deserialize_any(SizeVisitor)
    }
}

impl JsonSchema for ByteSize {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("ByteSize")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A size: bytes, or a number and KB, MB or GB (1 KB = 1024 bytes), like 20MB",
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": "^[0-9]+ ?([KMG]i?B?|B)?$"}
            ]
        })
    }
}

/// Words quoted where a POSIX shell needs it: `aws s3 ls 'my bucket'`.
pub fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a collector name is lower-case letters, digits and single dashes.
pub fn is_valid_collector_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && name
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
        && !name.ends_with('-')
        && !name.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collector(yaml: &str) -> Result<Collector, String> {
        crate::store::from_yaml(yaml)
    }

    #[test]
    fn run_is_a_list_or_a_shell_line() {
        let c = collector("name: x\nrun: [gh, api, 'repos/a/b', 5]\n").unwrap();
        assert_eq!(c.argv(), ["gh", "api", "repos/a/b", "5"]);
        assert_eq!(c.timeout(), DEFAULT_TIMEOUT);
        let c = collector("name: x\nrun: gh api x | jq .\nshell: true\ntimeout: 90s\n").unwrap();
        assert_eq!(c.argv(), ["sh", "-c", "gh api x | jq ."]);
        assert_eq!(c.timeout(), Seconds(90));
    }

    #[test]
    fn bad_values_say_what_was_expected() {
        let err = collector("name: x\nrun: [a]\non_failure: retry\n").unwrap_err();
        assert!(err.contains("unknown variant `retry`"), "{err}");
        let err = collector("name: x\nrun: [a]\ntimeout: soon\n").unwrap_err();
        assert!(err.contains("invalid duration `soon`"), "{err}");
        let err = collector("name: x\nrun: [a]\ntimeout: -3\n").unwrap_err();
        assert!(err.contains("negative"), "{err}");
        assert_eq!(
            collector("name: x\nrun: [a]\ntimeout: 0\n")
                .unwrap()
                .timeout(),
            Seconds(0)
        );
    }

    #[test]
    fn durations_and_sizes_parse_and_print() {
        assert_eq!(Seconds::parse("5m"), Ok(Seconds(300)));
        assert_eq!(Seconds::parse("2h").unwrap().to_string(), "2h");
        assert_eq!(Seconds(90).to_string(), "90s");
        assert!(Seconds::parse("2d").is_err());
        assert!(Seconds::parse("25h").is_err());
        assert_eq!(ByteSize::parse("20MB"), Ok(ByteSize(20 << 20)));
        assert_eq!(ByteSize::parse("512k"), Ok(ByteSize(512 << 10)));
        assert_eq!(ByteSize::parse("100"), Ok(ByteSize(100)));
        assert_eq!(ByteSize(20 << 20).to_string(), "20MB");
        assert!(ByteSize::parse("20 parsecs").is_err());
        assert!(ByteSize::parse("99999999999GB").is_err());
    }

    #[test]
    fn collector_names_are_slugs() {
        assert!(is_valid_collector_name("branch-protection"));
        assert!(is_valid_collector_name("mfa2"));
        for bad in ["", "Branch", "a b", "-a", "a-", "a--b", "a/b", "é"] {
            assert!(!is_valid_collector_name(bad), "{bad}");
        }
    }
}
