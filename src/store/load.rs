//! Reading the whole store from a source into records, collecting every problem on the
//! way instead of stopping at the first.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::disk_cache::DiskCache;
use super::integrity;
use super::population;
use super::yaml::{not_utf8, unreadable};
use super::{Generations, Source, parse_all, utf8};
use crate::findings::Finding;
use crate::model::paths::{
    CONTROLS_DIR, EVIDENCE_DIR, FINDINGS_DIR, POLICIES_DIR, POPULATIONS_DIR, PROGRAM_FILE,
    REQUESTS_DIR, RISKS_DIR, SYSTEM_DOCUMENT, SYSTEM_FILE, TESTS_DIR, VENDORS_DIR, file_stem,
    is_yaml, join_inside,
};
use crate::model::{
    AuditFinding, Control, ControlTest, Evidence, LfsPointer, Policy, PopulationFile, Program,
    Request, Risk, Sha256Hex, SystemDescription, Vendor, is_valid_id,
};
use crate::model::{EntryKind, Record, Store, Text};
use crate::validate;

/// A loaded store and every problem found in it, load and validation alike.
#[derive(Debug)]
pub struct Loaded {
    pub store: Store,
    pub findings: Vec<Finding>,
}

impl Loaded {
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.is_error())
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }
}

/// What loading many revisions of one store (a timeline) shares. Parsed records are
/// kept by the content id their source gives (a git blob id), so each version of a
/// file is parsed once; a record depends only on its file's content, so a hit under
/// another path is the same record moved there. Evidence folders, listed and parsed,
/// and their integrity are kept by the folder's id (a git tree id) for the revisions
/// just read: between two points of a timeline most folders did not change.
/// With `kept_in`, parsed records and files' hashes are also kept on disk between
/// runs (see `DiskCache`).
#[derive(Default)]
pub struct ParseCache {
    records: RwLock<HashMap<[u8; 20], Arc<dyn Any + Send + Sync>>>,
    evidence_folders: Generations<[u8; 20], Arc<EvidenceFolder>>,
    pub(super) checked_folders: Generations<[u8; 20], Arc<integrity::CheckedFolder>>,
    disk: Option<DiskCache>,
    /// Records read from `disk` are remembered in `records` too (`remember_reads`).
    remember_reads: bool,
    /// Nothing is remembered in `records`: one load of one revision asks for each
    /// record once (`kept_for_one_load`).
    one_load: bool,
}

impl ParseCache {
    /// A cache that also reads what earlier runs kept in `dir`, and keeps what this one
    /// learns there on `save`.
    pub fn kept_in(dir: &Path) -> ParseCache {
        ParseCache {
            disk: Some(DiskCache::open(dir)),
            ..ParseCache::default()
        }
    }

    /// The cache for a single load of one revision: what earlier runs kept in `dir` is
    /// read and what this run learns is kept there, but parsed records are not also
    /// remembered in memory (no later load would ask for them; 9 MB on a large store).
    pub fn kept_for_one_load(dir: &Path) -> ParseCache {
        ParseCache {
            one_load: true,
            ..ParseCache::kept_in(dir)
        }
    }

    /// From now on, records read from disk are remembered in memory too: for loads
    /// that hold two whole stores at once (`diff`, the report's store and its months),
    /// which then share each unchanged record. A timeline holds one point at a time and
    /// already shares whole folders: there this would only add.
    pub fn remember_reads(&mut self) {
        self.remember_reads = true;
    }

    /// Writes what this run learned to the cache on disk, if it has one and learned
    /// anything. The cache only saves work: failing to write it fails nothing, so the
    /// error is for the caller to ignore or report.
    pub fn save(&self) -> std::io::Result<()> {
        match &self.disk {
            Some(disk) => disk.save(),
            None => Ok(()),
        }
    }

    /// The cache with what this run learned written to disk now (as dropping it does),
    /// and its disk let go: what is left only holds memory, for a command to leave to
    /// the process's exit instead of freeing a large store's records one by one.
    pub fn saved(mut self) -> ParseCache {
        drop(self.disk.take());
        self
    }

    /// The folder the cache is kept in across runs, if it is.
    pub fn kept_dir(&self) -> Option<&Path> {
        self.disk.as_ref().map(|d| d.dir())
    }

    /// The sha256 of blob `id` and the Git LFS pointer it is, as an earlier run found.
    pub(super) fn hashes(&self, id: [u8; 20]) -> Option<(Sha256Hex, Option<LfsPointer>)> {
        self.disk.as_ref()?.hash(id)
    }

    /// What the secret scan found in blob `id`, as an earlier run found.
    pub(super) fn hits(&self, id: [u8; 20]) -> Option<Vec<crate::secrets::Hit>> {
        self.disk.as_ref()?.scan(id)
    }

    pub(super) fn put_hits(&self, id: [u8; 20], at: &str, hits: &[crate::secrets::Hit]) {
        if let Some(disk) = &self.disk {
            disk.put_scan(id, at, hits);
        }
    }

    pub(super) fn put_hashes(
        &self,
        id: [u8; 20],
        at: &str,
        sha256: &Sha256Hex,
        pointer: Option<&LfsPointer>,
    ) {
        if let Some(disk) = &self.disk {
            disk.put_hash(id, at, sha256, pointer);
        }
    }

    /// Starts a new generation: folders not read since the last call are dropped at the
    /// next one (parsed records are kept).
    pub fn next_generation(&self) {
        self.evidence_folders.next_generation();
        self.checked_folders.next_generation();
    }

    /// The record parsed from the content `id`, at `path` (moved in: a hit copies no
    /// string, only shares the text and the value).
    fn get<T: DeserializeOwned + Send + Sync + 'static>(
        &self,
        path: &mut Option<String>,
        id: [u8; 20],
    ) -> Option<Record<T>> {
        let kept = self.records.read().ok()?.get(&id).cloned();
        let Some(kept) = kept else {
            // Remembered in memory only when asked (`remember_reads`): a timeline reuses
            // whole folders, and a single load would only pay for the copies.
            let (text, value) = self.disk.as_ref()?.record::<T>(id)?;
            let value = Arc::new(value);
            if self.remember_reads {
                self.remember(id, &text, &value);
            }
            return Some(Record {
                path: path.take()?,
                text,
                value,
            });
        };
        let Parsed { text, value } = kept.downcast_ref::<Parsed<T>>()?;
        Some(Record {
            path: path.take()?,
            text: text.clone(),
            value: value.clone(),
        })
    }

    /// Keeps on disk the record of `text` parsed from the content `id`, found at `at`.
    /// The text as the disk keeps it, for the record to read from there rather than
    /// hold (a large store's texts are 30 MB); `None` when it was not kept.
    fn put<T: Serialize>(
        &self,
        id: [u8; 20],
        at: &str,
        text: &str,
        value: &Arc<T>,
    ) -> Option<Text> {
        self.disk.as_ref()?.put_record(id, at, text, &**value)
    }

    /// Remembers in memory the record parsed from the content `id`, for later loads,
    /// unless there is no other load (`kept_for_one_load`).
    fn remember_parsed<T: Send + Sync + 'static>(&self, id: [u8; 20], text: &Text, value: &Arc<T>) {
        if !self.one_load {
            self.remember(id, text, value);
        }
    }

    fn remember<T: Send + Sync + 'static>(&self, id: [u8; 20], text: &Text, value: &Arc<T>) {
        let parsed = Parsed {
            text: text.clone(),
            value: value.clone(),
        };
        if let Ok(mut records) = self.records.write() {
            records.insert(id, Arc::new(parsed));
        }
    }
}

/// What the parse cache keeps of a record: its path is the reader's.
struct Parsed<T> {
    text: Text,
    value: Arc<T>,
}

/// Loads and validates the store. Fails only when there is no store to read at all.
pub fn load(source: &dyn Source) -> Result<Loaded> {
    load_cached(source, None)
}

/// `load`, reusing the records `cache` parsed before when their content is the same.
pub fn load_cached(source: &dyn Source, cache: Option<&ParseCache>) -> Result<Loaded> {
    let mut findings = Vec::new();
    let mut store = Store::default();

    match source.kind(PROGRAM_FILE).context("reading soc2.yaml")? {
        None => bail!(crate::Hinted::new(
            format!(
                "no {PROGRAM_FILE} in {}: this is not a soc2 store",
                source.describe()
            ),
            "run `soc2 init` to create a store here, or pass `--repo DIR` to point at one",
        )),
        Some(EntryKind::Dir) => findings.push(integrity::program_is_a_directory()),
        Some(EntryKind::Symlink) => findings.push(integrity::symbolic_link(PROGRAM_FILE, "file")),
        Some(_) => {
            let (mut programs, program_findings) =
                parse_records::<Program>(source, cache, vec![PROGRAM_FILE.to_string()], "program");
            findings.extend(program_findings);
            store.program = programs.pop();
        }
    }

    let control_paths = record_files(source, CONTROLS_DIR, "control", &mut findings)?;
    let (controls, control_findings) =
        parse_records::<Control>(source, cache, control_paths, "control");
    store.controls = with_ids(controls, |c| &c.id, |c| &mut c.id);
    findings.extend(control_findings);

    let policy_paths = record_files(source, POLICIES_DIR, "policy", &mut findings)?;
    let (policies, policy_findings) =
        parse_records::<Policy>(source, cache, policy_paths, "policy");
    store.policies = with_ids(policies, |p| &p.id, |p| &mut p.id);
    findings.extend(policy_findings);
    load_documents(source, &mut store, &mut findings)?;

    let risk_paths = record_files(source, RISKS_DIR, "risk", &mut findings)?;
    let (risks, risk_findings) = parse_records::<Risk>(source, cache, risk_paths, "risk");
    store.risks = with_ids(risks, |r| &r.id, |r| &mut r.id);
    findings.extend(risk_findings);

    let request_paths = record_files(source, REQUESTS_DIR, "request", &mut findings)?;
    let (requests, request_findings) =
        parse_records::<Request>(source, cache, request_paths, "request");
    store.requests = with_ids(requests, |r| &r.id, |r| &mut r.id);
    findings.extend(request_findings);

    let vendor_paths = record_files(source, VENDORS_DIR, "vendor", &mut findings)?;
    let (vendors, vendor_findings) = parse_records::<Vendor>(source, cache, vendor_paths, "vendor");
    store.vendors = with_ids(vendors, |v| &v.id, |v| &mut v.id);
    findings.extend(vendor_findings);
    load_system(source, cache, &mut store, &mut findings)?;

    load_evidence(source, cache, &mut store, &mut findings)?;

    let test_paths = test_files(source)?;
    let (mut tests, test_findings) =
        parse_records::<ControlTest>(source, cache, test_paths, "test");
    tests.sort_by(|a, b| a.path.cmp(&b.path));
    store.tests = tests;
    findings.extend(test_findings);

    let finding_paths = record_files(source, FINDINGS_DIR, "finding", &mut findings)?;
    let (audit_findings, finding_findings) =
        parse_records::<AuditFinding>(source, cache, finding_paths, "finding");
    store.audit_findings = with_ids(audit_findings, |f| &f.id, |f| &mut f.id);
    findings.extend(finding_findings);

    load_populations(source, &mut store, &mut findings)?;
    store.unreadable = findings
        .iter()
        .filter_map(|f| f.file.clone())
        .filter(|p| is_yaml(p))
        .collect();

    // Two independent reads of the loaded store: side by side.
    let (mut validation, paths) =
        rayon::join(|| validate::validate(&store), || integrity::paths(&store));
    validation.extend(paths);
    attach_sources(&store, &mut validation);
    findings.extend(validation);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(Loaded { store, findings })
}

/// Gives validation findings the line they point at, from the records' texts.
fn attach_sources(store: &Store, findings: &mut [Finding]) {
    if findings.is_empty() {
        return;
    }
    let mut texts: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    if let Some(r) = &store.program {
        texts.insert(&r.path, &r.text);
    }
    for r in &store.controls {
        texts.insert(&r.path, &r.text);
    }
    for r in &store.policies {
        texts.insert(&r.path, &r.text);
    }
    for r in &store.risks {
        texts.insert(&r.path, &r.text);
    }
    for r in &store.requests {
        texts.insert(&r.path, &r.text);
    }
    for r in &store.tests {
        texts.insert(&r.path, &r.text);
    }
    for r in &store.audit_findings {
        texts.insert(&r.path, &r.text);
    }
    for r in &store.vendors {
        texts.insert(&r.path, &r.text);
    }
    if let Some(r) = &store.system {
        texts.insert(&r.path, &r.text);
    }
    if let Some(text) = &store.system_text {
        texts.insert(SYSTEM_DOCUMENT, text);
    }
    let wanted: BTreeSet<&str> = findings.iter().filter_map(|f| f.file.as_deref()).collect();
    for r in store
        .evidence
        .iter()
        .filter(|r| wanted.contains(r.path.as_str()))
    {
        texts.insert(&r.path, &r.text);
    }
    for finding in findings.iter_mut() {
        if let Some(text) = finding.file.as_deref().and_then(|f| texts.get(f)) {
            *finding = finding.clone().with_source(text);
        }
    }
}

/// The YAML files directly in `dir`; a directory where a record belongs is a finding.
fn record_files(
    source: &dyn Source,
    dir: &str,
    what: &str,
    findings: &mut Vec<Finding>,
) -> Result<Vec<String>> {
    let Some(entries) = list_folder(source, dir, findings)? else {
        return Ok(Vec::new());
    };
    let mut paths = Vec::new();
    for entry in entries.iter().filter(|e| !e.name.starts_with('.')) {
        let path = format!("{dir}/{}", entry.name);
        if entry.not_utf8 {
            findings.push(integrity::name_not_utf8(&path));
            continue;
        }
        match entry.kind {
            EntryKind::Dir => findings.push(integrity::directory_for_a_record(&path, dir, what)),
            EntryKind::Symlink if is_yaml(&entry.name) => {
                findings.push(integrity::symbolic_link(&path, "file"));
            }
            _ if is_yaml(&entry.name) => paths.push(path),
            _ => {}
        }
    }
    Ok(paths)
}

/// The entries of one of the store's top folders; a folder that is a symbolic link is
/// a finding and is not followed.
fn list_folder(
    source: &dyn Source,
    dir: &str,
    findings: &mut Vec<Finding>,
) -> Result<Option<Vec<super::DirEntry>>> {
    if source
        .kind(dir)
        .with_context(|| format!("reading {dir}/"))?
        == Some(EntryKind::Symlink)
    {
        findings.push(integrity::symbolic_link(dir, "folder"));
        return Ok(None);
    }
    source.list(dir).with_context(|| format!("listing {dir}/"))
}

/// Test records: the YAML files in the folders of tests/ named like IDs. Anything else
/// under tests/ (a project's own test code, in a repository that holds both) is not the
/// store's, and is left alone.
fn test_files(source: &dyn Source) -> Result<Vec<String>> {
    let Some(entries) = source.list(TESTS_DIR).context("listing tests/")? else {
        return Ok(Vec::new());
    };
    let mut paths = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| e.kind == EntryKind::Dir && is_valid_id(&e.name))
    {
        let dir = format!("{TESTS_DIR}/{}", entry.name);
        let files = source
            .list(&dir)
            .with_context(|| format!("listing {dir}/"))?
            .unwrap_or_default();
        paths.extend(
            files
                .iter()
                .filter(|f| f.kind != EntryKind::Dir && !f.name.starts_with('.'))
                .filter(|f| is_yaml(&f.name))
                .map(|f| format!("{dir}/{}", f.name)),
        );
    }
    Ok(paths)
}

/// Population files: `populations/<CONTROL>/*.csv`. Two files of one control may not
/// list one event.
fn load_populations(
    source: &dyn Source,
    store: &mut Store,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let Some(entries) = source
        .list(POPULATIONS_DIR)
        .context("listing populations/")?
    else {
        return Ok(());
    };
    for entry in entries.iter().filter(|e| !e.name.starts_with('.')) {
        let path = format!("{POPULATIONS_DIR}/{}", entry.name);
        if entry.kind != EntryKind::Dir {
            if entry.name.ends_with(".csv") {
                findings.push(population::outside_a_folder(&path));
            }
            continue;
        }
        let files = source
            .list(&path)
            .with_context(|| format!("listing {path}/"))?
            .unwrap_or_default();
        let mut control_files: Vec<PopulationFile> = Vec::new();
        for file in files
            .iter()
            .filter(|f| f.kind != EntryKind::Dir && f.name.ends_with(".csv"))
        {
            let file_path = format!("{path}/{}", file.name);
            let bytes = match source.read(&file_path) {
                Ok(bytes) => bytes,
                Err(err) => {
                    findings.push(unreadable(&file_path, &err));
                    continue;
                }
            };
            let text = match utf8(&file_path, &bytes) {
                Ok(text) => text,
                Err(finding) => {
                    findings.push(finding);
                    continue;
                }
            };
            let (mut parsed, problems) = population::parse(&file_path, &entry.name, text);
            findings.extend(problems);
            parsed.rows.retain(|row| {
                match control_files
                    .iter()
                    .find(|f| f.rows.iter().any(|r| r.id == row.id))
                {
                    Some(first) => {
                        findings.push(population::duplicate_across(first, row, &file_path));
                        false
                    }
                    None => true,
                }
            });
            control_files.push(parsed);
        }
        store.populations.extend(control_files);
    }
    Ok(())
}

/// Reads and parses every path, in parallel.
fn parse_records<T>(
    source: &dyn Source,
    cache: Option<&ParseCache>,
    paths: Vec<String>,
    what: &str,
) -> (Vec<Record<T>>, Vec<Finding>)
where
    T: DeserializeOwned + Serialize + Clone + Send + Sync + 'static,
{
    // Reading and parsing are independent per file: use every core.
    let parsed: Vec<Result<Record<T>, Vec<Finding>>> = paths
        .into_par_iter()
        .map(|path| {
            let mut path = Some(path);
            let mut id = cache.and_then(|_| source.content_id(path.as_deref()?));
            if let (Some(cache), Some(id)) = (cache, id)
                && let Some(record) = cache.get::<T>(&mut path, id)
            {
                return Ok(record);
            }
            // A text the cache keeps on disk is read back from there, not held: read
            // into this thread's buffer, used again for the next file.
            let keeps_texts = cache.is_some_and(|cache| cache.disk.is_some());
            let content = read(
                source,
                path.as_deref().expect("kept on a miss"),
                keeps_texts,
            );
            // Kept by the id of the bytes read when the source knows none (a file git's
            // index does not vouch for), so that the revisions read next find the
            // record; and for the working tree always: a file that changed after its
            // stat data vouched for an id is not kept under that id.
            if (id.is_none() || source.is_working_tree())
                && let (Some(cache), Ok(bytes)) = (cache, &content)
            {
                let computed = blob_id(bytes);
                if id != Some(computed) {
                    if let Some(record) = cache.get::<T>(&mut path, computed) {
                        return Ok(record);
                    }
                    id = Some(computed);
                }
            }
            let path = path.expect("kept on a miss");
            let bytes = content.map_err(|err| vec![unreadable(&path, &err)])?;
            let (Some(cache), Some(id), true) = (cache, id, keeps_texts) else {
                // Held by the record: the bytes read become its text.
                let text = String::from_utf8(bytes)
                    .map_err(|err| not_text(&path, err.as_bytes(), err.utf8_error()))?;
                let value = Arc::new(parse_one::<T>(&path, &text, what)?);
                let mut text = Text::from(text.into_boxed_str());
                if let (Some(cache), Some(id)) = (cache, id) {
                    text.know_id(id);
                    cache.remember_parsed(id, &text, &value);
                }
                return Ok(Record { path, text, value });
            };
            let text = std::str::from_utf8(&bytes).map_err(|err| not_text(&path, &bytes, err))?;
            let value = Arc::new(parse_one::<T>(&path, text, what)?);
            let text = cache.put(id, &path, text, &value).unwrap_or_else(|| {
                let mut text = Text::from(text);
                text.know_id(id);
                text
            });
            READ_BUFFER.set(bytes);
            cache.remember_parsed(id, &text, &value);
            Ok(Record { path, text, value })
        })
        .collect();
    let mut records = Vec::with_capacity(parsed.len());
    let mut findings = Vec::new();
    for result in parsed {
        match result {
            Ok(record) => records.push(record),
            Err(all) => findings.extend(all),
        }
    }
    (records, findings)
}

thread_local! {
    /// What `read` reads into when the text is not to be held.
    static READ_BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// The bytes of `path`: in this thread's buffer when `reuse` (to be given back), else in
/// a buffer of their own.
fn read(source: &dyn Source, path: &str, reuse: bool) -> std::io::Result<Vec<u8>> {
    if !reuse {
        return source.read(path);
    }
    let mut bytes = READ_BUFFER.take();
    bytes.clear();
    // A very large file's buffer is not kept for the small ones after it.
    if bytes.capacity() > 1 << 20 {
        bytes = Vec::new();
    }
    source.read_into(path, &mut bytes)?;
    Ok(bytes)
}

/// The finding for a file whose `bytes` are not UTF-8, showing them as best it can.
fn not_text(path: &str, bytes: &[u8], err: std::str::Utf8Error) -> Vec<Finding> {
    vec![not_utf8(path, bytes, err).with_source(&String::from_utf8_lossy(bytes))]
}

/// The id git gives a file of these bytes (its blob id).
fn blob_id(bytes: &[u8]) -> [u8; 20] {
    let mut sha1 = sha1_smol::Sha1::new();
    sha1.update(format!("blob {}\0", bytes.len()).as_bytes());
    sha1.update(bytes);
    sha1.digest().bytes()
}

/// What the text of `path` parses into.
fn parse_one<T: DeserializeOwned>(path: &str, text: &str, what: &str) -> Result<T, Vec<Finding>> {
    parse_all::<T>(path, text, what).map_err(|all| {
        all.into_iter()
            .map(|f| f.with_source(text))
            .collect::<Vec<_>>()
    })
}

/// Records may leave `id` out; it is then the file name. Sorted by ID. Only a record
/// without one is changed (and so copied, when a parse cache shares it).
fn with_ids<T: Clone>(
    mut records: Vec<Record<T>>,
    id: impl Fn(&T) -> &String,
    id_mut: impl Fn(&mut T) -> &mut String,
) -> Vec<Record<T>> {
    for record in &mut records {
        if id(&record.value).is_empty() {
            let stem = file_stem(&record.path).to_string();
            *id_mut(Arc::make_mut(&mut record.value)) = stem;
        }
    }
    records.sort_by(|a, b| a.path.cmp(&b.path));
    records
}

fn load_documents(
    source: &dyn Source,
    store: &mut Store,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    for policy in &store.policies {
        let Some(document) = &policy.value.document else {
            continue;
        };
        // An escaping path is reported by validation; it is never read.
        let Some(path) = join_inside(POLICIES_DIR, document) else {
            continue;
        };
        match source.kind(&path)? {
            Some(EntryKind::Symlink) => {
                findings.push(integrity::linked_document(policy, &path));
            }
            Some(EntryKind::File) => {
                let bytes = source
                    .read(&path)
                    .with_context(|| format!("reading {path}"))?;
                store.documents.insert(policy.value.id.clone(), bytes);
            }
            _ => findings.push(integrity::missing_document(policy, &path)),
        }
    }
    Ok(())
}

/// The system description: its record (owner, approval) and its text, each optional.
fn load_system(
    source: &dyn Source,
    cache: Option<&ParseCache>,
    store: &mut Store,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let has_record = match source.kind(SYSTEM_FILE)? {
        Some(EntryKind::Dir) => {
            findings.push(integrity::directory_for_a_record(
                SYSTEM_FILE,
                "system",
                "system description",
            ));
            false
        }
        Some(_) => true,
        None => false,
    };
    if has_record {
        let (mut records, record_findings) = parse_records::<SystemDescription>(
            source,
            cache,
            vec![SYSTEM_FILE.to_string()],
            "system description",
        );
        findings.extend(record_findings);
        store.system = records.pop();
    }
    match source.kind(SYSTEM_DOCUMENT)? {
        Some(EntryKind::File | EntryKind::Symlink) => {
            let bytes = source
                .read(SYSTEM_DOCUMENT)
                .with_context(|| format!("reading {SYSTEM_DOCUMENT}"))?;
            match utf8(SYSTEM_DOCUMENT, &bytes) {
                Ok(text) => store.system_text = Some(text.to_string()),
                Err(finding) => findings.push(finding),
            }
        }
        _ if has_record => findings.push(integrity::missing_system_document()),
        _ => {}
    }
    Ok(())
}

/// Evidence records are the YAML files in `evidence/<CONTROL>/`; everything else there
/// is an attached file. A YAML file that a record lists as an attachment is an
/// attachment too.
fn load_evidence(
    source: &dyn Source,
    cache: Option<&ParseCache>,
    store: &mut Store,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let Some(entries) = list_folder(source, EVIDENCE_DIR, findings)? else {
        return Ok(());
    };
    let mut control_dirs = Vec::new();
    for entry in entries.iter().filter(|e| !e.name.starts_with('.')) {
        let path = format!("{EVIDENCE_DIR}/{}", entry.name);
        if entry.not_utf8 {
            findings.push(integrity::name_not_utf8(&path));
            continue;
        }
        match entry.kind {
            EntryKind::Dir => control_dirs.push(path),
            EntryKind::Symlink => findings.push(integrity::symbolic_link(&path, "folder")),
            _ if is_yaml(&entry.name) => findings.push(integrity::record_outside_a_folder(&path)),
            _ => {}
        }
    }
    // A large store has a folder per control: read them on every core.
    let folders = control_dirs
        .par_iter()
        .map(|dir| EvidenceFolder::of(source, cache, dir))
        .collect::<Result<Vec<Arc<EvidenceFolder>>>>()?;
    let (mut records, mut parse_findings, mut files) = (Vec::new(), Vec::new(), Vec::new());
    let mut attachments = BTreeSet::new();
    for folder in folders {
        // Kept by the cache: copied (the records share their text and value). Otherwise
        // the only holder: moved.
        let folder = Arc::try_unwrap(folder).unwrap_or_else(|kept| EvidenceFolder::clone(&kept));
        records.extend(folder.records);
        attachments.extend(folder.attachments);
        parse_findings.extend(folder.parse_findings);
        files.extend(folder.files);
        findings.extend(
            folder
                .linked_records
                .iter()
                .map(|path| integrity::symbolic_link(path, "file")),
        );
        findings.extend(
            folder
                .bad_names
                .iter()
                .map(|path| integrity::name_not_utf8(path)),
        );
    }
    let mut files: BTreeMap<String, EntryKind> = files.into_iter().collect();
    parse_findings.retain(|f| !f.file.as_ref().is_some_and(|p| attachments.contains(p)));
    findings.extend(parse_findings);
    let attached: Vec<_> = records
        .extract_if(.., |r| attachments.contains(&r.path))
        .collect();
    // YAML attachments are rare: look their kind up rather than carry every
    // candidate's kind through parsing.
    for attachment in attached {
        if let Some(kind) = source.kind(&attachment.path)? {
            files.insert(attachment.path, kind);
        }
    }
    store.evidence_files = files;
    records.sort_by(|a, b| a.path.cmp(&b.path));
    store.evidence = records;
    Ok(())
}

/// One control folder of evidence/, listed, with its records parsed. What it holds
/// depends only on the folder's content: a timeline keeps it by the folder's id.
#[derive(Clone)]
struct EvidenceFolder {
    dir: String,
    records: Vec<Record<Evidence>>,
    parse_findings: Vec<Finding>,
    files: Vec<(String, EntryKind)>,
    /// The YAML files its records name as their evidence files (see `attachments`).
    attachments: Vec<String>,
    linked_records: Vec<String>,
    bad_names: Vec<String>,
}

impl EvidenceFolder {
    fn of(source: &dyn Source, cache: Option<&ParseCache>, dir: &str) -> Result<Arc<Self>> {
        let id = cache.and_then(|_| source.folder_id(dir));
        if let (Some(cache), Some(id)) = (cache, id)
            && let Some(folder) = cache.evidence_folders.get(&id)
            && folder.dir == dir
        {
            return Ok(folder);
        }
        let listing = Listing::of(source, dir)?;
        let (records, parse_findings) =
            parse_records::<Evidence>(source, cache, listing.records, "evidence");
        let folder = Arc::new(EvidenceFolder {
            dir: dir.to_string(),
            attachments: attachments(dir, &records),
            records,
            parse_findings,
            files: listing.files,
            linked_records: listing.linked_records,
            bad_names: listing.bad_names,
        });
        if let (Some(cache), Some(id)) = (cache, id) {
            cache.evidence_folders.insert(id, folder.clone());
        }
        Ok(folder)
    }
}

/// Of the files the records of folder `dir` name, the YAML ones: a record's evidence
/// file, never a record itself. Only a YAML file can be taken for a record, so only
/// these matter (a joined path keeps the extension of the name written): in a store of
/// csv and pdf evidence there are none, and checking a record against them costs
/// nothing.
fn attachments(dir: &str, records: &[Record<Evidence>]) -> Vec<String> {
    records
        .iter()
        .flat_map(|r| &r.value.files)
        .filter_map(|f| f.path.as_deref().filter(|p| is_yaml(p)))
        .filter_map(|p| join_inside(dir, p))
        .collect()
}

/// One control folder of evidence/: the YAML files at its top may be records;
/// everything else, at any depth, is an attached file.
#[derive(Default)]
struct Listing {
    records: Vec<String>,
    files: Vec<(String, EntryKind)>,
    /// YAML files at the top that are symbolic links: never read.
    linked_records: Vec<String>,
    /// Files and folders whose names are not UTF-8: never read.
    bad_names: Vec<String>,
}

impl Listing {
    fn of(source: &dyn Source, dir: &str) -> Result<Listing> {
        let mut listing = Listing::default();
        listing.collect(source, dir, true)?;
        Ok(listing)
    }

    fn collect(&mut self, source: &dyn Source, dir: &str, top: bool) -> Result<()> {
        let entries = source
            .list(dir)
            .with_context(|| format!("listing {dir}/"))?
            .unwrap_or_default();
        // Hidden files are skipped at the top only: below it, everything is attached.
        for entry in entries.iter().filter(|e| !top || !e.name.starts_with('.')) {
            // Sized once: a large store builds a path for each of its files.
            let mut path = String::with_capacity(dir.len() + 1 + entry.name.len());
            path.push_str(dir);
            path.push('/');
            path.push_str(&entry.name);
            if entry.not_utf8 {
                self.bad_names.push(path);
                continue;
            }
            match entry.kind {
                EntryKind::Dir => self.collect(source, &path, false)?,
                EntryKind::Symlink if top && is_yaml(&entry.name) => self.linked_records.push(path),
                _ if top && is_yaml(&entry.name) => self.records.push(path),
                kind => self.files.push((path, kind)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This checkout's store, read once through a cache kept in a new folder (which
    /// has learned it, and written nothing yet).
    fn checkout_read_through_a_new_cache() -> (crate::store::WorkTree, tempfile::TempDir, ParseCache)
    {
        let store = crate::store::WorkTree::new(env!("CARGO_MANIFEST_DIR"));
        let dir = tempfile::tempdir().unwrap();
        let learned = ParseCache::kept_in(dir.path());
        load_cached(&store, Some(&learned)).unwrap();
        (store, dir, learned)
    }

    /// `saved` writes what the run learned before the memory is let go, and what is
    /// left no longer writes when dropped.
    #[test]
    fn a_saved_cache_has_written_what_it_learned() {
        let (_, dir, learned) = checkout_read_through_a_new_cache();
        let file = dir.path().join("parse-cache");
        assert!(!file.exists());
        let rest = learned.saved();
        assert!(file.exists());
        assert!(rest.kept_dir().is_none());
        std::fs::remove_file(&file).unwrap();
        drop(rest);
        assert!(!file.exists());
    }

    /// Two loads through a cache that remembers what it reads hold one copy of each
    /// record read from disk; through one that does not, a copy each.
    #[test]
    fn a_cache_remembering_reads_shares_records_between_loads() {
        let (store, dir, learned) = checkout_read_through_a_new_cache();
        learned.save().unwrap();
        let shared_by = |cache: &ParseCache| {
            let (a, b) = (
                load_cached(&store, Some(cache)).unwrap().store,
                load_cached(&store, Some(cache)).unwrap().store,
            );
            assert!(!a.evidence.is_empty());
            let both = |x: &Store, y: &Store| {
                x.evidence
                    .iter()
                    .zip(&y.evidence)
                    .filter(|(x, y)| Arc::ptr_eq(&x.value, &y.value))
                    .count()
            };
            (both(&a, &b), a.evidence.len())
        };
        let mut remembering = ParseCache::kept_in(dir.path());
        remembering.remember_reads();
        let (shared, all) = shared_by(&remembering);
        assert_eq!(shared, all);
        assert_eq!(shared_by(&ParseCache::kept_in(dir.path())).0, 0);
    }

    /// Every record a load parses is kept on disk, under its content's id and type, for
    /// the next run to read instead of parsing it.
    #[test]
    fn what_one_load_parses_the_next_run_reads_from_disk() {
        let (store, dir, learned) = checkout_read_through_a_new_cache();
        let loaded = load_cached(&store, Some(&learned)).unwrap().store;
        learned.save().unwrap();
        let next = DiskCache::open(dir.path());
        let id = |path: &str| blob_id(&std::fs::read(store.path(path)).unwrap());
        assert!(!loaded.evidence.is_empty() && !loaded.controls.is_empty());
        for record in &loaded.evidence {
            let (_, value) = next.record::<Evidence>(id(&record.path)).unwrap();
            assert_eq!(value, *record.value);
        }
        for record in &loaded.controls {
            let (text, value) = next.record::<Control>(id(&record.path)).unwrap();
            assert_eq!((&*text, &value), (&*record.text, &*record.value));
        }
    }

    /// Records parsed on the run that fills a cache read their texts back from it, as
    /// the files hold them.
    #[test]
    fn records_learned_by_a_cache_read_their_texts_back_from_it() {
        let (store, _dir, learned) = checkout_read_through_a_new_cache();
        let loaded = load_cached(&store, Some(&learned)).unwrap().store;
        assert!(!loaded.evidence.is_empty());
        for record in &loaded.evidence {
            let file = std::fs::read_to_string(store.path(&record.path)).unwrap();
            assert_eq!(record.text.with(str::to_string), file, "{}", record.path);
        }
    }

    /// A cache for many loads remembers what it parsed, and the next load shares it; a
    /// cache for one load does not (nothing would ask for it again).
    #[test]
    fn only_a_cache_for_many_loads_remembers_what_it_parsed() {
        let store = crate::store::WorkTree::new(env!("CARGO_MANIFEST_DIR"));
        let shared = |cache: ParseCache| {
            let a = load_cached(&store, Some(&cache)).unwrap().store;
            let b = load_cached(&store, Some(&cache)).unwrap().store;
            (a.evidence.iter().zip(&b.evidence))
                .filter(|(x, y)| Arc::ptr_eq(&x.value, &y.value))
                .count()
        };
        let (many, one) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        assert!(shared(ParseCache::kept_in(many.path())) > 0);
        assert_eq!(shared(ParseCache::kept_for_one_load(one.path())), 0);
    }

    /// A YAML file a record names as its evidence is a file of the store, not a
    /// record, in whichever folder it is; one nobody names is a record (and here fails).
    #[test]
    fn a_yaml_file_a_record_names_is_evidence_not_a_record() {
        let mut tree = crate::store::MemoryTree::new();
        tree.insert("soc2.yaml", "organisation: Test\n");
        let record = |file: &str| {
            format!(
                "control: A-01\ncollected_at: 2026-01-05\nkind: export\nfiles:\n  - path: {file}\n    sha256: {}\n",
                "0".repeat(64)
            )
        };
        tree.insert("evidence/A-01/one.yaml", record("users.yaml"));
        // Parses as a record would: only being named makes it a file.
        tree.insert("evidence/A-01/users.yaml", record("x.csv"));
        tree.insert("evidence/A-02/two.yaml", record("nested/roles.yaml"));
        tree.insert("evidence/A-02/nested/roles.yaml", "- admin\n");
        tree.insert("evidence/A-02/stray.yaml", "- nobody names me\n");
        let loaded = load(&tree).unwrap();
        let records: Vec<&str> = loaded
            .store
            .evidence
            .iter()
            .map(|r| r.path.as_str())
            .collect();
        assert_eq!(
            records,
            ["evidence/A-01/one.yaml", "evidence/A-02/two.yaml"]
        );
        for file in [
            "evidence/A-01/users.yaml",
            "evidence/A-02/nested/roles.yaml",
        ] {
            assert!(loaded.store.evidence_files.contains_key(file), "{file}");
            assert!(
                loaded
                    .findings
                    .iter()
                    .all(|f| f.file.as_deref() != Some(file)),
                "{file}"
            );
        }
        assert!(
            loaded
                .findings
                .iter()
                .any(|f| f.file.as_deref() == Some("evidence/A-02/stray.yaml")),
            "{:?}",
            loaded.findings
        );
    }

    #[test]
    fn a_blob_id_is_the_one_git_gives() {
        // `printf 'hello\n' | git hash-object --stdin`
        let id: String = blob_id(b"hello\n")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(id, "ce013625030ba8dba906f756967f9e9ca394464a");
    }
}

#[cfg(test)]
mod cached_values {
    use std::fmt::Debug;

    use super::*;
    use crate::store::WorkTree;

    /// The parse cache keeps values as JSON: each must come back as it was parsed.
    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(records: &[Record<T>]) {
        assert!(!records.is_empty(), "the demonstration store has none");
        for record in records {
            let json = serde_json::to_vec(&*record.value).unwrap();
            let back: T = serde_json::from_slice(&json).unwrap();
            assert_eq!(&back, &*record.value, "{}", record.path);
        }
    }

    #[test]
    fn every_record_of_the_demonstration_store_comes_back_from_json_unchanged() {
        let loaded = load(&WorkTree::new(env!("CARGO_MANIFEST_DIR"))).unwrap();
        let store = &loaded.store;
        round_trip(store.program.as_slice());
        round_trip(&store.controls);
        round_trip(&store.policies);
        round_trip(&store.risks);
        round_trip(&store.requests);
        round_trip(&store.vendors);
        round_trip(store.system.as_slice());
        round_trip(&store.evidence);
        round_trip(&store.tests);
        round_trip(&store.audit_findings);
    }
}
