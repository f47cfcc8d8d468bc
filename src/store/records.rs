//! Finding and reading the one record a changing command works on, without loading
//! the whole store: `evidence add` must stay fast in a store of 100,000 records.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};
use serde::de::DeserializeOwned;

use crate::Hinted;
use crate::findings::Finding;
use crate::model::Record;
use crate::model::paths::{file_stem, is_yaml};
use crate::model::{ID_RULE, is_safe_name, is_valid_id};
use crate::schema::Kind;
use crate::store;
use crate::suggest;

/// A finding as the error of a command that cannot go on.
pub fn finding_error(finding: Finding) -> anyhow::Error {
    let place = finding
        .location()
        .map(|l| format!("{l}: "))
        .unwrap_or_default();
    let message = format!("{place}{}", finding.message);
    match finding.hint {
        Some(hint) => anyhow!(Hinted::new(message, hint)),
        None => anyhow!(message),
    }
}

/// The IDs of the records in `dir` (file stems of its YAML files).
pub fn ids_in(root: &Path, dir: &str) -> Result<Vec<String>> {
    let path = root.join(dir);
    let entries = match std::fs::read_dir(&path) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).with_context(|| format!("listing {dir}/")),
    };
    let mut ids = Vec::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if is_yaml(&name) {
            ids.push(file_stem(&name).to_string());
        }
    }
    ids.sort();
    Ok(ids)
}

/// The path of an existing record, or an error that suggests the closest ID.
pub fn existing(root: &Path, dir: &str, id: &str, what: &str) -> Result<String> {
    refuse_invalid(id, what)?;
    if let Some(path) = find(root, dir, id) {
        return Ok(path);
    }
    for ext in ["yaml", "yml"] {
        let path = format!("{dir}/{id}.{ext}");
        if root.join(&path).symlink_metadata().is_ok() {
            bail!(Hinted::new(
                format!("{path} is not a regular file"),
                format!("a {what} is one YAML file: replace {path} with the record itself"),
            ));
        }
    }
    let ids = ids_in(root, dir)?;
    let listing = match what {
        "policy" => "policies".to_string(),
        other => format!("{other}s"),
    };
    bail!(Hinted::new(
        suggest::unknown(what, id, ids.iter().map(String::as_str)),
        format!("`soc2 {listing}` lists the {what} IDs of this store"),
    ))
}

/// `dir/ID.yaml` or `dir/ID.yml`, whichever exists; never a path built from a
/// malformed ID (`../soc2` must not find `soc2.yaml`).
pub fn find(root: &Path, dir: &str, id: &str) -> Option<String> {
    if !is_valid_id(id) {
        return None;
    }
    ["yaml", "yml"]
        .iter()
        .map(|ext| format!("{dir}/{id}.{ext}"))
        .find(|path| root.join(path).is_file())
}

/// The file of the record `CONTROL/NAME` kept in `dir/CONTROL/` (evidence, tests), if
/// there is one. A reference that could leave that folder names nothing.
pub fn find_in_control(root: &Path, dir: &str, reference: &str) -> Option<String> {
    let (control, name) = reference.split_once('/')?;
    if !is_valid_id(control) || !is_safe_name(name) {
        return None;
    }
    ["yaml", "yml"]
        .iter()
        .map(|ext| format!("{dir}/{control}/{name}.{ext}"))
        .find(|path| root.join(path).is_file())
}

/// Refuses an ID that is malformed or already taken.
pub fn new_id(root: &Path, dir: &str, id: &str, what: &str) -> Result<String> {
    refuse_invalid(id, what)?;
    if let Some(path) = find(root, dir, id) {
        bail!(Hinted::new(
            format!("{what} {id} already exists ({path})"),
            format!("choose another ID, or change it with `soc2 {what} set {id}`"),
        ));
    }
    Ok(format!("{dir}/{id}.yaml"))
}

/// Refuses an ID that does not follow the grammar, before any path is built from it.
pub fn refuse_invalid(id: &str, what: &str) -> Result<()> {
    if !is_valid_id(id) {
        bail!(Hinted::new(
            format!("`{id}` is not a valid {what} ID"),
            ID_RULE
        ));
    }
    Ok(())
}

/// Reads and parses one record; a problem in the file stops the command.
pub fn read<T: DeserializeOwned>(root: &Path, path: &str, what: &str) -> Result<Record<T>> {
    store::refuse_links(root, path)?;
    let bytes = std::fs::read(root.join(path)).with_context(|| format!("reading {path}"))?;
    let text = store::utf8(path, &bytes).map_err(finding_error)?;
    let value = store::parse::<T>(path, text, what).map_err(finding_error)?;
    Ok(Record {
        path: path.to_string(),
        text: text.into(),
        value: value.into(),
    })
}

/// File names taken in the control's folder, so new ones never collide.
pub struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    pub fn new(root: &Path, folder: &str) -> Result<Names> {
        store::refuse_links(root, folder)?;
        let mut taken = BTreeSet::new();
        match std::fs::read_dir(root.join(folder)) {
            Ok(entries) => {
                for entry in entries {
                    taken.insert(entry?.file_name().to_string_lossy().into_owned());
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => return Err(err).with_context(|| format!("listing {folder}/")),
        }
        Ok(Names { taken })
    }

    /// A free `<stem>.yaml`, numbering the stem when taken; returns the stem.
    pub fn record(&mut self, stem: &str) -> String {
        let stem = (1..)
            .map(|n| {
                if n == 1 {
                    stem.to_string()
                } else {
                    format!("{stem}-{n}")
                }
            })
            .find(|s| {
                !self.taken.contains(&format!("{s}.yaml"))
                    && !self.taken.contains(&format!("{s}.yml"))
            })
            .expect("an unused name exists");
        self.taken.insert(format!("{stem}.yaml"));
        stem
    }

    /// A free file name, numbering it before its extension when taken.
    pub fn attachment(&mut self, name: &str) -> String {
        let (base, ext) = match name.rsplit_once('.') {
            Some((base, ext)) if !base.is_empty() => (base, format!(".{ext}")),
            _ => (name, String::new()),
        };
        let name = (1..)
            .map(|n| {
                if n == 1 {
                    format!("{base}{ext}")
                } else {
                    format!("{base}-{n}{ext}")
                }
            })
            .find(|n| !self.taken.contains(n))
            .expect("an unused name exists");
        self.taken.insert(name.clone());
        name
    }

    /// A YAML file in the folder may be recorded in place only when it is not a record.
    pub fn is_free_record(&self, name: &str) -> bool {
        !name.starts_with(|c: char| c.is_ascii_digit())
    }
}

/// The text of a new record file at `path`: its canonical YAML, headed by the line
/// that points editors at its schema when the store at `root` keeps the schemas.
pub fn new_file<T: serde::Serialize>(root: &Path, kind: Kind, path: &str, record: &T) -> String {
    let header = if root.join(kind.path()).is_file() {
        kind.header(path)
    } else {
        String::new()
    };
    format!("{header}{}", super::render::to_yaml(record))
}

/// The files of `paths` that already exist under `root`.
pub fn existing_files<'a>(root: &Path, paths: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    paths
        .filter(|p| root.join(p).symlink_metadata().is_ok())
        .collect()
}

/// The bytes of a store file (a policy's document), relative to the store's root.
pub fn read_bytes(root: &Path, path: &str) -> Result<Vec<u8>> {
    store::refuse_links(root, path)?;
    std::fs::read(root.join(path)).with_context(|| format!("reading {path}"))
}

/// A short file-name-safe slug: `MFA report (Q3)` -> `mfa-report-q3`; long text is
/// cut at a word boundary, at most 40 characters.
pub fn slug(text: &str) -> String {
    const MAX: usize = 40;
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    if slug.len() > MAX {
        let cut = slug[..=MAX].rfind('-').filter(|i| *i > 0).unwrap_or(MAX);
        slug.truncate(cut);
    }
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "evidence".to_string()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_short_and_safe() {
        assert_eq!(slug("MFA report (Q3)"), "mfa-report-q3");
        assert_eq!(slug("  --  "), "evidence");
        assert_eq!(slug("Ünïcode only"), "n-code-only");
        assert_eq!(
            slug("Single sign-on with multi-factor authentication"),
            "single-sign-on-with-multi-factor"
        );
        assert!(slug(&"word ".repeat(30)).len() <= 40);
        assert_eq!(slug(&"x".repeat(50)).len(), 40);
    }
}
