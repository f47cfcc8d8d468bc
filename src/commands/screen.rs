//! Secret scanning of what `evidence add`, `evidence run` and `collect` would commit:
//! the flags they share, and the refusal that names every hit (never the secret).

use anyhow::{Result, bail};
use clap::Args;
use soc2::Hinted;
use soc2::model::SecretsNote;
use soc2::secrets::{self, Hit};

/// `--redact` and `--allow-secret`.
#[derive(Debug, Clone, Default, Args)]
pub struct SecretArgs {
    /// Replace each credential found in the output or files with [REDACTED:<rule>]
    /// before hashing and recording (the record says so)
    #[arg(long)]
    pub redact: bool,

    /// Record what this rule finds as it is (not a secret: a test key, a public
    /// sample); repeat for several rules
    #[arg(long = "allow-secret", value_name = "RULE", value_parser = parse_rule)]
    pub allow: Vec<String>,
}

fn parse_rule(text: &str) -> Result<String, String> {
    match secrets::rule(text) {
        Some(rule) => Ok(rule.id.to_string()),
        None => Err(format!(
            "unknown secret rule `{text}`; the rules are: {}",
            secrets::rule_ids()
        )),
    }
}

/// The files of one command, screened together: a hit in any refuses them all.
#[derive(Default)]
pub struct Screen {
    note: SecretsNote,
    refused: Vec<(String, Hit)>,
}

impl Screen {
    /// Screens one file that would be committed at `path`; returns the bytes to write.
    pub fn file(&mut self, args: &SecretArgs, path: &str, bytes: Vec<u8>) -> Vec<u8> {
        let screened = secrets::screen(bytes, args.redact, &args.allow);
        merge(&mut self.note.redacted, screened.redacted);
        merge(&mut self.note.allowed, screened.allowed);
        self.refused
            .extend(screened.refused.into_iter().map(|h| (path.to_string(), h)));
        screened.bytes
    }

    /// Screens one file that would be committed at `path` as it is copied from `reader`
    /// to `out`, in pieces; returns whether anything was redacted.
    pub fn stream(
        &mut self,
        args: &SecretArgs,
        path: &str,
        reader: impl std::io::Read,
        out: impl std::io::Write,
    ) -> Result<bool> {
        let screened = secrets::screen_reader(reader, out, args.redact, &args.allow)?;
        let redacted = !screened.redacted.is_empty();
        merge(&mut self.note.redacted, screened.redacted);
        merge(&mut self.note.allowed, screened.allowed);
        self.refused
            .extend(screened.refused.into_iter().map(|h| (path.to_string(), h)));
        Ok(redacted)
    }

    /// Screens the record itself, which cannot be redacted: a secret in a command line
    /// or a description must go.
    pub fn record(&mut self, args: &SecretArgs, path: &str, text: &str) {
        let screened = secrets::screen(text.as_bytes().to_vec(), false, &args.allow);
        merge(&mut self.note.allowed, screened.allowed);
        self.refused
            .extend(screened.refused.into_iter().map(|h| (path.to_string(), h)));
    }

    /// Takes over what another screen refused, to refuse them together.
    pub fn absorb(&mut self, other: Screen) {
        self.refused.extend(other.refused);
    }

    /// What the record says about secrets, if anything.
    pub fn note(&self) -> Option<Box<SecretsNote>> {
        (!self.note.is_empty()).then(|| Box::new(self.note.clone()))
    }

    /// Refuses the command when anything was found that was neither redacted nor
    /// allowed, naming each hit's file, line, column and rule.
    pub fn refuse(&self) -> Result<()> {
        if self.refused.is_empty() {
            return Ok(());
        }
        let mut message = format!(
            "{} found in what would be recorded; nothing was written:",
            soc2::report::plural(self.refused.len(), "possible secret")
        );
        for (path, hit) in &self.refused {
            let title = secrets::rule(&hit.rule).map_or("a secret", |r| r.title);
            message.push_str(&format!(
                "\n  {path}:{}:{}: {title} ({}): {}",
                hit.line, hit.column, hit.rule, hit.excerpt
            ));
        }
        let rules: Vec<&str> = {
            let mut rules: Vec<&str> = self.refused.iter().map(|(_, h)| h.rule.as_str()).collect();
            rules.dedup();
            rules
        };
        bail!(Hinted::new(
            message,
            format!(
                "keep credentials out of evidence (print less, or pass them through the environment); \
                 `--redact` records the output with each one replaced by [REDACTED:<rule>]; \
                 if it is not a secret, `--allow-secret {}` records it as it is",
                rules.join(" --allow-secret ")
            ),
        ));
    }
}

fn merge(into: &mut Vec<String>, rules: Vec<String>) {
    for rule in rules {
        if !into.contains(&rule) {
            into.push(rule);
        }
    }
}
