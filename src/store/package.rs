//! Writing an evidence package (a folder or a zip) and reading one back. All or
//! nothing: a folder is written under a temporary name beside its place and renamed
//! into place once complete, a zip is written to a temporary file and renamed; on any
//! failure nothing is left behind. Evidence files are copied from the store's source
//! (the pinned commit's tree) and checked against their recorded sha256 on the way.
//!
//! Zip entries are sorted, dated 1980-01-01 00:00 (the zip format's first day) and
//! marked rw-r--r--, so one package is the same bytes each time.

use std::collections::BTreeMap;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use rayon::prelude::*;

use super::Source;
use crate::Hinted;
use crate::export::Content;
use crate::export::verify::Opened;
use crate::export::{MANIFEST_FILE, SUMS_FILE};
use crate::model::Sha256Hex;

/// Where a package goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Dir(PathBuf),
    Zip(PathBuf),
}

impl Target {
    pub fn path(&self) -> &Path {
        match self {
            Target::Dir(p) | Target::Zip(p) => p,
        }
    }
}

/// The nearest existing ancestor of `path`, resolved (symbolic links followed).
fn resolved(path: &Path) -> Result<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .context("reading the current directory")?
            .join(path)
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while existing.symlink_metadata().is_err() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = existing
        .canonicalize()
        .with_context(|| format!("resolving {}", existing.display()))?;
    for name in rest.iter().rev() {
        out.push(name);
    }
    Ok(out)
}

/// Checks where a package may go: not inside the store's repository (`workdir`), a
/// folder that is new or empty, or a `.zip` file that does not exist, in a folder that
/// does.
pub fn target(path: &Path, workdir: &Path) -> Result<Target> {
    let shown = path.display();
    let full = resolved(path)?;
    let root = workdir
        .canonicalize()
        .with_context(|| format!("resolving {}", workdir.display()))?;
    if full.starts_with(&root) {
        bail!(Hinted::new(
            format!(
                "{shown} is inside the store's repository ({}): the package would become part of what it describes",
                root.display()
            ),
            "export to a folder outside the repository, e.g. ../audit-package",
        ));
    }
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let parent = full.parent().map(Path::to_path_buf).unwrap_or_default();
    if !parent.is_dir() {
        bail!(Hinted::new(
            format!("{} does not exist", parent.display()),
            "create the folder the package goes in first",
        ));
    }
    match std::fs::symlink_metadata(&full) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err).with_context(|| format!("reading {shown}")),
        Ok(_) if is_zip => bail!(Hinted::new(
            format!("{shown} exists already"),
            "name a new file, or remove the old package first",
        )),
        Ok(meta) if !meta.is_dir() => bail!(Hinted::new(
            format!("{shown} exists and is not a folder"),
            "name a new or empty folder, or a new .zip file",
        )),
        Ok(_) => {
            let mut entries: Vec<String> = std::fs::read_dir(&full)
                .with_context(|| format!("reading {shown}"))?
                .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect::<std::io::Result<_>>()
                .with_context(|| format!("reading {shown}"))?;
            if !entries.is_empty() {
                entries.sort();
                let listed: Vec<&str> = entries.iter().take(3).map(String::as_str).collect();
                let more = entries.len() - listed.len();
                bail!(Hinted::new(
                    format!(
                        "{shown} is not empty: {}{}",
                        listed.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    ),
                    "export into a new or empty folder: a package holds only what it lists",
                ));
            }
        }
    }
    Ok(if is_zip {
        Target::Zip(full)
    } else {
        Target::Dir(full)
    })
}

/// The bytes of a file of the package: generated, or read from `source` and checked
/// against the sha256 its record gives.
fn bytes_of(path: &str, content: &Content, source: &dyn Source) -> Result<Vec<u8>> {
    match content {
        Content::Bytes(bytes) => Ok(bytes.clone()),
        Content::Stored {
            path: stored,
            sha256,
        } => {
            let bytes = source
                .read(stored)
                .with_context(|| format!("reading {stored} from {}", source.describe()))?;
            let actual = Sha256Hex::of(&bytes);
            if !actual.0.eq_ignore_ascii_case(&sha256.0) {
                bail!(Hinted::new(
                    format!(
                        "{path} is not the file its record lists: sha256 {} was recorded, {} holds {}",
                        sha256.short(),
                        source.describe(),
                        actual.short()
                    ),
                    "`soc2 check` names the changed file: restore it, or record it again with `soc2 evidence add`; nothing was written",
                ));
            }
            Ok(bytes)
        }
    }
}

/// Writes the package's `files` (sorted paths) to `target`, all or nothing.
pub fn write(
    target: &Target,
    files: &BTreeMap<String, Content>,
    source: &dyn Source,
) -> Result<()> {
    match target {
        Target::Dir(dir) => write_dir(dir, files, source),
        Target::Zip(file) => write_zip(file, files, source),
    }
}

fn write_dir(dir: &Path, files: &BTreeMap<String, Content>, source: &dyn Source) -> Result<()> {
    let parent = dir.parent().context("a package folder has a parent")?;
    let temp = tempfile::Builder::new()
        .prefix(".soc2-export-")
        .tempdir_in(parent)
        .with_context(|| format!("creating a temporary folder in {}", parent.display()))?;
    let root = temp.path();
    let entries: Vec<(&String, &Content)> = files.iter().collect();
    entries
        .par_iter()
        .try_for_each(|(path, content)| -> Result<()> {
            let bytes = bytes_of(path, content, source)?;
            let target = root.join(path.as_str());
            if let Some(folder) = target.parent() {
                std::fs::create_dir_all(folder)
                    .with_context(|| format!("creating {}", folder.display()))?;
            }
            std::fs::write(&target, &bytes).with_context(|| format!("writing {path}"))?;
            set_mode(&target, 0o644)
        })?;
    set_modes(root)?;
    // An empty folder at the target gives way to the complete package.
    if dir.symlink_metadata().is_ok() {
        std::fs::remove_dir(dir)
            .with_context(|| format!("replacing the empty {}", dir.display()))?;
    }
    let kept = temp.keep();
    std::fs::rename(&kept, dir).map_err(|err| {
        let _ = std::fs::remove_dir_all(&kept);
        anyhow!(err).context(format!("moving the package into {}", dir.display()))
    })?;
    Ok(())
}

/// Folders rwxr-xr-x (a temporary folder starts private).
fn set_modes(dir: &Path) -> Result<()> {
    set_mode(dir, 0o755)?;
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            set_modes(&entry.path())?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting permissions on {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> Result<()> {
    Ok(())
}

fn write_zip(file: &Path, files: &BTreeMap<String, Content>, source: &dyn Source) -> Result<()> {
    use zip::write::SimpleFileOptions;
    let parent = file
        .parent()
        .context("a package file has a parent folder")?;
    let temp = tempfile::Builder::new()
        .prefix(".soc2-export-")
        .suffix(".zip")
        .tempfile_in(parent)
        .with_context(|| format!("creating a temporary file in {}", parent.display()))?;
    {
        let mut zip = zip::ZipWriter::new(BufWriter::new(temp.as_file()));
        for (path, content) in files {
            let bytes = bytes_of(path, content, source)?;
            let options = SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(zip::DateTime::default())
                .unix_permissions(0o644)
                .large_file(bytes.len() as u64 >= u64::from(u32::MAX));
            zip.start_file(path.as_str(), options)
                .with_context(|| format!("adding {path} to the zip"))?;
            zip.write_all(&bytes)
                .with_context(|| format!("adding {path} to the zip"))?;
        }
        let mut out = zip.finish().context("finishing the zip")?;
        out.flush().context("writing the zip")?;
    }
    temp.as_file().sync_all().context("writing the zip")?;
    set_mode(temp.path(), 0o644)?;
    temp.persist_noclobber(file)
        .map_err(|e| e.error)
        .with_context(|| format!("placing {}", file.display()))?;
    Ok(())
}

/// Reads a package (a folder, or a zip file) back: every file's sha256, and the bytes
/// of SHA256SUMS and manifest.json.
pub fn open(path: &Path) -> Result<Opened> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("reading {shown}"))?;
    let files: Vec<(String, Vec<u8>)> = if meta.is_dir() {
        let mut paths = Vec::new();
        list(path, "", &mut paths)?;
        paths
            .into_par_iter()
            .map(|name| {
                let bytes = std::fs::read(path.join(&name))
                    .with_context(|| format!("reading {name} in {shown}"))?;
                Ok((name, bytes))
            })
            .collect::<Result<_>>()?
    } else {
        let file = std::fs::File::open(path).with_context(|| format!("opening {shown}"))?;
        let mut archive = zip::ZipArchive::new(file).map_err(|err| {
            anyhow!(Hinted::new(
                format!("{shown} is not a zip file or a folder ({err})"),
                "name the package folder, or the .zip file `soc2 export` wrote",
            ))
        })?;
        let mut out = Vec::new();
        for index in 0..archive.len() {
            let mut entry = archive
                .by_index(index)
                .with_context(|| format!("reading entry {index} of {shown}"))?;
            if entry.is_dir() {
                continue;
            }
            let name = entry
                .name()
                .with_context(|| format!("reading entry {index} of {shown}"))?
                .to_string();
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .with_context(|| format!("reading {name} in {shown}"))?;
            out.push((name, bytes));
        }
        out
    };
    let mut opened = Opened {
        hashes: BTreeMap::new(),
        sums: None,
        manifest: None,
    };
    for (name, bytes) in files {
        opened.hashes.insert(name.clone(), Sha256Hex::of(&bytes).0);
        match name.as_str() {
            SUMS_FILE => opened.sums = Some(bytes),
            MANIFEST_FILE => opened.manifest = Some(bytes),
            _ => {}
        }
    }
    Ok(opened)
}

/// The files under `dir` (paths relative to the package, `/`-separated); symbolic links
/// are listed as files and read as what they point to.
fn list(root: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
    let dir = root.join(prefix);
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if entry.file_type()?.is_dir() {
            list(root, &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}
