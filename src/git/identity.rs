//! Who a commit is by: the GIT_AUTHOR_*/GIT_COMMITTER_* variables or git config, and
//! the dates those variables may fix.

use anyhow::{Context, Result, anyhow, bail};
use git2::{Signature, Time};

use crate::Hinted;

/// Who a commit is by, from the GIT_AUTHOR_*/GIT_COMMITTER_* variables or git config.
#[derive(Clone, Debug)]
pub struct Identity {
    pub author: Person,
    pub committer: Person,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
    /// Seconds since the epoch and offset in minutes, when a variable fixes them.
    pub time: Option<(i64, i32)>,
}

impl Person {
    pub(super) fn signature(&self) -> Result<Signature<'static>> {
        let signature = match self.time {
            Some((seconds, offset)) => {
                Signature::new(&self.name, &self.email, &Time::new(seconds, offset))
            }
            None => Signature::now(&self.name, &self.email),
        };
        signature.with_context(|| format!("invalid git identity `{} <{}>`", self.name, self.email))
    }
}

/// The identity a commit would have in a repository that does not exist yet (global
/// git config and the environment), so that `soc2 init` can fail before writing.
pub fn default_identity() -> Result<Identity> {
    identity_from(&git2::Config::open_default().context("reading git config")?)
}

pub(super) fn identity_from(config: &git2::Config) -> Result<Identity> {
    let get = |key: &str| config.get_string(key).ok().filter(|v| !v.trim().is_empty());
    let person = |role: &str| -> Result<Person> {
        let env = |what: &str| {
            std::env::var(format!("GIT_{role}_{what}"))
                .ok()
                .filter(|v| !v.trim().is_empty())
        };
        let name = env("NAME").or_else(|| get("user.name"));
        let email = env("EMAIL").or_else(|| get("user.email"));
        let (Some(name), Some(email)) = (name, email) else {
            bail!(Hinted::new(
                "git does not know who you are, so soc2 cannot record who made this change",
                "run `git config user.name \"Your Name\"` and `git config user.email you@example.com`",
            ));
        };
        let time = match env("DATE") {
            Some(text) => {
                Some(parse_git_date(&text).with_context(|| format!("GIT_{role}_DATE `{text}`"))?)
            }
            None => None,
        };
        Ok(Person { name, email, time })
    };
    Ok(Identity {
        author: person("AUTHOR")?,
        committer: person("COMMITTER")?,
    })
}

/// Parses the date formats git accepts in GIT_*_DATE that matter here: `@<seconds>
/// <offset>`, `<seconds> <offset>`, RFC 3339 and RFC 2822.
fn parse_git_date(text: &str) -> Result<(i64, i32)> {
    let text = text.trim();
    let raw = text.strip_prefix('@').unwrap_or(text);
    let mut parts = raw.split_whitespace();
    if let (Some(seconds), offset) = (parts.next(), parts.next())
        && let Ok(seconds) = seconds.parse::<i64>()
    {
        let offset = match offset {
            None => 0,
            Some(o) => parse_offset(o).ok_or_else(|| anyhow!("bad time zone offset `{o}`"))?,
        };
        return Ok((seconds, offset));
    }
    let parsed = chrono::DateTime::parse_from_rfc3339(text)
        .or_else(|_| chrono::DateTime::parse_from_rfc2822(text))
        .or_else(|_| chrono::DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S %z"))
        .map_err(|_| anyhow!("expected `@<seconds> <+hhmm>`, RFC 3339 or RFC 2822"))?;
    Ok((parsed.timestamp(), parsed.offset().local_minus_utc() / 60))
}

fn parse_offset(text: &str) -> Option<i32> {
    let (sign, digits) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    Some(sign * (hours * 60 + minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_dates_in_the_formats_git_accepts() {
        assert_eq!(
            parse_git_date("@1700000000 +0000").unwrap(),
            (1_700_000_000, 0)
        );
        assert_eq!(
            parse_git_date("1700000000 -0130").unwrap(),
            (1_700_000_000, -90)
        );
        assert_eq!(parse_git_date("2026-11-22T10:00:00+01:00").unwrap().1, 60);
        assert_eq!(
            parse_git_date("Sun, 22 Nov 2026 10:00:00 +0000").unwrap().0,
            1_795_341_600
        );
        assert!(parse_git_date("yesterday").is_err());
        assert!(parse_git_date("@1700000000 0000").is_err());
    }
}
